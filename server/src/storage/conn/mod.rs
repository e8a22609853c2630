//! The small connection interface every storage operation is written over,
//! once: run a statement, read its rows, in one transaction that a
//! [`Backend`] opens and commits. SQLite ([`sqlite`]) and PostgreSQL
//! ([`postgres`]) implement it; what differs between their SQL is named by
//! [`Dialect`], in one place.
//!
//! Statements use PostgreSQL's numbered placeholders (`$1`, `$2`, … a number
//! may repeat); SQLite reads them as `?1`, `?2`. Parameters are any value both
//! drivers can bind ([`Param`]); a list (`IN` a set) travels as one [`List`]
//! parameter, compared with [`Dialect::in_list`]. Rows come back as owned
//! values ([`Row`]) whose getters turn a malformed stored id, instant or
//! number into [`StorageError::Corrupt`], on both backends alike.

pub mod postgres;
pub mod sqlite;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, SecondsFormat, Utc};
use doorstep_model::VisitStatus;
use doorstep_protocol::Role;
use uuid::Uuid;

use super::{Result, StorageError};

/// What one storage operation returns to its backend: a future over the
/// connection it was lent.
pub type OpFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// A database that runs storage operations, each in one transaction.
pub trait Backend: Send + Sync + 'static {
    /// The connection an operation runs on.
    type Conn: Conn;

    /// Runs `op` in a read-only transaction (one snapshot of the database).
    fn read<T, F>(&self, op: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Self::Conn) -> OpFuture<'c, T> + Send + 'static;

    /// Runs `op` in a write transaction that commits only when it returns `Ok`.
    fn write<T, F>(&self, op: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Self::Conn) -> OpFuture<'c, T> + Send + 'static;
}

/// Which SQL a connection speaks, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A test that `column` is one of the texts of the [`List`] bound at `$n`.
    pub fn in_list(self, column: &str, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("{column} IN (SELECT value FROM json_each(${n}))"),
            Dialect::Postgres => format!("{column} = ANY(${n})"),
        }
    }

    /// The suffix that locks the rows a `SELECT` read until the transaction
    /// ends (SQLite's single writer holds everything already).
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// A test that the boolean `column` is false, written so each planner
    /// matches it to the partial indexes the schema declares with it.
    pub fn is_false(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{column} = 0"),
            Dialect::Postgres => format!("NOT {column}"),
        }
    }

    /// The collation that orders text by its bytes (SQLite's default).
    pub fn bytewise(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " COLLATE \"C\"",
        }
    }
}

/// A connection inside a transaction.
pub trait Conn: Send {
    /// The SQL this connection speaks.
    fn dialect(&self) -> Dialect;

    /// Runs a statement and returns its rows.
    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn Param + Sync)],
    ) -> impl Future<Output = Result<Vec<Row>>> + Send;

    /// Runs a statement and returns how many rows it changed.
    fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn Param + Sync)],
    ) -> impl Future<Output = Result<u64>> + Send;

    /// The first row of a statement's result, if any.
    fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn Param + Sync)],
    ) -> impl Future<Output = Result<Option<Row>>> + Send {
        async move { Ok(self.query(sql, params).await?.into_iter().next()) }
    }

    /// The one row a statement must return.
    fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn Param + Sync)],
    ) -> impl Future<Output = Result<Row>> + Send {
        async move {
            self.query_opt(sql, params)
                .await?
                .ok_or_else(|| StorageError::Corrupt("a query returned no row".into()))
        }
    }
}

/// A value both drivers can bind as a statement parameter.
pub trait Param {
    fn sqlite(&self) -> &dyn rusqlite::ToSql;
    fn postgres(&self) -> &(dyn tokio_postgres::types::ToSql + Sync);
}

impl<T> Param for T
where
    T: rusqlite::ToSql + tokio_postgres::types::ToSql + Sync,
{
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        self
    }
    fn postgres(&self) -> &(dyn tokio_postgres::types::ToSql + Sync) {
        self
    }
}

/// A set of texts bound as one parameter: a JSON array on SQLite (read with
/// `json_each`), a `text[]` on PostgreSQL. See [`Dialect::in_list`].
#[derive(Debug)]
pub struct List(pub Vec<String>);

impl List {
    /// The ids as text.
    pub fn ids(ids: &[Uuid]) -> Self {
        List(ids.iter().map(Uuid::to_string).collect())
    }
}

impl rusqlite::ToSql for List {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        let json = serde_json::to_string(&self.0)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(rusqlite::types::ToSqlOutput::Owned(
            rusqlite::types::Value::Text(json),
        ))
    }
}

