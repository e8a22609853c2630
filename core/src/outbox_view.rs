//! The outbox as the worker sees it: one entry per thing she sent — a visit
//! with its photos, or a change to a household — with its state in words
//! (waiting, waiting for Wi-Fi, uploading, failed and retrying at a time, set
//! aside) and the reason in Chinese and English; and what she can do with an
//! entry set aside:
//!
//! - **retry**: its items go back in the queue and the next sync tries again;
//! - **discard**: nothing is lost silently. A visit goes back to her drafts,
//!   with the reason, and stays on the phone to be fixed and finished again;
//!   a household change is dropped and the next sync brings the server's
//!   details back (the pull starts over).
//!
//! The summary of a sync run in words is here too ([`sync_summary`]).

use crate::changes::DataChange;
use crate::device::{Device, DeviceError};
use crate::display;
use crate::forms::LocalizedText;
use crate::store::households::{HouseholdSummary, summaries};
use crate::store::outbox::{ItemKind, OutboxItem};
use crate::store::visits::{VisitFilter, VisitSummary, to_json};
use crate::store::{Store, StoreError};
use crate::sync::{Network, SyncReport};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;
use uuid::Uuid;

/// Where an outbox entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// Goes at the next sync.
    Waiting,
    /// Held until the phone is on Wi-Fi (photos not allowed on cellular, or
    /// background sync only on Wi-Fi).
    WaitingForWifi,
    /// The phone has no network.
    WaitingForNetwork,
    /// Being sent now.
    Uploading,
    /// The last attempt failed; the next one is at this time.
    Retrying { at: Option<DateTime<Utc>> },
    /// Refused for good: the worker retries or discards it.
    SetAside,
}

/// What an entry carries.
#[derive(Debug, Clone, PartialEq)]
pub enum EntrySubject {
    /// A finalized visit (with its household line).
    Visit(VisitSummary),
    /// A change to a household's details.
    HouseholdChange(HouseholdSummary),
}

/// One entry of the outbox screen.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Names the entry for [`Device::retry_outbox_entry`] and
    /// [`Device::discard_outbox_entry`]: `visit:<id>` or `change:<seq>`.
    pub id: String,
    pub subject: EntrySubject,
    /// The template's title, or `住户信息修改` / `Household change`.
    pub title: LocalizedText,
    pub state: EntryState,
    /// `等待同步`, `等待 Wi-Fi`, `正在上传`, `发送失败，今天 14:35 重试`, `已搁置`.
    pub state_text: LocalizedText,
    /// Why it failed or was set aside.
    pub reason: Option<LocalizedText>,
    pub photos: u32,
    pub photos_sent: u32,
    /// Bytes still to send.
    pub bytes_left: u64,
    /// What discarding does, for the confirmation (set-aside entries only).
    pub discard_effect: Option<LocalizedText>,
}

impl EntryState {
    /// Whether the worker can retry or discard the entry.
    pub fn is_set_aside(self) -> bool {
        self == Self::SetAside
    }
}

/// Why a set-aside or failed item did not go, in words, from its stable
/// code (the part of the stored reason before `:`) and the Chinese text the
/// server gave, if any.
pub fn reason_text(stored: &str, zh: Option<&str>) -> LocalizedText {
    let (code, detail) = stored.split_once(':').unwrap_or((stored, ""));
    let detail = detail.trim();
    let known = match code {
        "network" => Some(("网络不通，未能连上服务器", "no connection to the server")),
        "protocol" => Some((
            "服务器的答复无法识别，请升级应用",
            "the server's answer was not understood; update the app",
        )),
        "photo_set_aside" => Some((
            "这次走访的一张照片无法上传",
            "a photo of this visit could not be uploaded",
        )),
        "hash_mismatch" => Some((
            "照片在传输中损坏，将重新发送",
            "the photo was damaged on the way and is sent again",
        )),
        "unauthorized" | "session_expired" => Some((
            "登录已过期，请重新登录",
            "the sign-in has expired; sign in again",
        )),
        "store" => Some(("手机存储出错", "the phone's storage failed")),
        _ => None,
    };
    match (known, zh) {
        (Some((zh, en)), _) => LocalizedText::new(zh, en),
        (None, Some(zh)) => LocalizedText::new(zh, if detail.is_empty() { code } else { detail }),
        (None, None) => LocalizedText::new(
            format!("服务器拒收（{code}）"),
            if detail.is_empty() {
                format!("refused by the server ({code})")
            } else {
                detail.to_owned()
            },
        ),
    }
}

