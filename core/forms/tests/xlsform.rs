//! XLSForm import: representative workbooks built in the test with
//! rust_xlsxwriter, compared field by field, and bad workbooks refused with the
//! sheet, row and column.

use chrono::NaiveDate;
use doorstep_forms::xlsform::{
    XlsFormError, XlsFormWarning, import_bytes, import_bytes_with_files, import_bytes_with_warnings,
};
use doorstep_forms::{FieldType, LocalizedText};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::json;

type Sheet<'a> = (&'a str, Vec<Vec<&'a str>>);

/// Builds an .xlsx in memory the way Excel, WPS or a Kobo export saves one: a
/// cell that reads as a whole number is written as a number, and a cell
/// written `@date:2026-12-05`, `@datetime:2026-12-05T09:30:00`,
/// `@bool:true` or `@float:45.5` as a date, date-time, boolean or number cell.
fn workbook(sheets: &[Sheet<'_>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                let (r, c) = (r as u32, c as u16);
                let typed = cell.strip_prefix('@').and_then(|t| t.split_once(':'));
                match typed {
                    Some(("date", v)) => {
                        let d = ExcelDateTime::parse_from_str(v).expect("a date");
                        ws.write_datetime_with_format(r, c, &d, &date).map(|_| ())
                    }
                    Some(("datetime", v)) => {
                        let d = ExcelDateTime::parse_from_str(v).expect("a date-time");
                        ws.write_datetime_with_format(r, c, &d, &datetime)
                            .map(|_| ())
                    }
                    Some(("bool", v)) => ws.write_boolean(r, c, v == "true").map(|_| ()),
                    Some(("float", v)) => ws
                        .write_number(r, c, v.parse::<f64>().expect("a number"))
                        .map(|_| ()),
                    _ => match cell.parse::<i64>() {
                        Ok(n) if !cell.starts_with('0') => {
                            ws.write_number(r, c, n as f64).map(|_| ())
                        }
                        _ => ws.write_string(r, c, *cell).map(|_| ()),
                    },
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

    // Hints, constraint messages and defaults survive into the definition.
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
    // An appearance the phone shows no differently is left out, told once.
    assert_eq!(def.fields[5].appearance, None);
    let told: Vec<String> = import_bytes_with_warnings(&bytes)
        .expect("loads")
        .warnings
        .iter()
        .map(ToString::to_string)
        .filter(|w| w.contains("appearance"))
        .collect();
    assert_eq!(
        told,
        [
            "sheet `survey`, row 2, column M (appearance): appearance `field-list` is shown no differently on the phone (row 2); left out",
            "sheet `survey`, row 16, column M (appearance): appearance `multiline` is shown no differently on the phone (row 16); left out"
        ]
    );

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
            if let XlsFormError::Cell { message, .. } | XlsFormError::Feature { message, .. } =
                &mut e
            {
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

/// A survey refusal naming `feature`, with this English message (and the
/// Chinese cleared, as [`errors_of`] does).
fn feature(row: u32, column: &str, feature: &str, message: &str) -> XlsFormError {
    XlsFormError::Feature {
        sheet: "survey",
        row,
        column: column.to_owned(),
        feature: feature.to_owned(),
        message: LocalizedText::new("", message),
    }
}

/// A warning with this English message (the Chinese checked and cleared).
fn warning(sheet: &str, row: Option<u32>, column: Option<&str>, message: &str) -> XlsFormWarning {
    XlsFormWarning {
        sheet: sheet.to_owned(),
        row,
        column: column.map(str::to_owned),
        message: LocalizedText::new("", message),
    }
}

/// The workbook's warnings, each checked to have a Chinese text, with the
/// Chinese cleared for comparison with [`warning`].
fn warnings_of(imported: &doorstep_forms::xlsform::Imported) -> Vec<XlsFormWarning> {
    imported
        .warnings
        .iter()
        .map(|w| {
            let zh = w.message_zh();
            assert!(
                w.message
                    .zh
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "no Chinese in {zh:?} for {w}"
            );
            let mut w = w.clone();
            w.message.zh.clear();
            w
        })
        .collect()
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
fn what_cannot_work_is_refused_with_sheet_row_and_column() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "required",
                    "calculation",
                    "appearance",
                ],
                vec!["text", "a", "甲"],
                vec!["rank", "b", "乙"],
                vec!["text", "c", "丙", "${a} = 'x'"],
                vec![
                    "calculate",
                    "d",
                    "",
                    "",
                    "pull_data('hh', 'name', 'id', ${a})",
                ],
                vec!["select_one_from_file villages.csv", "e", "村"],
                vec!["select_one yn", "f", "是否", "", "", "search('villages')"],
            ],
        ),
        (
            "choices",
            vec![vec!["list_name", "name", "label"], vec!["yn", "yes", "是"]],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![
            feature(
                3,
                "A (type)",
                "question type rank",
                "type `rank` is not supported: the phone cannot rank choices: use `select_multiple` instead"
            ),
            feature(
                5,
                "E (calculation)",
                "pulldata()",
                "pulldata() reads a CSV file beside the form that the phone does not have offline: make the values choices or a prefill instead"
            ),
            feature(
                6,
                "A (type)",
                "external file",
                "the choice file `villages.csv` is missing: upload it with the form (or put its choices on the choices sheet)"
            ),
            feature(
                7,
                "F (appearance)",
                "search()",
                "appearance `search('villages')` is not supported: search() needs an external file the phone does not have"
            ),
        ]
    );
    // Once the workbook reads, what the form engine refuses names the function.
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "calculation"],
                vec!["text", "a", "甲"],
                vec!["calculate", "d", "", "pull_data('hh', 'name', 'id', ${a})"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![feature(
            3,
            "D (calculation)",
            "pulldata()",
            "pulldata() reads a CSV file beside the form that the phone does not have offline: make the values choices or a prefill instead"
        )]
    );
    // A function of that name is told as one only where it is called.
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "calculation"],
                vec!["text", "a", "甲"],
                vec!["calculate", "d", "", "concat('pulldata', ${a})"],
            ],
        ),
        settings(),
    ]));
    assert!(form.is_ok(), "{:?}", form.err());
}

