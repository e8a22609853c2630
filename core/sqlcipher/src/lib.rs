//! SQLCipher, compiled from the `sqlcipher-src` amalgamation with libtomcrypt as
//! its crypto provider, for `rusqlite`'s `sqlcipher` feature to link against.
//!
//! Why not `bundled-sqlcipher-vendored-openssl`: SQLCipher needs AES-256-CBC,
//! HMAC-SHA512, PBKDF2 and a random source, but OpenSSL 3's default provider
//! links every algorithm it has — about 2.4 MB of the phone library, and minutes
//! of every clean build. libtomcrypt is one of SQLCipher's upstream providers
//! (public domain); the linker keeps only the few files SQLCipher calls.
//!
//! Its build script compiles `libsqlcipher.a` and puts it on the link path,
//! where `libsqlite3-sys`'s `-lsqlcipher` finds it; every crate that uses
//! `rusqlite` must depend on this one (doorstep-core and doorstep-server do) and
//! call [`initialize`] before it opens a connection.
//!
//! The database format is SQLCipher 4's, the same as with OpenSSL: files written
//! by one provider open with the other.

use std::ffi::c_int;
use std::sync::OnceLock;

unsafe extern "C" {
    fn sqlite3_initialize() -> c_int;
}

/// Sets up SQLite and SQLCipher for this process; call it before opening a
/// connection. The first call does the work and every other caller, on any
/// thread, waits for it to finish. Returns SQLite's result code if set-up failed.
///
/// Why it is needed: `sqlite3_initialize` marks SQLite initialized *before* it
/// runs SQLCipher's own set-up (`SQLITE_EXTRA_INIT`: the crypto provider, its
/// random generator, the locked heap). A second thread opening a database in
/// that window returns early from its own implicit initialization, and its
/// `PRAGMA key` fails ("An error occurred with PRAGMA key or rekey") because
/// SQLCipher is not ready yet. Two tests starting at once hit exactly that.
pub fn initialize() -> Result<(), i32> {
    static RESULT: OnceLock<c_int> = OnceLock::new();
    // SAFETY: `sqlite3_initialize` takes no arguments and may be called at any
    // time; the OnceLock makes every later caller wait for the first.
    match *RESULT.get_or_init(|| unsafe { sqlite3_initialize() }) {
        0 => Ok(()),
        rc => Err(rc),
    }
}
