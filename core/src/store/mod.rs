//! The encrypted device store: SQLCipher through rusqlite.
//!
//! - **Keys** come from the caller ([`DatabaseKey`]); the phone keeps them in the
//!   Android Keystore or iOS Keychain. The file on disk is unreadable without one.
//! - **Opening** checks, in order: the file exists (or may be created); it is not
//!   plain SQLite; the key decrypts it (a wrong key is told apart from a damaged
//!   file by the key check beside it, see [`key`]); its schema is not newer than
//!   this code (refused and untouched); its pages are sound (`quick_check`). A
//!   damaged database is **never deleted**: it is renamed aside with a timestamp
//!   and the error says where it went, so unsynced visits can still be rescued.
//! - **Connections**: one writer and one read-only reader, WAL, `busy_timeout`,
//!   temp data in memory. Every logical write is one immediate transaction
//!   through [`Store::write`], committed only when the closure succeeds.
//! - **Durability**: WAL with `synchronous = NORMAL`, Android's own default for
//!   WAL databases. A commit appends to the WAL without waiting for the flash
//!   (the WAL is synced at each checkpoint instead), so an answer is committed
//!   in well under a millisecond instead of one fsync (5–15 ms on a phone),
//!   and the visit screen re-renders at once after every answer. What it
//!   keeps: a committed write survives the app being killed or crashing —
//!   the worker's common case (the camera pushing the app out, the system
//!   reclaiming memory, a swipe away) — because the WAL is already in the
//!   operating system's hands (`tests/store_killed.rs` kills a writing
//!   process and finds every write it had reported). On power loss or a
//!   kernel crash, at most the transactions since the last checkpoint are
//!   lost and the database is never corrupted: it opens at an earlier
//!   committed state. `FULL` would keep those last transactions too, at one
//!   fsync per answer. The outbox is in the same store, so what rolls back
//!   rolls back whole: never a visit marked sent that was not, or the reverse.
//! - **Time**: every instant and date the store writes or judges by (a
//!   household's `updated_at`, an outbox item's retry time, "today" for an ID
//!   number's birth date) comes from its [`Clock`], which the
//!   [`Device`](crate::device::Device) sets; tests fix it.

pub mod error;
pub mod households;
pub mod key;
pub mod outbox;
pub mod pull;
pub mod schema;
pub mod session;
pub mod settings;
pub mod visits;

pub use error::{Result, StoreError};
pub use key::DatabaseKey;

use crate::clock::{Clock, SystemClock};
use doorstep_model::DeviceInstant;
use key::KeyCheck;
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

const SQLITE_PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The reader's page cache, in KiB as `PRAGMA cache_size` takes it (negative).
const READER_CACHE_KIB: i64 = -16 * 1024;

/// How [`Store::open_with`] treats a missing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The database must not exist yet.
    CreateNew,
    /// The database must exist.
    Existing,
    /// Open it, creating it first if it is missing (what the phone does).
    OpenOrCreate,
}

/// The encrypted device database.
pub struct Store {
    path: PathBuf,
    // Fields drop in order: the reader closes first, so the writer is the last
    // connection and checkpoints the WAL into the main file when it closes.
    reader: Mutex<Connection>,
    writer: Mutex<Connection>,
    /// Counts committed writes, so screen models can keep what they worked
    /// out until the data changes ([`Store::generation`]).
    generation: AtomicU64,
    /// What "now" and "today" are (the system clock until [`Store::set_clock`]).
    clock: RwLock<Arc<dyn Clock>>,
}

impl Store {
    /// Creates a new database at `path`; fails if one is already there.
    pub fn create(path: &Path, key: &DatabaseKey) -> Result<Self> {
        Self::open_with(path, key, OpenMode::CreateNew)
    }

    /// Opens an existing database at `path`; fails if there is none.
    pub fn open(path: &Path, key: &DatabaseKey) -> Result<Self> {
        Self::open_with(path, key, OpenMode::Existing)
    }

