//! XLSForm import: representative workbooks built in the test with
//! rust_xlsxwriter, compared field by field, and bad workbooks refused with the
//! sheet, row and column.

use chrono::NaiveDate;
use doorstep_forms::LocalizedText;
use doorstep_forms::xlsform::{XlsFormError, import_bytes};
use rust_xlsxwriter::Workbook;
use serde_json::json;

type Sheet<'a> = (&'a str, Vec<Vec<&'a str>>);

/// Builds an .xlsx in memory; a cell that reads as a whole number is written as a number.
fn workbook(sheets: &[Sheet<'_>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                let (r, c) = (r as u32, c as u16);
                match cell.parse::<i64>() {
                    Ok(n) if !cell.starts_with('0') => ws.write_number(r, c, n as f64).map(|_| ()),
                    _ => ws.write_string(r, c, *cell).map(|_| ()),
                }
                .expect("write cell");
            }
        }
    }
    wb.save_to_buffer().expect("xlsx bytes")
}

fn settings<'a>() -> Sheet<'a> {
    (
        "settings",
        vec![
            vec!["form_id", "version", "form_title", "default_language"],
            vec![
                "household_survey",
                "2026112201",
                "家庭情况调查",
                "Chinese (zh)",
            ],
        ],
    )
}

fn choices<'a>() -> Sheet<'a> {
    (
        "choices",
        vec![
            vec![
                "list_name",
                "name",
                "label::Chinese (zh)",
                "label::English (en)",
            ],
            vec!["relation", "self", "本人", "Self"],
            vec!["relation", "spouse", "配偶", "Spouse"],
            vec!["relation", "child", "子女", "Child"],
            vec!["hardship", "illness", "疾病", "Illness"],
            vec!["hardship", "disaster", "灾害", "Disaster"],
            vec!["yn", "yes", "是", "Yes"],
            vec!["yn", "no", "否", "No"],
        ],
    )
}

const HEADER: [&str; 13] = [
    "type",
    "name",
    "label::Chinese (zh)",
    "label::English (en)",
    "hint::zh",
    "required",
    "relevant",
    "constraint",
    "constraint_message::zh",
    "constraint_message::en",
    "calculation",
    "default",
    "appearance",
];

fn representative<'a>() -> Sheet<'a> {
    (
        "survey",
        vec![
            HEADER.to_vec(),
            vec![
                "begin group",
                "basic",
                "基本情况",
                "Basics",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "field-list",
            ],
            vec![
                "text",
                "head_name",
                "户主姓名",
                "Head of household",
                "按身份证填写",
                "yes",
            ],
            vec![
                "id_number",
                "head_id",
                "户主身份证号",
                "Head's ID number",
                "",
                "true",
            ],
            vec![
                "select_one yn",
                "has_income",
                "有无收入",
                "Any income",
                "",
                "yes",
            ],
            vec![
                "money",
                "income",
                "月收入（分）",
                "Monthly income (fen)",
                "",
                "yes",
                "${has_income} = 'yes'",
                ". > 0",
                "收入应大于0",
                "must be above 0",
            ],
            vec!["end group"],
            vec!["begin repeat", "members", "家庭成员", "Members"],
            vec!["text", "member_name", "姓名", "Name", "", "yes"],
            vec![
                "select_one relation",
                "relation",
                "关系",
                "Relation",
                "",
                "yes",
            ],
            vec![
                "integer",
                "member_age",
                "年龄",
                "Age",
                "",
                "",
                "",
                ". >= 0 and . < 130",
            ],
            vec!["end repeat"],
            vec![
                "calculate",
                "member_count",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "count(${members})",
            ],
            vec![
                "select_multiple hardship",
                "hardship",
                "致困原因",
                "Cause of hardship",
            ],
            vec![
                "decimal",
                "area",
                "住房面积",
                "Floor area",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "45.5",
            ],
            vec![
                "text",
                "remarks",
                "备注",
                "Remarks",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "multiline",
            ],
            vec![
                "image",
                "sign",
                "户主签名",
                "Signature",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "signature",
            ],
            vec!["note", "thanks", "感谢配合", "Thank you"],
        ],
    )
}

