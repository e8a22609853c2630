//! Visits on the device: drafts, door checks, photos, finalizing, revisions.
//!
//! A visit is edited only while it is a draft. Finalizing writes the visit's
//! status and its outbox items (each photo's blob, then the submission) in one
//! transaction, so a visit can never be finalized without being queued, or
//! queued twice. A returned visit is revised into a new draft revision; the
//! returned revision stays as it was (append-only per revision).

use super::Store;
use super::error::{Result, StoreError};
use super::households::parse_uuid;
use super::outbox;
use crate::evidence::{DoorCheck, DoorCheckInput, ProcessedPhoto};
use crate::sync::protocol::{DoorCheckRecord, Operation, OperationBody, PhotoRef, VisitSubmission};
use doorstep_model::{DeviceInstant, Review, Visit, VisitEvent, VisitStatus};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A visit as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitSummary {
    pub visit: Visit,
    /// The household's head and address on one line, for the list.
    pub head: String,
    pub address: String,
}

/// Everything recorded in one visit revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitRecord {
    pub visit: Visit,
    pub answers: serde_json::Value,
    pub door_check: Option<DoorCheckRecord>,
    pub photos: Vec<PhotoRef>,
}

/// Which visits a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitFilter {
    All,
    /// Returned for rework and not yet revised: the worker's tasks.
    Returned,
}

const VISIT_COLUMNS: &str = "v.id, v.visit_group, v.revision, v.template_id, v.template_version,
     v.household_id, v.worker_id, v.started_utc, v.started_offset, v.finalized_utc,
     v.finalized_offset, v.status, v.review";

impl Store {
    /// Starts a draft visit (revision 1) to `household` with a template version.
    pub fn start_visit(
        &self,
        household: Uuid,
        template_id: &str,
        template_version: u32,
        worker: Uuid,
    ) -> Result<Visit> {
        self.start_visit_at(household, template_id, template_version, worker, self.now())
    }

    /// [`Store::start_visit`], begun at `started` by the device's clock (a
    /// simulated worker's day, where visits take their time).
    pub fn start_visit_at(
        &self,
        household: Uuid,
        template_id: &str,
        template_version: u32,
        worker: Uuid,
        started: DeviceInstant,
    ) -> Result<Visit> {
        let answers = serde_json::json!({});
        self.start_visit_with(
            household,
            template_id,
            template_version,
            worker,
            &answers,
            started,
        )
    }

    /// Starts a draft visit (revision 1) begun at `started`, with its first
    /// answers (those prefilled from the registry), in one transaction.
    pub fn start_visit_with(
        &self,
        household: Uuid,
        template_id: &str,
        template_version: u32,
        worker: Uuid,
        answers: &serde_json::Value,
        started: DeviceInstant,
    ) -> Result<Visit> {
        if !answers.is_object() {
            return Err(StoreError::Invalid("answers must be a JSON object".into()));
        }
        let visit = Visit::start(template_id, template_version, household, worker, started);
        self.write(|tx| {
            let known: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM households WHERE id = ?1",
                    [household.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Err(StoreError::NotFound("household"));
            }
            insert_visit(tx, &visit, answers)?;
            Ok(())
        })?;
        Ok(visit)
    }

    /// One visit revision with everything recorded in it.
    pub fn visit(&self, id: Uuid) -> Result<VisitRecord> {
        self.read(|conn| load_record(conn, id))
    }

    /// Replaces a draft's answers.
    pub fn set_answers(&self, id: Uuid, answers: &serde_json::Value) -> Result<()> {
        if !answers.is_object() {
            return Err(StoreError::Invalid("answers must be a JSON object".into()));
        }
        self.write(|tx| {
            require_draft(tx, id)?;
            tx.execute(
                "UPDATE visits SET answers = ?2 WHERE id = ?1",
                params![id.to_string(), answers.to_string()],
            )?;
            Ok(())
        })
    }

    /// Records (or replaces) a draft's door check with the verdict the core gave it.
    pub fn record_door_check(
        &self,
        id: Uuid,
        input: &DoorCheckInput,
        result: &DoorCheck,
    ) -> Result<()> {
        self.write(|tx| {
            require_draft(tx, id)?;
            tx.execute(
                "INSERT INTO door_checks (visit_id, input, result) VALUES (?1, ?2, ?3)
                 ON CONFLICT(visit_id) DO UPDATE SET input = ?2, result = ?3",
                params![id.to_string(), to_json(input), to_json(result)],
            )?;
            Ok(())
        })
    }