impl Device {
    /// The outbox screen: every entry not yet on the server, oldest first,
    /// with its state on the network the shell last reported.
    pub fn outbox_entries(&self) -> Result<Vec<OutboxEntry>, DeviceError> {
        let now = crate::clock::local(self.now());
        let settings = self.settings()?;
        let network = self.network();
        let items: Vec<OutboxItem> = self
            .store()
            .outbox()?
            .into_iter()
            .filter(|i| i.state != "done")
            .collect();
        let zh = self.store().reasons_zh()?;
        let photos_of = self.store().visit_photo_keys()?;
        let visits: HashMap<Uuid, VisitSummary> = self
            .store()
            .visits(VisitFilter::All)?
            .into_iter()
            .map(|v| (v.visit.id, v))
            .collect();
        let titles = self.titles()?;
        let blobs: HashMap<&str, &OutboxItem> = items
            .iter()
            .filter(|i| i.kind == ItemKind::Blob)
            .map(|i| (i.key.as_str(), i))
            .collect();
        let done_blobs = self.store().done_blob_keys()?;

        let mut out = Vec::new();
        for op in items.iter().filter(|i| i.kind == ItemKind::Operation) {
            let (id, subject, title, mine) = match op.visit_id.and_then(|v| visits.get(&v)) {
                Some(visit) => {
                    let keys = photos_of.get(&visit.visit.id).cloned().unwrap_or_default();
                    let mine: Vec<(&str, Option<&OutboxItem>)> = keys
                        .iter()
                        .map(|k| (k.as_str(), blobs.get(k.as_str()).copied()))
                        .collect();
                    let mine: Vec<_> = mine
                        .into_iter()
                        .map(|(k, item)| (done_blobs.contains(k), item))
                        .collect();
                    (
                        format!("visit:{}", visit.visit.id),
                        EntrySubject::Visit(visit.clone()),
                        titles
                            .get(&visit.visit.template_id)
                            .cloned()
                            .unwrap_or_else(|| {
                                LocalizedText::new(
                                    &visit.visit.template_id,
                                    &visit.visit.template_id,
                                )
                            }),
                        mine,
                    )
                }
                None => {
                    let Some(household) = self.store().changed_household(op.seq)? else {
                        continue;
                    };
                    (
                        format!("change:{}", op.seq),
                        EntrySubject::HouseholdChange(household),
                        LocalizedText::new("住户信息修改", "Household change"),
                        Vec::new(),
                    )
                }
            };
            let photo_items: Vec<&OutboxItem> = mine.iter().filter_map(|(_, i)| *i).collect();
            let all: Vec<&OutboxItem> = std::iter::once(op)
                .chain(photo_items.iter().copied())
                .collect();
            let photos_waiting = photo_items.iter().any(|i| i.state != "done");
            let set_aside = photo_items
                .iter()
                .find(|i| i.state == "set_aside")
                .copied()
                .or((op.state == "set_aside").then_some(op));
            let failed: Vec<&&OutboxItem> = all.iter().filter(|i| i.state == "failed").collect();
            let state = if set_aside.is_some() {
                EntryState::SetAside
            } else if all.iter().any(|i| i.state == "uploading") {
                EntryState::Uploading
            } else if !failed.is_empty() {
                EntryState::Retrying {
                    at: failed.iter().filter_map(|i| i.next_attempt_at).min(),
                }
            } else if network == Network::Offline {
                EntryState::WaitingForNetwork
            } else if network != Network::Wifi
                && (settings.wifi_only_sync || (photos_waiting && !settings.photos_on_cellular))
            {
                EntryState::WaitingForWifi
            } else {
                EntryState::Waiting
            };
            let with_reason = set_aside.or(failed.first().map(|i| **i));
            let reason = with_reason.and_then(|i| {
                i.last_error
                    .as_deref()
                    .map(|e| reason_text(e, zh.get(&i.seq).map(String::as_str)))
            });
            let photos_note = photos_waiting && !settings.photos_on_cellular;
            let state_text = state_text(state, now, photos_note, settings.wifi_only_sync);
            let discard_effect = state.is_set_aside().then(|| match &subject {
                EntrySubject::Visit(_) => LocalizedText::new(
                    "这次走访不再上传，退回草稿并保留在手机上，可修改后重新完成",
                    "The visit will not be sent: it goes back to your drafts and stays on this phone, to be fixed and finished again",
                ),
                EntrySubject::HouseholdChange(_) => LocalizedText::new(
                    "这项住户信息修改不再上传，下次同步时恢复为服务器上的信息",
                    "This household change will not be sent; the next sync brings back the server's details",
                ),
            });
            out.push(OutboxEntry {
                id,
                subject,
                title,
                state,
                state_text,
                reason,
                photos: mine.len() as u32,
                photos_sent: mine.iter().filter(|(done, _)| *done).count() as u32,
                bytes_left: all
                    .iter()
                    .filter(|i| i.state != "done")
                    .map(|i| i.bytes)
                    .sum(),
                discard_effect,
            });
        }
        Ok(out)
    }

