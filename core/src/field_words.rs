//! A field's answer in words, made by the core so a screen never formats:
//! dates as 2026年5月1日 / 1 May 2026, money from integer fen as 1,234.50 元,
//! a choice by its label, yes/no as 是/否, photos and repeat entries counted.

use crate::forms::{Choice, FieldType, LocalizedText};
use crate::screen::FieldView;
use chrono::{Datelike, NaiveDate};
use serde_json::Value as Json;

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

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
    let value = field.value.as_ref()?;
    let same = |s: String| Some(LocalizedText::new(s.clone(), s));
    match field.field_type {
        FieldType::Group | FieldType::Note | FieldType::Repeat => None,
        FieldType::Date => match value.as_str().and_then(|s| s.parse::<NaiveDate>().ok()) {
            Some(d) => Some(date_words(d)),
            None => same(plain(value)),
        },
        FieldType::Money => match value.as_i64() {
            Some(fen) => Some(money_words(fen)),
            None => same(plain(value)),
        },
        FieldType::YesNo => match value {
            Json::Bool(true) => Some(LocalizedText::new("是", "Yes")),
            Json::Bool(false) => Some(LocalizedText::new("否", "No")),
            Json::String(s) if s == "yes" => Some(LocalizedText::new("是", "Yes")),
            Json::String(s) if s == "no" => Some(LocalizedText::new("否", "No")),
            _ => same(plain(value)),
        },
        FieldType::SelectOne => match value.as_str() {
            Some(name) => choice_label(&field.choices, name).or_else(|| same(name.to_owned())),
            None => same(plain(value)),
        },
        FieldType::SelectMultiple => match value.as_array() {
            Some(names) => {
                let labels: Vec<LocalizedText> = names
                    .iter()
                    .map(|n| {
                        let name = n.as_str().map_or_else(|| n.to_string(), str::to_owned);
                        choice_label(&field.choices, &name)
                            .unwrap_or_else(|| LocalizedText::new(name.clone(), name))
                    })
                    .collect();
                if labels.is_empty() {
                    return None;
                }
                Some(LocalizedText::list(&labels))
            }
            None => same(plain(value)),
        },
        FieldType::Image | FieldType::Signature => {
            let n = value.as_array().map_or(1, Vec::len);
            if n == 0 {
                return None;
            }
            Some(LocalizedText::new(
                format!("{n} 张照片"),
                format!("{n} {}", if n == 1 { "photo" } else { "photos" }),
            ))
        }
        FieldType::Geopoint => {
            let lat = value.get("lat").and_then(Json::as_f64);
            let lon = value.get("lon").and_then(Json::as_f64);
            match (lat, lon) {
                (Some(lat), Some(lon)) => {
                    let at = format!("{lat:.5}, {lon:.5}");
                    Some(match value.get("accuracy_m").and_then(Json::as_f64) {
                        Some(a) => LocalizedText::new(
                            format!("{at}（精度 {a:.0} 米）"),
                            format!("{at} (±{a:.0} m)"),
                        ),
                        None => LocalizedText::new(at.clone(), at),
                    })
                }
                _ => same(plain(value)),
            }
        }
        _ => same(plain(value)),
    }
}

/// A scalar as text (strings without quotes), anything else as JSON.
fn plain(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn choice_label(choices: &[Choice], name: &str) -> Option<LocalizedText> {
    choices
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.label.clone())
}

/// 2026年5月1日 / 1 May 2026.
pub fn date_words(d: NaiveDate) -> LocalizedText {
    LocalizedText::new(
        format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        format!(
            "{} {} {}",
            d.day(),
            MONTHS_EN[d.month0() as usize],
            d.year()
        ),
    )
}

/// Integer fen as yuan: 1,234.50 元 / ¥1,234.50 (a minus sign before either).
pub fn money_words(fen: i64) -> LocalizedText {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let yuan = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let amount = format!("{grouped}.{:02}", abs % 100);
    LocalizedText::new(format!("{sign}{amount} 元"), format!("{sign}¥{amount}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
