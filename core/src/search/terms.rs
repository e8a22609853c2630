//! The search terms a resident's name or a household's address is found by.
//!
//! Workers type what is quickest on a phone keyboard: the characters (`张三`),
//! full pinyin without tones (`zhangsan`), initials (`zs`), the given name alone
//! (`三`, `san`), a door number (`302`) or the last four characters of an ID
//! number. Each of these becomes a term in the full-text index, and a query
//! matches terms by prefix.
//!
//! Surnames are read with their surname pronunciation (曾 is *zeng*, not *ceng*;
//! 单 is *shan*), which is what a worker types; the ordinary reading is indexed
//! too, so a worker who types it anyway still finds the person.

use pinyin::{ToPinyin, ToPinyinMulti};

/// Surnames whose characters have several readings, with the reading used as a
/// surname. Compound surnames come first so that 尉迟 is not read as 尉 + 迟.
const SURNAME_READINGS: &[(&str, &[&str])] = &[
    ("尉迟", &["yu", "chi"]),
    ("万俟", &["mo", "qi"]),
    ("长孙", &["zhang", "sun"]),
    ("单于", &["chan", "yu"]),
    ("曾", &["zeng"]),
    ("单", &["shan"]),
    ("解", &["xie"]),
    ("仇", &["qiu"]),
    ("朴", &["piao"]),
    ("区", &["ou"]),
    ("查", &["zha"]),
    ("盖", &["ge"]),
    ("乐", &["yue"]),
    ("覃", &["qin"]),
    ("种", &["chong"]),
    ("繁", &["po"]),
    ("缪", &["miao"]),
    ("翟", &["zhai"]),
    ("召", &["shao"]),
    ("祭", &["zhai"]),
    ("尉", &["yu"]),
    ("秘", &["bi"]),
    ("员", &["yun"]),
    ("宓", &["mi"]),
    ("相", &["xiang"]),
    ("折", &["she"]),
    ("说", &["yue"]),
    ("都", &["du"]),
    ("纪", &["ji"]),
    ("过", &["guo"]),
    ("沈", &["shen"]),
    ("薄", &["bo"]),
    ("阚", &["kan"]),
    ("句", &["gou"]),
    ("卜", &["bu"]),
    ("隗", &["wei"]),
];

/// Lowercases and trims a piece of text the way terms and queries are compared.
pub fn normalize(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The search terms of a person's name: the name itself, the given name, the
/// full pinyin and initials of both (with the surname's alternative readings).
pub fn name_terms(name: &str) -> Vec<String> {
    let name = normalize(name);
    if name.is_empty() {
        return Vec::new();
    }
    let mut terms = vec![name.clone()];
    let (surname, given) = split_surname(&name);
    if !given.is_empty() {
        terms.push(given.to_owned());
    }

    let given_syllables = syllables(given);
    let mut surname_variants: Vec<Vec<String>> = Vec::new();
    if let Some((_, readings)) = SURNAME_READINGS.iter().find(|(s, _)| *s == surname) {
        surname_variants.push(readings.iter().map(|r| (*r).to_owned()).collect());
    }
    let ordinary = syllables(surname);
    if !surname_variants.contains(&ordinary) {
        surname_variants.push(ordinary);
    }
    for surname_syllables in &surname_variants {
        let all: Vec<&String> = surname_syllables.iter().chain(&given_syllables).collect();
        push_pinyin_terms(&mut terms, &all);
    }
    if given_syllables.len() > 1 || (!given_syllables.is_empty() && !surname.is_empty()) {
        push_pinyin_terms(&mut terms, &given_syllables.iter().collect::<Vec<_>>());
    }
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The search terms of an address: each part, and the whole address as one line.
pub fn address_terms(parts: &[&str]) -> Vec<String> {
    let mut terms: Vec<String> = parts
        .iter()
        .map(|p| normalize(p))
        .filter(|p| !p.is_empty())
        .collect();
    let whole: String = terms.concat();
    if terms.len() > 1 {
        terms.push(whole);
    }
    terms.dedup();
    terms
}

/// Splits a name into surname and given name (a known compound surname, or the
/// first character).
fn split_surname(name: &str) -> (&str, &str) {
    for (surname, _) in SURNAME_READINGS {
        if surname.chars().count() == 2 && name.starts_with(surname) {
            return name.split_at(surname.len());
        }
    }
    match name.char_indices().nth(1) {
        Some((i, _)) => name.split_at(i),
        None => (name, ""),
    }
}

/// Pinyin syllables of `text`, one per character; runs of Latin letters and
/// digits stay as they are, other characters are dropped.
fn syllables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut latin = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            latin.push(c);
            continue;
        }
        if !latin.is_empty() {
            out.push(std::mem::take(&mut latin));
        }
        // Prefer the first listed reading (the most common one).
        if let Some(p) = c
            .to_pinyin()
            .or_else(|| c.to_pinyin_multi().map(|m| m.get(0)))
        {
            out.push(p.plain().to_owned());
        }
    }
    if !latin.is_empty() {
        out.push(latin);
    }
    out
}

fn push_pinyin_terms(terms: &mut Vec<String>, syllables: &[&String]) {
    if syllables.is_empty() {
        return;
    }
    terms.push(syllables.iter().map(|s| s.as_str()).collect());
    if syllables.len() > 1 {
        terms.push(syllables.iter().filter_map(|s| s.chars().next()).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_found_by_characters_pinyin_and_initials() {
        let terms = name_terms("张三");
        for t in ["张三", "三", "zhangsan", "zs", "san"] {
            assert!(terms.contains(&t.to_owned()), "{t} missing from {terms:?}");
        }
    }

    #[test]
    fn polyphonic_surnames_use_the_surname_reading_and_keep_the_ordinary_one() {
        let terms = name_terms("曾国藩");
        assert!(terms.contains(&"zengguofan".to_owned()), "{terms:?}");
        assert!(terms.contains(&"zgf".to_owned()));
        let terms = name_terms("单雄信");
        assert!(terms.contains(&"shanxiongxin".to_owned()), "{terms:?}");
        let terms = name_terms("尉迟恭");
        assert!(terms.contains(&"yuchigong".to_owned()), "{terms:?}");
        assert!(terms.contains(&"ycg".to_owned()));
        assert!(terms.contains(&"恭".to_owned()));
    }

    #[test]
    fn addresses_are_found_by_part_and_whole() {
        let terms = address_terms(&["阳光小区", "3栋", "2单元", "302"]);
        assert!(terms.contains(&"302".to_owned()));
        assert!(terms.contains(&"阳光小区3栋2单元302".to_owned()));
    }
}
