//! SQLCipher, compiled from the `sqlcipher-src` amalgamation with libtomcrypt as
//! its crypto provider, for `rusqlite`'s `sqlcipher` feature to link against.
//!
//! Why not `bundled-sqlcipher-vendored-openssl`: SQLCipher needs AES-256-CBC,
//! HMAC-SHA512, PBKDF2 and a random source, but OpenSSL 3's default provider
//! links every algorithm it has — about 2.4 MB of the phone library, and minutes
//! of every clean build. libtomcrypt is one of SQLCipher's upstream providers
//! (public domain); the linker keeps only the few files SQLCipher calls.
//!
//! The crate holds no Rust code. Its build script compiles `libsqlcipher.a` and
//! puts it on the link path, where `libsqlite3-sys`'s `-lsqlcipher` finds it;
//! every crate that uses `rusqlite` must depend on this one (doorstep-core and
//! doorstep-server do) and name it once (`use doorstep_sqlcipher as _;`) so
//! the archive is linked.
//!
//! The database format is SQLCipher 4's, the same as with OpenSSL: files written
//! by one provider open with the other.
