//! Sync: the network state the shell reports, one sync run with a progress
//! listener implemented in Kotlin or Swift, cancellation, and the outbox.
//!
//! A sync pushes the outbox (photos first, resuming where a cut upload
//! stopped; photos only on Wi-Fi unless allowed on cellular), then pulls
//! households, templates and review decisions — returned visits arrive here.

use crate::error::DoorstepError;
use crate::session::Doorstep;
use doorstep_core::device::DeviceError;
use doorstep_core::display;
use doorstep_core::store::pull::PullSummary;
use doorstep_core::sync::{CancelFlag, Progress, SyncReport};
use std::sync::Arc;

/// The network the phone is on, as the platform reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NetworkState {
    Wifi,
    Cellular,
    /// A metered Wi-Fi (a hotspot): treated like cellular.
    Metered,
    Offline,
}

/// Where a running sync is, for a progress bar.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncProgress {
    pub items_done: u64,
    pub items_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// What is being sent now: `photo`, `visits` or `pull`; `None` when done.
    pub current: Option<String>,
}

/// What a pull changed on the device.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PullReport {
    pub households: u32,
    pub templates: u32,
    /// Visits returned for rework: new tasks.
    pub returned: u32,
    pub approved: u32,
    pub rejected: u32,
    /// Households deleted from the phone because they left the worker's grids
    /// (for a notice such as "3 户已移出您的网格").
    pub removed: u32,
}

/// What a sync run did and what is left.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncResult {
    /// Items that reached the server in this run (photos and visits).
    pub uploaded: u64,
    /// Of those, visits.
    pub visits_uploaded: u64,
    /// Items still waiting (not sendable on this network, or retrying later).
    pub pending: u64,
    /// Items set aside for good (their reasons are in the outbox).
    pub set_aside: u64,
    pub pulled: PullReport,
    /// The run in words, with what waits now: `已上传 2 次走访，1 次走访等待 Wi-Fi，收到 1 次退回修改。`
    pub summary_zh: String,
    /// `Sent 2 visits, 1 visit waiting for Wi-Fi, 1 visit returned for rework.`
    pub summary_en: String,
}

/// The outbox at a glance.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxStatus {
    pub pending: u64,
    pub set_aside: u64,
    pub done: u64,
    /// The warning about items set aside (`2 项无法上传，已搁置` /
    /// `2 items set aside`); `None` when there are none.
    #[uniffi(default)]
    pub set_aside_text_zh: Option<String>,
    #[uniffi(default)]
    pub set_aside_text_en: Option<String>,
}

/// Told about a sync's progress; implemented by the shell. Called from a
/// background thread: post to the UI thread from here.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// Called after every photo chunk and batch of visits, and around the pull.
    fn on_progress(&self, progress: SyncProgress);
}

/// The "stop" button of a sync: cancelling stops it at the next chunk
/// boundary and leaves every item queued to resume next time.
#[derive(Debug, Default, uniffi::Object)]
pub struct SyncCancel {
    flag: CancelFlag,
}

#[uniffi::export]
impl SyncCancel {
    /// A new, uncancelled token.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Asks the sync using this token to stop.
    pub fn cancel(&self) {
        self.flag.cancel();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.flag.is_cancelled()
    }
}

impl From<PullSummary> for PullReport {
    fn from(p: PullSummary) -> Self {
        Self {
            households: p.households,
            templates: p.templates,
            returned: p.returned,
            approved: p.approved,
            rejected: p.rejected,
            removed: p.removed,
        }
    }
}

impl SyncResult {
    fn new(r: SyncReport, summary: doorstep_core::forms::LocalizedText) -> Self {
        Self {
            uploaded: r.uploaded,
            visits_uploaded: r.visits_uploaded,
            pending: r.pending,
            set_aside: r.set_aside,
            pulled: r.pulled.into(),
            summary_zh: summary.zh,
            summary_en: summary.en,
        }
    }
}

impl From<&Progress> for SyncProgress {
    fn from(p: &Progress) -> Self {
        Self {
            items_done: p.items_done,
            items_total: p.items_total,
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
            current: p.current.clone(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Doorstep {
    /// Tells the core which network the phone is on now (call it on every
    /// change the platform reports); the next sync and the outbox's states
    /// use it. Not stored: after a restart it is Wi-Fi until the shell says.
    pub fn set_network(&self, network: NetworkState) {
        self.device().set_network(network.into());
    }

    /// Runs one sync on the network last set, as the settings allow: pushes
    /// the outbox, then pulls. `worker_asked` is true for the worker's "sync
    /// now" (failed items are retried at once, and it runs on cellular too)
    /// and false for a background sync (each failed item waits out its
    /// backoff; with Wi-Fi-only on, nothing goes off Wi-Fi). Photos go on
    /// cellular only when the setting allows. `listener` hears the progress;
    /// `cancel` stops it (then the error is `Cancelled` and everything stays
    /// queued). When nothing may be sent, the outbox counts are returned.
    pub async fn sync(
        &self,
        worker_asked: bool,
        listener: Option<Arc<dyn SyncListener>>,
        cancel: Option<Arc<SyncCancel>>,
    ) -> Result<SyncResult, DoorstepError> {
        let device = self.device();
        let summarize = self.device();
        let options = device.sync_options(worker_asked)?;
        let flag = cancel.map(|c| c.flag.clone()).unwrap_or_default();
        let report = run_on_blocking_thread(move || async move {
            let progress = move |p: &Progress| {
                if let Some(listener) = &listener {
                    listener.on_progress(p.into());
                }
            };
            device.sync(options, &progress, &flag).await
        })
        .await?;
        let summary = summarize.sync_summary(&report)?;
        Ok(SyncResult::new(report, summary))
    }

    /// Pulls only (households, templates, review decisions), sending nothing.
    pub async fn pull(&self, cancel: Option<Arc<SyncCancel>>) -> Result<PullReport, DoorstepError> {
        let device = self.device();
        let flag = cancel.map(|c| c.flag.clone()).unwrap_or_default();
        let summary =
            run_on_blocking_thread(move || async move { device.pull(&flag).await }).await?;
        Ok(summary.into())
    }

    /// How many outbox items wait, are set aside, or are done.
    pub fn outbox_status(&self) -> Result<OutboxStatus, DoorstepError> {
        let counts = self.device().store().outbox_counts()?;
        let warning = display::set_aside(counts.set_aside);
        Ok(OutboxStatus {
            pending: counts.pending,
            set_aside: counts.set_aside,
            done: counts.done,
            set_aside_text_zh: warning.as_ref().map(|w| w.zh.clone()),
            set_aside_text_en: warning.map(|w| w.en),
        })
    }
}

/// Runs the future `make` builds to completion on one of the runtime's
/// blocking threads, and waits for it without blocking the caller.
///
/// The core's sync futures need not be `Send` (uploads run concurrently as a
/// stream borrowing the store), but UniFFI polls exported futures from any
/// thread and requires them to be. Built and driven on one thread, they never move.
async fn run_on_blocking_thread<F, Fut, T>(make: F) -> Result<T, DoorstepError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, DeviceError>>,
    T: Send + 'static,
{
    let runtime = tokio::runtime::Handle::current();
    let driver = runtime.clone();
    let joined = runtime
        .spawn_blocking(move || driver.block_on(make()))
        .await;
    match joined {
        Ok(result) => Ok(result?),
        // The sync panicked: let UniFFI report it as it reports any panic.
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Only a runtime shutting down cancels a blocking task.
            Err(_) => Err(DeviceError::from(doorstep_core::sync::SyncError::Cancelled).into()),
        },
    }
}
