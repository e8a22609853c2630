//! The SQLite [`Backend`]: one file under the data directory, WAL, one writer
//! connection and a few readers, every operation on tokio's blocking pool.
//!
//! Writes run in `BEGIN IMMEDIATE` transactions that commit only when the
//! operation succeeds; a whole push is one transaction, which is what makes
//! batch ingest fast. Reads run in a deferred transaction on a reader, so a
//! read of several statements sees one snapshot. An operation is an `async`
//! function over [`Conn`] whose SQLite calls never wait, so the blocking
//! thread drives it to completion in one poll. The workspace's rusqlite is
//! built with SQLCipher; the server opens its database without a key, which
//! is plain SQLite (the server's disk encryption is the host's business).

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{Backend, Conn, Dialect, OpFuture, Param, Row, Value};
use crate::storage::{Result, StorageError, schema};

const READERS: usize = 2;

/// Statements each connection keeps prepared (every statement the storage
/// runs, with room for the console's filter combinations).
const STATEMENT_CACHE: usize = 128;

/// The embedded SQLite database.
pub struct SqliteBackend {
    writer: Arc<Mutex<Connection>>,
    readers: Vec<Arc<Mutex<Connection>>>,
    next_reader: AtomicUsize,
}

fn open_conn(path: &Path, flags: OpenFlags) -> Result<Connection> {
    doorstep_sqlcipher::initialize().map_err(|code| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            Some("SQLite could not be initialized".into()),
        )
    })?;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

