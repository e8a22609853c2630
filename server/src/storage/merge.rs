//! Field-by-field merge of a household edit, the same for every backend.
//!
//! A device edits a household against the version it last saw (`base_version`).
//! Each field remembers the household version at which it last changed. A
//! field the device changes that the server also changed after `base_version`
//! keeps the server's value and becomes a conflict for the supervisor; every
//! other change applies. Changing a field to the value it already has is no
//! change at all (and never a conflict).

use doorstep_model::ResidenceType;
use doorstep_protocol::{FieldChange, HouseholdRecord, OperationOutcome};

use super::EDITABLE_FIELDS;

/// Why an edit is refused whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("the edit names a field that cannot be changed, or gives an invalid value")]
    BadField,
    #[error("the edit is based on a version the server never had")]
    BadBaseVersion,
}

impl MergeError {
    /// The answer a device gets for an edit refused whole (the same on every backend).
    pub fn refusal(self) -> OperationOutcome {
        match self {
            Self::BadField => super::refused(
                "bad_field",
                "住户信息修改中有不能修改的字段或无效的值",
                "The edit names a field that cannot be changed or gives an invalid value",
            ),
            Self::BadBaseVersion => super::refused(
                "bad_base_version",
                "修改所依据的住户版本比服务器上的还新",
                "The edit is based on a household version the server never had",
            ),
        }
    }
}

/// One field both sides changed: the server's value stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    pub field: &'static str,
    /// The version at which the server's value was set.
    pub server_version: i64,
    pub server_value: Option<String>,
    pub device_value: Option<String>,
}

/// What to do with an edit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MergePlan {
    /// Fields to set, with their new values.
    pub apply: Vec<(&'static str, Option<String>)>,
    pub conflicts: Vec<FieldConflict>,
}

/// A field's current value on a stored household (`None` for unknown fields).
pub fn field_value(h: &HouseholdRecord, field: &str) -> Option<String> {
    match field {
        "estate" => Some(h.estate.clone()),
        "building" => h.building.clone(),
        "unit" => h.unit.clone(),
        "door" => h.door.clone(),
        "residence_type" => Some(h.residence_type.clone()),
        "landlord_name" => h.landlord_name.clone(),
        "landlord_phone" => h.landlord_phone.clone(),
        "notes" => Some(h.notes.clone()),
        _ => None,
    }
}

/// The editable field's canonical name and the value to store
/// (clearing `notes` stores empty text), or why the change is refused.
fn checked(change: &FieldChange) -> Result<(&'static str, Option<String>), MergeError> {
    let field = EDITABLE_FIELDS
        .iter()
        .copied()
        .find(|f| *f == change.field)
        .ok_or(MergeError::BadField)?;
    let value = match (field, &change.value) {
        ("estate", None) | ("residence_type", None) => return Err(MergeError::BadField),
        ("estate", Some(v)) if v.trim().is_empty() => return Err(MergeError::BadField),
        ("residence_type", Some(v)) if ResidenceType::from_str_opt(v).is_none() => {
            return Err(MergeError::BadField);
        }
        ("notes", None) => Some(String::new()),
        (_, v) => v.clone(),
    };
    Ok((field, value))
}

/// Plans an edit of `current` made against `base_version`; `changed_at(field)`
/// is the version at which the field last changed (0 if never). Promises: the
/// plan never sets a field changed on the server after `base_version` to a
/// different value; a later change of the same field in `changes` wins over an
/// earlier one; an invalid change refuses the whole edit.
pub fn plan(
    current: &HouseholdRecord,
    base_version: i64,
    changes: &[FieldChange],
    changed_at: impl Fn(&str) -> i64,
) -> Result<MergePlan, MergeError> {
    let mut wanted: Vec<(&'static str, Option<String>)> = Vec::new();
    for change in changes {
        let (field, value) = checked(change)?;
        wanted.retain(|(f, _)| *f != field);
        wanted.push((field, value));
    }
    if base_version > current.version {
        return Err(MergeError::BadBaseVersion);
    }
    let mut plan = MergePlan::default();
    for (field, value) in wanted {
        let server_value = field_value(current, field);
        if server_value == value {
            continue;
        }
        let server_version = changed_at(field);
        if server_version > base_version {
            plan.conflicts.push(FieldConflict {
                field,
                server_version,
                server_value,
                device_value: value,
            });
        } else {
            plan.apply.push((field, value));
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn household(version: i64) -> HouseholdRecord {
        HouseholdRecord {
            id: Uuid::nil(),
            code: "HP01-0001".into(),
            grid_id: Uuid::nil(),
            estate: "和平里小区".into(),
            building: Some("3栋".into()),
            unit: Some("2单元".into()),
            door: Some("502".into()),
            lat: None,
            lon: None,
            location_confirmed: false,
            residence_type: "registered".into(),
            landlord_name: None,
            landlord_phone: None,
            notes: String::new(),
            version,
            residents: vec![],
            due: vec![],
            past_visits: Vec::new(),
        }
    }

    fn change(field: &str, value: Option<&str>) -> FieldChange {
        FieldChange {
            field: field.into(),
            value: value.map(str::to_owned),
        }
    }

    #[test]
    fn a_field_changed_on_both_sides_keeps_the_servers_value() {
        // The server changed `door` at version 4; the device edited from version 3.
        let h = household(4);
        let changed_at = |f: &str| if f == "door" { 4 } else { 1 };
        let p = plan(
            &h,
            3,
            &[change("door", Some("501")), change("unit", Some("1单元"))],
            changed_at,
        )
        .expect("plan");
        assert_eq!(p.apply, vec![("unit", Some("1单元".to_owned()))]);
        assert_eq!(
            p.conflicts,
            vec![FieldConflict {
                field: "door",
                server_version: 4,
                server_value: Some("502".into()),
                device_value: Some("501".into()),
            }]
        );
    }

    #[test]
    fn the_same_value_on_both_sides_is_no_conflict_and_no_change() {
        let h = household(4);
        let p = plan(&h, 1, &[change("door", Some("502"))], |_| 4).expect("plan");
        assert_eq!(p, MergePlan::default());
    }

    #[test]
    fn an_edit_from_the_current_version_applies_whole_and_the_last_change_wins() {
        let h = household(2);
        let p = plan(
            &h,
            2,
            &[
                change("notes", Some("a")),
                change("notes", None),
                change("landlord_name", Some("房东")),
            ],
            |_| 2,
        )
        .expect("plan");
        assert_eq!(
            p.apply,
            vec![("landlord_name", Some("房东".to_owned()))],
            "clearing notes that are already empty changes nothing"
        );
        assert!(p.conflicts.is_empty());
    }

    #[test]
    fn bad_fields_values_and_versions_refuse_the_edit() {
        let h = household(2);
        for bad in [
            change("grid_id", Some("x")),
            change("estate", None),
            change("estate", Some("  ")),
            change("residence_type", Some("castle")),
        ] {
            assert_eq!(plan(&h, 2, &[bad], |_| 0), Err(MergeError::BadField));
        }
        assert_eq!(
            plan(&h, 3, &[change("door", Some("1"))], |_| 0),
            Err(MergeError::BadBaseVersion)
        );
    }
}
