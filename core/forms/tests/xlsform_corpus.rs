//! Real XLSForm workbooks from several public collections (`tests/data/xlsforms/`,
//! each file's repository, path, commit and licence in `manifest.json`) against
//! what ODK's reference converter, pyxform, reads from them (`oracle.json`,
//! written by `oracle.py`): every workbook pyxform accepts either loads with the
//! same questions (names, types, choice lists), or is refused naming a feature a
//! phone cannot have offline (`pulldata()`, `search()`, an external file, a
//! question type it has no screen for), at its cell, in Chinese and English.
//! The few workbooks with a mistake pyxform lets through (an unknown function,
//! a condition on a choice the list lacks) are listed in the manifest with the
//! mistake, and must be refused at a cell. What a loaded workbook had that was
//! left out is told in both languages too, and its own defaults are answers it
//! accepts. Prints the refusals by feature and the tally per source.
//!
//! A question ODK asks with a widget the phone lacks is asked as the phone's
//! nearest kind, and compares as that kind: `time` / `datetime` / `barcode` as
//! text, `hidden` as a calculation, `trigger` / `acknowledge` as yes / no,
//! `range` as an integer or a decimal, and a loop as a group per choice of its
//! list holding the loop's questions, their names ending `_{choice}`.

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
fn ours(fields: &[Field], out: &mut Vec<Question>) {
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

/// pyxform's questions, with each loop written out as Doorstep asks it: a
/// group named like the loop, and for each of its choices but `none` a group
/// `{loop}_{choice}` with the loop's questions, their names ending `_{choice}`.
fn theirs(questions: &Value) -> Vec<Question> {
    let flat = read_questions(questions);
    let entries = questions.as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    let mut i = 0;
    while i < flat.len() {
        let q = &flat[i];
        let entry = entries
            .iter()
            .filter(|e| {
                let name = e["name"].as_str().unwrap_or_default();
                !name.starts_with("generated_table_list_label_")
                    && !name.starts_with("reserved_name_for_field_list_labels_")
            })
            .nth(i);
        if q.1 != "loop" {
            out.push(q.clone());
            i += 1;
            continue;
        }
        let entry = entry.expect("the loop's entry");
        let size = entry["size"].as_u64().expect("a loop's size") as usize;
        out.push((q.0.clone(), "group".to_owned(), None));
        for column in entry["columns"].as_array().into_iter().flatten() {
            let c = column.as_str().unwrap_or_default();
            if c == "none" {
                continue;
            }
            out.push((format!("{}_{c}", q.0), "group".to_owned(), None));
            for b in &flat[i + 1..i + 1 + size] {
                out.push((format!("{}_{c}", b.0), b.1.clone(), b.2.clone()));
            }
        }
        i += 1 + size;
    }
    out
}

fn read_questions(questions: &Value) -> Vec<Question> {
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
                // ODK's "OK" box (and its older name) is asked as yes / no.
                "acknowledge" | "trigger" => "select one".to_owned(),
                // Asked as text the core checks (`09:30`, `2026-12-05 09:30`).
                "time" | "datetime" => "text".to_owned(),
                // Typed by hand: the phone has no scanner.
                "barcode" => "text".to_owned(),
                // A value computed from its calculation or default, never shown.
                "hidden" => "calculate".to_owned(),
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

type Question = (String, String, Option<Vec<String>>);

/// The same names, types and choice lists in the same order; a pyxform
/// `range` is asked as a whole or a decimal number between its bounds.
fn same_questions(ours: &[Question], theirs: &[Question]) -> bool {
    ours.len() == theirs.len()
        && ours.iter().zip(theirs).all(|(o, t)| {
            o.0 == t.0
                && o.2 == t.2
                && (o.1 == t.1
                    || (t.1 == "range" && ["integer", "decimal"].contains(&o.1.as_str())))
        })
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// How one workbook fared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    RefusedByPyxform,
    Loaded,
    /// Refused naming a feature a phone cannot have offline.
    RefusedFeature(String),
    /// Refused at a cell for a mistake the manifest lists.
    RefusedMistake,
}

#[test]
fn real_workbooks_load_as_pyxform_reads_them_or_are_refused_naming_a_feature() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xlsforms");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).expect(name)).expect(name)
    };
    let oracle = read("oracle.json");
    let manifest = read("manifest.json");
    let forms = oracle["forms"].as_object().expect("forms");
    // Every workbook has its source and licence, and every source a licence file.
    let mut entries: BTreeMap<&str, &Value> = BTreeMap::new();
    for e in manifest.as_array().expect("manifest is a list") {
        let file = e["file"].as_str().expect("file");
        for key in ["repo", "path", "commit", "licence"] {
            assert!(
                e[key].as_str().is_some_and(|v| !v.is_empty()),
                "{file}: no {key}"
            );
        }
        let licence = e["licence_file"].as_str().expect("licence_file");
        assert!(dir.join(licence).is_file(), "{file}: {licence} is missing");
        entries.insert(file, e);
    }
    assert_eq!(
        entries.keys().copied().collect::<Vec<_>>(),
        forms.keys().map(String::as_str).collect::<Vec<_>>(),
        "manifest.json and oracle.json list the same workbooks"
    );
    let sources: std::collections::BTreeSet<&str> = entries
        .values()
        .filter_map(|e| e["repo"].as_str())
        .collect();
    assert!(
        forms.len() >= 40 && sources.len() >= 4,
        "{} workbooks from {sources:?}",
        forms.len()
    );
    // (source, outcome) → workbooks
    let mut tally: BTreeMap<(String, Outcome), usize> = BTreeMap::new();
    // feature → workbooks refused naming it (a workbook counts once per feature).
    let mut by_feature: BTreeMap<String, usize> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for (file, expected) in forms {
        let entry = entries[file.as_str()];
        let source = entry["repo"].as_str().unwrap_or_default().to_owned();
        let mistake = entry["mistake"].as_str();
        let outcome = if expected["accepted"] != true {
            Outcome::RefusedByPyxform
        } else {
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
                    if !same_questions(&got, &want) {
                        mismatches.push(format!("{file}:\n  ours    {got:?}\n  pyxform {want:?}"));
                    } else if let Some(m) = mistake {
                        mismatches.push(format!("{file}: loaded, but the manifest says: {m}"));
                    }
                    println!(
                        "{file}: loaded, {} questions, {} warnings",
                        got.len(),
                        imported.warnings.len()
                    );
                    Outcome::Loaded
                }
                Err(errors) => {
                    for e in &errors.0 {
                        assert!(has_chinese(&e.message_zh()), "{file}: {e}");
                    }
                    // What a phone cannot have offline is named, whatever else is wrong.
                    let features: std::collections::BTreeSet<&str> =
                        errors.0.iter().filter_map(XlsFormError::feature).collect();
                    println!("{file}: refused {features:?}: {}", errors.0[0]);
                    for f in &features {
                        *by_feature.entry((*f).to_owned()).or_default() += 1;
                    }
                    if let Some(first) = features.iter().next() {
                        Outcome::RefusedFeature((*first).to_owned())
                    } else if mistake.is_some()
                        && errors
                            .0
                            .iter()
                            .all(|e| matches!(e, XlsFormError::Cell { .. }))
                    {
                        Outcome::RefusedMistake
                    } else {
                        mismatches.push(format!("{file}: refused, naming no feature: {errors}"));
                        continue;
                    }
                }
            }
        };
        *tally.entry((source, outcome)).or_default() += 1;
    }
    println!(
        "tally over {} workbooks from {} sources:",
        forms.len(),
        sources.len()
    );
    for ((source, outcome), n) in &tally {
        println!("  {source:<28} {outcome:?}: {n}");
    }
    let mut features: Vec<(&String, &usize)> = by_feature.iter().collect();
    features.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!("refusals by feature (workbooks naming it):");
    for (feature, n) in features {
        println!("  {feature:<28} {n}");
    }
    let total = |want: &dyn Fn(&Outcome) -> bool| -> usize {
        tally
            .iter()
            .filter(|((_, o), _)| want(o))
            .map(|(_, n)| n)
            .sum()
    };
    println!(
        "  all: loaded {}, refused by feature {}, refused for a listed mistake {}, refused by pyxform too {}, mismatches {}",
        total(&|o| *o == Outcome::Loaded),
        total(&|o| matches!(o, Outcome::RefusedFeature(_))),
        total(&|o| *o == Outcome::RefusedMistake),
        total(&|o| *o == Outcome::RefusedByPyxform),
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
