//! The outbox screen: one entry per visit (with its photos) or household
//! change not yet on the server, its state and reason in words, and what the
//! worker can do with one set aside — retry it, or discard it (a visit goes
//! back to her drafts and stays on the phone; a household change is dropped
//! and the server's details come back at the next sync).

use crate::error::DoorstepError;
use crate::session::Doorstep;
use crate::visit::VisitSummaryView;
use doorstep_core::outbox_view::{EntryState, EntrySubject, OutboxEntry};

/// Where an outbox entry is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxEntryState {
    /// Goes at the next sync.
    Waiting,
    /// Held until the phone is on Wi-Fi.
    WaitingForWifi,
    /// The phone has no network.
    WaitingForNetwork,
    Uploading,
    /// The last attempt failed; `at` (RFC 3339, UTC) is the next one.
    Retrying {
        at: Option<String>,
    },
    /// Refused for good: retry or discard it.
    SetAside,
}

/// One entry of the outbox screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxEntryView {
    /// Pass this to `retry_outbox_entry` / `discard_outbox_entry`.
    pub entry_id: String,
    /// The visit, for a visit entry (with the household's head and address).
    pub visit: Option<VisitSummaryView>,
    pub household_id: String,
    /// The head of household and the address, for the line.
    pub household_head: String,
    pub household_address: String,
    /// The template's title, or `住户信息修改` / `Household change`.
    pub title_zh: String,
    pub title_en: String,
    pub state: OutboxEntryState,
    /// `等待同步`, `照片等待 Wi-Fi`, `发送失败，将于今天 14:35重试`, `已搁置，需要处理`.
    pub state_zh: String,
    pub state_en: String,
    /// Why it failed or was set aside.
    pub reason_zh: Option<String>,
    pub reason_en: Option<String>,
    pub photos: u32,
    pub photos_sent: u32,
    pub bytes_left: u64,
    /// Only an entry set aside can be retried or discarded.
    pub can_retry: bool,
    pub can_discard: bool,
    /// What discarding does, for the confirmation dialog.
    pub discard_effect_zh: Option<String>,
    pub discard_effect_en: Option<String>,
}

/// What a discard did, in words, for a notice.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DiscardResult {
    pub message_zh: String,
    pub message_en: String,
}

fn split(t: Option<doorstep_core::forms::LocalizedText>) -> (Option<String>, Option<String>) {
    match t {
        Some(t) => (Some(t.zh), Some(t.en)),
        None => (None, None),
    }
}

impl From<OutboxEntry> for OutboxEntryView {
    fn from(e: OutboxEntry) -> Self {
        let (visit, household_id, household_head, household_address) = match e.subject {
            EntrySubject::Visit(v) => (
                Some(VisitSummaryView::from(v.clone())),
                v.visit.household_id.to_string(),
                v.head,
                v.address,
            ),
            EntrySubject::HouseholdChange(h) => (None, h.id.to_string(), h.head, h.address),
        };
        let set_aside = e.state.is_set_aside();
        let (reason_zh, reason_en) = split(e.reason);
        let (discard_effect_zh, discard_effect_en) = split(e.discard_effect);
        Self {
            entry_id: e.id,
            visit,
            household_id,
            household_head,
            household_address,
            title_zh: e.title.zh,
            title_en: e.title.en,
            state: match e.state {
                EntryState::Waiting => OutboxEntryState::Waiting,
                EntryState::WaitingForWifi => OutboxEntryState::WaitingForWifi,
                EntryState::WaitingForNetwork => OutboxEntryState::WaitingForNetwork,
                EntryState::Uploading => OutboxEntryState::Uploading,
                EntryState::Retrying { at } => OutboxEntryState::Retrying {
                    at: at.map(|t| t.to_rfc3339()),
                },
                EntryState::SetAside => OutboxEntryState::SetAside,
            },
            state_zh: e.state_text.zh,
            state_en: e.state_text.en,
            reason_zh,
            reason_en,
            photos: e.photos,
            photos_sent: e.photos_sent,
            bytes_left: e.bytes_left,
            can_retry: set_aside,
            can_discard: set_aside,
            discard_effect_zh,
            discard_effect_en,
        }
    }
}

#[uniffi::export]
impl Doorstep {
    /// Every visit and household change not yet on the server, oldest first,
    /// with its state on the network last set.
    pub fn outbox_entries(&self) -> Result<Vec<OutboxEntryView>, DoorstepError> {
        Ok(self
            .device()
            .outbox_entries()?
            .into_iter()
            .map(OutboxEntryView::from)
            .collect())
    }

    /// Queues a set-aside entry again: the next sync tries it. Refused
    /// (`Invalid`) for an entry that is not set aside.
    pub fn retry_outbox_entry(&self, entry_id: String) -> Result<(), DoorstepError> {
        Ok(self.device().retry_outbox_entry(&entry_id)?)
    }

    /// Gives up sending a set-aside entry. Nothing is lost: a visit goes back
    /// to the drafts (with the reason) and stays on the phone; a household
    /// change is dropped and the next sync restores the server's details.
    /// Returns what it did, in words. Refused (`Invalid`) for an entry that
    /// is not set aside.
    pub fn discard_outbox_entry(&self, entry_id: String) -> Result<DiscardResult, DoorstepError> {
        let done = self.device().discard_outbox_entry(&entry_id)?;
        Ok(DiscardResult {
            message_zh: done.zh,
            message_en: done.en,
        })
    }
}
