//! A field's answer in words, made by the core so a screen never formats:
//! repeat entries counted here, every answer by the forms crate's
//! [`answer_words`](crate::forms::answer_words), which the console uses too.

use crate::forms::answer_words::answer_words;
use crate::forms::{FieldType, LocalizedText};
use crate::screen::FieldView;

/// The answer of `field` as the screen shows it, in both languages; `None`
/// when it is empty or the field holds no answer (groups, notes). An answer
/// the form cannot take is shown as typed.
pub fn display_value(field: &FieldView) -> Option<LocalizedText> {
    if let (FieldType::Repeat, Some(n)) = (field.field_type, field.entries) {
        return Some(LocalizedText::new(
            format!("共 {n} 项"),
            format!("{n} {}", if n == 1 { "entry" } else { "entries" }),
        ));
    }
    answer_words(field.field_type, &field.choices, field.value.as_ref()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::Choice;
    use serde_json::{Value as Json, json};

    fn field(t: FieldType, value: Json) -> FieldView {
        FieldView {
            path: "f".into(),
            name: "f".into(),
            field_type: t,
            depth: 0,
            label: LocalizedText::default(),
            hint: None,
            guidance_hint: None,
            required: false,
            read_only: false,
            choices: vec![
                Choice::new("fire", "消防", "Fire"),
                Choice::new("gas", "燃气", "Gas"),
            ],
            value: Some(value),
            entries_text: None,
            entries: None,
            min_count: None,
            max_count: None,
            problems: Vec::new(),
        }
    }

    fn words(t: FieldType, value: Json) -> (String, String) {
        let w = display_value(&field(t, value)).expect("shown");
        (w.zh, w.en)
    }

    #[test]
    fn answers_read_as_a_worker_would_say_them() {
        assert_eq!(
            words(FieldType::Date, json!("2026-05-01")),
            ("2026年5月1日".into(), "1 May 2026".into())
        );
        assert_eq!(
            words(FieldType::Money, json!(123450)),
            ("1,234.50 元".into(), "¥1,234.50".into())
        );
        assert_eq!(words(FieldType::Money, json!(-5)).0, "-0.05 元");
        assert_eq!(
            words(FieldType::Money, json!(100_000_000)).0,
            "1,000,000.00 元"
        );
        assert_eq!(words(FieldType::YesNo, json!("yes")).0, "是");
        assert_eq!(
            words(FieldType::SelectOne, json!("gas")),
            ("燃气".into(), "Gas".into())
        );
        assert_eq!(
            words(FieldType::SelectMultiple, json!(["fire", "gas"])),
            ("消防、燃气".into(), "Fire, Gas".into())
        );
        assert_eq!(words(FieldType::Image, json!(["a", "b"])).0, "2 张照片");
        assert_eq!(
            words(
                FieldType::Geopoint,
                json!({"lat": 31.2304, "lon": 121.4737, "accuracy_m": 8.0})
            )
            .0,
            "31.23040, 121.47370（精度 8 米）"
        );
        assert_eq!(
            words(FieldType::Date, json!("明天")).0,
            "明天",
            "an answer the form refuses is shown as typed"
        );
        let mut members = field(FieldType::Repeat, json!(null));
        members.value = None;
        members.entries = Some(3);
        assert_eq!(display_value(&members).unwrap().zh, "共 3 项");
        let mut empty = field(FieldType::Text, json!(null));
        empty.value = None;
        assert_eq!(display_value(&empty), None);
    }
}
