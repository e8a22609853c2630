//! A phone killed mid-write loses nothing it had committed and keeps no half of
//! anything: the `doorstep` process is SIGKILLed in the middle of a batch import,
//! and the database is then checked with `PRAGMA integrity_check` and for
//! households without their residents.

use doorstep_core::store::{DatabaseKey, Store};
use std::process::Command;
use std::time::{Duration, Instant};

const BATCH: usize = 1500;
const RESIDENTS_PER_HOUSEHOLD: usize = 3;

fn batch_json() -> String {
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    let given = ["伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋"];
    let households: Vec<_> = (0..BATCH)
        .map(|i| {
            let name = |k: usize| format!("{}{}", surnames[(i + k) % 10], given[(i * 7 + k) % 10]);
            serde_json::json!({
                "address": { "estate": "和平小区", "building": format!("{}栋", i % 30 + 1), "door": format!("{}", 100 + i % 600) },
                "residents": [
                    { "name": name(0), "relation": "head" },
                    { "name": name(1), "relation": "spouse" },
                    { "name": name(2), "relation": "child" }
                ]
            })
        })
        .collect();
    serde_json::to_string(&households).unwrap()
}

#[test]
fn sigkill_in_the_middle_of_a_batch_leaves_whole_records_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    let key_file = dir.path().join("device.key");
    let batch = dir.path().join("batch.json");
    std::fs::write(&batch, batch_json()).unwrap();
    let device = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_doorstep"));
        cmd.args([
            "device",
            "--db",
            db.to_str().unwrap(),
            "--key-file",
            key_file.to_str().unwrap(),
        ]);
        cmd.args(args);
        cmd
    };
    assert!(device(&["init"]).status().unwrap().success());

    // How long one import takes here, so the kills land inside the transaction.
    let started = Instant::now();
    assert!(
        device(&["household", "import", batch.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    let full = started.elapsed();

    let mut killed_mid_batch = 0;
    for attempt in 1..=6u32 {
        let mut child = device(&["household", "import", batch.to_str().unwrap()])
            .spawn()
            .unwrap();
        // Spread the kills over the run: early, middle and late.
        std::thread::sleep(
            full.mul_f64(f64::from(attempt) / 7.0)
                .max(Duration::from_millis(20)),
        );
        if child.try_wait().unwrap().is_none() {
            killed_mid_batch += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix: no destructor, no rollback code runs.
        child.wait().unwrap();
    }
    assert!(
        killed_mid_batch >= 3,
        "only {killed_mid_batch} kills landed mid-batch"
    );

    let key = DatabaseKey::from_hex(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    let store = Store::open(&db, &key).unwrap();
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    let (households, residents, orphans, indexed): (i64, i64, i64, i64) = store
        .read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM households),
                        (SELECT count(*) FROM residents),
                        (SELECT count(*) FROM households h
                         WHERE (SELECT count(*) FROM residents r WHERE r.household_id = h.id) != 3),
                        (SELECT count(*) FROM search_index)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?)
        })
        .unwrap();
    assert_eq!(households as usize % BATCH, 0, "a batch is all or nothing");
    assert!(households as usize >= BATCH, "the completed import is kept");
    assert_eq!(
        residents as usize,
        households as usize * RESIDENTS_PER_HOUSEHOLD
    );
    assert_eq!(orphans, 0, "no household is missing residents");
    assert_eq!(indexed, households, "the search index matches the data");
}