#[test]
fn what_odk_reads_in_real_forms_reads_here_too() {
    // A nameless note (named from its row, as pyxform does), ODK's `acknowledge`
    // (asked as yes / no), TRUE / FALSE typed as conditions, a version with a
    // dash, and a leftover row far below the form.
    let mut survey = vec![
        vec!["type", "name", "label", "relevant"],
        vec!["note", "", "请核对地址"],
        vec!["acknowledge", "ok", "已告知"],
        vec!["text", "never", "不问", "FALSE"],
        vec!["text", "always", "总问", "TRUE"],
    ];
    survey.extend((0..60).map(|_| vec![""]));
    survey.push(vec!["party like it's 19999"]);
    let imported = import_bytes_with_warnings(&workbook(&[
        ("survey", survey),
        (
            "settings",
            vec![vec!["form_id", "version"], vec!["real", "2024091201-3"]],
        ),
    ]))
    .expect("loads");
    let def = imported.form.definition();
    let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["generated_note_name_2", "ok", "never", "always"]);
    assert_eq!(def.fields[1].field_type, FieldType::YesNo);
    assert_eq!(def.fields[2].relevant.as_deref(), Some("false()"));
    assert_eq!(def.fields[3].relevant.as_deref(), Some("true()"));
    assert_eq!(def.version, 20240912013);
    // Nothing a format-1 reader cannot show: older phone apps take it.
    assert_eq!(def.format, 1);
    let told: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    for want in [
        "sheet `survey`, row 3, column A (type): `acknowledge` is asked as yes / no and stored as yes or no",
        "sheet `settings`, row 2, column B (version): version `2024091201-3` is read as its digits, 20240912013 (Doorstep numbers versions)",
        "sheet `survey`, row 66: this row comes after 60 empty rows: as in ODK, the sheet is not read from here on",
    ] {
        assert!(told.iter().any(|t| t == want), "{want} not in {told:#?}");
    }
}

#[test]
fn a_column_without_a_header_is_left_out_and_a_file_name_stands_in_for_settings() {
    let imported = import_bytes_with_warnings(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", ""],
                vec!["text", "a", "甲", "stray"],
            ],
        ),
        settings(),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        warnings_of(&imported),
        vec![warning(
            "survey",
            Some(2),
            Some("D"),
            "this column has values but no header; left out"
        )]
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

/// Writes the workbook to a file named `name` and imports it from there.
fn import_path_of(name: &str, sheets: &[Sheet<'_>]) -> doorstep_forms::Form {
    let dir = std::env::temp_dir().join(format!("doorstep-xlsform-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, workbook(sheets)).expect("write workbook");
    let form = doorstep_forms::xlsform::import_path(&path).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    form
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
    let errs = errors_of(&[settings(), ("问卷", vec![vec!["type", "name"]])]);
    assert_eq!(errs, vec![XlsFormError::MissingSheet("survey")]);
    // As in pyxform, the only sheet of a workbook is its survey, whatever its name.
    let form = import_path_of(
        "hazard_quick.xlsx",
        &[(
            "问卷",
            vec![
                vec!["type", "name", "label"],
                vec!["text", "a", "甲\u{a0}乙"],
            ],
        )],
    );
    assert_eq!(
        form.definition().fields[0].label.zh,
        "甲 乙",
        "a no-break space reads as a space"
    );
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
            "工作表 `settings` 第 2 行 B (version) 列：版本号 `0` 必须是大于 0 的整数（例如 2026112201）或日期",
            "工作表 `survey` 第 4 行 A (type) 列：不支持类型 `rank`：手机不能排序：请改用 `select_multiple`",
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

/// A form as KoboToolbox exports it: `label:English` / `label:Chinese`
/// (single colon), more languages, media and bookkeeping columns, metadata rows.
fn kobo_export<'a>() -> Vec<Sheet<'a>> {
    vec![
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label:English",
                    "label:Chinese",
                    "label::维吾尔语 (ug)",
                    "label:Tibetan",
                    "hint:English",
                    "hint::中文",
                    "guidance_hint::English (en)",
                    "required",
                    "constraint",
                    "constraint_message:English",
                    "jr:constraintMsg::Chinese (zh)",
                    "required_message::zh-CN",
                    "image:English",
                    "$kuid",
                ],
                vec![
                    "start", "start", "", "", "", "", "", "", "", "", "", "", "", "", "", "a1",
                ],
                vec![
                    "end", "end", "", "", "", "", "", "", "", "", "", "", "", "", "", "a2",
                ],
                vec![
                    "integer",
                    "age",
                    "Age",
                    "年龄",
                    "يېشى",
                    "ལོ་",
                    "In years",
                    "周岁",
                    "Count whole years only",
                    "@bool:true",
                    ". < 130",
                    "Too old",
                    "年龄太大",
                    "请填写年龄",
                    "age.png",
                    "a3",
                ],
                vec![
                    "select_one yn",
                    "lives_alone",
                    "Lives alone",
                    "独居",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "a4",
                ],
            ],
        ),
        (
            "choices",
            vec![
                vec![
                    "list_name",
                    "name",
                    "label:English",
                    "label:Chinese",
                    "label::Uyghur (ug)",
                ],
                vec!["yn", "yes", "Yes", "是", "ھەئە"],
                vec!["yn", "no", "No", "否", "ياق"],
            ],
        ),
        (
            "settings",
            vec![
                vec![
                    "form_title",
                    "form_id",
                    "version",
                    "default_language",
                    "style",
                    "public_key",
                ],
                vec![
                    "Elderly check",
                    "elder_kobo",
                    "@float:2026120501",
                    "English",
                    "pages",
                    "MIIBIjAN",
                ],
            ],
        ),
    ]
}

#[test]
fn a_kobo_export_reads_every_language_syntax() {
    let imported =
        import_bytes_with_warnings(&workbook(&kobo_export())).unwrap_or_else(|e| panic!("{e}"));
    let def = imported.form.definition();
    assert_eq!(def.version, 2026120501, "a number cell, not 2.026120501e9");
    assert_eq!(
        def.title.en, "Elderly check",
        "the plain title is in the default language"
    );
    let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["age", "lives_alone"], "metadata rows are left out");
    let age = &def.fields[0];
    assert_eq!(
        (age.label.zh.as_str(), age.label.en.as_str()),
        ("年龄", "Age")
    );
    assert_eq!(age.label.other.get("ug").map(String::as_str), Some("يېشى"));
    assert_eq!(age.label.other.get("bo").map(String::as_str), Some("ལོ་"));
    assert_eq!(age.label.text_in("ug"), "يېشى");
    assert_eq!(
        age.label.text_in("kk"),
        "年龄",
        "a missing language falls back to Chinese"
    );
    let hint = age.hint.as_ref().expect("hint");
    assert_eq!((hint.zh.as_str(), hint.en.as_str()), ("周岁", "In years"));
    assert_eq!(
        age.guidance_hint.as_ref().map(|g| g.en.as_str()),
        Some("Count whole years only")
    );
    assert!(age.required, "a TRUE cell");
    let cm = age.constraint_message.as_ref().expect("constraint message");
    assert_eq!((cm.zh.as_str(), cm.en.as_str()), ("年龄太大", "Too old"));
    assert_eq!(
        age.required_message.as_ref().map(|m| m.zh.as_str()),
        Some("请填写年龄")
    );
    let yes = &def.fields[1].choices.as_ref().expect("choices")[0];
    assert_eq!(
        (yes.label.zh.as_str(), yes.label.en.as_str()),
        ("是", "Yes")
    );
    assert_eq!(yes.label.other.get("ug").map(String::as_str), Some("ھەئە"));
    // The further languages reach `form check`'s output too.
    let n = imported.form.normalized_json();
    assert_eq!(n["fields"][0]["label"]["ug"], "يېشى");
    assert_eq!(
        warnings_of(&imported),
        vec![
            warning(
                "settings",
                Some(2),
                Some("E (style)"),
                "setting `style` does not apply to a phone form; left out"
            ),
            warning(
                "settings",
                Some(2),
                Some("F (public_key)"),
                "setting `public_key` does not apply to a phone form; left out"
            ),
            warning(
                "survey",
                None,
                Some("O (image:English)"),
                "pictures, sound and video files are not carried to the phone; the column is left out"
            ),
            warning(
                "survey",
                Some(2),
                Some("P ($kuid)"),
                "column `$kuid` does not apply to a phone form; left out"
            ),
            warning(
                "survey",
                Some(2),
                Some("A (type)"),
                "metadata `start` is recorded by the app itself (times, worker, phone); the row is left out"
            ),
            warning(
                "survey",
                Some(3),
                Some("A (type)"),
                "metadata `end` is recorded by the app itself (times, worker, phone); the row is left out"
            ),
        ]
    );
    assert_eq!(
        imported.warnings[1].message_zh(),
        "工作表 `settings` 第 2 行 F (public_key) 列：设置项 `public_key` 不适用于手机表单，未读取"
    );
}

