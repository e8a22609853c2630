//! Dates, times and counts in the words the phone shows, in Chinese and
//! English, made once here so both apps say the same thing.
//!
//! Dates drop the year when it is the current one: `12月5日` / `5 Dec`,
//! `2025年12月5日` / `5 Dec 2025`. Moments say today and yesterday:
//! `今天 14:05` / `today 14:05`. States (a visit's, the network's) are
//! badges: their words and a tone the apps colour the same way.

use crate::forms::LocalizedText;
use crate::sync::Network;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use doorstep_model::VisitStatus;

/// How a badge is coloured: neutral, good, needing attention, bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Good,
    Warn,
    Bad,
}

/// A state in words, with its tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub text: LocalizedText,
    pub tone: Tone,
}

fn badge(zh: &str, en: &str, tone: Tone) -> Badge {
    Badge {
        text: LocalizedText::new(zh, en),
        tone,
    }
}

/// A visit's state as the phone shows it: `草稿`, `待上传`, `已上传`,
/// `已通过`, `退回修改`, `不通过`.
pub fn visit_status(status: VisitStatus) -> Badge {
    match status {
        VisitStatus::Draft => badge("草稿", "Draft", Tone::Info),
        VisitStatus::Finalized => badge("待上传", "Waiting to send", Tone::Warn),
        VisitStatus::Uploaded => badge("已上传", "Sent", Tone::Good),
        VisitStatus::Approved => badge("已通过", "Approved", Tone::Good),
        VisitStatus::Returned => badge("退回修改", "Returned", Tone::Warn),
        VisitStatus::Rejected => badge("不通过", "Rejected", Tone::Bad),
    }
}

/// The network the phone is on, as the sync and home screens name it.
pub fn network(network: Network) -> Badge {
    match network {
        Network::Wifi => badge("Wi-Fi", "Wi-Fi", Tone::Good),
        Network::Cellular => badge("移动网络", "Cellular", Tone::Warn),
        Network::Metered => badge("按流量计费的 Wi-Fi", "Metered Wi-Fi", Tone::Warn),
        Network::Offline => badge("无网络", "Offline", Tone::Bad),
    }
}

/// A visit due at a household, as the home list marks it: `逾期` (bad) once
/// its deadline has passed, `应访` (neutral) until then.
pub fn due(overdue: bool) -> Badge {
    if overdue {
        badge("逾期", "Overdue", Tone::Bad)
    } else {
        badge("应访", "Due", Tone::Info)
    }
}

/// The outbox items set aside for good, as the sync screen warns of them:
/// `2 项无法上传，已搁置` / `2 items set aside` (`1 item set aside`);
/// nothing when there are none.
pub fn set_aside(n: u64) -> Option<LocalizedText> {
    (n > 0).then(|| {
        LocalizedText::new(
            format!("{n} 项无法上传，已搁置"),
            format!("{n} {} set aside", if n == 1 { "item" } else { "items" }),
        )
    })
}

/// A draft's or a visit screen's problems as a badge: `2 个问题` /
/// `2 problems` (`1 problem`), in the bad tone.
pub fn problems(n: u64) -> Badge {
    Badge {
        text: count(n, "个问题", "problem", "problems"),
        tone: Tone::Bad,
    }
}