#[test]
fn a_representative_form_imports_field_by_field() {
    let bytes = workbook(&[representative(), choices(), settings()]);
    let form = import_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let n = form.normalized_json();
    assert_eq!(n["id"], "household_survey");
    assert_eq!(n["version"], 2026112201u64);
    assert_eq!(n["title"], json!({"zh": "家庭情况调查", "en": ""}));
    let f = n["fields"].as_array().expect("fields");
    let names: Vec<_> = f
        .iter()
        .map(|x| x["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "basic",
            "members",
            "member_count",
            "hardship",
            "area",
            "remarks",
            "sign",
            "thanks"
        ]
    );

    let basic = &f[0];
    assert_eq!(basic["type"], "group");
    assert_eq!(basic["label"], json!({"zh": "基本情况", "en": "Basics"}));
    let kids = basic["children"].as_array().expect("children");
    assert_eq!(kids.len(), 4);
    assert_eq!(
        kids[0],
        json!({"name": "head_name", "type": "text", "label": {"zh": "户主姓名", "en": "Head of household"},
        "required": true, "relevant": null, "constraint": null, "calculation": null, "choices": null, "children": null})
    );
    assert_eq!(kids[1]["type"], "id_number");
    assert_eq!(kids[1]["required"], true);
    assert_eq!(kids[2]["type"], "select_one");
    assert_eq!(
        kids[2]["choices"],
        json!([{"name": "yes", "label": {"zh": "是", "en": "Yes"}},
                                          {"name": "no", "label": {"zh": "否", "en": "No"}}])
    );
    assert_eq!(kids[3]["type"], "money");
    assert_eq!(kids[3]["relevant"], "${has_income} = 'yes'");
    assert_eq!(kids[3]["constraint"], ". > 0");

    let members = &f[1];
    assert_eq!(members["type"], "repeat");
    let mk = members["children"].as_array().expect("children");
    assert_eq!(
        mk[1]["choices"][2],
        json!({"name": "child", "label": {"zh": "子女", "en": "Child"}})
    );
    assert_eq!(mk[2]["type"], "integer");
    assert_eq!(mk[2]["constraint"], ". >= 0 and . < 130");
    assert_eq!(f[2]["type"], "calculate");
    assert_eq!(f[2]["calculation"], "count(${members})");
    assert_eq!(f[3]["type"], "select_multiple");
    assert_eq!(f[3]["choices"].as_array().map(Vec::len), Some(2));
    assert_eq!(f[4]["type"], "decimal");
    assert_eq!(f[6]["type"], "signature");
    assert_eq!(f[7]["type"], "note");

    // Hints, constraint messages, defaults and appearances survive into the definition.
    let def = form.definition();
    let income = &def.fields[0].children.as_ref().expect("group")[3];
    assert_eq!(
        income.constraint_message.as_ref().map(|m| m.en.as_str()),
        Some("must be above 0")
    );
    let head = &def.fields[0].children.as_ref().expect("group")[0];
    assert_eq!(
        head.hint.as_ref().map(|h| h.zh.as_str()),
        Some("按身份证填写")
    );
    assert_eq!(def.fields[4].default, Some(json!(45.5)));
    assert_eq!(def.fields[5].appearance.as_deref(), Some("multiline"));

    // And the imported form validates like any other.
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
    let v = form.validate(
        &json!({"head_name": "王秀英", "head_id": "11010519491231002X", "has_income": "yes", "income": 0,
                "members": [{"member_name": "王秀英", "relation": "self", "member_age": 76}, {"relation": "cousin"}]}),
        today,
    );
    assert_eq!(
        v.codes(),
        vec![
            ("income", "constraint"),
            ("members[1].member_name", "required"),
            ("members[1].relation", "unknown_choice")
        ]
    );
    assert_eq!(v.problems[0].message.zh, "「月收入（分）」收入应大于0");
    assert_eq!(v.answers["member_count"], 2);
    assert_eq!(v.answers["area"], 45.5);
}