#[test]
fn languages_are_matched_by_code_or_name() {
    for (header, zh, en) in [
        ("label::Chinese (zh)", "甲", ""),
        ("label::中文", "甲", ""),
        ("label:chinese", "甲", ""),
        ("label::zh-CN", "甲", ""),
        ("label::zh_Hans", "甲", ""),
        ("Label::English (en)", "", "甲"),
        ("label:English", "", "甲"),
        ("label::英语", "", "甲"),
        ("label::en-US", "", "甲"),
    ] {
        let form = import_bytes(&workbook(&[
            (
                "survey",
                vec![vec!["type", "name", header], vec!["text", "a", "甲"]],
            ),
            settings(),
        ]))
        .unwrap_or_else(|e| panic!("{header}: {e}"));
        let label = &form.definition().fields[0].label;
        assert_eq!((label.zh.as_str(), label.en.as_str()), (zh, en), "{header}");
    }
    // A default language beyond Chinese and English takes the plain columns.
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "label::中文"],
                vec!["text", "a", "ئىسىم", "姓名"],
            ],
        ),
        (
            "settings",
            vec![vec!["form_id", "default_language"], vec!["f", "维吾尔语"]],
        ),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let label = &form.definition().fields[0].label;
    assert_eq!(label.zh, "姓名");
    assert_eq!(label.other.get("ug").map(String::as_str), Some("ئىسىم"));
    // The title, too.
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![vec!["type", "name", "label"], vec!["text", "a", "甲"]],
        ),
        (
            "settings",
            vec![
                vec!["form_id", "form_title::中文 (zh)", "form_title:English"],
                vec!["f", "入户走访", "Home visit"],
            ],
        ),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        form.definition().title,
        LocalizedText::new("入户走访", "Home visit")
    );
}

#[test]
fn cells_of_every_excel_type_read_as_typed() {
    let bytes = workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "default", "required", "read_only"],
                vec![
                    "date",
                    "visit_date",
                    "走访日期",
                    "@date:2026-12-05",
                    "@bool:true",
                    "@bool:false",
                ],
                vec![
                    "text",
                    "visit_time",
                    "走访时间",
                    "@datetime:2026-12-05T09:30:00",
                ],
                vec!["decimal", "area", "面积", "@float:45.5"],
                vec!["integer", "rooms", "间数", "@float:3"],
                vec!["select_one code", "code", "编码", "@float:2"],
                vec!["text", "serial", "编号", "@float:2026120501"],
                vec!["yes_no", "alone", "独居", "@bool:true"],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label"],
                vec!["code", "@float:1", "@float:1"],
                vec!["code", "@float:2", "@float:2"],
            ],
        ),
        (
            "settings",
            vec![vec!["form_id", "version"], vec!["f", "@date:2026-12-05"]],
        ),
    ]);
    let form = import_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let def = form.definition();
    assert_eq!(def.version, 20261205, "a date version reads as its digits");
    let default = |i: usize| def.fields[i].default.clone();
    assert_eq!(default(0), Some(json!("2026-12-05")));
    assert!(def.fields[0].required);
    assert!(!def.fields[0].read_only);
    assert_eq!(default(1), Some(json!("2026-12-05T09:30:00")));
    assert_eq!(default(2), Some(json!(45.5)));
    assert_eq!(default(3), Some(json!(3)));
    assert_eq!(default(4), Some(json!("2")));
    assert_eq!(default(5), Some(json!("2026120501")));
    assert_eq!(default(6), Some(json!("yes")));
    let names: Vec<&str> = form
        .choices_of("code")
        .expect("choices")
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["1", "2"]);
    // And the defaults are valid answers of their fields.
    let v = form.validate(
        &json!({}),
        NaiveDate::from_ymd_opt(2026, 12, 5).expect("date"),
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.answers["visit_date"], "2026-12-05");
}

#[test]
fn extra_sheets_and_settings_are_left_out_and_sheet_names_match_in_any_case() {
    let imported = import_bytes_with_warnings(&workbook(&[
        ("说明", vec![vec!["填写说明"], vec!["第一行是表头"]]),
        (
            "Survey",
            vec![
                vec!["TYPE", "Name", "Label", "parameters", "repeat_count"],
                vec!["begin_repeat", "members", "成员", "", "3"],
                vec!["text", "member_name", "姓名", "max-pixels=1024"],
                vec!["end_repeat"],
                vec!["deviceid", "deviceid"],
            ],
        ),
        (
            "CHOICES",
            vec![vec!["list_name", "name", "label"], vec!["yn", "yes", "是"]],
        ),
        (
            "Settings",
            vec![
                vec![
                    "form_id",
                    "instance_name",
                    "submission_url",
                    "allow_choice_duplicates",
                ],
                vec![
                    "f",
                    "concat(${member_name})",
                    "https://example.org/submit",
                    "yes",
                ],
            ],
        ),
        ("instructions", vec![vec!["how to fill in"]]),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.form.id(), "f");
    let members = &imported.form.definition().fields[0];
    assert_eq!(
        (members.min_count, members.max_count),
        (Some(3), Some(3)),
        "a fixed repeat_count"
    );
    let sheet_warning = |name: &str| {
        warning(
            name,
            None,
            None,
            "not an XLSForm sheet (only survey, choices, external_choices and settings are read); left out",
        )
    };
    let setting = |col: &str, name: &str| {
        warning(
            "Settings",
            Some(2),
            Some(col),
            &format!("setting `{name}` does not apply to a phone form; left out"),
        )
    };
    assert_eq!(
        warnings_of(&imported),
        vec![
            sheet_warning("说明"),
            sheet_warning("instructions"),
            setting("B (instance_name)", "instance_name"),
            setting("C (submission_url)", "submission_url"),
            setting("D (allow_choice_duplicates)", "allow_choice_duplicates"),
            warning(
                "Survey",
                Some(3),
                Some("D (parameters)"),
                "parameters `max-pixels=1024` only change how ODK shows or captures the question; left out"
            ),
            warning(
                "Survey",
                Some(5),
                Some("A (TYPE)"),
                "metadata `deviceid` is recorded by the app itself (times, worker, phone); the row is left out"
            ),
        ]
    );
    assert_eq!(
        imported.warnings[0].to_string(),
        "sheet `说明`: not an XLSForm sheet (only survey, choices, external_choices and settings are read); left out"
    );
    assert_eq!(
        imported.warnings[0].message_zh(),
        "工作表 `说明`：这个工作表不属于 XLSForm（只读取 survey、choices、external_choices、settings），未读取"
    );
}

#[test]
fn or_other_adds_the_choice_and_a_text_field_asked_when_it_is_chosen() {
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "required"],
                vec![
                    "select_one relation or_other",
                    "relation",
                    "与户主关系",
                    "yes",
                ],
                vec!["select_multiple hardship or_other", "hardship", "致困原因"],
            ],
        ),
        choices(),
        settings(),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let def = form.definition();
    let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["relation", "relation_other", "hardship", "hardship_other"]
    );
    let other = form
        .choices_of("relation")
        .expect("choices")
        .last()
        .cloned();
    assert_eq!(
        other.map(|c| (c.name, c.label.zh, c.label.en)),
        Some(("other".into(), "其他".into(), "Other".into()))
    );
    assert_eq!(def.fields[1].label.zh, "其他，请注明");
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let asked = |answers: serde_json::Value| form.relevant_paths(&answers, today);
    assert!(!asked(json!({"relation": "spouse"})).contains(&"relation_other".to_owned()));
    assert!(asked(json!({"relation": "other"})).contains(&"relation_other".to_owned()));
    assert!(
        asked(json!({"hardship": ["illness", "other"]})).contains(&"hardship_other".to_owned())
    );
    let v = form.validate(
        &json!({"relation": "other", "relation_other": "表亲"}),
        today,
    );
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.answers["relation_other"], "表亲");
    // Not asked, not kept.
    let v = form.validate(
        &json!({"relation": "self", "relation_other": "表亲"}),
        today,
    );
    assert!(v.answers.get("relation_other").is_none());
}

