//! Residents (居民) of a household and their relation to its head.

use crate::tag::ResidentTag;
use crate::{IdNumber, Phone};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a resident relates to the head of household (与户主关系).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 户主
    Head,
    /// 配偶
    Spouse,
    /// 子女
    Child,
    /// 父母
    Parent,
    /// 孙子女
    Grandchild,
    /// 兄弟姐妹
    Sibling,
    /// 其他亲属
    OtherRelative,
    /// 租户 / 同住人
    Tenant,
    /// 其他
    Other,
}

impl Relation {
    /// Every relation, in the order a form lists them.
    pub const ALL: [Relation; 9] = [
        Self::Head,
        Self::Spouse,
        Self::Child,
        Self::Parent,
        Self::Grandchild,
        Self::Sibling,
        Self::OtherRelative,
        Self::Tenant,
        Self::Other,
    ];

    /// The stable identifier stored in databases and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Head => "head",
            Self::Spouse => "spouse",
            Self::Child => "child",
            Self::Parent => "parent",
            Self::Grandchild => "grandchild",
            Self::Sibling => "sibling",
            Self::OtherRelative => "other_relative",
            Self::Tenant => "tenant",
            Self::Other => "other",
        }
    }

    /// Parses [`Relation::as_str`]'s output.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The label shown to Chinese users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Head => "户主",
            Self::Spouse => "配偶",
            Self::Child => "子女",
            Self::Parent => "父母",
            Self::Grandchild => "孙子女",
            Self::Sibling => "兄弟姐妹",
            Self::OtherRelative => "其他亲属",
            Self::Tenant => "租户",
            Self::Other => "其他",
        }
    }

    /// The label shown to English users.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Head => "Head of household",
            Self::Spouse => "Spouse",
            Self::Child => "Child",
            Self::Parent => "Parent",
            Self::Grandchild => "Grandchild",
            Self::Sibling => "Sibling",
            Self::OtherRelative => "Other relative",
            Self::Tenant => "Tenant",
            Self::Other => "Other",
        }
    }
}

/// A person living in a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resident {
    pub id: Uuid,
    pub household_id: Uuid,
    pub name: String,
    /// Optional: a worker may register someone before seeing their card.
    pub id_number: Option<IdNumber>,
    pub phone: Option<Phone>,
    pub relation: Relation,
    pub tags: Vec<ResidentTag>,
}