    /// A finished sync run in words, with what the outbox holds now
    /// ([`sync_summary`]).
    pub fn sync_summary(&self, report: &SyncReport) -> Result<LocalizedText, DeviceError> {
        Ok(sync_summary(report, &self.outbox_entries()?))
    }

    /// Puts a set-aside entry back in the queue: the next sync tries it again.
    /// Refused (`Invalid`) for an entry that is not set aside.
    pub fn retry_outbox_entry(&self, entry: &str) -> Result<(), DeviceError> {
        let seqs = self.set_aside_items(entry)?;
        self.store().write(|tx| {
            for seq in &seqs {
                tx.execute(
                    "UPDATE outbox SET state = 'pending', next_attempt_at = NULL, attempts = 0
                     WHERE seq = ?1",
                    [seq],
                )?;
            }
            Ok(())
        })?;
        self.notify(DataChange::VISIT_AND_OUTBOX);
        Ok(())
    }

    /// Gives up sending a set-aside entry; see the module docs for what
    /// happens to a visit (back to draft, kept) and to a household change
    /// (dropped, the server's details come back). Returns what it did, in
    /// words. Refused (`Invalid`) for an entry that is not set aside.
    pub fn discard_outbox_entry(&self, entry: &str) -> Result<LocalizedText, DeviceError> {
        let entries = self.outbox_entries()?;
        let found = entries
            .into_iter()
            .find(|e| e.id == entry)
            .ok_or(StoreError::NotFound("outbox entry"))?;
        if !found.state.is_set_aside() {
            return Err(not_set_aside().into());
        }
        let reason = found
            .reason
            .clone()
            .unwrap_or_else(|| LocalizedText::new("上传被放弃", "the upload was given up"));
        match &found.subject {
            EntrySubject::Visit(visit) => {
                let id = visit.visit.id;
                self.store().write(|tx| {
                    // Its photos' items, unless another waiting visit needs them.
                    tx.execute(
                        "DELETE FROM outbox WHERE kind = 'blob' AND state != 'done'
                             AND key IN (SELECT sha256 FROM visit_photos WHERE visit_id = ?1)
                             AND NOT EXISTS (
                                 SELECT 1 FROM visit_photos p JOIN outbox o
                                     ON o.kind = 'operation' AND o.visit_id = p.visit_id
                                 WHERE p.sha256 = outbox.key AND p.visit_id != ?1
                                     AND o.state != 'done')",
                        [id.to_string()],
                    )?;
                    tx.execute(
                        "DELETE FROM outbox WHERE kind = 'operation' AND visit_id = ?1
                             AND state != 'done'",
                        [id.to_string()],
                    )?;
                    tx.execute(
                        "UPDATE visits SET status = 'draft', finalized_utc = NULL,
                             finalized_offset = NULL, upload_problem = ?2 WHERE id = ?1",
                        params![id.to_string(), to_json(&reason)],
                    )?;
                    Ok(())
                })?;
                self.notify(DataChange::VISIT_AND_OUTBOX);
                Ok(LocalizedText::new(
                    "已退回草稿，保留在手机上",
                    "Back in your drafts, kept on this phone",
                ))
            }
            EntrySubject::HouseholdChange(household) => {
                let seq = change_seq(entry)?;
                self.store().write(|tx| {
                    tx.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
                    // The pull starts over and replaces the household with the server's.
                    tx.execute(
                        "UPDATE households SET version = -1 WHERE id = ?1",
                        [household.id.to_string()],
                    )?;
                    tx.execute("UPDATE session SET cursor = NULL", [])?;
                    Ok(())
                })?;
                self.notify(DataChange {
                    households: true,
                    ..DataChange::OUTBOX
                });
                Ok(LocalizedText::new(
                    "已放弃这项修改，下次同步时恢复",
                    "Change dropped; the next sync restores the household",
                ))
            }
        }
    }

