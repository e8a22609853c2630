//! The database key, and the key check that tells a wrong key from a damaged file.
//!
//! The phone keeps a random 32-byte key in the Android Keystore or iOS Keychain
//! and hands it to the core; SQLCipher uses it as a raw key.
//!
//! SQLCipher cannot tell a wrong key from a damaged first page: both read as
//! "file is not a database". Quarantining on a wrong key would hide a worker's
//! data behind a confusing error, and reporting a damaged file as a wrong key
//! would send her to re-enter a key that is right. So beside the database we keep
//! a small key check file: a random salt and SHA-256(salt ‖ key ‖ context). With a
//! 256-bit random key this reveals nothing useful, and it lets [`KeyCheck::matches`]
//! say which of the two it is.

use super::error::{Result, StoreError};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};

const CONTEXT: &[u8] = b"doorstep device store key check v1";
const MAGIC: &[u8; 4] = b"DSK1";

/// A 32-byte SQLCipher key. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl DatabaseKey {
    /// Wraps raw key bytes from the platform key store.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hexadecimal characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return Err(StoreError::BadKey);
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte =
                u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| StoreError::BadKey)?;
        }
        Ok(Self(bytes))
    }

    /// A new random key, for tests and for a CLI user creating a key file.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self(bytes)
    }

    /// The key as 64 lowercase hexadecimal characters.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The value for `PRAGMA key`: a raw key literal, so SQLCipher skips its
    /// passphrase derivation (the key is already random).
    pub(crate) fn pragma_value(&self) -> String {
        format!("x'{}'", self.to_hex())
    }
}

impl fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseKey(..)")
    }
}

/// The key check file kept beside a database.
pub(crate) struct KeyCheck {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl KeyCheck {
    /// The key check file's path for the database at `db`.
    pub fn path_for(db: &Path) -> PathBuf {
        let mut name = db.as_os_str().to_owned();
        name.push(".keycheck");
        PathBuf::from(name)
    }

    pub fn new(key: &DatabaseKey) -> Self {
        let salt = *uuid::Uuid::new_v4().as_bytes();
        Self {
            salt,
            digest: digest(&salt, key),
        }
    }

    /// Whether `key` is the key this check was made from.
    pub fn matches(&self, key: &DatabaseKey) -> bool {
        digest(&self.salt, key) == self.digest
    }

    /// Reads the check file, or `None` if it is missing or unreadable.
    pub fn read(path: &Path) -> Option<Self> {
        let bytes = std::fs::read(path).ok()?;
        if bytes.len() != 52 || &bytes[..4] != MAGIC {
            return None;
        }
        Some(Self {
            salt: bytes[4..20].try_into().ok()?,
            digest: bytes[20..].try_into().ok()?,
        })
    }

    /// Writes the check file atomically (a temporary file renamed into place).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = Vec::with_capacity(52);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&self.salt);
        bytes.extend_from_slice(&self.digest);
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

fn digest(salt: &[u8; 16], key: &DatabaseKey) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(key.0);
    h.update(CONTEXT);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_bad_hex_is_refused() {
        let key = DatabaseKey::generate();
        assert_eq!(DatabaseKey::from_hex(&key.to_hex()).unwrap(), key);
        assert!(matches!(
            DatabaseKey::from_hex("abc"),
            Err(StoreError::BadKey)
        ));
        assert!(matches!(
            DatabaseKey::from_hex(&"zz".repeat(32)),
            Err(StoreError::BadKey)
        ));
    }

    #[test]
    fn the_check_tells_keys_apart() {
        let key = DatabaseKey::generate();
        let check = KeyCheck::new(&key);
        assert!(check.matches(&key));
        assert!(!check.matches(&DatabaseKey::generate()));
    }
}
