//! The PostgreSQL [`Backend`], with `tokio-postgres` and a `deadpool-postgres`
//! pool, over plain TCP, TLS (see [`crate::storage::pg_tls`] for `sslmode` and
//! `sslrootcert`) or a Unix socket.
//!
//! Writes run in one transaction that commits only when the operation
//! succeeded; a whole push is one transaction. Reads run in one
//! `REPEATABLE READ, READ ONLY` transaction, so a read of several statements
//! (a pull, a household with its residents) sees one snapshot. A connection
//! whose operation was abandoned mid-transaction (its request went away) is
//! closed, never handed back to the pool with the transaction open.
//!
//! Errors carry SQLSTATE codes and constraint names, never the server's
//! message or detail (which can quote the values, i.e. personal data).

use std::future::Future;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::types::{ToSql, Type};

use super::{Backend, Conn, Dialect, OpFuture, Param, Row, Value};
use crate::storage::{Result, StorageError, pg_tls, schema};

/// Connections in the pool.
const POOL_SIZE: usize = 8;

/// How a unique violation's [`StorageError::Postgres`] message begins.
pub(crate) const UNIQUE_VIOLATION: &str = "SQLSTATE 23505";

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            // The code and the constraint only: the message and detail can quote values.
            Some(db) => StorageError::Postgres(match db.constraint() {
                Some(c) => format!("SQLSTATE {} ({c})", db.code().code()),
                None => format!("SQLSTATE {}", db.code().code()),
            }),
            None => match e.code() {
                Some(code) => StorageError::Postgres(format!("SQLSTATE {}", code.code())),
                None => StorageError::Postgres(e.to_string()),
            },
        }
    }
}

impl From<deadpool_postgres::PoolError> for StorageError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StorageError::Postgres(format!("connection pool: {other}")),
        }
    }
}

/// A PostgreSQL database behind a pool of connections.
pub struct PgBackend {
    pool: Pool,
}

impl PgBackend {
    /// Connects to `url` (`postgres://user:password@host:port/db`, or the
    /// key=value form, with libpq's `sslmode` and `sslrootcert`), brings the
    /// schema to the current version, and opens a pool. Refuses a database
    /// newer than this code, leaving it untouched, and a server whose TLS
    /// certificate does not pass the check `sslmode` asks for.
    pub async fn connect(url: &str) -> Result<Self> {
        let (config, tls, _) = pg_tls::parse(url)?;
        let (mut client, connection) = config
            .connect(tls.clone())
            .await
            .map_err(pg_tls::connect_error)?;
        let driver = tokio::spawn(connection);
        let migrated = schema::pg_migrate(&mut client).await;
        drop(client);
        let _ = driver.await;
        migrated?;
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StorageError::Postgres(format!("connection pool: {e}")))?;
        Ok(Self { pool })
    }

    async fn run<T, F>(&self, begin: &'static str, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut PgConn) -> OpFuture<'c, T> + Send + 'static,
    {
        let client = self.pool.get().await?;
        client.batch_execute(begin).await?;
        let mut conn = PgConn {
            client: Some(client),
        };
        let out = op(&mut conn).await;
        let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let client = conn.client.take().ok_or_else(closed)?;
        match (out, client.batch_execute(end).await) {
            (Ok(out), Ok(())) => Ok(out),
            (Ok(_), Err(e)) => Err(e.into()),
            // The operation's error is the one worth reporting.
            (Err(e), _) => Err(e),
        }
    }
}

fn closed() -> StorageError {
    StorageError::Postgres("the connection was closed".into())
}

impl Backend for PgBackend {
    type Conn = PgConn;

    fn read<T, F>(&self, op: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut PgConn) -> OpFuture<'c, T> + Send + 'static,
    {
        self.run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", op)
    }

    fn write<T, F>(&self, op: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut PgConn) -> OpFuture<'c, T> + Send + 'static,
    {
        self.run("BEGIN", op)
    }
}

/// A pooled connection lent to one operation, inside its transaction.
pub struct PgConn {
    /// `None` once the transaction ended.
    client: Option<Object>,
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // Still here: the operation was abandoned with its transaction open.
        // The connection leaves the pool and closes, which rolls it back.
        if let Some(client) = self.client.take() {
            drop(Object::take(client));
        }
    }
}

fn value(row: &tokio_postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_();
    let v = if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?.map(Value::Bool)
    } else if *ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?
            .map(|n| Value::Int(i64::from(n)))
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map(|n| Value::Int(i64::from(n)))
    } else if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
    } else if *ty == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(i)?
            .map(|x| Value::Real(f64::from(x)))
    } else if *ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)?.map(Value::Real)
    } else if *ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
    } else {
        row.try_get::<_, Option<String>>(i)?.map(Value::Text)
    };
    Ok(v.unwrap_or(Value::Null))
}

impl Conn for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn query(&mut self, sql: &str, params: &[&(dyn Param + Sync)]) -> Result<Vec<Row>> {
        let client = self.client.as_ref().ok_or_else(closed)?;
        let stmt = client.prepare_cached(sql).await?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.postgres()).collect();
        client
            .query(&stmt, &params)
            .await?
            .iter()
            .map(|r| {
                Ok(Row((0..r.len())
                    .map(|i| value(r, i))
                    .collect::<Result<_>>()?))
            })
            .collect()
    }

    async fn execute(&mut self, sql: &str, params: &[&(dyn Param + Sync)]) -> Result<u64> {
        let client = self.client.as_ref().ok_or_else(closed)?;
        let stmt = client.prepare_cached(sql).await?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.postgres()).collect();
        Ok(client.execute(&stmt, &params).await?)
    }
}
