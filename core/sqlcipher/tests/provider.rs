//! The SQLCipher this crate builds: libtomcrypt as the provider, pages encrypted
//! on disk, a wrong key refused, FTS5 present.

use rusqlite::Connection;

const KEY: &str =
    "PRAGMA key = \"x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'\"";

fn open(path: &std::path::Path, key: &str) -> Connection {
    doorstep_sqlcipher::initialize().unwrap();
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(key).unwrap();
    conn
}

#[test]
fn sqlcipher_uses_libtomcrypt() {
    doorstep_sqlcipher::initialize().unwrap();
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(KEY).unwrap();
    let provider: String = conn
        .query_row("PRAGMA cipher_provider", [], |r| r.get(0))
        .unwrap();
    assert_eq!(provider, "libtomcrypt");
    let version: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap();
    assert!(version.starts_with("4."), "{version}");
}

#[test]
fn pages_are_encrypted_and_a_wrong_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let conn = open(&path, KEY);
        conn.execute_batch(
            "CREATE VIRTUAL TABLE names USING fts5(name);
             INSERT INTO names VALUES ('王秀英 wangxiuying');",
        )
        .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    assert!(!bytes.windows(11).any(|w| w == b"wangxiuying"));

    let conn = open(&path, KEY);
    let hits: i64 = conn
        .query_row(
            "SELECT count(*) FROM names WHERE names MATCH 'wangxiuying'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hits, 1);

    let wrong = open(
        &path,
        "PRAGMA key = \"x'ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'\"",
    );
    let err = wrong
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
}
