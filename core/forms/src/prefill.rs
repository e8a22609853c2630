//! Prefill: answers a visit already knows when it starts, so the worker does
//! not type them.
//!
//! A field names where its first answer comes from with the `prefill`
//! property (a `prefill` column in an XLSForm):
//!
//! | `prefill` | on a field of type | the answer |
//! |---|---|---|
//! | `household.code` | `text` | the household's code (户编号) |
//! | `household.head` | `text` | the head of household's name (the respondent by default) |
//! | `household.address` | `text` | the household's address on one line |
//! | `visit.date` | `date` | the day the visit is started |
//! | `household.members` | `repeat` | one entry per resident in the registry, head first |
//! | `member.name` | `text`, inside that repeat | the resident's name |
//! | `member.id_number` | `id_number` or `text`, inside that repeat | the resident's ID number |
//! | `member.phone` | `phone` or `text`, inside that repeat | the resident's phone |
//! | `member.relation` | `select_one` or `text`, inside that repeat | the resident's relation to the head (`head`, `spouse`, `child`, …), for a select only when its list has a choice of that name |
//!
//! A prefilled answer is an ordinary answer: the worker may change it, and the
//! form's rules check it like any other. [`Form::load`](crate::Form::load)
//! refuses a `prefill` on a field of a type it cannot fill, and a `member.*`
//! outside a repeat marked `household.members`. What the registry does not
//! know (a resident without an ID number) is left empty for the worker.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use crate::definition::{Field, FieldType};

/// Where a field's first answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Prefill {
    #[serde(rename = "household.code")]
    HouseholdCode,
    #[serde(rename = "household.head")]
    HouseholdHead,
    #[serde(rename = "household.address")]
    HouseholdAddress,
    #[serde(rename = "visit.date")]
    VisitDate,
    #[serde(rename = "household.members")]
    HouseholdMembers,
    #[serde(rename = "member.name")]
    MemberName,
    #[serde(rename = "member.id_number")]
    MemberIdNumber,
    #[serde(rename = "member.phone")]
    MemberPhone,
    #[serde(rename = "member.relation")]
    MemberRelation,
}

impl Prefill {
    /// Every source, in the order the table above lists them.
    pub const ALL: [Prefill; 9] = [
        Self::HouseholdCode,
        Self::HouseholdHead,
        Self::HouseholdAddress,
        Self::VisitDate,
        Self::HouseholdMembers,
        Self::MemberName,
        Self::MemberIdNumber,
        Self::MemberPhone,
        Self::MemberRelation,
    ];

    /// The name a definition or an XLSForm cell uses (`household.code`, …).
    pub fn code(self) -> &'static str {
        match self {
            Self::HouseholdCode => "household.code",
            Self::HouseholdHead => "household.head",
            Self::HouseholdAddress => "household.address",
            Self::VisitDate => "visit.date",
            Self::HouseholdMembers => "household.members",
            Self::MemberName => "member.name",
            Self::MemberIdNumber => "member.id_number",
            Self::MemberPhone => "member.phone",
            Self::MemberRelation => "member.relation",
        }
    }

    /// Parses [`Prefill::code`]'s output.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    /// True for the sources of one resident, used inside a members repeat.
    pub fn is_member(self) -> bool {
        matches!(
            self,
            Self::MemberName | Self::MemberIdNumber | Self::MemberPhone | Self::MemberRelation
        )
    }

    /// Whether this source can fill a field of type `t`.
    pub fn fits(self, t: FieldType) -> bool {
        use FieldType as T;
        match self {
            Self::HouseholdCode | Self::HouseholdHead | Self::HouseholdAddress => t == T::Text,
            Self::VisitDate => t == T::Date,
            Self::HouseholdMembers => t == T::Repeat,
            Self::MemberName => t == T::Text,
            Self::MemberIdNumber => matches!(t, T::IdNumber | T::Text),
            Self::MemberPhone => matches!(t, T::Phone | T::Text),
            Self::MemberRelation => matches!(t, T::SelectOne | T::Text),
        }
    }
}

/// One resident as the registry knows them, for `member.*` fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberFacts {
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    /// The relation's stable code (`head`, `spouse`, …).
    pub relation: String,
}

/// What a visit knows when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrefillFacts {
    pub household_code: String,
    /// The head of household's name (empty when the registry has none).
    pub head: String,
    pub address: String,
    /// The day the visit starts.
    pub visit_date: chrono::NaiveDate,
    /// The residents, head first.
    pub members: Vec<MemberFacts>,
}

/// The first answers of a visit with a form whose top-level fields are
/// `fields`: each prefilled field answered from `facts` (fields inside groups
/// are answered beside them, as everywhere else). A repeat gets at most its
/// `max_count` entries; an empty fact leaves its field out.
pub fn prefill_answers(fields: &[Field], facts: &PrefillFacts) -> Json {
    let mut answers = Map::new();
    fill_level(fields, facts, &mut answers);
    Json::Object(answers)
}

