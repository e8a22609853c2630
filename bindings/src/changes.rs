//! Telling the screens that data changed: the shell registers one listener
//! (`set_data_listener`) and refreshes the screens the change concerns — no
//! polling. The core calls it after a pull or sync, a visit started, edited,
//! finalized or revised, an outbox entry retried or discarded, a settings
//! change, a network change and a sign-in or sign-out.

use crate::session::Doorstep;
use doorstep_core::changes::{ChangeListener, DataChange};
use std::sync::Arc;

/// What kind of data changed (several at once after a sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct DataChangeView {
    /// Households, residents, their past visits or what is due.
    pub households: bool,
    /// Visits: drafts, finalized, reviewed, returned.
    pub visits: bool,
    /// What waits to upload and the states of its entries.
    pub outbox: bool,
    pub templates: bool,
    pub settings: bool,
    /// Who is signed in, and the last sync.
    pub session: bool,
}

/// Hears that data changed; implemented by the shell. Called on the thread
/// that made the change (a sync's is a background thread), after the change
/// is stored: post to the UI thread from here, and do not block.
#[uniffi::export(with_foreign)]
pub trait DataListener: Send + Sync {
    fn on_data_changed(&self, change: DataChangeView);
}

struct Forward(Arc<dyn DataListener>);

impl ChangeListener for Forward {
    fn data_changed(&self, c: DataChange) {
        self.0.on_data_changed(DataChangeView {
            households: c.households,
            visits: c.visits,
            outbox: c.outbox,
            templates: c.templates,
            settings: c.settings,
            session: c.session,
        });
    }
}

#[uniffi::export]
impl Doorstep {
    /// Registers the listener told of every change (replacing the last one);
    /// `None` removes it.
    pub fn set_data_listener(&self, listener: Option<Arc<dyn DataListener>>) {
        self.device()
            .set_change_listener(listener.map(|l| Arc::new(Forward(l)) as Arc<dyn ChangeListener>));
    }
}
