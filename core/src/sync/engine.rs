//! One sync run: push the outbox, then pull.
//!
//! 1. Items left `uploading` by a process that died are put back to `pending`.
//! 2. Photos go first, in chunks, each resuming from the offset the server
//!    reports — a photo cut off at 80% sends only the last 20% again. Photos go
//!    only on Wi-Fi unless the worker allowed cellular.
//! 3. Operations go next, in batches; a visit's submission waits until all its
//!    photos are on the server. Each result is applied to its item alone: one
//!    refused item is set aside and the others go on.
//! 4. Pull pages are applied one transaction each, cursor included.
//!
//! Progress is reported after every item and chunk; cancelling stops at the
//! next chunk boundary and leaves every item resumable.

use super::client::{ServerClient, SyncError};
use super::protocol::{MAX_CHUNK_BYTES, MAX_OPS_PER_PUSH, OperationOutcome, PushRequest};
use crate::store::Store;
use crate::store::outbox::{ItemKind, OutboxItem, PhotoGate};
use crate::store::pull::PullSummary;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The network the phone is on, as the shell reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    Wifi,
    Cellular,
    /// A metered Wi-Fi (a hotspot): treated like cellular.
    Metered,
    Offline,
}

/// How a sync may use the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    pub network: Network,
    /// Whether photos may go over cellular or metered networks (default: no).
    pub photos_on_cellular: bool,
    /// A sync the worker asked for ("sync now") retries failed items at once;
    /// a background sync waits out each item's backoff.
    pub retry_now: bool,
}

impl SyncOptions {
    fn photos_allowed(&self) -> bool {
        match self.network {
            Network::Wifi => true,
            Network::Cellular | Network::Metered => self.photos_on_cellular,
            Network::Offline => false,
        }
    }
}

/// Where a sync is, for a progress bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub items_done: u64,
    pub items_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// What is being sent now: `photo`, `visits` or `pull`.
    pub current: Option<String>,
}

/// Cancels a running sync from another thread (the phone's "stop" button).
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the sync to stop at the next chunk boundary.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What a sync run did and what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Items that reached the server in this run.
    pub uploaded: u64,
    /// Of those, finalized visits (their submissions).
    pub visits_uploaded: u64,
    /// Items still waiting (not sendable on this network, or failed and retrying later).
    pub pending: u64,
    /// Items set aside for good, with their reasons in the outbox.
    pub set_aside: u64,
    pub pulled: PullSummary,
}

/// Runs one sync for the signed-in session. See the module docs for the order.
pub async fn sync(
    store: &Store,
    options: SyncOptions,
    progress: &(dyn Fn(&Progress) + Send + Sync),
    cancel: &CancelFlag,
) -> Result<SyncReport, SyncError> {
    let session = store.session()?.ok_or(SyncError::NotSignedIn)?;
    let mut report = SyncReport::default();
    if options.network == Network::Offline {
        return finish(store, report);
    }
    let client = ServerClient::new(&session.server_url, Some(session.token.clone()))?;
    store.resume_interrupted()?;

    let due: Vec<OutboxItem> = store
        .due_items(store.now().utc, options.retry_now)?
        .into_iter()
        .filter(|item| item.kind == ItemKind::Operation || options.photos_allowed())
        .collect();
    let mut state = Progress {
        items_total: due.len() as u64,
        bytes_total: due.iter().map(|i| i.bytes).sum(),
        ..Progress::default()
    };
    progress(&state);

    let result = push_all(
        store,
        &client,
        &due,
        &mut state,
        &mut report,
        progress,
        cancel,
    )
    .await;
    if result.is_err() {
        // Whatever was mid-flight goes back to pending for the next run.
        store.resume_interrupted()?;
    }
    result?;

    state.current = Some("pull".into());
    progress(&state);
    report.pulled = pull_pages(store, &client, session.cursor, cancel).await?;
    state.current = None;
    progress(&state);
    finish(store, report)
}

