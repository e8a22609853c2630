//! States as badges: a visit's state and the network, in the core's words
//! and tone ([`doorstep_core::display`]), for every list and screen that
//! shows one.

use crate::sync::NetworkState;
use crate::visit::VisitState;
use doorstep_core::display::{self, Badge, Tone};
use doorstep_core::domain::VisitStatus;
use doorstep_core::sync::Network;

/// How a badge is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BadgeTone {
    Info,
    Good,
    Warn,
    Bad,
}

/// A state in words, with its tone.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BadgeView {
    pub text_zh: String,
    pub text_en: String,
    pub tone: BadgeTone,
}

impl From<Badge> for BadgeView {
    fn from(b: Badge) -> Self {
        Self {
            text_zh: b.text.zh,
            text_en: b.text.en,
            tone: b.tone.into(),
        }
    }
}

impl From<Tone> for BadgeTone {
    fn from(t: Tone) -> Self {
        match t {
            Tone::Info => Self::Info,
            Tone::Good => Self::Good,
            Tone::Warn => Self::Warn,
            Tone::Bad => Self::Bad,
        }
    }
}

/// A visit's state as a badge (草稿, 待上传, …).
#[uniffi::export]
pub fn visit_state_badge(state: VisitState) -> BadgeView {
    display::visit_status(match state {
        VisitState::Draft => VisitStatus::Draft,
        VisitState::Finalized => VisitStatus::Finalized,
        VisitState::Uploaded => VisitStatus::Uploaded,
        VisitState::Approved => VisitStatus::Approved,
        VisitState::Returned => VisitStatus::Returned,
        VisitState::Rejected => VisitStatus::Rejected,
    })
    .into()
}

/// How many problems a draft or a visit screen has, as a badge
/// (`2 个问题` / `1 problem`).
#[uniffi::export]
pub fn problems_badge(problems: u32) -> BadgeView {
    display::problems(problems.into()).into()
}

/// The network as a badge (Wi-Fi, 移动网络, 无网络, …).
#[uniffi::export]
pub fn network_badge(network: NetworkState) -> BadgeView {
    display::network(network.into()).into()
}

impl From<NetworkState> for Network {
    fn from(n: NetworkState) -> Self {
        match n {
            NetworkState::Wifi => Network::Wifi,
            NetworkState::Cellular => Network::Cellular,
            NetworkState::Metered => Network::Metered,
            NetworkState::Offline => Network::Offline,
        }
    }
}