fn fill_level(fields: &[Field], facts: &PrefillFacts, out: &mut Map<String, Json>) {
    for f in fields {
        match (f.field_type, f.prefill) {
            (FieldType::Group, _) => {
                fill_level(f.children.as_deref().unwrap_or_default(), facts, out)
            }
            (FieldType::Repeat, Some(Prefill::HouseholdMembers)) => {
                let limit = f.max_count.map_or(usize::MAX, |m| m as usize);
                let children = f.children.as_deref().unwrap_or_default();
                let entries: Vec<Json> = facts
                    .members
                    .iter()
                    .take(limit)
                    .map(|m| {
                        let mut entry = Map::new();
                        fill_member(children, m, &mut entry);
                        Json::Object(entry)
                    })
                    .collect();
                if !entries.is_empty() {
                    out.insert(f.name.clone(), Json::Array(entries));
                }
            }
            (_, Some(p)) => {
                let value = match p {
                    Prefill::HouseholdCode => Some(facts.household_code.as_str()),
                    Prefill::HouseholdHead => Some(facts.head.as_str()),
                    Prefill::HouseholdAddress => Some(facts.address.as_str()),
                    _ => None,
                };
                match (p, value) {
                    (Prefill::VisitDate, _) => {
                        out.insert(f.name.clone(), json!(facts.visit_date.to_string()));
                    }
                    (_, Some(v)) if !v.is_empty() => {
                        out.insert(f.name.clone(), json!(v));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn fill_member(fields: &[Field], m: &MemberFacts, out: &mut Map<String, Json>) {
    for f in fields {
        if f.field_type == FieldType::Group {
            fill_member(f.children.as_deref().unwrap_or_default(), m, out);
            continue;
        }
        let value = match f.prefill {
            Some(Prefill::MemberName) => Some(m.name.as_str()),
            Some(Prefill::MemberIdNumber) => m.id_number.as_deref(),
            Some(Prefill::MemberPhone) => m.phone.as_deref(),
            Some(Prefill::MemberRelation) => {
                let listed = f
                    .choices
                    .as_deref()
                    .is_some_and(|cs| cs.iter().any(|c| c.name == m.relation));
                (f.field_type == FieldType::Text || listed).then_some(m.relation.as_str())
            }
            _ => None,
        };
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.insert(f.name.clone(), json!(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{Choice, LocalizedText};

    fn field(name: &str, t: FieldType, prefill: Option<Prefill>) -> Field {
        let mut f = Field::new(name, t, LocalizedText::new(name, name));
        f.prefill = prefill;
        f
    }

    fn facts() -> PrefillFacts {
        PrefillFacts {
            household_code: "HH-0001".into(),
            head: "王秀英".into(),
            address: "幸福路1号".into(),
            visit_date: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            members: vec![
                MemberFacts {
                    name: "王秀英".into(),
                    id_number: Some("110101195001010012".into()),
                    phone: None,
                    relation: "head".into(),
                },
                MemberFacts {
                    name: "李明".into(),
                    id_number: None,
                    phone: Some("13800138000".into()),
                    relation: "child".into(),
                },
            ],
        }
    }

    #[test]
    fn every_code_reads_back() {
        for p in Prefill::ALL {
            assert_eq!(Prefill::from_code(p.code()), Some(p));
            let json = serde_json::to_value(p).unwrap();
            assert_eq!(json, json!(p.code()));
        }
        assert_eq!(Prefill::from_code("household.phone"), None);
    }

    #[test]
    fn header_fields_and_members_come_from_the_registry() {
        let mut relation = field(
            "relation",
            FieldType::SelectOne,
            Some(Prefill::MemberRelation),
        );
        relation.choices = Some(vec![
            Choice::new("self", "本人", "Self"),
            Choice::new("child", "子女", "Child"),
        ]);
        let mut members = field(
            "members",
            FieldType::Repeat,
            Some(Prefill::HouseholdMembers),
        );
        members.children = Some(vec![
            field("member_name", FieldType::Text, Some(Prefill::MemberName)),
            field(
                "member_id",
                FieldType::IdNumber,
                Some(Prefill::MemberIdNumber),
            ),
            relation,
            field("health", FieldType::Text, None),
        ]);
        let mut section = field("basics", FieldType::Group, None);
        section.children = Some(vec![field(
            "respondent",
            FieldType::Text,
            Some(Prefill::HouseholdHead),
        )]);
        let fields = vec![
            field(
                "household_id",
                FieldType::Text,
                Some(Prefill::HouseholdCode),
            ),
            section,
            field("visit_date", FieldType::Date, Some(Prefill::VisitDate)),
            field("note", FieldType::Text, None),
            members,
        ];
        assert_eq!(
            prefill_answers(&fields, &facts()),
            json!({
                "household_id": "HH-0001",
                "respondent": "王秀英",
                "visit_date": "2026-05-01",
                "members": [
                    {"member_name": "王秀英", "member_id": "110101195001010012"},
                    {"member_name": "李明", "relation": "child"},
                ]
            }),
            "a relation the list lacks (head) and an unknown ID number stay empty"
        );
    }

    #[test]
    fn a_repeat_gets_no_more_entries_than_it_allows_and_none_without_residents() {
        let mut members = field(
            "members",
            FieldType::Repeat,
            Some(Prefill::HouseholdMembers),
        );
        members.children = Some(vec![field("n", FieldType::Text, Some(Prefill::MemberName))]);
        members.max_count = Some(1);
        let fields = vec![members];
        assert_eq!(
            prefill_answers(&fields, &facts()),
            json!({"members": [{"n": "王秀英"}]})
        );
        let empty = PrefillFacts {
            members: Vec::new(),
            ..facts()
        };
        assert_eq!(prefill_answers(&fields, &empty), json!({}));
    }
}
