//! Splitting a one-cell address, as offices write them in their 花名册
//! (`和平社区阳光小区3栋2单元302`, `翠竹苑2幢201室`, `某某村三组15号`), into the
//! [`Address`] parts a worker walks to: estate (小区/苑/花园/公寓/村/组 …),
//! building (栋/幢/号楼/座), unit (单元) and door (室/号).
//!
//! Parts are read from the right: the door, then the unit, then the building;
//! what is left is the estate. Each part keeps its text as written, so the
//! parts put back together ([`Address::one_line`]) give the original address
//! (without spaces), except for the dashed shorthand `3-2-302`, whose dashes
//! are dropped. An address that cannot be split this way is not guessed at.

use crate::household::Address;

/// Words an estate (or a village or its group) ends with.
const ESTATE_ENDINGS: &[&str] = &[
    "小区", "花园", "公寓", "家园", "新村", "新城", "大厦", "广场", "社区", "苑", "园", "村", "组",
    "庭", "府", "城", "居", "湾", "里", "坊", "院", "巷", "弄", "街", "路", "道",
];

/// Words a building number ends with (longest first).
const BUILDING_ENDINGS: &[&str] = &["号楼", "栋", "幢", "座"];

/// Words a door number may end with.
const DOOR_ENDINGS: &[char] = &['室', '号', '户'];

fn numeral(c: char) -> bool {
    c.is_ascii_alphanumeric() || "一二三四五六七八九十百零〇两".contains(c)
}

/// The run of numerals ending at `end` (exclusive) in `chars`: its start.
fn numerals_before(chars: &[char], end: usize) -> usize {
    let mut start = end;
    while start > 0 && numeral(chars[start - 1]) {
        start -= 1;
    }
    start
}

/// Whether `chars[..end]` ends with `word`.
fn ends_with(chars: &[char], end: usize, word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    end >= w.len() && chars[end - w.len()..end] == w[..]
}

/// A numbered part ending with one of `endings` at `end`: its start, when
/// there is one (at least one numeral before the ending).
fn numbered_part(chars: &[char], end: usize, endings: &[&str]) -> Option<usize> {
    let ending = endings.iter().find(|e| ends_with(chars, end, e))?;
    let before = end - ending.chars().count();
    let start = numerals_before(chars, before);
    (start < before).then_some(start)
}

fn text(chars: &[char]) -> String {
    chars.iter().collect()
}

impl Address {
    /// Splits one address cell into its parts. Promises: `Some` only when an
    /// estate is found that is not itself a number, and either it ends the way
    /// estates do or a building, unit or door follows it; every part is the
    /// text as written. `None` (the caller keeps the text whole) otherwise.
    pub fn split(line: &str) -> Option<Address> {
        let chars: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
        let mut end = chars.len();
        // Door: numerals with an optional 室/号/户, or the dashed 3-2-302.
        let mut door = None;
        let mut dashed: Option<(String, String)> = None;
        {
            let mut stop = end;
            if stop > 0 && DOOR_ENDINGS.contains(&chars[stop - 1]) {
                stop -= 1;
            }
            let mut start = stop;
            while start > 0 && (numeral(chars[start - 1]) || chars[start - 1] == '-') {
                start -= 1;
            }
            let run = text(&chars[start..stop]);
            let parts: Vec<&str> = run.split('-').collect();
            if parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) && start > 0 {
                dashed = Some((parts[0].to_owned(), parts[1].to_owned()));
                door = Some(text(&chars[stop - parts[2].chars().count()..end]));
                end = start;
            } else if !run.is_empty()
                && !run.contains('-')
                && run.chars().any(|c| !c.is_ascii_alphabetic())
            {
                door = Some(text(&chars[start..end]));
                end = start;
            }
        }
        let unit = match (&dashed, numbered_part(&chars, end, &["单元"])) {
            (Some((_, u)), _) => Some(u.clone()),
            (None, Some(start)) => {
                let u = text(&chars[start..end]);
                end = start;
                Some(u)
            }
            (None, None) => None,
        };
        let building = match (&dashed, numbered_part(&chars, end, BUILDING_ENDINGS)) {
            (Some((b, _)), _) => Some(b.clone()),
            (None, Some(start)) => {
                let b = text(&chars[start..end]);
                end = start;
                Some(b)
            }
            (None, None) => None,
        };
        let estate = text(&chars[..end]);
        let last = estate.chars().last()?;
        if numeral(last) || last == '-' {
            return None;
        }
        let found_part = building.is_some() || unit.is_some() || door.is_some();
        if !found_part && !ESTATE_ENDINGS.iter().any(|e| estate.ends_with(e)) {
            return None;
        }
        Some(Address {
            estate,
            building,
            unit,
            door,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(line: &str) -> Option<[String; 4]> {
        Address::split(line).map(|a| {
            [
                a.estate,
                a.building.unwrap_or_default(),
                a.unit.unwrap_or_default(),
                a.door.unwrap_or_default(),
            ]
        })
    }

    #[test]
    fn urban_addresses_split_into_estate_building_unit_and_door() {
        assert_eq!(
            parts("和平社区阳光小区3栋2单元302"),
            Some([
                "和平社区阳光小区".into(),
                "3栋".into(),
                "2单元".into(),
                "302".into()
            ])
        );
        assert_eq!(
            parts("翠竹苑2幢201室"),
            Some(["翠竹苑".into(), "2幢".into(), String::new(), "201室".into()])
        );
        assert_eq!(
            parts("锦绣花园 12号楼 三单元 1102"),
            Some([
                "锦绣花园".into(),
                "12号楼".into(),
                "三单元".into(),
                "1102".into()
            ])
        );
        assert_eq!(
            parts("滨江公寓B座1503室"),
            Some([
                "滨江公寓".into(),
                "B座".into(),
                String::new(),
                "1503室".into()
            ])
        );
    }

    #[test]
    fn villages_keep_their_group_in_the_estate() {
        assert_eq!(
            parts("某某村三组15号"),
            Some([
                "某某村三组".into(),
                String::new(),
                String::new(),
                "15号".into()
            ])
        );
        assert_eq!(
            parts("李家村"),
            Some(["李家村".into(), String::new(), String::new(), String::new()])
        );
    }

    #[test]
    fn the_dashed_shorthand_gives_building_unit_and_door() {
        assert_eq!(
            parts("阳光小区3-2-302"),
            Some(["阳光小区".into(), "3".into(), "2".into(), "302".into()])
        );
    }

    #[test]
    fn parts_put_back_together_give_the_address() {
        for line in [
            "和平社区阳光小区3栋2单元302",
            "翠竹苑2幢201室",
            "某某村三组15号",
        ] {
            assert_eq!(
                Address::split(line).map(|a| a.one_line()).as_deref(),
                Some(line)
            );
        }
    }

    #[test]
    fn what_has_no_estate_is_not_guessed() {
        assert_eq!(parts("3-2-302"), None);
        assert_eq!(parts("302"), None);
        assert_eq!(parts("见附件"), None);
        assert_eq!(parts(""), None);
    }
}
