//! `doorstep form check|validate|list`, run as a worker's supervisor would.

use std::path::Path;
use std::process::{Command, Output};

fn doorstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_doorstep"))
        .args(args)
        .output()
        .expect("the doorstep binary runs")
}

fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn write(dir: &Path, name: &str, value: &serde_json::Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).expect("write fixture");
    path.to_string_lossy().into_owned()
}

fn household_form() -> serde_json::Value {
    serde_json::json!({
        "id": "household_check", "version": 3,
        "title": {"zh": "家庭核查", "en": "Household check"},
        "fields": [
            {"name": "has_income", "type": "yes_no", "label": {"zh": "有收入", "en": "Has income"}, "required": true},
            {"name": "income", "type": "money", "label": {"zh": "月收入", "en": "Monthly income"},
             "required": true, "relevant": "${has_income}='yes'", "constraint": ".>0"},
            {"name": "members", "type": "repeat", "label": {"zh": "成员", "en": "Members"}, "children": [
                {"name": "id_number", "type": "id_number", "label": {"zh": "身份证号", "en": "ID number"}, "required": true}
            ]}
        ]
    })
}

#[test]
fn check_prints_the_normalized_definition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "form.json", &household_form());
    let out = doorstep(&["form", "check", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(v["id"], "household_check");
    assert_eq!(v["version"], 3);
    assert_eq!(
        v["title"],
        serde_json::json!({"zh": "家庭核查", "en": "Household check"})
    );
    let f = &v["fields"];
    assert_eq!(f[0]["type"], "select_one");
    assert_eq!(f[0]["choices"][0]["name"], "yes");
    assert_eq!(f[1]["type"], "money");
    assert_eq!(f[1]["required"], true);
    assert_eq!(f[1]["relevant"], "${has_income} = 'yes'");
    assert_eq!(f[1]["constraint"], ". > 0");
    assert_eq!(f[1]["calculation"], serde_json::Value::Null);
    assert_eq!(f[1]["choices"], serde_json::Value::Null);
    assert_eq!(f[1]["children"], serde_json::Value::Null);
    assert_eq!(f[2]["type"], "repeat");
    assert_eq!(f[2]["children"][0]["type"], "id_number");
    assert_eq!(f[2]["children"][0]["label"]["en"], "ID number");
}

#[test]
fn check_refuses_a_bad_form_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut form = household_form();
    form["fields"][1]["relevant"] = serde_json::json!("${has_incme} = 'yes'");
    let file = write(dir.path(), "bad.json", &form);
    let out = doorstep(&["form", "check", &file]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("field `income`, relevant, column 1: unknown field `has_incme`"),
        "{stderr}"
    );
}

#[test]
fn validate_prints_problems_and_exits_by_validity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let form = write(dir.path(), "form.json", &household_form());
    let good = write(
        dir.path(),
        "good.json",
        &serde_json::json!({"has_income": "no", "income": -5, "members": [{"id_number": "11010519491231002X"}]}),
    );
    let out = doorstep(&["form", "validate", &form, &good, "--today", "2026-11-22"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out), serde_json::json!([]));

    let bad = write(
        dir.path(),
        "bad.json",
        &serde_json::json!({"has_income": "yes", "members": [{"id_number": "11010519491231002X"}, {"id_number": "110105194912310021"}]}),
    );
    let out = doorstep(&["form", "validate", &form, &bad, "--today", "2026-11-22"]);
    assert_eq!(out.status.code(), Some(1));
    let problems = stdout_json(&out);
    assert_eq!(
        problems,
        serde_json::json!([
            {"path": "income", "code": "required",
             "message": {"zh": "「月收入」为必填项", "en": "Monthly income is required"}},
            {"path": "members[1].id_number", "code": "bad_check_digit",
             "message": {"zh": "「身份证号」身份证号码校验位不正确", "en": "ID number: the check character does not match the other 17"}}
        ])
    );
}