/// Pulls every page of changes for the signed-in session (no push).
pub async fn pull(store: &Store, cancel: &CancelFlag) -> Result<PullSummary, SyncError> {
    let session = store.session()?.ok_or(SyncError::NotSignedIn)?;
    let client = ServerClient::new(&session.server_url, Some(session.token.clone()))?;
    pull_pages(store, &client, session.cursor, cancel).await
}

async fn pull_pages(
    store: &Store,
    client: &ServerClient,
    mut cursor: Option<String>,
    cancel: &CancelFlag,
) -> Result<PullSummary, SyncError> {
    let mut total = PullSummary::default();
    loop {
        if cancel.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let page = client.pull(cursor.as_deref()).await?;
        let summary = store.apply_pull(&page)?;
        total += summary;
        cursor = Some(page.cursor);
        if !page.more {
            return Ok(total);
        }
    }
}

fn finish(store: &Store, mut report: SyncReport) -> Result<SyncReport, SyncError> {
    let counts = store.outbox_counts()?;
    report.pending = counts.pending;
    report.set_aside = counts.set_aside;
    Ok(report)
}

async fn push_all(
    store: &Store,
    client: &ServerClient,
    due: &[OutboxItem],
    state: &mut Progress,
    report: &mut SyncReport,
    progress: &(dyn Fn(&Progress) + Send + Sync),
    cancel: &CancelFlag,
) -> Result<(), SyncError> {
    // Two photos in flight keep a slow link busy while the server checks and
    // stores the previous one.
    let shared = Mutex::new(std::mem::take(state));
    // The futures are built up front (they do nothing until polled): a stream
    // of closures would make the sync future lose `Send` (rust-lang/rust#102211).
    let uploads: Vec<_> = due
        .iter()
        .filter(|i| i.kind == ItemKind::Blob)
        .map(|item| upload_one(store, client, item, &shared, progress, cancel))
        .collect();
    let outcomes: Vec<Result<bool, SyncError>> = futures_util::stream::iter(uploads)
        .buffer_unordered(PARALLEL_UPLOADS)
        .collect()
        .await;
    *state = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    for outcome in outcomes {
        if outcome? {
            report.uploaded += 1;
        }
    }

    let mut ready = Vec::new();
    for item in due.iter().filter(|i| i.kind == ItemKind::Operation) {
        let gate = match item.visit_id {
            Some(visit) => store.photo_gate(visit)?,
            None => PhotoGate::Ready,
        };
        match gate {
            PhotoGate::Ready => ready.push(item),
            PhotoGate::Waiting => {}
            PhotoGate::Blocked => store.set_aside(
                item.seq,
                "photo_set_aside: a photo of this visit could not be uploaded",
                None,
            )?,
        }
    }
    for batch in ready.chunks(MAX_OPS_PER_PUSH) {
        if cancel.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        state.current = Some("visits".into());
        let mut ops = Vec::with_capacity(batch.len());
        for item in batch {
            ops.push(store.outbox_operation(item.seq)?);
            store.mark_uploading(item.seq)?;
        }
        match client.push(&PushRequest { ops }).await {
            Ok(response) => {
                for item in batch {
                    let result = response
                        .results
                        .iter()
                        .find(|r| r.op_id.to_string() == item.key);
                    match result.map(|r| &r.outcome) {
                        Some(
                            OperationOutcome::Applied { .. } | OperationOutcome::Merged { .. },
                        ) => {
                            store.mark_done(item.seq)?;
                            report.uploaded += 1;
                            if item.visit_id.is_some() {
                                report.visits_uploaded += 1;
                            }
                        }
                        Some(OperationOutcome::Refused { error }) => {
                            settle_failure(store, item, &SyncError::Server(error.clone()))?
                        }
                        None => store.mark_failed(
                            item.seq,
                            "protocol: no result for this operation",
                            None,
                        )?,
                    }
                    state.items_done += 1;
                    state.bytes_done += item.bytes;
                }
            }
            Err(e) => {
                if matches!(e, SyncError::Unauthorized) {
                    return Err(e);
                }
                for item in batch {
                    settle_failure(store, item, &e)?;
                }
            }
        }
        progress(state);
    }
    Ok(())
}

