//! Telling the screens that data changed, so they refresh without polling.
//!
//! The shell registers one [`ChangeListener`] on the device; the device calls
//! it after every change it makes — a pull or sync, a visit started, edited,
//! finalized or revised, an outbox entry retried or discarded, the settings,
//! the network, a sign-in or sign-out — with what kind of data changed. It is
//! called on the thread that made the change, after the change is stored.

use crate::device::Device;
use std::sync::Arc;

/// What kind of data changed (several at once after a sync).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataChange {
    /// Households, residents, their past visits or what is due.
    pub households: bool,
    /// Visits on the device: drafts, finalized, reviewed, returned.
    pub visits: bool,
    /// What waits to upload, and the states of the entries.
    pub outbox: bool,
    /// Form templates.
    pub templates: bool,
    /// The phone's settings.
    pub settings: bool,
    /// Who is signed in, and the last sync.
    pub session: bool,
}

impl DataChange {
    /// Everything a sync or pull can touch.
    pub const SYNC: Self = Self {
        households: true,
        visits: true,
        outbox: true,
        templates: true,
        settings: false,
        session: true,
    };
    /// A visit edited (a draft's answers, door check, photos).
    pub const VISIT: Self = Self {
        visits: true,
        ..Self::NONE
    };
    /// A visit finalized, or an outbox entry retried or discarded.
    pub const VISIT_AND_OUTBOX: Self = Self {
        outbox: true,
        ..Self::VISIT
    };
    /// The settings.
    pub const SETTINGS: Self = Self {
        settings: true,
        ..Self::NONE
    };
    /// The network (the outbox's states depend on it).
    pub const OUTBOX: Self = Self {
        outbox: true,
        ..Self::NONE
    };
    /// A sign-in or sign-out.
    pub const SESSION: Self = Self {
        session: true,
        households: true,
        ..Self::NONE
    };
    const NONE: Self = Self {
        households: false,
        visits: false,
        outbox: false,
        templates: false,
        settings: false,
        session: false,
    };
}

/// Hears that data changed; implemented by the shell.
pub trait ChangeListener: Send + Sync {
    fn data_changed(&self, change: DataChange);
}

impl Device {
    /// Registers the listener told of every change (replacing the last one),
    /// or none.
    pub fn set_change_listener(&self, listener: Option<Arc<dyn ChangeListener>>) {
        *self.listener.write().unwrap_or_else(|p| p.into_inner()) = listener;
    }

    /// Tells the listener, if any, that `change` happened.
    pub(crate) fn notify(&self, change: DataChange) {
        let listener = self
            .listener
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(listener) = listener {
            listener.data_changed(change);
        }
    }
}