#[test]
fn validate_accepts_a_builtin_template_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let answers = write(
        dir.path(),
        "visit.json",
        &serde_json::json!({"household_id": "HH-1", "respondent": "林阿公", "visit_date": "2026-11-20",
                            "person_id": "35020319400101071X", "benefit": "senior_allowance",
                            "status": "alive_present", "face_photo": ["face-01.jpg"], "change": "none"}),
    );
    let out = doorstep(&[
        "form",
        "validate",
        "pension_certification",
        &answers,
        "--today",
        "2026-11-22",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = doorstep(&["form", "validate", "no_such_template", &answers]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("neither a file nor a built-in template")
    );
}

#[test]
fn list_shows_the_builtin_templates() {
    let out = doorstep(&["form", "list"]);
    assert!(out.status.success());
    let list = stdout_json(&out);
    let list = list.as_array().expect("an array");
    assert_eq!(list.len(), 14);
    assert!(list.contains(
        &serde_json::json!({"id": "dibao_review", "version": 1, "title_zh": "低保定期复核"})
    ));
    assert!(list.contains(&serde_json::json!({"id": "hazard_inspection", "version": 1, "title_zh": "入户安全隐患排查"})));
}

/// A small XLSForm workbook, as a supervisor would save it from Excel or WPS.
fn xlsform(dir: &Path, name: &str, survey: &[&[&str]]) -> String {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheets: [(&str, Vec<&[&str]>); 3] = [
        ("survey", survey.to_vec()),
        (
            "choices",
            vec![
                &["list_name", "name", "label::zh", "label::en"],
                &["severity", "general", "一般", "General"],
                &["severity", "severe", "重大", "Severe"],
            ],
        ),
        (
            "settings",
            vec![
                &["form_id", "version", "form_title"],
                &["hazard_quick", "3", "隐患速报"],
            ],
        ),
    ];
    for (sheet, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(r as u32, c as u16, *cell).expect("cell");
                }
            }
        }
    }
    let path = dir.join(name);
    wb.save(&path).expect("save workbook");
    path.to_string_lossy().into_owned()
}

#[test]
fn check_reads_an_xlsform_workbook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = xlsform(
        dir.path(),
        "hazard.xlsx",
        &[
            &[
                "type",
                "name",
                "label::zh",
                "label::en",
                "required",
                "relevant",
            ],
            &[
                "select_one severity",
                "severity",
                "严重程度",
                "Severity",
                "yes",
            ],
            &[
                "date",
                "deadline",
                "整改期限",
                "Fix by",
                "yes",
                "${severity} = 'severe'",
            ],
        ],
    );
    let out = doorstep(&["form", "check", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(v["id"], "hazard_quick");
    assert_eq!(v["version"], 3);
    assert_eq!(v["title"]["zh"], "隐患速报");
    assert_eq!(v["fields"][0]["type"], "select_one");
    assert_eq!(
        v["fields"][0]["choices"][1],
        serde_json::json!({"name": "severe", "label": {"zh": "重大", "en": "Severe"}})
    );
    assert_eq!(v["fields"][1]["relevant"], "${severity} = 'severe'");
}

#[test]
fn check_refuses_a_bad_workbook_with_sheet_row_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = xlsform(
        dir.path(),
        "bad.xlsx",
        &[
            &["type", "name", "label::zh", "relevant"],
            &["select_one severity", "severity", "严重程度"],
            &["date", "deadline", "整改期限", "${severty} = 'severe'"],
        ],
    );
    let out = doorstep(&["form", "check", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sheet `survey`, row 3, column D (relevant): `deadline`: at character 1 of the expression: unknown field `severty`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("工作表 `survey` 第 3 行 D (relevant) 列：`deadline`：表达式第 1 个字符处：未知字段 `severty`"),
        "{stderr}"
    );
}

#[test]
fn check_lists_what_a_workbook_had_that_was_left_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = xlsform(
        dir.path(),
        "kobo.xlsx",
        &[
            &[
                "type",
                "name",
                "label:Chinese",
                "label:English",
                "media::audio",
            ],
            &["start", "start"],
            &[
                "select_one severity or_other",
                "severity",
                "严重程度",
                "Severity",
                "s.mp3",
            ],
        ],
    );
    let out = doorstep(&["form", "check", &file]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v = stdout_json(&out);
    assert_eq!(v["fields"][0]["label"]["en"], "Severity");
    assert_eq!(v["fields"][1]["name"], "severity_other");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "警告：工作表 `survey` E (media::audio) 列：图片、音频和视频文件不会带到手机上，这一列未读取",
            "warning: sheet `survey`, column E (media::audio): pictures, sound and video files are not carried to the phone; the column is left out",
            "警告：工作表 `survey` 第 2 行 A (type) 列：元数据 `start` 由应用自动记录（时间、网格员、手机），这一行未读取",
            "warning: sheet `survey`, row 2, column A (type): metadata `start` is recorded by the app itself (times, worker, phone); the row is left out",
        ]
    );
}

#[test]
fn check_reads_a_choice_file_beside_the_workbook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = xlsform(
        dir.path(),
        "villages.xlsx",
        &[
            &["type", "name", "label::zh"],
            &["select_one_from_file villages.csv", "village", "小区"],
        ],
    );
    let out = doorstep(&["form", "check", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "没有找到选项文件 `villages.csv`：请与表单一起上传（或把选项放进 choices 工作表）"
        ),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("villages.csv"),
        "name,label\nxingfu,幸福小区\nanle,安乐小区\n",
    )
    .expect("write csv");
    let out = doorstep(&["form", "check", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(
        v["fields"][0]["choices"][1],
        serde_json::json!({"name": "anle", "label": {"zh": "安乐小区", "en": ""}})
    );
}