/// A cascading 街道 → 社区 → 网格 form, with the filter columns on the choices
/// sheet, and a repeat whose rows pick a 网格 of the chosen 社区.
fn cascading<'a>() -> Vec<Sheet<'a>> {
    vec![
        (
            "survey",
            vec![
                vec!["type", "name", "label", "choice_filter", "required"],
                vec!["select_one street", "street", "街道", "", "yes"],
                vec![
                    "select_one community",
                    "community",
                    "社区",
                    "street = ${street}",
                    "yes",
                ],
                vec!["select_one grid", "grid", "网格", "community=${community}"],
                vec!["begin_repeat", "patrols", "巡查"],
                vec![
                    "select_one grid",
                    "patrol_grid",
                    "巡查网格",
                    "community = ${community} and name != ${grid}",
                ],
                vec!["end_repeat"],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label", "street", "community"],
                vec!["street", "jianshe", "建设街道"],
                vec!["street", "heping", "和平街道"],
                vec!["community", "xingfu", "幸福社区", "jianshe"],
                vec!["community", "anle", "安乐社区", "jianshe"],
                vec!["community", "minzhu", "民主社区", "heping"],
                vec!["grid", "xf1", "幸福一网格", "", "xingfu"],
                vec!["grid", "xf2", "幸福二网格", "", "xingfu"],
                vec!["grid", "al1", "安乐一网格", "", "anle"],
                vec!["grid", "mz1", "民主一网格", "", "minzhu"],
            ],
        ),
        settings(),
    ]
}

#[test]
fn choice_filters_cascade_street_community_grid() {
    let form = import_bytes(&workbook(&cascading())).unwrap_or_else(|e| panic!("{e}"));
    let grid = form.choices_of("grid").expect("choices");
    assert_eq!(
        grid[0].columns.get("community").map(String::as_str),
        Some("xingfu")
    );
    let n = form.normalized_json();
    assert_eq!(n["fields"][1]["choice_filter"], "street = ${street}");
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let offered = |answers: serde_json::Value, path: &str| -> Vec<String> {
        form.offered_choices(&answers, today)
            .get(path)
            .map(|cs| cs.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(offered(json!({}), "community"), Vec::<String>::new());
    assert_eq!(
        offered(json!({"street": "jianshe"}), "community"),
        ["xingfu", "anle"]
    );
    assert_eq!(
        offered(json!({"street": "heping"}), "community"),
        ["minzhu"]
    );
    assert_eq!(
        offered(json!({"street": "jianshe", "community": "xingfu"}), "grid"),
        ["xf1", "xf2"]
    );
    // Inside a repeat, each row is filtered with the answers around it.
    let answers = json!({"street": "jianshe", "community": "xingfu", "grid": "xf1",
                         "patrols": [{"patrol_grid": "xf2"}, {}]});
    assert_eq!(offered(answers.clone(), "patrols[0].patrol_grid"), ["xf2"]);
    assert_eq!(offered(answers.clone(), "patrols[1].patrol_grid"), ["xf2"]);
    let v = form.validate(&answers, today);
    assert!(v.is_valid(), "{:?}", v.problems);
    // A choice the filter no longer offers (the street changed) must be chosen again.
    let v = form.validate(
        &json!({"street": "heping", "community": "xingfu", "patrols": [{"patrol_grid": "al1"}]}),
        today,
    );
    assert_eq!(
        v.codes(),
        vec![
            ("community", "choice_not_offered"),
            ("patrols[0].patrol_grid", "choice_not_offered")
        ]
    );
    assert_eq!(
        v.problems[0].message.zh,
        "「社区」所选的不在当前可选的选项中，请重新选择"
    );
}

#[test]
fn a_choice_filter_naming_no_column_is_refused_at_its_cell() {
    let mut sheets = cascading();
    sheets[0].1[2][3] = "district = ${street}";
    let errs = errors_of(&sheets);
    assert_eq!(
        errs,
        vec![cell(
            3,
            "D (choice_filter)",
            "`community`: at character 1 of the expression: `district` is not a column of this choice list (write `'district'` for the word itself, `${district}` for a field)"
        )]
    );
}

/// A household's members, each with their income sources.
fn members_with_incomes<'a>() -> Vec<Sheet<'a>> {
    vec![
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "required",
                    "relevant",
                    "calculation",
                    "constraint",
                ],
                vec!["begin_repeat", "members", "家庭成员"],
                vec!["text", "member_name", "姓名", "yes"],
                vec!["integer", "age", "年龄"],
                vec!["begin_repeat", "incomes", "收入来源", "", "${age} >= 16"],
                vec!["select_one income_kind", "kind", "类别", "yes"],
                vec!["money", "amount", "月收入（分）", "yes", "", "", ". > 0"],
                vec![
                    "text",
                    "employer",
                    "单位",
                    "",
                    "${kind} = 'wage' and ${age} < 60",
                ],
                vec!["end_repeat"],
                vec!["calculate", "member_income", "", "", "", "sum(${amount})"],
                vec!["end_repeat"],
                vec![
                    "calculate",
                    "household_income",
                    "",
                    "",
                    "",
                    "sum(${amount})",
                ],
                vec![
                    "calculate",
                    "income_sources",
                    "",
                    "",
                    "",
                    "count(${incomes})",
                ],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label"],
                vec!["income_kind", "wage", "工资"],
                vec!["income_kind", "pension", "养老金"],
            ],
        ),
        settings(),
    ]
}

