//! The days visit campaigns are tied to (domain.md §1, §6): 元旦, 春节, 全国助残日,
//! 6.26 国际禁毒日, 八一建军节, 重阳节 and 国庆.
//!
//! Lunar dates (春节 = 正月初一, 重阳节 = 九月初九) come from the
//! `chinese-lunisolar-calendar` crate's tables, which cover lunar years 1901–2100;
//! outside that range those days are `None`.

use chinese_lunisolar_calendar::LunisolarDate;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A day that starts a visit campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignDay {
    /// 元旦, 1 January.
    NewYearsDay,
    /// 春节, the first day of the first lunar month.
    SpringFestival,
    /// 全国助残日, the third Sunday of May.
    DisabilityDay,
    /// 6.26 国际禁毒日, 26 June.
    AntiDrugDay,
    /// 八一建军节, 1 August.
    ArmyDay,
    /// 重阳节, the ninth day of the ninth lunar month.
    DoubleNinth,
    /// 国庆节, 1 October.
    NationalDay,
}

impl CampaignDay {
    /// The day's date in the given Gregorian year; `None` only for a lunar day
    /// outside the supported range (or a year chrono cannot represent).
    pub fn date_in(self, year: i32) -> Option<NaiveDate> {
        match self {
            Self::NewYearsDay => NaiveDate::from_ymd_opt(year, 1, 1),
            Self::SpringFestival => lunar_date_in(year, 1, 1),
            Self::DisabilityDay => NaiveDate::from_weekday_of_month_opt(year, 5, Weekday::Sun, 3),
            Self::AntiDrugDay => NaiveDate::from_ymd_opt(year, 6, 26),
            Self::ArmyDay => NaiveDate::from_ymd_opt(year, 8, 1),
            Self::DoubleNinth => lunar_date_in(year, 9, 9),
            Self::NationalDay => NaiveDate::from_ymd_opt(year, 10, 1),
        }
    }

    /// The day's Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::NewYearsDay => "元旦",
            Self::SpringFestival => "春节",
            Self::DisabilityDay => "全国助残日",
            Self::AntiDrugDay => "国际禁毒日",
            Self::ArmyDay => "八一建军节",
            Self::DoubleNinth => "重阳节",
            Self::NationalDay => "国庆节",
        }
    }

    /// The day's English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::NewYearsDay => "New Year's Day",
            Self::SpringFestival => "Spring Festival",
            Self::DisabilityDay => "National Day for Helping the Disabled",
            Self::AntiDrugDay => "International Day against Drug Abuse",
            Self::ArmyDay => "Army Day",
            Self::DoubleNinth => "Double Ninth Festival",
            Self::NationalDay => "National Day",
        }
    }
}

/// The Gregorian date of a (non-leap) lunar month and day in the lunar year that
/// begins in Gregorian `year`. Both 正月 and 九月 of a lunar year fall in the
/// Gregorian year the lunar year begins in.
fn lunar_date_in(year: i32, month: u8, day: u8) -> Option<NaiveDate> {
    let y = u16::try_from(year).ok()?;
    let d = LunisolarDate::from_ymd(y, month, false, day).ok()?;
    let naive = d.to_naive_date();
    // Guard the claim above rather than trust it silently.
    (naive.year() == year).then_some(naive)
}
