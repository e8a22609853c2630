//! Real XLSForm workbooks (`tests/data/xlsforms/`, sources and licences in
//! `SOURCES.md`) against what ODK's reference converter, pyxform, reads from
//! them (`oracle.json`, written by `oracle.py`): every workbook pyxform accepts
//! either loads with the same questions (names, types, choice lists), or is
//! refused with messages that each name a cell and say why, in Chinese and English;
//! what a loaded workbook had that was left out is told in both languages too,
//! and its own defaults are answers it accepts.
//! Prints the tally.

use std::collections::BTreeMap;
use std::path::Path;

use doorstep_forms::xlsform::{XlsFormError, import_path_with_warnings};
use doorstep_forms::{Field, FieldType};
use serde_json::Value;

/// pyxform's type names for ours; `None`: a type Doorstep has no counterpart of.
fn pyxform_type(t: FieldType) -> &'static str {
    match t {
        FieldType::Text => "text",
        FieldType::Integer => "integer",
        FieldType::Decimal => "decimal",
        FieldType::Date => "date",
        FieldType::SelectOne | FieldType::YesNo => "select one",
        FieldType::SelectMultiple => "select all that apply",
        FieldType::Note => "note",
        FieldType::Calculate => "calculate",
        FieldType::Group => "group",
        FieldType::Repeat => "repeat",
        FieldType::Geopoint => "geopoint",
        FieldType::Image | FieldType::Signature => "photo",
        FieldType::Phone => "phone number",
        FieldType::Money | FieldType::IdNumber => "(doorstep only)",
    }
}

/// Our questions in document order, as oracle.py lists pyxform's:
/// (name, pyxform type, choice names without `other`).
fn ours(fields: &[Field], out: &mut Vec<(String, String, Option<Vec<String>>)>) {
    for f in fields {
        let choices = f.choices.as_ref().map(|cs| {
            cs.iter()
                .map(|c| c.name.clone())
                .filter(|n| n != "other")
                .collect()
        });
        out.push((
            f.name.clone(),
            pyxform_type(f.field_type).to_owned(),
            choices,
        ));
        ours(f.children.as_deref().unwrap_or_default(), out);
    }
}

fn theirs(questions: &Value) -> Vec<(String, String, Option<Vec<String>>)> {
    questions
        .as_array()
        .into_iter()
        .flatten()
        // The label rows pyxform generates for a `table-list` group are not questions.
        .filter(|q| {
            let name = q["name"].as_str().unwrap_or_default();
            !name.starts_with("generated_table_list_label_")
                && !name.starts_with("reserved_name_for_field_list_labels_")
        })
        .map(|q| {
            let text = |k: &str| q[k].as_str().unwrap_or_default().to_owned();
            // pyxform keeps `string` and `gps`, old spellings of `text` and `geopoint`.
            let kind = match text("type").as_str() {
                "string" => "text".to_owned(),
                "gps" => "geopoint".to_owned(),
                // An external list is a list like any other here.
                "select one external" => "select one".to_owned(),
                other => other.to_owned(),
            };
            let choices = q["choices"].as_array().map(|cs| {
                cs.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .filter(|n| n != "other")
                    .collect()
            });
            (text("name"), kind, choices)
        })
        .collect()
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn real_workbooks_load_as_pyxform_reads_them_or_are_refused_by_cell() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xlsforms");
    let oracle: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("oracle.json")).expect("oracle.json"),
    )
    .expect("oracle.json is JSON");
    let forms = oracle["forms"].as_object().expect("forms");
    assert!(forms.len() >= 20, "the corpus is there");
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for (file, expected) in forms {
        if expected["accepted"] != true {
            *tally.entry("refused by pyxform too").or_default() += 1;
            continue;
        }
        match import_path_with_warnings(&dir.join(file)) {
            Ok(imported) => {
                let mut got = Vec::new();
                ours(&imported.form.definition().fields, &mut got);
                let want = theirs(&expected["questions"]);
                for w in &imported.warnings {
                    assert!(has_chinese(&w.message_zh()), "{file}: {w}");
                }
                // Its defaults are answers it accepts: only what is still to
                // be answered (or a condition on other answers) is missing.
                let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
                let v = imported.form.validate(&serde_json::json!({}), today);
                for p in &v.problems {
                    assert!(
                        [
                            "required",
                            "too_few_entries",
                            "too_few_photos",
                            "constraint"
                        ]
                        .contains(&p.code.as_str()),
                        "{file}: its own defaults give {p:?}"
                    );
                }
                if got == want {
                    *tally.entry("loaded, same questions").or_default() += 1;
                    println!(
                        "{file}: loaded, {} questions, {} warnings",
                        got.len(),
                        imported.warnings.len()
                    );
                } else {
                    mismatches.push(format!("{file}:\n  ours   {got:?}\n  pyxform {want:?}"));
                }
            }
            Err(errors) => {
                *tally.entry("refused, told by cell").or_default() += 1;
                for e in &errors.0 {
                    assert!(
                        matches!(e, XlsFormError::Cell { .. } | XlsFormError::MissingSheet(_)),
                        "{file}: a refusal that names no cell: {e}"
                    );
                    assert!(has_chinese(&e.message_zh()), "{file}: {e}");
                }
                println!("{file}: refused: {}", errors.0[0]);
            }
        }
    }
    println!("tally over {} workbooks: {tally:?}", forms.len());
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(
        tally.get("loaded, same questions").copied().unwrap_or(0) >= 10,
        "most workbooks load: {tally:?}"
    );
}
