//! The category columns of a roster made into data: 低保类别 / 保障人数 /
//! 保障金额 into the 低保 tag's class, people covered and amount (and its
//! area, 城市 or 农村, from the sheet's name or title); 残疾类别/等级 into the
//! 残疾 tag's type and level; 优抚类别 into the 优抚 tag's kind. And the
//! 性别 and 出生日期 columns read, to be checked against the ID number.

use chrono::{Datelike as _, NaiveDate};
use doorstep_model::Sex;

/// The 低保 tag's attribute names.
pub const DIBAO_CLASS: &str = "class";
pub const DIBAO_PERSONS: &str = "persons";
pub const DIBAO_AMOUNT: &str = "amount";
pub const DIBAO_AREA: &str = "area";

/// A 低保 class as offices write it (`A类`, `a`, `一类`, `1类`, `A档`) in one
/// form, `A类`; other text (a class a county names its own way) as written.
pub fn dibao_class(s: &str) -> String {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let core = t
        .trim_end_matches(['类', '档'])
        .trim_end_matches("低保")
        .to_uppercase();
    let letter = match core.as_str() {
        "A" | "一" | "1" => Some('A'),
        "B" | "二" | "2" => Some('B'),
        "C" | "三" | "3" => Some('C'),
        "D" | "四" | "4" => Some('D'),
        _ => None,
    };
    letter.map_or(t, |l| format!("{l}类"))
}

/// The area a sheet's name or title says its 低保 households are in.
pub fn dibao_area(text: &str) -> Option<&'static str> {
    if text.contains("农村") {
        Some("农村")
    } else if text.contains("城市") || text.contains("城镇") {
        Some("城市")
    } else {
        None
    }
}

/// A count of people (`3`, `3人`).
pub fn persons(s: &str) -> Option<u32> {
    s.trim()
        .trim_end_matches('人')
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

/// A money amount in yuan (`680`, `680.5`, `￥680.00`, `680元`), as written
/// with at most two decimals and no sign; `None` when it is not one.
pub fn amount(s: &str) -> Option<String> {
    let t = s
        .trim()
        .trim_start_matches(['￥', '¥'])
        .trim_end_matches('元')
        .replace(',', "");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    let ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && frac.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| {
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            whole.to_owned()
        } else {
            format!("{whole}.{frac}")
        }
    })
}

/// A disability's type and level from one cell (`肢体二级`, `视力/一级`,
/// `智力 3级`); the level is `None` when the cell names none.
pub fn disability(s: &str) -> (String, Option<String>) {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '/' | '、' | ',' | '，'))
        .collect();
    let chars: Vec<char> = t.chars().collect();
    if chars.len() >= 2 && chars[chars.len() - 1] == '级' {
        let n = chars[chars.len() - 2];
        if "一二三四1234".contains(n) {
            let level = match n {
                '1' => '一',
                '2' => '二',
                '3' => '三',
                '4' => '四',
                other => other,
            };
            let kind: String = chars[..chars.len() - 2].iter().collect();
            let kind = kind.trim_end_matches("残疾").to_owned();
            return (kind, Some(format!("{level}级")));
        }
    }
    (t.trim_end_matches("残疾").to_owned(), None)
}

/// The sex a 性别 cell names.
pub fn sex(s: &str) -> Option<Sex> {
    match s.trim() {
        "男" | "男性" | "M" | "m" | "male" | "Male" => Some(Sex::Male),
        "女" | "女性" | "F" | "f" | "female" | "Female" => Some(Sex::Female),
        _ => None,
    }
}

/// A birth date as offices write it: `1949-12-31`, `1949/12/31`,
/// `1949.12.31`, `1949年12月31日`, `19491231`; or only its month (`1949-12`,
/// `1949.12`, `1949年12月`), with the day `None`.
pub fn birth_date(s: &str) -> Option<(i32, u32, Option<u32>)> {
    let t = s.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        let d = NaiveDate::parse_from_str(t, "%Y%m%d").ok()?;
        return Some((d.year(), d.month(), Some(d.day())));
    }
    let parts: Vec<&str> = t
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    let year: i32 = parts.first()?.parse().ok()?;
    let month: u32 = parts.get(1)?.parse().ok()?;
    let day = match parts.get(2) {
        Some(d) => Some(d.parse::<u32>().ok()?),
        None => None,
    };
    if parts.len() > 3 || !(1..=12).contains(&month) {
        return None;
    }
    if let Some(day) = day {
        NaiveDate::from_ymd_opt(year, month, day)?;
    }
    Some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_written_one_way() {
        assert_eq!(dibao_class("A类"), "A类");
        assert_eq!(dibao_class("a"), "A类");
        assert_eq!(dibao_class("二类"), "B类");
        assert_eq!(dibao_class("3档"), "C类");
        assert_eq!(dibao_class("重点保障"), "重点保障");
    }

    #[test]
    fn amounts_and_counts_read_as_offices_write_them() {
        assert_eq!(amount("680").as_deref(), Some("680"));
        assert_eq!(amount("680.50").as_deref(), Some("680.5"));
        assert_eq!(amount("￥1,200.00元").as_deref(), Some("1200"));
        assert_eq!(amount("六百"), None);
        assert_eq!(amount("-5"), None);
        assert_eq!(persons("3人"), Some(3));
        assert_eq!(persons("0"), None);
    }

    #[test]
    fn a_disability_cell_gives_type_and_level() {
        assert_eq!(disability("肢体二级"), ("肢体".into(), Some("二级".into())));
        assert_eq!(disability("视力/1级"), ("视力".into(), Some("一级".into())));
        assert_eq!(disability("精神残疾"), ("精神".into(), None));
    }

    #[test]
    fn birth_dates_in_the_shapes_offices_write() {
        assert_eq!(birth_date("1949-12-31"), Some((1949, 12, Some(31))));
        assert_eq!(birth_date("1949年12月31日"), Some((1949, 12, Some(31))));
        assert_eq!(birth_date("19491231"), Some((1949, 12, Some(31))));
        assert_eq!(birth_date("1949.12"), Some((1949, 12, None)));
        assert_eq!(birth_date("1949-13-01"), None);
        assert_eq!(birth_date("不详"), None);
    }

    #[test]
    fn areas_come_from_the_roster_name() {
        assert_eq!(dibao_area("和平社区城市低保户花名册"), Some("城市"));
        assert_eq!(dibao_area("农村低保"), Some("农村"));
        assert_eq!(dibao_area("Sheet1"), None);
    }
}
