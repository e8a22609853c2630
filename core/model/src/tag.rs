//! Category tags (低保, 残疾, 优抚, 独居老人 …) with start and end dates.
//!
//! Tags are data, not an enum: Doorstep ships the common ones from the civil
//! affairs work it serves ([`builtin_tags`]), and a community can define its own.
//! A tag definition names the extra attributes a tag carries (a disability's type
//! and level, the kind of 优抚 recipient), which are kept as text on the resident.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The definition of a category tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagDefinition {
    /// Stable identifier, e.g. `dibao`. Lowercase ASCII, digits and `_`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Names of attributes a resident's tag carries, e.g. `["type", "level"]`.
    pub attributes: Vec<String>,
    /// Whether the tag is sensitive beyond ordinary personal data (health,
    /// criminal or drug history): shown only to roles that may see it.
    pub sensitive: bool,
}

/// Why a tag definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("a tag code is 1–32 characters of lowercase ASCII letters, digits and _")]
    BadCode,
    #[error("a tag needs a Chinese and an English name")]
    MissingName,
}

impl TagDefinition {
    /// Checks that a (possibly community-defined) tag is well formed.
    pub fn validate(&self) -> Result<(), TagError> {
        let ok = !self.code.is_empty()
            && self.code.len() <= 32
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(TagError::BadCode);
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err(TagError::MissingName);
        }
        Ok(())
    }
}

/// A tag held by a resident over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentTag {
    pub code: String,
    pub start: NaiveDate,
    /// None while the tag is current.
    pub end: Option<NaiveDate>,
    /// Values of the definition's attributes, e.g. `type = 肢体`, `level = 二级`.
    pub attributes: BTreeMap<String, String>,
}

impl ResidentTag {
    /// Whether the tag applies on `date` (start inclusive, end exclusive).
    pub fn active_on(&self, date: NaiveDate) -> bool {
        self.start <= date && self.end.is_none_or(|end| date < end)
    }
}

/// The tags every community starts with, from the categories civil-affairs
/// offices keep (domain.md §2).
pub fn builtin_tags() -> Vec<TagDefinition> {
    const TAGS: &[(&str, &str, &str, &[&str], bool)] = &[
        (
            "dibao",
            "低保",
            "Minimum living allowance",
            // 城市/农村; the class (A类 …), people covered and monthly amount
            // in yuan, as a 低保 roster gives them.
            &["area", "class", "persons", "amount"],
            false,
        ),
        ("dibao_edge", "低保边缘", "Near-dibao household", &[], false),
        ("low_income", "低收入", "Low income", &[], false),
        ("tekun", "特困", "Extreme poverty support", &[], false),
        (
            "wubao",
            "五保",
            "Five-guarantee support",
            &["support_mode"],
            false,
        ),
        (
            "elder_no_kin",
            "孤寡老人",
            "Elder without family",
            &[],
            false,
        ),
        (
            "sanwu",
            "三无人员",
            "Person with no income, work or carer",
            &[],
            false,
        ),
        ("elder_alone", "独居老人", "Elder living alone", &[], false),
        ("senior", "高龄", "Senior (80+)", &[], false),
        (
            "left_behind_child",
            "留守儿童",
            "Left-behind child",
            &[],
            false,
        ),
        (
            "left_behind_woman",
            "留守妇女",
            "Left-behind woman",
            &[],
            false,
        ),
        (
            "left_behind_elder",
            "留守老人",
            "Left-behind elder",
            &[],
            false,
        ),
        ("orphan", "孤儿", "Orphan", &[], false),
        (
            "poor_student",
            "困难学童",
            "Student from a poor family",
            &[],
            false,
        ),
        (
            "single_mother",
            "单亲贫困母亲",
            "Poor single mother",
            &[],
            false,
        ),
        (
            "disabled",
            "残疾",
            "Person with disability",
            &["type", "level"],
            true,
        ),
        (
            "military_care",
            "优抚",
            "Military special-care recipient",
            &["kind"],
            false,
        ),
        (
            "family_planning_special",
            "计生特殊家庭",
            "Family-planning special family",
            &[],
            true,
        ),
        ("migrant", "流动人口", "Migrant", &["origin"], false),
        (
            "unemployed",
            "下岗失业",
            "Laid-off or unemployed",
            &[],
            false,
        ),
        ("worker_4050", "4050人员", "4050 worker", &[], false),
        ("hard_to_employ", "就业困难", "Hard to employ", &[], false),
        (
            "released_offender",
            "刑释解教",
            "Released offender",
            &[],
            true,
        ),
        (
            "drug_rehab",
            "戒毒人员",
            "Person in drug rehabilitation",
            &[],
            true,
        ),
        (
            "disaster_hit",
            "受灾户",
            "Disaster-hit household",
            &[],
            false,
        ),
        ("poor_worker", "困难职工", "Worker in hardship", &[], false),
        ("retiree", "退休人员", "Retiree", &["pension_type"], false),
        (
            "safety_hazard",
            "隐患户",
            "Household with a safety hazard",
            &["hazard_type"],
            false,
        ),
        ("rental_unit", "出租屋", "Rental unit", &[], false),
    ];
    TAGS.iter()
        .map(|(code, zh, en, attrs, sensitive)| TagDefinition {
            code: (*code).to_owned(),
            name_zh: (*zh).to_owned(),
            name_en: (*en).to_owned(),
            attributes: attrs.iter().map(|a| (*a).to_owned()).collect(),
            sensitive: *sensitive,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tags_are_well_formed_and_unique() {
        let tags = builtin_tags();
        let mut codes: Vec<_> = tags.iter().map(|t| t.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), tags.len());
        for tag in &tags {
            tag.validate().unwrap();
        }
    }

    #[test]
    fn a_community_tag_with_a_bad_code_is_refused() {
        let tag = TagDefinition {
            code: "老党员".into(),
            name_zh: "老党员".into(),
            name_en: "Veteran party member".into(),
            attributes: vec![],
            sensitive: false,
        };
        assert_eq!(tag.validate(), Err(TagError::BadCode));
    }

    #[test]
    fn tags_are_active_between_start_and_end() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let tag = ResidentTag {
            code: "dibao".into(),
            start: d("2024-01-01"),
            end: Some(d("2025-07-01")),
            attributes: BTreeMap::new(),
        };
        assert!(!tag.active_on(d("2023-12-31")));
        assert!(tag.active_on(d("2024-01-01")));
        assert!(tag.active_on(d("2025-06-30")));
        assert!(!tag.active_on(d("2025-07-01")));
    }
}