/// How many entries a repeat holds, as its header shows it: `3 人` /
/// `3 people` when the entries are people (a household's members), else
/// `3 项` / `3 entries`.
pub fn entries(n: u32, people: bool) -> LocalizedText {
    if people {
        count(n.into(), "人", "person", "people")
    } else {
        count(n.into(), "项", "entry", "entries")
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A calendar day as seen on `today`: without the year when it is this year's.
pub fn date(day: NaiveDate, today: NaiveDate) -> LocalizedText {
    let month_en = MONTHS_EN[day.month0() as usize];
    if day.year() == today.year() {
        LocalizedText::new(
            format!("{}月{}日", day.month(), day.day()),
            format!("{} {month_en}", day.day()),
        )
    } else {
        LocalizedText::new(
            format!("{}年{}月{}日", day.year(), day.month(), day.day()),
            format!("{} {month_en} {}", day.day(), day.year()),
        )
    }
}

/// A moment in local time as seen at `now`: `今天 14:05`, `昨天 09:12`,
/// `12月3日 14:05` (`today 14:05`, `yesterday 09:12`, `3 Dec 14:05`).
pub fn moment(at: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> LocalizedText {
    let at = at.with_timezone(now.offset());
    let clock = at.format("%H:%M").to_string();
    let (day, today) = (at.date_naive(), now.date_naive());
    if day == today {
        LocalizedText::new(format!("今天 {clock}"), format!("today {clock}"))
    } else if today.pred_opt() == Some(day) {
        LocalizedText::new(format!("昨天 {clock}"), format!("yesterday {clock}"))
    } else {
        let d = date(day, today);
        LocalizedText::new(format!("{} {clock}", d.zh), format!("{} {clock}", d.en))
    }
}

/// A count of things: `3 次走访` / `3 visits` (`1 visit`).
pub fn count(n: u64, unit_zh: &str, one_en: &str, many_en: &str) -> LocalizedText {
    LocalizedText::new(
        format!("{n} {unit_zh}"),
        format!("{n} {}", if n == 1 { one_en } else { many_en }),
    )
}

/// Joins parts into one sentence: `，` between Chinese parts, `, ` between
/// English ones.
pub fn join(parts: &[LocalizedText]) -> LocalizedText {
    LocalizedText::new(
        parts
            .iter()
            .map(|p| p.zh.as_str())
            .collect::<Vec<_>>()
            .join("，"),
        parts
            .iter()
            .map(|p| p.en.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn a_due_visit_is_marked_overdue_in_red_once_its_deadline_passed() {
        let b = due(true);
        assert_eq!(
            (b.text.zh.as_str(), b.text.en.as_str()),
            ("逾期", "Overdue")
        );
        assert_eq!(b.tone, Tone::Bad);
        let b = due(false);
        assert_eq!((b.text.zh.as_str(), b.text.en.as_str()), ("应访", "Due"));
        assert_eq!(b.tone, Tone::Info);
    }

    #[test]
    fn set_aside_items_are_counted_in_good_english_or_not_mentioned() {
        assert_eq!(set_aside(0), None);
        let one = set_aside(1).unwrap();
        assert_eq!(
            (one.zh.as_str(), one.en.as_str()),
            ("1 项无法上传，已搁置", "1 item set aside")
        );
        assert_eq!(set_aside(3).unwrap().en, "3 items set aside");
    }

    #[test]
    fn a_repeat_counts_people_only_when_its_entries_are_people() {
        let p = entries(2, true);
        assert_eq!((p.zh.as_str(), p.en.as_str()), ("2 人", "2 people"));
        let e = entries(1, false);
        assert_eq!((e.zh.as_str(), e.en.as_str()), ("1 项", "1 entry"));
        assert_eq!(entries(0, false).en, "0 entries");
    }

    #[test]
    fn dates_show_the_year_only_when_it_is_not_this_one() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let d = date(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), today);
        assert_eq!((d.zh.as_str(), d.en.as_str()), ("11月30日", "30 Nov"));
        let d = date(NaiveDate::from_ymd_opt(2025, 1, 2).unwrap(), today);
        assert_eq!(
            (d.zh.as_str(), d.en.as_str()),
            ("2025年1月2日", "2 Jan 2025")
        );
    }

    #[test]
    fn moments_say_today_and_yesterday_in_local_time() {
        let now = at("2026-12-05T16:00:00+08:00");
        let m = moment(at("2026-12-05T06:05:00Z"), now);
        assert_eq!(
            (m.zh.as_str(), m.en.as_str()),
            ("今天 14:05", "today 14:05")
        );
        let m = moment(at("2026-12-04T01:12:00Z"), now);
        assert_eq!(
            (m.zh.as_str(), m.en.as_str()),
            ("昨天 09:12", "yesterday 09:12")
        );
        let m = moment(at("2026-12-03T06:05:00Z"), now);
        assert_eq!(
            (m.zh.as_str(), m.en.as_str()),
            ("12月3日 14:05", "3 Dec 14:05")
        );
        // 23:30 UTC on the 4th is already the 5th in Beijing.
        let m = moment(at("2026-12-04T23:30:00Z"), now);
        assert_eq!(m.zh, "今天 07:30");
    }

    #[test]
    fn states_have_their_words_and_tone() {
        let returned = visit_status(VisitStatus::Returned);
        assert_eq!(returned.text.zh, "退回修改");
        assert_eq!(returned.tone, Tone::Warn);
        assert_eq!(visit_status(VisitStatus::Finalized).text.zh, "待上传");
        assert_eq!(visit_status(VisitStatus::Rejected).tone, Tone::Bad);
        assert_eq!(visit_status(VisitStatus::Approved).text.en, "Approved");
        let cellular = network(Network::Cellular);
        assert_eq!(
            (cellular.text.zh.as_str(), cellular.text.en.as_str()),
            ("移动网络", "Cellular")
        );
        assert_eq!(network(Network::Offline).tone, Tone::Bad);
    }

    #[test]
    fn problems_are_counted_in_both_languages() {
        let one = problems(1);
        assert_eq!(
            (one.text.zh.as_str(), one.text.en.as_str()),
            ("1 个问题", "1 problem")
        );
        assert_eq!(problems(3).text.en, "3 problems");
        assert_eq!(problems(3).tone, Tone::Bad);
    }

    #[test]
    fn counts_agree_in_english() {
        assert_eq!(count(1, "次走访", "visit", "visits").en, "1 visit");
        assert_eq!(count(3, "次走访", "visit", "visits").zh, "3 次走访");
        let joined = join(&[LocalizedText::new("甲", "a"), LocalizedText::new("乙", "b")]);
        assert_eq!((joined.zh.as_str(), joined.en.as_str()), ("甲，乙", "a, b"));
    }
}
