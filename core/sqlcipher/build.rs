//! Compiles SQLCipher with the libtomcrypt provider into `libsqlcipher.a`.

use std::env;

fn main() {
    let dir = sqlcipher_src::source_dir();
    let tomcrypt_include = dir.join(sqlcipher_src::LIBTOMCRYPT_INCLUDE_DIR);
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();

    let mut build = cc::Build::new();
    build
        .include(dir)
        .include(&tomcrypt_include)
        .warnings(false)
        // libtomcrypt: each file its own unit; no self-tests. Its file helpers
        // stay in, because `rng_get_bytes` reads /dev/urandom through them: with
        // LTC_NO_FILE it would seed SQLCipher's Fortuna generator (salts and page
        // IVs) from CPU-clock jitter alone.
        .define("LTC_SOURCE", None)
        .define("LTC_NO_TEST", None)
        // The same SQLite options as libsqlite3-sys's bundled builds, so rusqlite
        // sees the SQLite it expects (FTS5 for household search).
        .define("SQLITE_CORE", None)
        .define("SQLITE_DEFAULT_FOREIGN_KEYS", "1")
        .define("SQLITE_ENABLE_API_ARMOR", None)
        .define("SQLITE_ENABLE_FTS5", None)
        .define("SQLITE_ENABLE_JSON1", None)
        .define("SQLITE_THREADSAFE", "1")
        .define("SQLITE_USE_URI", None)
        .define("HAVE_USLEEP", "1")
        .define("HAVE_ISNAN", None)
        .define("HAVE_LOCALTIME_R", None)
        .define("HAVE_STDINT_H", "1")
        .define("_POSIX_THREAD_SAFE_FUNCTIONS", None)
        // SQLCipher: the codec, temporary files in memory (they would be
        // plaintext on disk otherwise), and libtomcrypt as the provider.
        .define("SQLITE_HAS_CODEC", None)
        .define("SQLCIPHER_CRYPTO_LIBTOMCRYPT", None)
        .define("SQLITE_EXTRA_INIT", "sqlcipher_extra_init")
        .define("SQLITE_EXTRA_SHUTDOWN", "sqlcipher_extra_shutdown")
        // Parts of SQLite that rusqlite (without its hooks, trace and
        // load_extension features) never calls; SQLite lists them as safe to
        // leave out of the amalgamation.
        .define("SQLITE_OMIT_LOAD_EXTENSION", None)
        .define("SQLITE_OMIT_DEPRECATED", None)
        .define("SQLITE_OMIT_SHARED_CACHE", None)
        .define("SQLITE_OMIT_PROGRESS_CALLBACK", None)
        .define("SQLITE_DEFAULT_MEMSTATUS", "0");
    // Android's SQLite keeps temporary data in memory only, as the platform's does.
    build.define(
        "SQLITE_TEMP_STORE",
        if target_os == "android" { "3" } else { "2" },
    );
    build.file(dir.join(sqlcipher_src::SOURCE_FILE));
    for source in sqlcipher_src::LIBTOMCRYPT_SOURCES {
        build.file(dir.join(source));
    }
    build.compile("sqlcipher");

    if target_os != "android" && target_os != "ios" && target_os != "macos" {
        println!("cargo:rustc-link-lib=dylib=pthread");
    }
    println!("cargo:rustc-link-lib=dylib=m");
    println!("cargo:rerun-if-changed=build.rs");
}
