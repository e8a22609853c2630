//! The `prefill` property: where a visit's first answers come from, in a JSON
//! definition and as an XLSForm column, refused where it cannot fit.

use doorstep_forms::prefill::{MemberFacts, PrefillFacts, prefill_answers};
use doorstep_forms::xlsform::{XlsFormError, import_bytes};
use doorstep_forms::{Form, LoadError, Prefill};
use rust_xlsxwriter::Workbook;
use serde_json::json;

fn workbook(survey: &[[&str; 4]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("survey").unwrap();
    for (r, row) in survey.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("settings").unwrap();
    ws.write_string(0, 0, "form_id").unwrap();
    ws.write_string(1, 0, "visit_check").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn an_xlsform_names_its_prefilled_fields_in_a_prefill_column() {
    let bytes = workbook(&[
        ["type", "name", "label", "prefill"],
        ["text", "hh", "户编号", "household.code"],
        ["date", "day", "日期", "visit.date"],
        ["begin repeat", "people", "成员", "household.members"],
        ["text", "who", "姓名", "member.name"],
        ["text", "rel", "关系", "member.relation"],
        ["end repeat", "", "", ""],
    ]);
    let form = import_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let fields = &form.definition().fields;
    assert_eq!(fields[0].prefill, Some(Prefill::HouseholdCode));
    assert_eq!(fields[1].prefill, Some(Prefill::VisitDate));
    let facts = PrefillFacts {
        household_code: "G01-0007".into(),
        visit_date: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        members: vec![MemberFacts {
            name: "王秀英".into(),
            relation: "head".into(),
            ..MemberFacts::default()
        }],
        ..PrefillFacts::default()
    };
    assert_eq!(
        prefill_answers(fields, &facts),
        json!({"hh": "G01-0007", "day": "2026-05-01",
               "people": [{"who": "王秀英", "rel": "head"}]})
    );
}

#[test]
fn an_unknown_or_misplaced_prefill_is_refused_at_its_cell() {
    let bytes = workbook(&[
        ["type", "name", "label", "prefill"],
        ["text", "hh", "户编号", "household.phone"],
    ]);
    let errors = import_bytes(&bytes).unwrap_err().0;
    match errors.as_slice() {
        [
            XlsFormError::Cell {
                row,
                column,
                message,
                ..
            },
        ] => {
            assert_eq!((*row, column.as_str()), (2, "D (prefill)"));
            assert!(message.zh.contains("不认识的预填来源"), "{}", message.zh);
        }
        other => panic!("{other:?}"),
    }
    // A known source on a field it cannot fill: the form's own check, at the same column.
    let bytes = workbook(&[
        ["type", "name", "label", "prefill"],
        ["text", "hh", "户编号", "household.code"],
        ["integer", "n", "人数", "visit.date"],
    ]);
    let errors = import_bytes(&bytes).unwrap_err().0;
    match errors.as_slice() {
        [XlsFormError::Cell { row, column, .. }] => {
            assert_eq!((*row, column.as_str()), (3, "D (prefill)"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_member_prefill_outside_a_members_repeat_does_not_load() {
    let text = json!({"id": "t", "version": 1, "title": {"zh": "t", "en": "t"}, "fields": [
        {"name": "who", "type": "text", "prefill": "member.name"},
        {"name": "list", "type": "repeat", "children": [
            {"name": "x", "type": "text", "prefill": "member.name"}]},
        {"name": "day", "type": "date", "prefill": "no.such"}
    ]})
    .to_string();
    let errors = Form::from_json(&text).unwrap_err();
    assert!(
        matches!(errors.0.first(), Some(LoadError::Json(m)) if m.contains("no.such")),
        "{errors}"
    );
    let text = text.replace("no.such", "visit.date");
    let errors = Form::from_json(&text).unwrap_err();
    let fields: Vec<String> = errors
        .0
        .iter()
        .map(|e| match e {
            LoadError::PropertyNotAllowed { field, property } => format!("{field}:{property}"),
            other => other.to_string(),
        })
        .collect();
    assert_eq!(fields, ["who:prefill", "x:prefill"]);
    assert!(errors.0[0].message_zh().contains("预填"));
}
