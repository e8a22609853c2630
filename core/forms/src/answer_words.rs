//! An answer in words, the same on the phone and in the console: dates as
//! 2026年5月1日 / 1 May 2026, money from integer fen as 1,234.50 元 / ¥1,234.50,
//! a choice by its label, yes/no as 是/否, several choices joined, photos counted,
//! a position with its accuracy. An answer the form cannot take is shown as typed.

use chrono::{Datelike, NaiveDate};
use serde_json::Value as Json;

use crate::definition::{Choice, FieldType, LocalizedText};

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

/// The answer `value` of a field of type `field_type` with `choices`, in
/// words in both languages; `None` for fields that hold no answer (groups,
/// notes, repeats) and for an empty choice or photo list.
pub fn answer_words(
    field_type: FieldType,
    choices: &[Choice],
    value: &Json,
) -> Option<LocalizedText> {
    let same = |s: String| Some(LocalizedText::new(s.clone(), s));
    match field_type {
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
            Some(name) => choice_label(choices, name).or_else(|| same(name.to_owned())),
            None => same(plain(value)),
        },
        FieldType::SelectMultiple => match value.as_array() {
            Some(names) => {
                let labels: Vec<LocalizedText> = names
                    .iter()
                    .map(|n| {
                        let name = n.as_str().map_or_else(|| n.to_string(), str::to_owned);
                        choice_label(choices, &name)
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