/// Uploads one photo and settles its outbox item; `Ok(true)` when it arrived.
/// A revoked token or a cancel stops the whole sync (as `Err`).
async fn upload_one(
    store: &Store,
    client: &ServerClient,
    item: &OutboxItem,
    shared: &Mutex<Progress>,
    progress: &(dyn Fn(&Progress) + Send + Sync),
    cancel: &CancelFlag,
) -> Result<bool, SyncError> {
    if cancel.is_cancelled() {
        return Err(SyncError::Cancelled);
    }
    lock(shared).current = Some("photo".into());
    store.mark_uploading(item.seq)?;
    let uploaded = match upload_blob(store, client, item, shared, progress, cancel).await {
        Ok(()) => {
            store.mark_done(item.seq)?;
            true
        }
        Err(e @ (SyncError::Unauthorized | SyncError::Cancelled)) => {
            settle_failure(store, item, &e)?;
            return Err(e);
        }
        Err(e) => {
            settle_failure(store, item, &e)?;
            false
        }
    };
    let mut p = lock(shared);
    p.items_done += 1;
    progress(&p);
    Ok(uploaded)
}

/// Sends one blob from the offset the server has, chunk by chunk.
async fn upload_blob(
    store: &Store,
    client: &ServerClient,
    item: &OutboxItem,
    state: &Mutex<Progress>,
    progress: &(dyn Fn(&Progress) + Send + Sync),
    cancel: &CancelFlag,
) -> Result<(), SyncError> {
    let mut status = client.blob_status(&item.key).await?;
    let data = store.blob(&item.key)?;
    let total = data.len() as u64;
    // Bytes the server already had count as done for the progress bar.
    lock(state).bytes_done += status.offset.min(total);
    let mut realigned = 0;
    while !status.complete {
        if cancel.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let start = status.offset.min(total) as usize;
        let end = (start + MAX_CHUNK_BYTES).min(data.len());
        match client
            .put_chunk(&item.key, start as u64, total, data[start..end].to_vec())
            .await
        {
            Ok(next) => {
                let mut p = lock(state);
                p.bytes_done += next.offset.saturating_sub(start as u64);
                progress(&p);
                drop(p);
                status = next;
            }
            // The server has a different offset (an earlier chunk did arrive
            // after all): ask again and carry on from there.
            Err(SyncError::Server(e)) if e.code == "offset_mismatch" && realigned < 3 => {
                realigned += 1;
                status = client.blob_status(&item.key).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Photos uploaded at the same time.
const PARALLEL_UPLOADS: usize = 2;

fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(|e| e.into_inner())
}

/// Puts a failed item where it belongs: retried later if the failure is
/// transient, set aside with its reason if not.
fn settle_failure(store: &Store, item: &OutboxItem, error: &SyncError) -> Result<(), SyncError> {
    let seq = item.seq;
    // The reason is kept as `code: English`, with the server's Chinese beside
    // it (the outbox screen words the device's own codes itself).
    let (reason, zh) = match error {
        SyncError::Server(e) => (
            format!("{}: {}", e.code, e.message_en),
            Some(e.message_zh.as_str()),
        ),
        other => (format!("{}: {other}", other.code()), None),
    };
    match error {
        SyncError::Unauthorized | SyncError::Cancelled => store.resume_interrupted().map(|_| ())?,
        // The server threw away a blob whose bytes did not match its hash (they
        // were damaged on the way; the stored photo is authenticated by
        // SQLCipher, so it is not the source): send it again from the start.
        SyncError::Server(e) if e.code == "hash_mismatch" => store.mark_failed(seq, &reason, zh)?,
        e if e.is_transient() => store.mark_failed(seq, &reason, zh)?,
        _ => store.set_aside(seq, &reason, zh)?,
    }
    Ok(())
}