    /// The outbox items of a set-aside entry (its operation and photos).
    fn set_aside_items(&self, entry: &str) -> Result<Vec<i64>, DeviceError> {
        let found = self
            .outbox_entries()?
            .into_iter()
            .find(|e| e.id == entry)
            .ok_or(StoreError::NotFound("outbox entry"))?;
        if !found.state.is_set_aside() {
            return Err(not_set_aside().into());
        }
        Ok(self.store().read(|conn| {
            let sql = match &found.subject {
                EntrySubject::Visit(_) => {
                    "SELECT seq FROM outbox WHERE state = 'set_aside' AND (
                         (kind = 'operation' AND visit_id = ?1)
                         OR (kind = 'blob' AND key IN
                             (SELECT sha256 FROM visit_photos WHERE visit_id = ?1)))"
                }
                EntrySubject::HouseholdChange(_) => {
                    "SELECT seq FROM outbox WHERE state = 'set_aside' AND seq = ?1"
                }
            };
            let key = match &found.subject {
                EntrySubject::Visit(v) => v.visit.id.to_string(),
                EntrySubject::HouseholdChange(_) => change_seq(entry)?.to_string(),
            };
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map([key], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })?)
    }
}

fn not_set_aside() -> StoreError {
    StoreError::Invalid("only an entry set aside can be retried or discarded".into())
}

fn change_seq(entry: &str) -> Result<i64, StoreError> {
    entry
        .strip_prefix("change:")
        .and_then(|s| s.parse().ok())
        .ok_or(StoreError::NotFound("outbox entry"))
}

/// The words of an entry's state at `now`.
fn state_text(
    state: EntryState,
    now: DateTime<chrono::FixedOffset>,
    photos_held: bool,
    wifi_only: bool,
) -> LocalizedText {
    match state {
        EntryState::Waiting => LocalizedText::new("等待同步", "waiting to sync"),
        EntryState::WaitingForWifi if photos_held => {
            LocalizedText::new("照片等待 Wi-Fi", "photos wait for Wi-Fi")
        }
        EntryState::WaitingForWifi if wifi_only => LocalizedText::new(
            "等待 Wi-Fi（点“立即同步”可用移动网络发送）",
            "waiting for Wi-Fi (tap Sync now to send on mobile data)",
        ),
        EntryState::WaitingForWifi => LocalizedText::new("等待 Wi-Fi", "waiting for Wi-Fi"),
        EntryState::WaitingForNetwork => LocalizedText::new("等待网络", "waiting for a network"),
        EntryState::Uploading => LocalizedText::new("正在上传", "uploading"),
        EntryState::Retrying { at: Some(at) } => {
            let m = display::moment(at.fixed_offset(), now);
            LocalizedText::new(
                format!("发送失败，将于{}重试", m.zh),
                format!("failed; retrying {}", m.en),
            )
        }
        EntryState::Retrying { at: None } => {
            LocalizedText::new("发送失败，稍后重试", "failed; retrying later")
        }
        EntryState::SetAside => LocalizedText::new("已搁置，需要处理", "set aside: needs you"),
    }
}