impl tokio_postgres::types::ToSql for List {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        self.0.to_sql(ty, out)
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        <Vec<String> as tokio_postgres::types::ToSql>::accepts(ty)
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A stored value as a row holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Bool(bool),
}

/// One row of a result, owned.
#[derive(Debug, Clone)]
pub struct Row(pub(crate) Vec<Value>);

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt(format!("a stored {what} does not read"))
}

/// A Rust value a stored [`Value`] reads as.
pub trait FromValue<'a>: Sized {
    fn from_value(v: &'a Value) -> Result<Self>;
}

impl<'a> FromValue<'a> for &'a str {
    fn from_value(v: &'a Value) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s),
            _ => Err(corrupt("text")),
        }
    }
}

impl FromValue<'_> for String {
    fn from_value(v: &Value) -> Result<Self> {
        <&str>::from_value(v).map(str::to_owned)
    }
}

impl FromValue<'_> for i64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Int(n) => Ok(*n),
            Value::Bool(b) => Ok(i64::from(*b)),
            _ => Err(corrupt("number")),
        }
    }
}

impl FromValue<'_> for i32 {
    fn from_value(v: &Value) -> Result<Self> {
        i32::try_from(i64::from_value(v)?).map_err(|_| corrupt("number"))
    }
}

impl FromValue<'_> for u32 {
    fn from_value(v: &Value) -> Result<Self> {
        u32::try_from(i64::from_value(v)?).map_err(|_| corrupt("number"))
    }
}

impl FromValue<'_> for u64 {
    fn from_value(v: &Value) -> Result<Self> {
        // Counts: never negative, a negative one reads as none.
        Ok(u64::try_from(i64::from_value(v)?).unwrap_or(0))
    }
}

impl FromValue<'_> for f64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Real(x) => Ok(*x),
            #[allow(clippy::cast_precision_loss)]
            Value::Int(n) => Ok(*n as f64),
            _ => Err(corrupt("number")),
        }
    }
}

impl FromValue<'_> for bool {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Int(n) => Ok(*n != 0),
            _ => Err(corrupt("flag")),
        }
    }
}

impl FromValue<'_> for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            _ => Err(corrupt("blob")),
        }
    }
}

impl<'a, T: FromValue<'a>> FromValue<'a> for Option<T> {
    fn from_value(v: &'a Value) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A stored instant as text (RFC 3339, microseconds, `Z`), as both backends keep it.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A stored id.
pub fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| StorageError::Corrupt("a stored id is not a UUID".into()))
}

/// A stored instant.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| StorageError::Corrupt("a stored instant does not parse".into()))
}

impl Row {
    /// Column `i` as `T`; [`StorageError::Corrupt`] when it does not read as one.
    pub fn try_get<'a, T: FromValue<'a>>(&'a self, i: usize) -> Result<T> {
        self.0
            .get(i)
            .ok_or_else(|| StorageError::Corrupt("a query returned too few columns".into()))
            .and_then(T::from_value)
    }

    pub fn uuid(&self, i: usize) -> Result<Uuid> {
        parse_uuid(self.try_get(i)?)
    }

    pub fn opt_uuid(&self, i: usize) -> Result<Option<Uuid>> {
        self.try_get::<Option<&str>>(i)?.map(parse_uuid).transpose()
    }

    pub fn time(&self, i: usize) -> Result<DateTime<Utc>> {
        parse_time(self.try_get(i)?)
    }

    pub fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>> {
        self.try_get::<Option<&str>>(i)?.map(parse_time).transpose()
    }

    /// Column `i`, stored JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize) -> Result<T> {
        Ok(serde_json::from_str(self.try_get(i)?)?)
    }

    /// Column `i`, stored JSON or NULL.
    pub fn opt_json<T: serde::de::DeserializeOwned>(&self, i: usize) -> Result<Option<T>> {
        Ok(self
            .try_get::<Option<&str>>(i)?
            .map(serde_json::from_str)
            .transpose()?)
    }

    pub fn status(&self, i: usize) -> Result<VisitStatus> {
        VisitStatus::from_str_opt(self.try_get(i)?)
            .ok_or_else(|| StorageError::Corrupt("unknown visit status".into()))
    }

    pub fn role(&self, i: usize) -> Result<Role> {
        Role::from_str_opt(self.try_get(i)?)
            .ok_or_else(|| StorageError::Corrupt("unknown role".into()))
    }
}

/// Whether `e` is a unique constraint refusing a row (a name or key taken).
pub fn is_unique_violation(e: &StorageError) -> bool {
    match e {
        StorageError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            f.code == rusqlite::ErrorCode::ConstraintViolation
                && matches!(
                    f.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                )
        }
        StorageError::Postgres(s) => s.starts_with(postgres::UNIQUE_VIOLATION),
        _ => false,
    }
}