#[test]
fn repeats_inside_repeats_load_and_validate_with_their_paths() {
    let form = import_bytes(&workbook(&members_with_incomes())).unwrap_or_else(|e| panic!("{e}"));
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let answers = json!({"members": [
        {"member_name": "王秀英", "age": 70, "incomes": [
            {"kind": "pension", "amount": 180000},
            {"kind": "wage", "employer": "社区超市"}]},
        {"member_name": "李明", "age": 40, "incomes": [{"kind": "wage", "amount": 350000, "employer": "工厂"}]},
        {"member_name": "李小", "age": 10, "incomes": [{"kind": "wage", "amount": 1}]}
    ]});
    let v = form.validate(&answers, today);
    // The 70-year-old's wage has no amount; her employer is not asked (over 60);
    // the child's incomes are not asked at all.
    assert_eq!(
        v.codes(),
        vec![("members[0].incomes[1].amount", "required")]
    );
    let members = v.answers["members"].as_array().expect("members");
    assert_eq!(members[0]["member_income"], 180000, "her own incomes only");
    assert_eq!(members[1]["member_income"], 350000);
    assert!(members[0]["incomes"][1].get("employer").is_none());
    assert!(members[2].get("incomes").is_none());
    assert_eq!(v.answers["household_income"], 530000);
    assert_eq!(
        v.answers["income_sources"], 3,
        "the child's are not counted"
    );
    let paths = form.relevant_paths(&answers, today);
    assert!(paths.contains(&"members[1].incomes[0].employer".to_owned()));
    assert!(!paths.contains(&"members[0].incomes[1].employer".to_owned()));
    assert!(!paths.contains(&"members[2].incomes".to_owned()));
}

mod defaults {
    use super::*;
    use proptest::prelude::*;

    const TYPES: [&str; 15] = [
        "acknowledge",
        "trigger",
        "time",
        "datetime",
        "range",
        "hidden",
        "text",
        "integer",
        "decimal",
        "date",
        "money",
        "yes_no",
        "select_one yn",
        "select_multiple yn",
        "phone",
    ];

    const CELLS: [&str; 16] = [
        "09:30",
        "2026-12-05 09:30",
        "@date:2026-12-05",
        "@datetime:2026-12-05T09:30:00",
        "@bool:true",
        "@bool:false",
        "@float:45.5",
        "@float:3",
        "@float:2026120501",
        "7",
        "yes",
        "yes no",
        "no",
        "2026-12-05",
        "13800138000",
        "甲",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Whatever cells a default was typed in, a form that loads validates
        /// its own defaults, and one that does not is told at the default cell.
        #[test]
        fn an_accepted_form_validates_its_own_defaults(
            rows in prop::collection::vec((0..TYPES.len(), 0..CELLS.len(), any::<bool>()), 1..8)
        ) {
            let names: Vec<String> = (0..rows.len()).map(|i| format!("q{i}")).collect();
            let mut survey = vec![vec!["type", "name", "label", "default"]];
            let mut in_group = false;
            for ((t, c, group), name) in rows.iter().zip(&names) {
                if *group && !in_group {
                    survey.push(vec!["begin_group", "section", "分组"]);
                    in_group = true;
                }
                survey.push(vec![TYPES[*t], name.as_str(), "问题", CELLS[*c]]);
            }
            if in_group {
                survey.push(vec!["end_group"]);
            }
            let bytes = workbook(&[
                ("survey", survey),
                ("choices", vec![vec!["list_name", "name", "label"], vec!["yn", "yes", "是"], vec!["yn", "no", "否"]]),
                settings(),
            ]);
            match import_bytes(&bytes) {
                Ok(form) => {
                    let v = form.validate(&json!({}), NaiveDate::from_ymd_opt(2026, 12, 5).expect("date"));
                    prop_assert!(v.is_valid(), "{:?}", v.problems);
                    for name in &names {
                        prop_assert!(v.answers.contains_key(name), "{name} lost its default");
                    }
                }
                Err(errs) => {
                    for e in &errs.0 {
                        let at_default = matches!(e, XlsFormError::Cell { column, .. } if column == "D (default)");
                        prop_assert!(at_default, "{e}");
                    }
                }
            }
        }
    }
}

#[test]
fn older_select_spellings_and_an_empty_choices_sheet_are_read() {
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label:English", "choice_filter"],
                vec!["select one from sexes or specify other", "sex", "Sex"],
                vec!["select all that apply from sexes", "seen", "Seen"],
                vec!["select_one sexes or other", "again", "Again"],
                vec!["phone number", "phone", "Phone"],
                vec![
                    "select_one sexes",
                    "labelled",
                    "Labelled",
                    "label::English != 'Male'",
                ],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list name", "name", "label:English"],
                vec!["sexes", "male", "Male"],
                vec!["sexes", "female", "Female"],
            ],
        ),
        ("settings", vec![vec!["form_id"], vec!["f"]]),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let n = form.normalized_json();
    let types: Vec<(&str, &str)> = n["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or(""),
                f["type"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("sex", "select_one"),
            ("sex_other", "text"),
            ("seen", "select_multiple"),
            ("again", "select_one"),
            ("again_other", "text"),
            ("phone", "phone"),
            ("labelled", "select_one"),
        ]
    );
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let offered: Vec<String> = form.offered_choices(&json!({}), today)["labelled"]
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(
        offered,
        ["female"],
        "a filter may read the label in a language"
    );
    // A leftover empty choices sheet is no choices sheet.
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![vec!["type", "name", "label"], vec!["text", "a", "甲"]],
        ),
        ("choices", vec![]),
        settings(),
    ]));
    assert!(form.is_ok(), "{:?}", form.err());
}

#[test]
fn a_choice_name_used_twice_in_a_list_says_what_to_change() {
    let choices = || {
        (
            "choices",
            vec![
                vec!["list_name", "name", "label", "state"],
                vec!["state", "washington", "Washington"],
                vec!["state", "texas", "Texas"],
                vec!["county", "king", "King", "washington"],
                vec!["county", "king", "King", "texas"],
                vec!["county", "pierce", "Pierce", "washington"],
                vec!["county", "pierce", "Pierce", "washington"],
            ],
        )
    };
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "choice_filter"],
                vec!["select_one state", "state", "州"],
                vec!["select_one county", "county", "县"],
            ],
        ),
        choices(),
        settings(),
    ]);
    // Twice with the same columns: one of them is a slip.
    assert_eq!(
        errs,
        vec![XlsFormError::Cell {
            sheet: "choices",
            row: 7,
            column: "B (name)".into(),
            message: LocalizedText::new(
                "",
                "choice `pierce` appears twice in list `county`: the answer keeps the choice's name, so the names in a list must differ (e.g. `pierce_2`)"
            ),
        }]
    );
    // King county of Washington and of Texas: told apart by the filter's
    // column, fine with a choice_filter (the screen shows one of them) …
    let mut sheets = vec![
        (
            "survey",
            vec![
                vec!["type", "name", "label", "choice_filter"],
                vec!["select_one state", "state", "州"],
                vec!["select_one county", "county", "县", "state = ${state}"],
            ],
        ),
        choices(),
        settings(),
    ];
    sheets[1].1.pop();
    let form = import_bytes(&workbook(&sheets)).expect("loads");
    assert_eq!(
        form.definition().fields[1].choices.as_ref().map(Vec::len),
        Some(3)
    );
    // A cascading list is format 2: an older phone app refuses it in words.
    assert_eq!(form.definition().format, 2);
    // … and refused at the question without one, where both would show.
    sheets[0].1[2].pop();
    let errs = errors_of(&sheets);
    assert!(
        matches!(&errs[..], [XlsFormError::Cell { sheet: "survey", row: 3, column, .. }] if column == "A (type)"),
        "{errs:?}"
    );
}