/// What a sync run did, in words, with what is left on the device after it:
/// `已上传 2 次走访，1 次走访等待 Wi-Fi，收到 1 次退回修改。`
pub fn sync_summary(report: &SyncReport, entries: &[OutboxEntry]) -> LocalizedText {
    let mut parts = Vec::new();
    let visits = |n: u64| display::count(n, "次走访", "visit", "visits");
    if report.visits_uploaded > 0 {
        let n = visits(report.visits_uploaded);
        parts.push(LocalizedText::new(
            format!("已上传 {}", n.zh),
            format!("sent {}", n.en),
        ));
    }
    let count =
        |pred: fn(&EntryState) -> bool| entries.iter().filter(|e| pred(&e.state)).count() as u64;
    let wifi = count(|s| *s == EntryState::WaitingForWifi);
    let network = count(|s| *s == EntryState::WaitingForNetwork);
    let waiting = count(|s| {
        matches!(
            s,
            EntryState::Waiting | EntryState::Retrying { .. } | EntryState::Uploading
        )
    });
    let aside = count(|s| *s == EntryState::SetAside);
    for (n, zh, en) in [
        (wifi, "等待 Wi-Fi", "waiting for Wi-Fi"),
        (network, "等待网络", "waiting for a network"),
        (waiting, "等待重试", "waiting to retry"),
        (aside, "被搁置，需要处理", "set aside and need you"),
    ] {
        if n > 0 {
            let c = visits(n);
            parts.push(LocalizedText::new(
                format!("{}{zh}", c.zh),
                format!("{} {en}", c.en),
            ));
        }
    }
    if report.pulled.returned > 0 {
        let n = u64::from(report.pulled.returned);
        parts.push(LocalizedText::new(
            format!("收到 {n} 次退回修改"),
            format!("{} returned for rework", visits(n).en),
        ));
    }
    if parts.is_empty() {
        return LocalizedText::new(
            "同步完成，没有待上传的内容",
            "Synced; nothing waits to be sent",
        );
    }
    let joined = display::join(&parts);
    let mut en = joined.en;
    if let Some(first) = en.get(..1) {
        en = first.to_uppercase() + &en[1..];
    }
    LocalizedText::new(format!("{}。", joined.zh), format!("{en}."))
}

impl Store {
    /// How many finalized visits are not yet on the server, and how many of
    /// them are set aside (waiting for the worker to retry or give them up).
    pub fn visits_waiting_upload(&self) -> Result<(u32, u32), StoreError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT count(*), coalesce(sum(state = 'set_aside'), 0) FROM outbox
                 WHERE kind = 'operation' AND visit_id IS NOT NULL AND state != 'done'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
    }

    /// How many drafts are on the phone.
    pub fn draft_count(&self) -> Result<u32, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM visits WHERE status = 'draft'",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Why a draft came back from the outbox (its upload given up), if it did.
    pub fn upload_problem(&self, visit: Uuid) -> Result<Option<LocalizedText>, StoreError> {
        self.read(|conn| {
            let text: Option<String> = conn
                .query_row(
                    "SELECT upload_problem FROM visits WHERE id = ?1",
                    [visit.to_string()],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            text.map(|t| crate::store::visits::from_json(&t))
                .transpose()
        })
    }

    /// The Chinese reasons the server gave for failed and set-aside items, by seq.
    fn reasons_zh(&self) -> Result<HashMap<i64, String>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, reason_zh FROM outbox WHERE reason_zh IS NOT NULL AND state != 'done'",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The photo hashes of every visit with a waiting operation, by visit.
    fn visit_photo_keys(&self) -> Result<HashMap<Uuid, Vec<String>>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT p.visit_id, p.sha256 FROM visit_photos p
                 WHERE p.visit_id IN (SELECT visit_id FROM outbox
                                      WHERE kind = 'operation' AND state != 'done')
                 ORDER BY p.visit_id, p.position",
            )?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
            for row in rows {
                let (visit, key) = row?;
                let visit = Uuid::parse_str(&visit)
                    .map_err(|_| StoreError::Invalid("bad visit id".into()))?;
                out.entry(visit).or_default().push(key);
            }
            Ok(out)
        })
    }

    /// Hashes of photos already on the server.
    fn done_blob_keys(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT key FROM outbox WHERE kind = 'blob' AND state = 'done'")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The household a queued household change is about.
    fn changed_household(&self, seq: i64) -> Result<Option<HouseholdSummary>, StoreError> {
        self.read(|conn| {
            let id: Option<String> = conn
                .query_row(
                    "SELECT json_extract(payload, '$.household_id') FROM outbox WHERE seq = ?1",
                    [seq],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            let Some(id) = id else { return Ok(None) };
            Ok(summaries(conn, "FROM households h WHERE h.id = ?1", [id])?.pop())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_told_in_both_languages_from_their_codes() {
        let r = reason_text(
            "photo_set_aside: a photo of this visit could not be uploaded",
            None,
        );
        assert_eq!(r.zh, "这次走访的一张照片无法上传");
        let r = reason_text(
            "household_not_in_grids: this household is not in your grids",
            Some("该住户不在您的网格内"),
        );
        assert_eq!(r.zh, "该住户不在您的网格内");
        assert_eq!(r.en, "this household is not in your grids");
        let r = reason_text("payload_too_large: too big", None);
        assert_eq!(r.zh, "服务器拒收（payload_too_large）");
        assert_eq!(r.en, "too big");
    }
}
