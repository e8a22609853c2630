//! What can go wrong with the device store.
//!
//! Messages here never contain personal data: no names, numbers, addresses or
//! answers — only paths on the device, counts and versions.

use std::path::PathBuf;

/// An error from the encrypted device store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no device database at {0}; create one first (doorstep device init)")]
    Missing(PathBuf),
    #[error("a device database already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error(
        "wrong key: the device database cannot be decrypted with this key (nothing was changed)"
    )]
    WrongKey,
    #[error(
        "the device database cannot be decrypted: the key is wrong or the file is damaged, and no key check file is there to tell which (nothing was changed)"
    )]
    CannotDecrypt,
    #[error("the file at {0} is an unencrypted SQLite database, not a Doorstep device database")]
    NotEncrypted(PathBuf),
    #[error(
        "the device database was written by a newer version of Doorstep (schema {found}, this app knows up to {supported}); update the app — the file was left untouched"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("the device database was damaged; it was set aside at {moved_to} and not deleted")]
    Corrupt { moved_to: PathBuf },
    #[error("the key must be 32 bytes (64 hexadecimal characters)")]
    BadKey,
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