#[test]
fn a_row_with_neither_type_name_nor_label_is_a_comment() {
    let imported = import_bytes_with_warnings(&workbook(&[
        (
            "survey",
            vec![
                vec!["_category", "type", "name", "label"],
                vec!["基本情况"],
                vec!["", "text", "a", "甲"],
            ],
        ),
        settings(),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.form.field_count(), 1);
    assert_eq!(
        warnings_of(&imported),
        vec![
            warning(
                "survey",
                Some(2),
                Some("A (_category)"),
                "column `_category` does not apply to a phone form; left out"
            ),
            warning(
                "survey",
                Some(2),
                None,
                "the row has no type, name or label: read as a comment and left out"
            ),
        ]
    );
    // A row with a name or label but no type is a mistake, not a comment.
    let errs = errors_of(&[
        (
            "survey",
            vec![vec!["type", "name", "label"], vec!["", "a", "甲"]],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(2, "A (type)", "the row has values but no type")]
    );
}

#[test]
fn a_required_condition_makes_the_field_required_only_when_it_holds() {
    let imported = import_bytes_with_warnings(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "required", "read_only"],
                vec!["select_one yn", "has_income", "有无收入", "yes"],
                vec![
                    "integer",
                    "income",
                    "收入",
                    "${has_income} = 'yes'",
                    "${has_income} = 'no'",
                ],
                vec!["begin_repeat", "members", "成员"],
                vec!["integer", "age", "年龄"],
                vec!["text", "school", "学校", "${age} < 18"],
                vec!["end_repeat"],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label"],
                vec!["yn", "yes", "有"],
                vec!["yn", "no", "无"],
            ],
        ),
        settings(),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let form = &imported.form;
    assert_eq!(
        form.normalized_json()["fields"][1]["required_if"],
        "${has_income} = 'yes'"
    );
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let codes = |answers: serde_json::Value| -> Vec<(String, String)> {
        form.validate(&answers, today)
            .problems
            .into_iter()
            .map(|p| (p.path, p.code))
            .collect()
    };
    assert_eq!(codes(json!({"has_income": "no"})), vec![]);
    assert_eq!(
        codes(json!({"has_income": "yes", "members": [{"age": 12}, {"age": 40}]})),
        vec![
            ("income".to_owned(), "required".to_owned()),
            ("members[0].school".to_owned(), "required".to_owned())
        ]
    );
    assert_eq!(
        warnings_of(&imported),
        vec![warning(
            "survey",
            Some(3),
            Some("E (read_only)"),
            "a conditional read_only (`${has_income} = 'no'`) is not applied: the field stays editable"
        )]
    );
    // A condition that does not parse is told at its cell.
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "required"],
                vec!["text", "a", "甲", "${b} ="],
            ],
        ),
        settings(),
    ]);
    assert_eq!(errs.len(), 1);
    assert!(
        matches!(&errs[0], XlsFormError::Cell { row: 2, column, .. } if column == "D (required)"),
        "{:?}",
        errs
    );
}

#[test]
fn a_long_choice_list_comes_from_a_csv_or_excel_file_given_with_the_form() {
    let survey = (
        "survey",
        vec![
            vec!["type", "name", "label", "choice_filter"],
            vec!["select_one_from_file streets.xlsx", "street", "街道"],
            vec![
                "select_one_from_file villages.csv",
                "village",
                "小区",
                "street = ${street}",
            ],
            vec![
                "select_multiple_from_file villages.csv",
                "visited",
                "走访过的小区",
            ],
        ],
    );
    let bytes = workbook(&[survey.clone(), settings()]);
    let streets = workbook(&[(
        "streets",
        vec![
            vec!["name", "label::Chinese (zh)", "label::English (en)"],
            vec!["jianshe", "建设街道", "Jianshe"],
            vec!["heping", "和平街道", "Heping"],
        ],
    )]);
    // Excel on Chinese Windows saves CSV as GBK.
    let csv_text = "name,label,street\nxingfu,幸福小区,jianshe\nanle,\"安乐小区, 东区\",jianshe\nminzhu,民主小区,heping\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv_text);
    for villages in [
        csv_text.as_bytes().to_vec(),
        gbk.into_owned(),
        [b"\xef\xbb\xbf".as_slice(), csv_text.as_bytes()].concat(),
    ] {
        let files = |name: &str| match name {
            "streets.xlsx" => Some(streets.clone()),
            "villages.csv" => Some(villages.clone()),
            _ => None,
        };
        let imported = import_bytes_with_files(&bytes, &files).unwrap_or_else(|e| panic!("{e}"));
        let form = &imported.form;
        let street = form.choices_of("street").expect("streets");
        assert_eq!(
            (street[0].label.zh.as_str(), street[0].label.en.as_str()),
            ("建设街道", "Jianshe")
        );
        let villages = form.choices_of("village").expect("villages");
        assert_eq!(villages[1].label.zh, "安乐小区, 东区");
        assert_eq!(
            villages[2].columns.get("street").map(String::as_str),
            Some("heping")
        );
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
        let offered: Vec<String> =
            form.offered_choices(&json!({"street": "jianshe"}), today)["village"]
                .iter()
                .map(|c| c.name.clone())
                .collect();
        assert_eq!(offered, ["xingfu", "anle"]);
        // The choices are in the definition: they reach the phone with the template.
        let def = serde_json::to_value(form.definition()).expect("json");
        assert_eq!(def["fields"][1]["choices"][0]["name"], "xingfu");
    }
    // A file that was not given, or named with a path, is told at the type cell.
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["select_one_from_file ../secret.csv", "a", "甲"],
                vec!["select_one_from_file lists.geojson", "b", "乙"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![
            feature(
                2,
                "A (type)",
                "external file",
                "the choice file `../secret.csv` is missing: upload it with the form (or put its choices on the choices sheet)"
            ),
            feature(
                3,
                "A (type)",
                "external file",
                "the choice file `lists.geojson` is not a CSV or Excel file: the phone cannot read it offline"
            ),
        ]
    );
}