    /// Opens the database at `path` as `mode` says, migrating it to the current
    /// schema. See the module docs for every check made on the way.
    pub fn open_with(path: &Path, key: &DatabaseKey, mode: OpenMode) -> Result<Self> {
        let exists = path.exists();
        match (mode, exists) {
            (OpenMode::CreateNew, true) => return Err(StoreError::AlreadyExists(path.to_owned())),
            (OpenMode::Existing, false) => return Err(StoreError::Missing(path.to_owned())),
            _ => {}
        }
        let check_path = KeyCheck::path_for(path);
        if exists {
            refuse_plain_sqlite(path)?;
        }
        let mut writer = match open_keyed(path, key, OpenFlags::default()) {
            Ok(conn) => conn,
            Err(err) if exists && is_undecryptable(&err) => {
                return Err(match KeyCheck::read(&check_path) {
                    Some(check) if check.matches(key) => quarantine(path)?,
                    Some(_) => StoreError::WrongKey,
                    None => StoreError::CannotDecrypt,
                });
            }
            Err(err) => return Err(err),
        };
        let found = schema::version(&writer)?;
        if found > schema::SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found,
                supported: schema::SCHEMA_VERSION,
            });
        }
        if exists && !pages_are_sound(&writer) {
            drop(writer);
            return Err(quarantine(path)?);
        }
        if KeyCheck::read(&check_path).is_none() {
            KeyCheck::new(key).write(&check_path)?;
        }
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // See "Durability" in the module docs.
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut writer)?;

        let reader = open_keyed(path, key, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        reader.pragma_update(None, "query_only", "ON")?;
        // Every page read from disk is decrypted and authenticated; a larger
        // cache keeps a grid's households decrypted between searches.
        reader.pragma_update(None, "cache_size", READER_CACHE_KIB)?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            generation: AtomicU64::new(0),
            clock: RwLock::new(Arc::new(SystemClock)),
        })
    }

    /// Now, by the store's clock, with the device's offset.
    pub fn now(&self) -> DeviceInstant {
        self.clock.read().unwrap_or_else(|p| p.into_inner()).now()
    }

    /// Today's date on the device, by the store's clock (the core's one
    /// local-date rule, [`crate::clock::local_date`]).
    pub fn today(&self) -> chrono::NaiveDate {
        crate::clock::local_date(self.now())
    }

    /// Replaces the store's clock (the device's; tests fix it with a
    /// [`crate::clock::FixedClock`]).
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        *self.clock.write().unwrap_or_else(|p| p.into_inner()) = clock;
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the read-only connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&lock(&self.reader))
    }

    /// Runs `f` in one immediate transaction on the writer, committed only if `f`
    /// returns `Ok`; on `Err` (or a crash) nothing of it is written.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(value)
    }

    /// A number that changes with every committed write through this store:
    /// what was worked out from the data at one generation holds until it changes.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The result of `PRAGMA integrity_check`: `["ok"]` for a sound database.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

/// Locks a connection; a panic in another thread does not make the database
/// unusable, because every write is a transaction that rolled back with it.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Opens a connection, applies the key and proves it decrypts the file.
fn open_keyed(path: &Path, key: &DatabaseKey, flags: OpenFlags) -> Result<Connection> {
    doorstep_sqlcipher::initialize().map_err(sqlcipher_unavailable)?;
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher logs decryption failures to stderr by default; the error we
    // return says it better, and a log is no place for details of the file.
    conn.execute_batch("PRAGMA cipher_log_level = NONE")?;
    conn.pragma_update(None, "key", key.pragma_value())?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}

/// SQLite's result code from a failed SQLCipher set-up, as a store error.
fn sqlcipher_unavailable(code: i32) -> StoreError {
    StoreError::Sqlite(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(code),
        Some("SQLCipher could not be initialized".into()),
    ))
}

fn refuse_plain_sqlite(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    if file.read(&mut header)? == 16 && &header == SQLITE_PLAIN_HEADER {
        return Err(StoreError::NotEncrypted(path.to_owned()));
    }
    Ok(())
}

fn is_undecryptable(err: &StoreError) -> bool {
    matches!(
        err,
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Whether every page decrypts and the b-trees are consistent.
fn pages_are_sound(conn: &Connection) -> bool {
    conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0))
        .is_ok_and(|first| first == "ok")
}

/// Renames a damaged database (with its WAL, shared-memory and key check files)
/// aside with a UTC timestamp, and returns the error that says where it went.
fn quarantine(path: &Path) -> Result<StoreError> {
    // The system clock: this happens while opening, before a device's clock
    // is set, and only names a file.
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let with_suffix = |p: &Path, suffix: &str| {
        let mut s = p.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    let moved_to = with_suffix(path, &format!(".corrupt-{stamp}"));
    std::fs::rename(path, &moved_to)?;
    for companion in ["-wal", "-shm", ".keycheck"] {
        let from = with_suffix(path, companion);
        if from.exists() {
            std::fs::rename(&from, with_suffix(&moved_to, companion))?;
        }
    }
    Ok(StoreError::Corrupt { moved_to })
}
