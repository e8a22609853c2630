//! The `doorstep id` and `doorstep device` commands as other programs use them:
//! JSON on stdout, plain words on stderr, exit codes.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn doorstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_doorstep"))
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn device(dir: &Path, args: &[&str]) -> Output {
    let db = dir.join("device.db");
    let key = dir.join("device.key");
    let mut all = vec![
        "device",
        "--db",
        db.to_str().unwrap(),
        "--key-file",
        key.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    doorstep(&all)
}

#[test]
fn id_check_reports_valid_numbers_with_what_they_encode() {
    let out = doorstep(&["id", "check", "11010519491231002x"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["valid"], true);
    assert_eq!(v["normalized"], "11010519491231002X");
    assert_eq!(v["birth_date"], "1949-12-31");
    assert_eq!(v["sex"], "female");
    assert_eq!(v["region_code"], "110105");
    assert_eq!(v["reason"], Value::Null);

    let legacy = json(&doorstep(&["id", "check", "110105491231002"]));
    assert_eq!(legacy["normalized"], "11010519491231002X");
}

#[test]
fn id_check_reports_invalid_numbers_with_a_reason_and_exit_1() {
    for (number, reason) in [
        ("110105194912310021", "bad_check_digit"),
        ("110105199902300013", "impossible_birth_date"),
        ("1101051949123100", "wrong_length"),
        ("11010519491231A02X", "non_digit"),
    ] {
        let out = doorstep(&["id", "check", number]);
        assert_eq!(out.status.code(), Some(1), "{number}");
        let v = json(&out);
        assert_eq!(v["valid"], false);
        assert_eq!(v["reason"], reason, "{number}");
        assert_eq!(v["normalized"], Value::Null);
    }
}

#[test]
fn a_device_database_is_created_filled_searched_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(device(dir.path(), &["init"]).status.success());
    assert!(dir.path().join("device.key").exists());

    let add = |head: &str, address: &str, door: Option<&str>| {
        let mut args = vec!["household", "add", "--head", head, "--address", address];
        if let Some(door) = door {
            args.extend(["--door", door]);
        }
        let out = device(dir.path(), &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json(&out)["id"].as_str().unwrap().to_owned()
    };
    let zhang = add("张三", "阳光小区3栋2单元", Some("302"));
    let li = add("李四", "幸福里", None);

    let hits = json(&device(dir.path(), &["household", "search", "zs"]));
    assert_eq!(hits[0]["id"], zhang.as_str());
    assert_eq!(hits[0]["head"], "张三");
    assert_eq!(hits[0]["address"], "阳光小区3栋2单元302");
    assert_eq!(
        json(&device(dir.path(), &["household", "search", "lisi"]))[0]["id"],
        li.as_str()
    );

    let all = json(&device(dir.path(), &["household", "list"]));
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[test]
fn the_device_clock_can_be_set_and_today_is_its_local_day() {
    let dir = tempfile::tempdir().unwrap();
    assert!(device(dir.path(), &["init"]).status.success());
    // A baby born on 1 December 2026, registered at home.
    let add = |now: &str| {
        device(
            dir.path(),
            &[
                "--now",
                now,
                "household",
                "add",
                "--head",
                "周小宝",
                "--address",
                "幸福里",
                "--id-number",
                "110105202612010014",
            ],
        )
    };
    let eve = add("2026-11-30T23:59:00+08:00");
    assert!(!eve.status.success(), "born tomorrow: refused");
    assert!(
        String::from_utf8_lossy(&eve.stderr).contains("impossible_birth_date"),
        "{}",
        String::from_utf8_lossy(&eve.stderr)
    );
    // 07:30 on the day in Beijing is still 30 November in UTC.
    let morning = add("2026-12-01T07:30:00+08:00");
    assert!(
        morning.status.success(),
        "{}",
        String::from_utf8_lossy(&morning.stderr)
    );

    let bad = device(dir.path(), &["--now", "1 December", "household", "list"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--now"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn errors_are_plain_words_on_stderr_with_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let missing = device(dir.path(), &["household", "list"]);
    assert!(!missing.status.success());

    assert!(device(dir.path(), &["init"]).status.success());
    std::fs::write(dir.path().join("device.key"), "ab".repeat(32)).unwrap();
    let wrong = device(dir.path(), &["household", "list"]);
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("wrong key"), "{stderr}");
    assert!(wrong.stdout.is_empty());

    let bad_args = doorstep(&["device", "--db", "x.db"]);
    assert!(!bad_args.status.success());
}