#[test]
fn select_one_external_reads_the_external_choices_sheet() {
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "choice_filter"],
                vec!["select_one street", "street", "街道"],
                vec![
                    "select_one_external estate",
                    "estate",
                    "小区",
                    "street = ${street}",
                ],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label"],
                vec!["street", "jianshe", "建设街道"],
            ],
        ),
        (
            "external_choices",
            vec![
                vec!["list_name", "name", "label", "street"],
                vec!["estate", "xingfu", "幸福小区", "jianshe"],
                vec!["estate", "minzhu", "民主小区", "heping"],
            ],
        ),
        settings(),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let offered: Vec<String> = form.offered_choices(&json!({"street": "jianshe"}), today)["estate"]
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(offered, ["xingfu"]);
}

#[test]
fn a_repeat_count_that_is_an_expression_is_left_out_with_a_warning() {
    let imported = import_bytes_with_warnings(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "repeat_count"],
                vec!["integer", "n", "人数"],
                vec!["begin_repeat", "members", "成员", "${n}"],
                vec!["text", "member_name", "姓名"],
                vec!["end_repeat"],
            ],
        ),
        settings(),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.form.definition().fields[1].max_count, None);
    assert_eq!(
        warnings_of(&imported),
        vec![warning(
            "survey",
            Some(3),
            Some("D (repeat_count)"),
            "repeat_count `${n}` is not a fixed number of entries: the worker adds them herself; left out"
        )]
    );
}

#[test]
fn a_group_named_like_its_question_is_renamed_with_a_warning() {
    // The IFRC pattern (a group `permission` around the question
    // `permission`) and the other order (a question, then a group of its name).
    let imported = import_bytes_with_warnings(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "relevant"],
                vec!["begin group", "permission", "许可"],
                vec!["select_one yn", "permission", "是否许可"],
                vec!["text", "why", "原因", "${permission} = 'no'"],
                vec!["end group"],
                vec!["select_one yn", "highway", "有道路"],
                vec!["begin group", "highway", "道路", "${highway} = 'yes'"],
                vec!["text", "surface", "路面"],
                vec!["end group"],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label"],
                vec!["yn", "yes", "是"],
                vec!["yn", "no", "否"],
            ],
        ),
        settings(),
    ]))
    .expect("loads");
    let def = imported.form.definition();
    let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["permission_group", "highway", "highway_group"]);
    let inner = def.fields[0].children.as_deref().unwrap_or_default();
    assert_eq!(inner[0].name, "permission");
    let told: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    for want in [
        "sheet `survey`, row 2, column B (name): the group `permission` has the name of a question: renamed `permission_group` (a group holds no answer)",
        "sheet `survey`, row 7, column B (name): the group `highway` has the name of a question: renamed `highway_group` (a group holds no answer)",
    ] {
        assert!(told.iter().any(|t| t == want), "{want} not in {told:#?}");
    }
    // Two questions of one name are still refused.
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["text", "a", "甲"],
                vec!["text", "a", "乙"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(3, "B (name)", "name `a` is already used on row 2")]
    );
}

/// The codes of the problems `answers` have in `form`, by path.
fn problems_in(form: &doorstep_forms::Form, answers: serde_json::Value) -> Vec<(String, String)> {
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    form.validate(&answers, today)
        .problems
        .into_iter()
        .map(|p| (p.path, p.code))
        .collect()
}

#[test]
fn a_time_or_datetime_row_is_text_the_core_checks() {
    let imported = import_bytes_with_warnings(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "default"],
                vec!["time", "arrived", "到达时间", "09:30:00"],
                vec!["datetime", "reported", "报告时间"],
            ],
        ),
        settings(),
    ]))
    .expect("loads");
    let form = &imported.form;
    let def = form.definition();
    assert_eq!(def.fields[0].field_type, FieldType::Text);
    assert_eq!(def.fields[1].field_type, FieldType::Text);
    // The worker is told how to write one.
    assert_eq!(
        def.fields[0].hint.as_ref().map(|h| h.zh.as_str()),
        Some("例如 09:30")
    );
    // Its own default is a time it accepts.
    assert_eq!(problems_in(form, json!({})), vec![]);
    assert_eq!(
        problems_in(
            form,
            json!({"arrived": "14:05", "reported": "2026-12-05 09:30"})
        ),
        vec![]
    );
    assert_eq!(
        problems_in(form, json!({"arrived": "25:00", "reported": "2026-12-05"})),
        vec![
            ("arrived".to_owned(), "constraint".to_owned()),
            ("reported".to_owned(), "constraint".to_owned())
        ]
    );
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let v = form.validate(&json!({"arrived": "下午三点"}), today);
    assert!(
        v.problems[0]
            .message
            .en
            .ends_with("write the time as HH:MM, e.g. 09:30"),
        "{:?}",
        v.problems[0].message
    );
}

#[test]
fn a_range_row_is_a_number_between_its_bounds_in_its_steps() {
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "parameters"],
                vec!["range", "score", "打分", "start=0 end=100 step=5"],
                vec!["range", "plain", "默认范围"],
                vec!["range", "ph", "酸碱度", "start=0;end=14;step=0.5"],
            ],
        ),
        settings(),
    ]))
    .expect("loads");
    let def = form.definition();
    assert_eq!(def.fields[0].field_type, FieldType::Integer);
    assert_eq!(def.fields[1].field_type, FieldType::Integer);
    assert_eq!(def.fields[2].field_type, FieldType::Decimal);
    assert_eq!(
        problems_in(&form, json!({"score": 35, "plain": 10, "ph": 7.5})),
        vec![]
    );
    assert_eq!(
        problems_in(&form, json!({"score": 37, "plain": 0, "ph": 14.5})),
        vec![
            ("score".to_owned(), "constraint".to_owned()),
            ("plain".to_owned(), "constraint".to_owned()),
            ("ph".to_owned(), "constraint".to_owned())
        ]
    );
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let v = form.validate(&json!({"score": 105}), today);
    assert!(
        v.problems[0]
            .message
            .en
            .ends_with("must be between 0 and 100, in steps of 5"),
        "{:?}",
        v.problems[0].message
    );
    // Parameters it cannot read are told at their cell.
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "parameters"],
                vec!["range", "score", "打分", "start=low"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![cell(
            2,
            "D (parameters)",
            "parameter `start`: `low` is not a number"
        )]
    );
}

#[test]
fn a_hidden_row_carries_its_default_or_calculation_unseen() {
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "default", "calculation"],
                vec!["integer", "n", "人数"],
                vec!["hidden", "campaign", "", "winter_2026"],
                vec!["hidden", "double", "", "", "${n} * 2"],
                vec!["hidden", "blank"],
            ],
        ),
        settings(),
    ]))
    .expect("loads");
    let def = form.definition();
    for f in &def.fields[1..] {
        assert_eq!(f.field_type, FieldType::Calculate, "{}", f.name);
        assert_eq!(f.default, None);
    }
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let v = form.validate(&json!({"n": 3}), today);
    assert!(v.is_valid(), "{:?}", v.problems);
    assert_eq!(v.answers["campaign"], json!("winter_2026"));
    assert_eq!(v.answers["double"], json!(6));
}

