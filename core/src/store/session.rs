//! The signed-in session on the device: server, token, account, pull cursor.
//! The token is a secret: it lives only in the encrypted store.

use super::Store;
use super::error::{Result, StoreError};
use super::households::GridInfo;
use super::visits::{from_json, to_json};
use crate::sync::protocol::{Account, LoginResponse};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

/// Who is signed in on this device, and where to.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub server_url: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
    /// Where the last pull stopped; `None` before the first pull.
    pub cursor: Option<String>,
}

impl Store {
    /// Saves a login: the session, the account's grids as the device's grids,
    /// and the server's address as the one the sign-in screen offers next time.
    pub fn save_login(&self, server_url: &str, login: &LoginResponse) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO session (id, server_url, token, expires_at, account, cursor)
                 VALUES (1, ?1, ?2, ?3, ?4, NULL)
                 ON CONFLICT(id) DO UPDATE SET server_url = ?1, token = ?2, expires_at = ?3,
                     account = ?4,
                     cursor = CASE WHEN json_extract(session.account, '$.user_id') = json_extract(?4, '$.user_id')
                              THEN session.cursor ELSE NULL END",
                params![server_url, login.token, login.expires_at.to_rfc3339(), to_json(&login.account)],
            )?;
            for grid in &login.account.grids {
                upsert_grid(tx, grid)?;
            }
            // The address is remembered for the next sign-in, after a sign-out too.
            tx.execute("UPDATE phone_settings SET server_url = ?1", [server_url])?;
            Ok(())
        })
    }

    /// The current session, if someone is signed in.
    pub fn session(&self) -> Result<Option<Session>> {
        self.read(|conn| {
            let row = conn
                .query_row(
                    "SELECT server_url, token, expires_at, account, cursor FROM session WHERE id = 1",
                    [],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, Option<String>>(4)?,
                        ))
                    },
                )
                .optional()?;
            let Some((server_url, token, expires_at, account, cursor)) = row else {
                return Ok(None);
            };
            let expires_at = DateTime::parse_from_rfc3339(&expires_at)
                .map_err(|_| StoreError::Invalid("a stored session is malformed".into()))?
                .with_timezone(&Utc);
            Ok(Some(Session { server_url, token, expires_at, account: from_json(&account)?, cursor }))
        })
    }

    /// Forgets the token (the outbox and data stay for the next login).
    pub fn clear_session(&self) -> Result<()> {
        self.write(|tx| Ok(tx.execute("DELETE FROM session", []).map(|_| ())?))
    }

    /// Remembers where the last pull stopped.
    pub fn save_cursor(&self, cursor: &str) -> Result<()> {
        self.write(|tx| {
            Ok(tx
                .execute("UPDATE session SET cursor = ?1 WHERE id = 1", [cursor])
                .map(|_| ())?)
        })
    }

    /// A value the device keeps under `key` (such as the visit open on screen), or `None`.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT value FROM device_values WHERE key = ?1",
                    [key],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }

    /// Keeps `value` under `key`, replacing the one there.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO device_values (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
                params![key, value],
            )?;
            Ok(())
        })
    }
}

pub(crate) fn upsert_grid(conn: &rusqlite::Connection, grid: &GridInfo) -> Result<()> {
    conn.execute(
        "INSERT INTO grids (id, code, name, community, subdistrict) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET code = ?2, name = ?3, community = ?4, subdistrict = ?5",
        params![
            grid.id.to_string(),
            grid.code,
            grid.name,
            grid.community,
            grid.subdistrict
        ],
    )?;
    Ok(())
}
