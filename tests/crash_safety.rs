//! A phone killed mid-write loses nothing it had committed and keeps no half of
//! anything: the `doorstep` process is SIGKILLed in the middle of a batch
//! import, and the database is then checked with `PRAGMA integrity_check`, for
//! households without their residents, and against what had been committed.
//!
//! Every kill lands at a known point, not after a guessed time: the import is
//! started with the test hook `DOORSTEP_TEST_PAUSE=import:N`, stops inside its
//! open transaction after N households are written, says so, and is killed
//! while it waits there (see `pause_point.rs`).

#[path = "pause_point.rs"]
mod pause_point;

use doorstep_core::store::{DatabaseKey, Store};
use pause_point::Paused;
use std::path::PathBuf;
use std::process::Command;

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

/// What the database holds, counted from outside the `doorstep` process.
#[derive(Debug, PartialEq)]
struct Counts {
    households: usize,
    residents: usize,
    /// Households without exactly their three residents.
    incomplete: usize,
    /// Rows in the search index.
    indexed: usize,
}

/// A phone's database and key, worked on by `doorstep device` processes.
struct Phone {
    _dir: tempfile::TempDir,
    db: PathBuf,
    key_file: PathBuf,
    batch: PathBuf,
}

impl Phone {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let batch = dir.path().join("batch.json");
        std::fs::write(&batch, batch_json()).unwrap();
        let phone = Self {
            db: dir.path().join("device.db"),
            key_file: dir.path().join("device.key"),
            batch,
            _dir: dir,
        };
        assert!(phone.device(&["init"]).output().unwrap().status.success());
        phone
    }

    fn device(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_doorstep"));
        cmd.arg("device")
            .arg("--db")
            .arg(&self.db)
            .arg("--key-file")
            .arg(&self.key_file)
            .args(args);
        cmd
    }

    fn import(&self) -> Command {
        self.device(&["household", "import", self.batch.to_str().unwrap()])
    }

    /// An import stopped inside its open transaction after `written` households.
    fn paused_import(&self, written: usize) -> Paused {
        Paused::start(self.import(), "import", written as u64)
    }

    /// Opens the store as the phone would after the crash: it must open, and
    /// `PRAGMA integrity_check` must find it sound.
    fn counts(&self) -> Counts {
        let key = DatabaseKey::from_hex(&std::fs::read_to_string(&self.key_file).unwrap()).unwrap();
        let store = Store::open(&self.db, &key).unwrap();
        assert_eq!(store.integrity_check().unwrap(), ["ok"]);
        let (households, residents, incomplete, indexed): (i64, i64, i64, i64) = store
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
        let count = |n: i64| usize::try_from(n).unwrap();
        Counts {
            households: count(households),
            residents: count(residents),
            incomplete: count(incomplete),
            indexed: count(indexed),
        }
    }

    /// Exactly `batches` whole imports, and nothing else.
    fn assert_whole_batches(&self, batches: usize, when: &str) {
        let households = batches * BATCH;
        assert_eq!(
            self.counts(),
            Counts {
                households,
                residents: households * RESIDENTS_PER_HOUSEHOLD,
                incomplete: 0,
                indexed: households,
            },
            "{when}: every committed import is kept whole, nothing of an uncommitted one is there"
        );
    }
}

#[test]
fn sigkill_in_the_middle_of_a_batch_leaves_whole_records_only() {
    let phone = Phone::new();
    assert!(phone.import().output().unwrap().status.success());
    phone.assert_whole_batches(1, "after one import");

    // Killed after the first household, half-way, and after the last one with
    // only the commit left to do.
    for written in [1, BATCH / 2, BATCH] {
        let paused = phone.paused_import(written);
        // From outside, while it waits: what it has written is not visible.
        phone.assert_whole_batches(1, &format!("while {written} households are written"));
        paused.kill();
        phone.assert_whole_batches(1, &format!("killed after {written} households"));
    }

    // A second import after the kills is committed and kept, and a kill after
    // it loses none of it.
    assert!(phone.import().output().unwrap().status.success());
    phone.assert_whole_batches(2, "after a second import");
    phone.paused_import(BATCH / 3).kill();
    phone.assert_whole_batches(2, "killed after the second import");
}

#[test]
fn an_import_let_go_from_its_pause_point_commits_the_whole_batch() {
    // The pause point really is inside the transaction: what was written before
    // it becomes visible only when the import goes on and commits.
    let phone = Phone::new();
    let paused = phone.paused_import(BATCH);
    phone.assert_whole_batches(0, "while every household is written but not committed");
    let status = paused.resume().wait().unwrap();
    assert!(status.success(), "{status}");
    phone.assert_whole_batches(1, "after the import went on");
}