#[test]
fn what_the_phone_cannot_do_as_odk_does_is_asked_the_nearest_way_with_a_warning() {
    let imported = import_bytes_with_warnings(&workbook(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "appearance"],
                vec!["image", "sketch", "画出房屋位置", "draw"],
                vec!["image", "marked", "标出隐患", "annotate"],
                vec!["date", "month", "月份", "month-year"],
                vec!["image", "sign", "签名", "signature"],
                vec!["select_one yn", "ok", "同意吗", "minimal"],
                vec!["trigger", "seen", "已阅读"],
                vec!["barcode", "meter", "电表条码"],
            ],
        ),
        (
            "choices",
            vec![vec!["list_name", "name", "label"], vec!["yn", "yes", "是"]],
        ),
        settings(),
    ]))
    .expect("loads");
    let def = imported.form.definition();
    let kinds: Vec<(FieldType, Option<&str>)> = def
        .fields
        .iter()
        .map(|f| (f.field_type, f.appearance.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (FieldType::Image, None),
            (FieldType::Image, None),
            (FieldType::Date, None),
            (FieldType::Signature, None),
            (FieldType::SelectOne, None),
            (FieldType::YesNo, None),
            (FieldType::Text, None),
        ]
    );
    assert_eq!(
        warnings_of(&imported),
        vec![
            warning(
                "survey",
                Some(2),
                Some("D (appearance)"),
                "appearance `draw`: the phone has no drawing pad: a photo is taken instead"
            ),
            warning(
                "survey",
                Some(3),
                Some("D (appearance)"),
                "appearance `annotate`: the phone cannot mark up a photo: the photo is taken as it is"
            ),
            warning(
                "survey",
                Some(4),
                Some("D (appearance)"),
                "appearance `month-year`: the worker picks a whole date (year, month and day) instead of only the month or year"
            ),
            warning(
                "survey",
                Some(7),
                Some("A (type)"),
                "`trigger` is asked as yes / no and stored as yes or no"
            ),
            warning(
                "survey",
                Some(8),
                Some("A (type)"),
                "the phone cannot scan codes: `barcode` is asked as text and the worker types the code"
            ),
            // What only changes how ODK shows a question: told once per appearance.
            warning(
                "survey",
                Some(6),
                Some("D (appearance)"),
                "appearance `minimal` is shown no differently on the phone (row 6); left out"
            ),
        ]
    );
}

#[test]
fn a_type_the_phone_has_no_widget_for_says_what_to_write_instead() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["audio", "voice", "录音"],
                vec!["video", "clip", "录像"],
                vec!["file", "doc", "文件"],
                vec!["geoshape", "area", "面积"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![
            feature(
                2,
                "A (type)",
                "question type audio",
                "type `audio` is not supported: the phone cannot record sound: use `image` (a photo) or a `note`, or delete the row"
            ),
            feature(
                3,
                "A (type)",
                "question type video",
                "type `video` is not supported: the phone cannot record video: use `image` (a photo) instead, or delete the row"
            ),
            feature(
                4,
                "A (type)",
                "question type file",
                "type `file` is not supported: the phone cannot attach files: use `image` (a photo of the document) instead, or delete the row"
            ),
            feature(
                5,
                "A (type)",
                "question type geoshape",
                "type `geoshape` is not supported: the phone records one position, not a line or an area: use `geopoint` instead"
            ),
        ]
    );
}

#[test]
fn a_loop_over_a_list_is_asked_once_per_choice() {
    let form = import_bytes(&workbook(&[
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label::Chinese (zh)",
                    "label::English (en)",
                    "constraint",
                ],
                vec!["begin loop over hazard", "hazards", "隐患", "Hazards"],
                vec![
                    "integer",
                    "count",
                    "%(label)s有几处？",
                    "How many %(label)s?",
                ],
                vec![
                    "integer",
                    "fixed",
                    "已整改几处？",
                    "How many fixed?",
                    ". <= ${count}",
                ],
                vec!["end loop"],
            ],
        ),
        (
            "choices",
            vec![
                vec![
                    "list_name",
                    "name",
                    "label::Chinese (zh)",
                    "label::English (en)",
                ],
                vec!["hazard", "wiring", "私拉电线", "loose wiring"],
                vec!["hazard", "gas", "燃气泄漏", "gas leaks"],
                vec!["hazard", "none", "没有", "none"],
            ],
        ),
        settings(),
    ]))
    .expect("loads");
    let def = form.definition();
    let outer = &def.fields[0];
    assert_eq!(
        (outer.name.as_str(), outer.field_type),
        ("hazards", FieldType::Group)
    );
    let groups = outer.children.as_deref().unwrap_or_default();
    // One group per choice but `none`, labelled with the choice.
    let named: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g.name.as_str(), g.label.zh.as_str()))
        .collect();
    assert_eq!(
        named,
        [("hazards_wiring", "私拉电线"), ("hazards_gas", "燃气泄漏")]
    );
    let gas = groups[1].children.as_deref().unwrap_or_default();
    assert_eq!(gas[0].name, "count_gas");
    assert_eq!(gas[0].label.zh, "燃气泄漏有几处？");
    assert_eq!(gas[0].label.en, "How many gas leaks?");
    assert_eq!(gas[1].constraint.as_deref(), Some(". <= ${count_gas}"));
    // Each copy checks its own answers.
    assert_eq!(
        problems_in(
            &form,
            json!({"count_wiring": 2, "fixed_wiring": 1, "count_gas": 1, "fixed_gas": 3})
        ),
        vec![("fixed_gas".to_owned(), "constraint".to_owned())]
    );
}

#[test]
fn instance_on_the_forms_own_list_is_told_apart_from_external_data() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "calculation"],
                vec!["select_one grade", "grade", "等级"],
                vec![
                    "calculate",
                    "grade_label",
                    "",
                    "jr:itext(instance('grade')/root/item[name = ${grade}]/itextId)",
                ],
                vec![
                    "calculate",
                    "area",
                    "",
                    "instance('parcels')/root/item[id=${grade}]/area",
                ],
            ],
        ),
        (
            "choices",
            vec![vec!["list_name", "name", "label"], vec!["grade", "a", "甲"]],
        ),
        settings(),
    ]);
    assert_eq!(
        errs,
        vec![
            feature(
                3,
                "D (calculation)",
                "instance() path",
                "instance('grade') looks up the form's own choice list `grade` by an XPath path, which Doorstep does not evaluate: let the select itself show the choice, or compute the value with if()"
            ),
            feature(
                4,
                "D (calculation)",
                "external instance",
                "instance() reads external data the phone does not have offline: put the choices on the choices sheet"
            ),
        ]
    );
}

#[test]
fn a_loop_without_its_list_or_its_end_is_told_at_its_row() {
    let errs = errors_of(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["begin loop over rooms", "per_room", "每个房间"],
                vec!["integer", "n", "数量"],
                vec!["end loop"],
            ],
        ),
        settings(),
    ]);
    assert_eq!(
        errs[0],
        cell(
            2,
            "A (type)",
            "`begin loop over rooms` cannot be written out: write `begin loop over listname` with the list on the choices sheet, closed by `end loop`"
        )
    );
}
