//! Column headers and the languages they name.
//!
//! XLSForm has written languages three ways over the years, and all are read:
//! `label` (the form's default language), `label::English (en)` / `label::en`,
//! and the older `label:English` that Kobo still exports. A language is matched
//! by its code or by its name in Chinese or English (中文 / Chinese / zh,
//! 维吾尔语 / Uyghur / ug, …); one that is not known keeps its own name as key,
//! so no text is lost.

pub(super) use crate::definition::language_code;

/// Columns that hold text shown to the worker, one column per language.
pub(super) const LOCALIZABLE: [&str; 9] = [
    "label",
    "hint",
    "guidance_hint",
    "constraint_message",
    "required_message",
    "media::image",
    "media::audio",
    "media::video",
    "media::big-image",
];

/// Other spellings of column names, as pyxform accepts them.
const ALIASES: [(&str, &str); 16] = [
    ("jr:constraintmsg", "constraint_message"),
    ("constraint message", "constraint_message"),
    ("jr:requiredmsg", "required_message"),
    ("required message", "required_message"),
    ("guidance hint", "guidance_hint"),
    ("image", "media::image"),
    ("audio", "media::audio"),
    ("video", "media::video"),
    ("big-image", "media::big-image"),
    ("readonly", "read_only"),
    ("relevance", "relevant"),
    ("calculate", "calculation"),
    ("choice filter", "choice_filter"),
    ("list name", "list_name"),
    ("repeat count", "repeat_count"),
    ("jr:count", "repeat_count"),
];

/// A column header read: its base name (lowercase, aliases resolved) and, for
/// text columns, the language code it is in (`None`: the default language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    pub base: String,
    pub lang: Option<String>,
}

/// Reads a header cell: `Label::English (en)` → `label` in `en`,
/// `label:Chinese` → `label` in `zh`, `jr:constraintMsg` → `constraint_message`.
pub(super) fn parse_header(raw: &str) -> Header {
    let lower = raw.trim().to_lowercase();
    let canonical = |base: &str| -> String {
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == base)
            .map_or(base, |(_, to)| to)
            .to_owned()
    };
    // The longest localizable base that starts the header, then `::` or `:`.
    // The form's title (settings) is written in languages too.
    let mut bases: Vec<&str> = LOCALIZABLE.to_vec();
    bases.push("form_title");
    bases.extend(
        ALIASES
            .iter()
            .filter(|(_, to)| LOCALIZABLE.contains(to))
            .map(|(a, _)| *a),
    );
    bases.sort_by_key(|b| std::cmp::Reverse(b.len()));
    for base in bases {
        let Some(rest) = lower.strip_prefix(base) else {
            continue;
        };
        let rest = rest.trim_start();
        let tag = rest
            .strip_prefix("::")
            .or_else(|| rest.strip_prefix(':'))
            .map(str::trim);
        match tag {
            _ if rest.is_empty() => {
                return Header {
                    base: canonical(base),
                    lang: None,
                };
            }
            Some(t) if !t.is_empty() => {
                return Header {
                    base: canonical(base),
                    lang: Some(language_code(t)),
                };
            }
            _ => {}
        }
    }
    Header {
        base: canonical(&lower),
        lang: None,
    }
}