#[test]
fn required_messages_and_choice_labels_follow_the_workbook() {
    let bytes = workbook(&[
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "required",
                    "required_message",
                    "required_message::en",
                ],
                vec![
                    "select_one kind",
                    "kind",
                    "Kind",
                    "yes",
                    "请选择隐患类型",
                    "pick the kind of hazard",
                ],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label"],
                vec!["kind", "fire", "Fire"],
            ],
        ),
        (
            "settings",
            vec![vec!["form_id", "default_language"], vec!["f", "en"]],
        ),
    ]);
    let form = import_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        form.normalized_json()["fields"][0]["choices"][0]["label"],
        json!({"zh": "", "en": "Fire"})
    );
    let v = form.validate(
        &json!({}),
        NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
    );
    assert_eq!(v.codes(), vec![("kind", "required")]);
    // The plain column follows the default language (English here); `::en` wins over it.
    assert_eq!(v.problems[0].message.en, "Kind: pick the kind of hazard");
}

#[test]
fn a_plain_label_follows_the_default_language() {
    let bytes = workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "label::zh"],
                vec!["text", "a", "Address", "地址"],
                vec!["text", "b", "Name"],
            ],
        ),
        (
            "settings",
            vec![
                vec!["form_id", "default_language"],
                vec!["f", "English (en)"],
            ],
        ),
    ]);
    let form = import_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let n = form.normalized_json();
    assert_eq!(
        n["fields"][0]["label"],
        json!({"zh": "地址", "en": "Address"})
    );
    assert_eq!(n["fields"][1]["label"], json!({"zh": "", "en": "Name"}));
    assert_eq!(n["version"], 1);
}

/// The workbook's errors, each checked to have a Chinese text; cell messages
/// are returned with only their English (the Chinese is cleared) for
/// comparison with [`cell`].
fn errors_of(sheets: &[Sheet<'_>]) -> Vec<XlsFormError> {
    let errs = match import_bytes(&workbook(sheets)) {
        Ok(_) => panic!("the workbook was accepted"),
        Err(e) => e.0,
    };
    errs.into_iter()
        .map(|mut e| {
            let zh = e.message_zh();
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "no Chinese in {zh:?} for {e}"
            );
            if let XlsFormError::Cell { message, .. } = &mut e {
                assert!(
                    message
                        .zh
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "no Chinese cell message for {e}"
                );
                message.zh.clear();
            }
            e
        })
        .collect()
}

/// A survey cell error with this English message (and the Chinese cleared, as [`errors_of`] does).
fn cell(row: u32, column: &str, message: &str) -> XlsFormError {
    XlsFormError::Cell {
        sheet: "survey",
        row,
        column: column.to_owned(),
        message: LocalizedText::new("", message),
    }
}

#[test]
fn duplicate_names_are_refused_with_both_rows() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["text", "name", "姓名"],
                vec!["integer", "age", "年龄"],
                vec!["text", "name", "姓名"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(4, "B (name)", "name `name` is already used on row 2")]
    );
}

#[test]
fn unknown_references_point_at_the_relevant_cell() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "relevant"],
                vec!["integer", "age", "年龄"],
                vec!["text", "school", "学校", "${agee} < 18"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(
            3,
            "D (relevant)",
            "`school`: at character 1 of the expression: unknown field `agee`"
        )]
    );
    assert_eq!(
        errs[0].to_string(),
        "sheet `survey`, row 3, column D (relevant): `school`: at character 1 of the expression: unknown field `agee`"
    );
}

#[test]
fn cycles_point_at_the_calculation_cell() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "calculation"],
                vec!["calculate", "a", "", "${b} + 1"],
                vec!["calculate", "b", "", "${a} * 2"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(
            2,
            "D (calculation)",
            "calculations form a cycle: a -> b -> a"
        )]
    );
}

#[test]
fn a_missing_choice_list_is_refused() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["select_one relations", "rel", "关系"],
            ],
        ),
        choices(),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(
            2,
            "A (type)",
            "choice list `relations` is not on the choices sheet"
        )]
    );
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["select_multiple hardship", "h", "原因"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(
            2,
            "A (type)",
            "choice list `hardship` is needed but the workbook has no choices sheet"
        )]
    );
}

#[test]
fn a_repeat_never_closed_is_refused_at_its_begin_row() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["text", "head", "户主"],
                vec!["begin repeat", "members", "成员"],
                vec!["text", "member_name", "姓名"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(
            3,
            "A (type)",
            "`begin repeat` of `members` is never closed with `end repeat`"
        )]
    );
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["begin repeat", "members", "成员"],
                vec!["text", "member_name", "姓名"],
                vec!["end group"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(
            4,
            "A (type)",
            "`end group` closes `begin repeat` of `members` (row 2)"
        )]
    );
}