impl SqliteBackend {
    /// Opens (creating when missing) the database at `path`, in WAL mode, at
    /// the current schema. Refuses a database newer than this code.
    pub fn open(path: &Path) -> Result<Self> {
        let mut writer = open_conn(path, OpenFlags::default())?;
        // Before WAL is switched on, which would already change the file.
        schema::sqlite_refuse_newer(&writer)?;
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Corrupt(format!(
                "journal mode {mode}, not WAL"
            )));
        }
        schema::sqlite_migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                open_conn(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )
                .map(|c| Arc::new(Mutex::new(c)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Runs `op` on `conn` in a transaction opened with `begin`, off the async threads.
    async fn run<T, F>(conn: Arc<Mutex<Connection>>, begin: &'static str, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConn) -> OpFuture<'c, T> + Send + 'static,
    {
        let guard = conn.lock_owned().await;
        tokio::task::spawn_blocking(move || {
            let mut conn = SqliteConn { conn: guard };
            if !conn.conn.is_autocommit() {
                // An operation that panicked left its transaction open.
                conn.conn.execute_batch("ROLLBACK")?;
            }
            conn.conn.execute_batch(begin)?;
            match run_now(op(&mut conn)) {
                Ok(out) => {
                    conn.conn.execute_batch("COMMIT")?;
                    Ok(out)
                }
                Err(e) => {
                    // The operation's error is the one worth reporting.
                    let _ = conn.conn.execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }
}

/// Drives a future whose every step is ready (SQLite's calls never wait).
fn run_now<T>(op: impl Future<Output = Result<T>>) -> Result<T> {
    let mut op = std::pin::pin!(op);
    match op.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(StorageError::Task(
            "a SQLite operation waited on something".into(),
        )),
    }
}

impl Backend for SqliteBackend {
    type Conn = SqliteConn;

    fn read<T, F>(&self, op: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConn) -> OpFuture<'c, T> + Send + 'static,
    {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        Self::run(Arc::clone(&self.readers[i]), "BEGIN", op)
    }

    fn write<T, F>(&self, op: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConn) -> OpFuture<'c, T> + Send + 'static,
    {
        Self::run(Arc::clone(&self.writer), "BEGIN IMMEDIATE", op)
    }
}

/// A SQLite connection lent to one operation.
pub struct SqliteConn {
    conn: OwnedMutexGuard<Connection>,
}

impl SqliteConn {
    /// The connection itself, for what only SQLite does (tests, migrations).
    pub fn raw(&self) -> &Connection {
        &self.conn
    }
}

/// `sql` with PostgreSQL's `$n` placeholders written as SQLite's `?n`.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

fn value(v: ValueRef<'_>) -> Result<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) => Value::Text(
            String::from_utf8(t.to_vec())
                .map_err(|_| StorageError::Corrupt("stored text is not UTF-8".into()))?,
        ),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

impl Conn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn query(&mut self, sql: &str, params: &[&(dyn Param + Sync)]) -> Result<Vec<Row>> {
        let mut stmt = self.conn.prepare_cached(&placeholders(sql))?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(
            params.iter().map(|p| p.sqlite()),
        ))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(Row((0..n)
                .map(|i| value(r.get_ref(i)?))
                .collect::<Result<_>>()?));
        }
        Ok(out)
    }

    async fn execute(&mut self, sql: &str, params: &[&(dyn Param + Sync)]) -> Result<u64> {
        let n =
            self.conn
                .prepare_cached(&placeholders(sql))?
                .execute(rusqlite::params_from_iter(
                    params.iter().map(|p| p.sqlite()),
                ))?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Storage;
    use crate::storage::sqlite::SqliteStorage;
    use doorstep_model::Subdistrict;
    use uuid::Uuid;

    /// Runs one query of two integers on a reader of the database at `path`.
    fn read_pair(path: &Path, sql: &'static str) -> (i64, i64) {
        let backend = SqliteBackend::open(path).expect("open");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime
            .block_on(backend.read(move |c| {
                Box::pin(
                    async move { Ok(c.raw().query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))?) },
                )
            }))
            .expect("read")
    }

    #[test]
    fn a_newer_database_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("doorstep.db");
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch("CREATE TABLE from_the_future (x); PRAGMA user_version = 99;")
                .expect("write");
        }
        let before = std::fs::read(&path).expect("read");
        match SqliteBackend::open(&path) {
            Err(StorageError::NewerSchema { found, supported }) => {
                assert_eq!((found, supported), (99, schema::VERSION));
            }
            Err(other) => panic!("wrong error: {other}"),
            Ok(_) => panic!("a newer database was opened"),
        }
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "the file is untouched"
        );
    }

    #[test]
    fn a_database_reopens_at_its_version_with_its_data() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("doorstep.db");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let db = SqliteStorage::open(&path).expect("create");
            let s = Subdistrict {
                id: Uuid::new_v4(),
                name: "春熙路街道".into(),
            };
            db.add_subdistrict(&s).await.expect("write");
        });
        let (n, version) = read_pair(
            &path,
            "SELECT (SELECT COUNT(*) FROM subdistricts), (SELECT user_version FROM pragma_user_version)",
        );
        assert_eq!((n, version), (1, schema::VERSION));
    }

    #[test]
    fn a_version_1_database_gains_the_console_tables_and_keeps_its_data() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("doorstep.db");
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch(schema::CREATE_V1_SQLITE).expect("v1");
            conn.execute_batch(
                "INSERT INTO subdistricts (id, name) VALUES ('s', '春熙路街道'); PRAGMA user_version = 1;",
            )
            .expect("write");
        }
        let (version, subdistricts) = read_pair(
            &path,
            "SELECT (SELECT user_version FROM pragma_user_version), (SELECT COUNT(*) FROM subdistricts)",
        );
        assert_eq!((version, subdistricts), (schema::VERSION, 1));
        let (sessions, indexes) = read_pair(
            &path,
            "SELECT (SELECT COUNT(*) FROM console_sessions),
                    (SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'
                       AND name IN ('visits_grid_finalized', 'visits_status'))",
        );
        assert_eq!((sessions, indexes), (0, 2));
    }

    #[test]
    fn numbered_placeholders_become_sqlite_ones_and_json_paths_stay() {
        assert_eq!(
            placeholders("SELECT a ->> '$[0]' FROM t WHERE x = $1 AND y = $12 OR x = $1"),
            "SELECT a ->> '$[0]' FROM t WHERE x = ?1 AND y = ?12 OR x = ?1"
        );
    }
}
