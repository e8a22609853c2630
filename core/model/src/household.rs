//! Households (户): where a worker knocks. Identified by a client-generated UUID
//! so a phone can create one offline, and carrying a version for sync.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The parts of a Chinese urban address that a worker walks to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// 小区 estate, or 村/组 in the countryside.
    pub estate: String,
    /// 楼栋 building, e.g. `3栋`.
    pub building: Option<String>,
    /// 单元 unit (stairwell), e.g. `2单元`.
    pub unit: Option<String>,
    /// 门牌号 door number, e.g. `302`.
    pub door: Option<String>,
}

impl Address {
    /// The address as one line, as a worker would write it: `阳光小区3栋2单元302`.
    pub fn one_line(&self) -> String {
        let mut line = self.estate.clone();
        for part in [&self.building, &self.unit, &self.door]
            .into_iter()
            .flatten()
        {
            line.push_str(part);
        }
        line
    }
}

/// A WGS-84 position, as GPS gives it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    /// A position, if the numbers are a place on Earth.
    pub fn new(lat: f64, lon: f64) -> Option<Self> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
            .then_some(Self { lat, lon })
    }
}

/// The registered location of a household's door, with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredLocation {
    pub position: LatLon,
    /// Who set it: a worker's first good fix, or a supervisor.
    pub set_by: Uuid,
    pub set_at: DateTime<Utc>,
    /// Whether a supervisor confirmed it. Until then, geofence verdicts against
    /// it are provisional.
    pub confirmed: bool,
}

/// 户籍 / 常住 / 流动: how the household relates to the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidenceType {
    /// 户籍: household registration (hukou) is here.
    Registered,
    /// 常住: lives here, registered elsewhere.
    Resident,
    /// 流动: migrant population.
    Migrant,
}

impl ResidenceType {
    /// The stable identifier stored in databases and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Resident => "resident",
            Self::Migrant => "migrant",
        }
    }

    /// Parses [`ResidenceType::as_str`]'s output.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        match s {
            "registered" => Some(Self::Registered),
            "resident" => Some(Self::Resident),
            "migrant" => Some(Self::Migrant),
            _ => None,
        }
    }

    /// The label shown to Chinese users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Registered => "户籍",
            Self::Resident => "常住",
            Self::Migrant => "流动",
        }
    }
}

/// Whether the dwelling is rented out (出租屋), and to whom it belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tenure {
    OwnerOccupied,
    Rental {
        landlord_name: String,
        landlord_phone: Option<crate::Phone>,
    },
}

/// A household, the unit a worker visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// Generated on the device that created it, so it is unique before any sync.
    pub id: Uuid,
    /// Human-readable code for ledgers, e.g. `G03-0142`.
    pub code: String,
    pub grid_id: Uuid,
    pub address: Address,
    pub location: Option<RegisteredLocation>,
    pub residence_type: ResidenceType,
    pub tenure: Tenure,
    pub notes: String,
    /// Incremented by the server on every accepted change; 0 before the first sync.
    pub version: i64,
}