    /// Adds a processed photo to a draft as an answer to the photo field
    /// `field`: the photo is stored, and its hash appended to the field's list
    /// of photo ids in the answers, in one transaction.
    pub fn add_photo(&self, id: Uuid, field: &str, photo: &ProcessedPhoto) -> Result<PhotoRef> {
        self.write(|tx| {
            require_draft(tx, id)?;
            let answers: String =
                tx.query_row("SELECT answers FROM visits WHERE id = ?1", [id.to_string()], |r| r.get(0))?;
            let mut answers: serde_json::Value = from_json(&answers)?;
            let list = answers
                .as_object_mut()
                .ok_or_else(|| StoreError::Invalid("the visit's answers are not an object".into()))?
                .entry(field.to_owned())
                .or_insert_with(|| serde_json::json!([]));
            if !list.is_array() {
                *list = serde_json::json!([]);
            }
            if let Some(ids) = list.as_array_mut() {
                ids.push(serde_json::Value::String(photo.sha256.clone()));
            }
            tx.execute(
                "UPDATE visits SET answers = ?2 WHERE id = ?1",
                params![id.to_string(), answers.to_string()],
            )?;
            tx.execute(
                "INSERT INTO blobs (sha256, data, thumbnail, width, height) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(sha256) DO NOTHING",
                params![
                    photo.sha256,
                    photo.jpeg,
                    photo.thumbnail.as_ref().map(|t| &t.jpeg),
                    photo.width,
                    photo.height
                ],
            )?;
            let position: i64 = tx.query_row(
                "SELECT count(*) FROM visit_photos WHERE visit_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )?;
            let added = tx.execute(
                "INSERT INTO visit_photos (visit_id, sha256, field, position) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                params![id.to_string(), photo.sha256, field, position],
            )?;
            if added == 0 {
                return Err(StoreError::Invalid("this photo is already in the visit".into()));
            }
            Ok(PhotoRef {
                sha256: photo.sha256.clone(),
                bytes: photo.jpeg.len() as u64,
                width: photo.width,
                height: photo.height,
                field: field.to_owned(),
            })
        })
    }

    /// Makes `sha256` the one picture of a draft's field `field`: its answer
    /// names it alone, and the field's other pictures leave the visit (they
    /// are no longer uploaded with it).
    pub fn keep_only_photo(&self, id: Uuid, field: &str, sha256: &str) -> Result<()> {
        self.write(|tx| {
            require_draft(tx, id)?;
            let answers: String = tx.query_row(
                "SELECT answers FROM visits WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )?;
            let mut answers: serde_json::Value = from_json(&answers)?;
            answers
                .as_object_mut()
                .ok_or_else(|| StoreError::Invalid("the visit's answers are not an object".into()))?
                .insert(
                    field.to_owned(),
                    serde_json::Value::String(sha256.to_owned()),
                );
            tx.execute(
                "UPDATE visits SET answers = ?2 WHERE id = ?1",
                params![id.to_string(), answers.to_string()],
            )?;
            tx.execute(
                "DELETE FROM visit_photos WHERE visit_id = ?1 AND field = ?2 AND sha256 <> ?3",
                params![id.to_string(), field, sha256],
            )?;
            Ok(())
        })
    }

    /// The stored bytes of a photo (the blob named by its hash).
    pub fn blob(&self, sha256: &str) -> Result<Vec<u8>> {
        self.read(|conn| {
            conn.query_row("SELECT data FROM blobs WHERE sha256 = ?1", [sha256], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(StoreError::NotFound("photo"))
        })
    }

    /// Finalizes a draft with the answers the caller validated (the form
    /// engine's cleaned answers), and queues it for upload: every photo's blob
    /// first, then the submission — all in one transaction with the status change.
    /// `at` is when it was finalized, by the device's clock.
    pub fn finalize_visit(
        &self,
        id: Uuid,
        validated_answers: &serde_json::Value,
        at: DeviceInstant,
    ) -> Result<Visit> {
        self.write(|tx| {
            require_draft(tx, id)?;
            tx.execute(
                "UPDATE visits SET answers = ?2 WHERE id = ?1",
                params![id.to_string(), validated_answers.to_string()],
            )?;
            let mut record = load_record(tx, id)?;
            let worker = record.visit.worker_id;
            record
                .visit
                .apply(VisitEvent::Finalize, at, worker)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let finalized = record.visit.finalized.expect("set by Finalize");
            tx.execute(
                "UPDATE visits SET status = ?2, finalized_utc = ?3, finalized_offset = ?4 WHERE id = ?1",
                params![
                    id.to_string(),
                    record.visit.status.as_str(),
                    finalized.utc.to_rfc3339(),
                    finalized.offset_seconds
                ],
            )?;
            for photo in &record.photos {
                outbox::enqueue_blob(tx, &photo.sha256, id, photo.bytes, at.utc)?;
            }
            let v = &record.visit;
            let submission = VisitSubmission {
                visit_id: v.id,
                visit_group: v.visit_group,
                revision: v.revision,
                template_id: v.template_id.clone(),
                template_version: v.template_version,
                household_id: v.household_id,
                started: v.started,
                finalized,
                answers: record.answers.clone(),
                door_check: record.door_check.clone(),
                photos: record.photos.clone(),
            };
            let op = Operation { op_id: Uuid::new_v4(), body: OperationBody::SubmitVisit { visit: submission } };
            outbox::enqueue_operation(tx, &op, Some(id), at.utc)?;
            Ok(record.visit)
        })
    }

    /// Visits, newest first.
    pub fn visits(&self, filter: VisitFilter) -> Result<Vec<VisitSummary>> {
        let condition = match filter {
            VisitFilter::All => "1 = 1",
            // A returned revision that already has a newer revision is done with.
            VisitFilter::Returned => {
                "v.status = 'returned' AND NOT EXISTS (SELECT 1 FROM visits n
                 WHERE n.visit_group = v.visit_group AND n.revision > v.revision)"
            }
        };
        self.read(|conn| {
            let sql = format!(
                "SELECT {VISIT_COLUMNS}, h.estate, h.building, h.unit, h.door,
                        coalesce((SELECT name FROM residents r WHERE r.household_id = h.id
                                  ORDER BY r.relation != 'head', r.position LIMIT 1), '')
                 FROM visits v JOIN households h ON h.id = v.household_id
                 WHERE {condition} ORDER BY v.started_utc DESC, v.revision DESC"
            );
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([], |r| {
                let address: String = [
                    r.get::<_, Option<String>>(13)?,
                    r.get(14)?,
                    r.get(15)?,
                    r.get(16)?,
                ]
                .into_iter()
                .flatten()
                .collect();
                Ok(VisitSummary {
                    visit: visit_from_row(r)?,
                    address,
                    head: r.get(17)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Revises a returned visit: a new draft revision with the same answers,
    /// door check and photos, carrying the supervisor's comment, begun `at`
    /// by the device's clock. Returns it.
    pub fn revise_visit(&self, id: Uuid, at: DeviceInstant) -> Result<Visit> {
        self.write(|tx| {
            let record = load_record(tx, id)?;
            let newer: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM visits WHERE visit_group = ?1 AND revision > ?2",
                    params![record.visit.visit_group.to_string(), record.visit.revision],
                    |r| r.get(0),
                )
                .optional()?;
            if newer.is_some() {
                return Err(StoreError::Invalid("this visit was already revised".into()));
            }
            let next = record
                .visit
                .revise(at)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            insert_visit(tx, &next, &record.answers)?;
            if let Some(check) = &record.door_check {
                tx.execute(
                    "INSERT INTO door_checks (visit_id, input, result) VALUES (?1, ?2, ?3)",
                    params![
                        next.id.to_string(),
                        to_json(&check.input),
                        to_json(&check.result)
                    ],
                )?;
            }
            tx.execute(
                "INSERT INTO visit_photos (visit_id, sha256, field, position)
                 SELECT ?2, sha256, field, position FROM visit_photos WHERE visit_id = ?1",
                params![id.to_string(), next.id.to_string()],
            )?;
            Ok(next)
        })
    }
}

/// Applies a review decision pulled from the server to the revision it names.
/// Unknown visits (made on another device) are ignored.
pub(crate) fn apply_review(
    conn: &Connection,
    visit_id: Uuid,
    status: VisitStatus,
    review: &Review,
) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE visits SET status = ?2, review = ?3 WHERE id = ?1",
        params![visit_id.to_string(), status.as_str(), to_json(review)],
    )?;
    Ok(changed > 0)
}

/// Marks a visit uploaded once the server has stored its submission.
pub(crate) fn mark_uploaded(conn: &Connection, visit_id: Uuid) -> Result<()> {
    conn.execute(
        "UPDATE visits SET status = 'uploaded' WHERE id = ?1 AND status = 'finalized'",
        [visit_id.to_string()],
    )?;
    Ok(())
}

fn insert_visit(conn: &Connection, v: &Visit, answers: &serde_json::Value) -> Result<()> {
    conn.execute(
        "INSERT INTO visits (id, visit_group, revision, template_id, template_version, household_id,
                             worker_id, started_utc, started_offset, status, review, answers)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            v.id.to_string(),
            v.visit_group.to_string(),
            v.revision,
            v.template_id,
            v.template_version,
            v.household_id.to_string(),
            v.worker_id.to_string(),
            v.started.utc.to_rfc3339(),
            v.started.offset_seconds,
            v.status.as_str(),
            v.review.as_ref().map(to_json),
            answers.to_string(),
        ],
    )?;
    Ok(())
}

fn require_draft(conn: &Connection, id: Uuid) -> Result<()> {
    let status: Option<String> = conn
        .query_row(
            "SELECT status FROM visits WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match status.as_deref() {
        None => Err(StoreError::NotFound("visit")),
        Some("draft") => Ok(()),
        Some(_) => Err(StoreError::Invalid(
            "only a draft visit can be changed".into(),
        )),
    }
}

fn load_record(conn: &Connection, id: Uuid) -> Result<VisitRecord> {
    let sql = format!("SELECT {VISIT_COLUMNS}, v.answers FROM visits v WHERE v.id = ?1");
    let (visit, answers) = conn
        .query_row(&sql, [id.to_string()], |r| {
            Ok((visit_from_row(r)?, r.get::<_, String>(13)?))
        })
        .optional()?
        .ok_or(StoreError::NotFound("visit"))?;
    let door_check = conn
        .query_row(
            "SELECT input, result FROM door_checks WHERE visit_id = ?1",
            [id.to_string()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .map(|(input, result)| -> Result<DoorCheckRecord> {
            Ok(DoorCheckRecord {
                input: from_json(&input)?,
                result: from_json(&result)?,
            })
        })
        .transpose()?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.sha256, length(b.data), b.width, b.height, p.field
         FROM visit_photos p JOIN blobs b ON b.sha256 = p.sha256
         WHERE p.visit_id = ?1 ORDER BY p.position",
    )?;
    let photos = stmt
        .query_map([id.to_string()], |r| {
            Ok(PhotoRef {
                sha256: r.get(0)?,
                bytes: r.get::<_, i64>(1)? as u64,
                width: r.get(2)?,
                height: r.get(3)?,
                field: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(VisitRecord {
        visit,
        answers: from_json(&answers)?,
        door_check,
        photos,
    })
}

fn visit_from_row(r: &Row<'_>) -> rusqlite::Result<Visit> {
    let instant =
        |utc: Option<String>, offset: Option<i32>| -> rusqlite::Result<Option<DeviceInstant>> {
            match (utc, offset) {
                (Some(utc), Some(offset_seconds)) => {
                    let utc = chrono::DateTime::parse_from_rfc3339(&utc)
                        .map_err(|e| {
                            rusqlite::Error::FromSqlConversionFailure(
                                0,
                                rusqlite::types::Type::Text,
                                Box::new(e),
                            )
                        })?
                        .with_timezone(&chrono::Utc);
                    Ok(Some(DeviceInstant {
                        utc,
                        offset_seconds,
                    }))
                }
                _ => Ok(None),
            }
        };
    let status: String = r.get(11)?;
    let review: Option<String> = r.get(12)?;
    Ok(Visit {
        id: parse_uuid(r.get(0)?)?,
        visit_group: parse_uuid(r.get(1)?)?,
        revision: r.get(2)?,
        template_id: r.get(3)?,
        template_version: r.get(4)?,
        household_id: parse_uuid(r.get(5)?)?,
        worker_id: parse_uuid(r.get(6)?)?,
        // The schema holds a start for every visit; none is a damaged row.
        started: instant(r.get(7)?, r.get(8)?)?.ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(7, "started_utc".into(), rusqlite::types::Type::Null)
        })?,
        finalized: instant(r.get(9)?, r.get(10)?)?,
        status: VisitStatus::from_str_opt(&status).unwrap_or(VisitStatus::Draft),
        review: review.and_then(|r| serde_json::from_str(&r).ok()),
    })
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("our records serialize")
}

pub(crate) fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Invalid("a stored record is malformed".into()))
}
