//! Threads that key their first connections at the same moment, in a process
//! where SQLite has not been initialized yet: each calls `initialize` first, as
//! doorstep-core and doorstep-server do, and none may find SQLCipher unready.

use rusqlite::Connection;
use std::sync::{Arc, Barrier};

#[test]
fn the_first_connections_of_a_process_can_be_keyed_from_many_threads_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let start = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let dir = dir.path().to_owned();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                doorstep_sqlcipher::initialize().map_err(|rc| format!("thread {t}: {rc}"))?;
                let conn = Connection::open(dir.join(format!("t{t}.db"))).unwrap();
                conn.execute_batch(&format!(
                    "PRAGMA key = \"x'{t:02x}0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'\";
                     CREATE TABLE t(x); INSERT INTO t VALUES (1);"
                ))
                .map_err(|e| format!("thread {t}: {e}"))
            })
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().err())
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
}