#[test]
fn anything_unsupported_is_refused_with_sheet_row_and_column() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "media::image",
                    "required",
                    "label::fr",
                ],
                vec!["start", "start"],
                vec!["text", "a", "甲", "photo.png"],
                vec!["rank", "b", "乙"],
                vec!["text", "c", "丙", "", "${a} = 'x'"],
                vec!["date", "d", "丁"],
            ],
        ),
        (
            "settings",
            vec![vec!["form_id", "instance_name"], vec!["f", "concat(${a})"]],
        ),
    ]);
    let settings_err = XlsFormError::Cell {
        sheet: "settings",
        row: 2,
        column: "B (instance_name)".into(),
        message: LocalizedText::new("", "setting `instance_name` is not supported"),
    };
    assert_eq!(
        errs,
        vec![
            settings_err,
            cell(
                3,
                "D (media::image)",
                "column `media::image` is not supported"
            ),
            cell(
                1,
                "F (label::fr)",
                "language `fr` is not supported (only Chinese and English)"
            ),
            cell(
                2,
                "A (type)",
                "metadata `start` is recorded by the app itself; delete this row"
            ),
            cell(4, "A (type)", "type `rank` is not supported"),
            cell(
                5,
                "E (required)",
                "required must be yes or no, not `${a} = 'x'` (conditional required is not supported)"
            ),
        ]
    );
}

#[test]
fn a_column_without_a_header_is_refused_and_a_file_name_stands_in_for_settings() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", ""],
                vec!["text", "a", "甲", "stray"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(2, "D", "this column has values but no header")]
    );
    let dir = std::env::temp_dir().join(format!("doorstep-xlsform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("rental_check.xlsx");
    std::fs::write(
        &path,
        workbook(&[(
            "survey",
            vec![vec!["type", "name", "label"], vec!["text", "a", "甲"]],
        )]),
    )
    .expect("write workbook");
    let form = doorstep_forms::xlsform::import_path(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(form.id(), "rental_check");
    assert_eq!(form.version(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_workbook_without_settings_or_survey_is_refused() {
    let errs = errors_of(&[(
        "survey",
        vec![vec!["type", "name", "label"], vec!["text", "a", "甲"]],
    )]);
    assert_eq!(errs, vec![XlsFormError::MissingSheet("settings")]);
    let errs = errors_of(&[settings()]);
    assert_eq!(errs, vec![XlsFormError::MissingSheet("survey")]);
    let err = import_bytes(b"not a zip file").expect_err("garbage");
    assert!(matches!(&err.0[..], [XlsFormError::Open(_)]), "{err}");
}

#[test]
fn problems_are_told_in_chinese_with_sheet_row_and_column() {
    let errs = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "relevant"],
                vec!["integer", "age", "年龄"],
                vec!["text", "school", "学校", "${agee} < 18"],
                vec!["rank", "b", "乙"],
            ],
        ),
        ("settings", vec![vec!["form_id", "version"], vec!["f", "0"]]),
    ]))
    .expect_err("refused")
    .0;
    let zh: Vec<String> = errs.iter().map(|e| e.message_zh()).collect();
    assert_eq!(
        zh,
        [
            "工作表 `settings` 第 2 行 B (version) 列：版本号 `0` 必须是大于 0 的整数（例如 2026112201）",
            "工作表 `survey` 第 4 行 A (type) 列：不支持类型 `rank`",
        ]
    );
    // A problem Form::load finds is mapped back to its cell, in Chinese too.
    let err = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "relevant"],
                vec!["integer", "age", "年龄"],
                vec!["text", "school", "学校", "${agee} < 18"],
            ],
        ),
        settings(),
    ]))
    .expect_err("refused");
    assert_eq!(err.0.len(), 1);
    assert_eq!(
        err.0[0].message_zh(),
        "工作表 `survey` 第 3 行 D (relevant) 列：`school`：表达式第 1 个字符处：未知字段 `agee`"
    );
    assert_eq!(
        XlsFormError::MissingSheet("settings").message_zh(),
        "工作簿缺少 `settings` 工作表"
    );
}
