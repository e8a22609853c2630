//! Visits (入户走访) and their review lifecycle.
//!
//! ```text
//! draft ──finalize──▶ finalized ──upload──▶ uploaded ──approve──▶ approved
//!   ▲                                          │ ├──reject───▶ rejected
//!   └────────── revise (revision + 1) ◀── returned ◀─return──┘
//! ```
//!
//! A visit is append-only per revision: revising a returned visit makes a new
//! draft with the next revision number, and the returned revision is kept as it was.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a visit is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    Draft,
    Finalized,
    Uploaded,
    Approved,
    Returned,
    Rejected,
}

impl VisitStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [VisitStatus; 6] = [
        Self::Draft,
        Self::Finalized,
        Self::Uploaded,
        Self::Approved,
        Self::Returned,
        Self::Rejected,
    ];

    /// The stable identifier stored in databases and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Finalized => "finalized",
            Self::Uploaded => "uploaded",
            Self::Approved => "approved",
            Self::Returned => "returned",
            Self::Rejected => "rejected",
        }
    }

    /// Parses [`VisitStatus::as_str`]'s output.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The label shown to Chinese users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Finalized => "已完成",
            Self::Uploaded => "已上传",
            Self::Approved => "已通过",
            Self::Returned => "已退回",
            Self::Rejected => "已驳回",
        }
    }

    /// Whether a worker may still change the answers.
    pub fn is_editable(self) -> bool {
        self == Self::Draft
    }
}

/// Something that moves a visit along its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitEvent {
    /// The worker finished the visit at the door.
    Finalize,
    /// The server acknowledged the upload.
    Upload,
    /// A supervisor approved it.
    Approve,
    /// A supervisor returned it for rework; the comment is required.
    Return { comment: String },
    /// A supervisor rejected it; the reason is required.
    Reject { reason: String },
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    #[error("a visit that is {from:?} cannot be {action}")]
    NotAllowed {
        from: VisitStatus,
        action: &'static str,
    },
    #[error("returning or rejecting a visit needs a comment")]
    CommentRequired,
}

/// A supervisor's decision on an uploaded visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub reviewer: Uuid,
    pub at: DateTime<Utc>,
    pub comment: String,
}

/// An instant as the device saw it: UTC plus the device's offset at the time,
/// so a ledger can show local time and a reviewer can spot clock trouble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInstant {
    pub utc: DateTime<Utc>,
    /// Offset east of UTC in seconds (China: 28,800).
    pub offset_seconds: i32,
}

impl DeviceInstant {
    /// Now, by the device's clock and time zone.
    pub fn now() -> Self {
        let local = chrono::Local::now();
        Self {
            utc: local.with_timezone(&Utc),
            offset_seconds: local.offset().local_minus_utc(),
        }
    }

    /// The instant in the device's local time.
    pub fn local(&self) -> Option<DateTime<FixedOffset>> {
        FixedOffset::east_opt(self.offset_seconds).map(|o| self.utc.with_timezone(&o))
    }

    /// The instant in the device's local time, or in UTC when the recorded
    /// offset is out of range (a corrupt record still has a time).
    pub fn local_or_utc(&self) -> DateTime<FixedOffset> {
        self.local().unwrap_or_else(|| self.utc.fixed_offset())
    }

    /// The calendar day the instant fell on where it was recorded: the one
    /// rule the phone and the server both use for "which day" (due dates,
    /// visits today, the day a visit was made).
    pub fn local_date(&self) -> NaiveDate {
        self.local_or_utc().date_naive()
    }

    /// The UTC instants around which "on or after `day`" by [`Self::local_date`]
    /// is decided, for a store that indexes instants: every instant before
    /// the first falls on an earlier local day and every instant from the
    /// second on falls on `day` or later, whatever its offset; only the ones in
    /// between need their offset read. The band is the widest offset a
    /// [`FixedOffset`] takes (under a day either way; a recorded offset
    /// beyond it counts as UTC).
    pub fn undecided_around(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let midnight = day.and_time(chrono::NaiveTime::MIN).and_utc();
        let widest = chrono::Duration::days(1);
        (midnight - widest, midnight + widest)
    }
}

/// One revision of a visit to a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: Uuid,
    /// Revisions of one visit share this id; the first revision's id equals it.
    pub visit_group: Uuid,
    pub revision: u32,
    pub template_id: String,
    pub template_version: u32,
    pub household_id: Uuid,
    pub worker_id: Uuid,
    pub started: DeviceInstant,
    pub finalized: Option<DeviceInstant>,
    pub status: VisitStatus,
    /// The latest review decision, when there is one.
    pub review: Option<Review>,
}

impl Visit {
    /// A new draft, revision 1, started now.
    pub fn start(
        template_id: &str,
        template_version: u32,
        household_id: Uuid,
        worker_id: Uuid,
        started: DeviceInstant,
    ) -> Self {
        let id = Uuid::new_v4();
        Self {
            id,
            visit_group: id,
            revision: 1,
            template_id: template_id.to_owned(),
            template_version,
            household_id,
            worker_id,
            started,
            finalized: None,
            status: VisitStatus::Draft,
            review: None,
        }
    }

    /// Applies `event`, or says why the lifecycle forbids it (the visit is unchanged then).
    pub fn apply(
        &mut self,
        event: VisitEvent,
        at: DeviceInstant,
        actor: Uuid,
    ) -> Result<(), VisitError> {
        use VisitStatus::*;
        let (next, review) = match (self.status, event) {
            (Draft, VisitEvent::Finalize) => (Finalized, None),
            (Finalized, VisitEvent::Upload) => (Uploaded, None),
            (Uploaded, VisitEvent::Approve) => (
                Approved,
                Some(Review {
                    reviewer: actor,
                    at: at.utc,
                    comment: String::new(),
                }),
            ),
            (Uploaded, VisitEvent::Return { comment } | VisitEvent::Reject { reason: comment })
                if comment.trim().is_empty() =>
            {
                return Err(VisitError::CommentRequired);
            }
            (Uploaded, VisitEvent::Return { comment }) => (
                Returned,
                Some(Review {
                    reviewer: actor,
                    at: at.utc,
                    comment,
                }),
            ),
            (Uploaded, VisitEvent::Reject { reason }) => (
                Rejected,
                Some(Review {
                    reviewer: actor,
                    at: at.utc,
                    comment: reason,
                }),
            ),
            (from, event) => {
                let action = match event {
                    VisitEvent::Finalize => "finalized",
                    VisitEvent::Upload => "uploaded",
                    VisitEvent::Approve => "approved",
                    VisitEvent::Return { .. } => "returned",
                    VisitEvent::Reject { .. } => "rejected",
                };
                return Err(VisitError::NotAllowed { from, action });
            }
        };
        if next == Finalized {
            self.finalized = Some(at);
        }
        self.status = next;
        if review.is_some() {
            self.review = review;
        }
        Ok(())
    }

    /// The next revision of a returned visit: a new draft that keeps the answers'
    /// template binding and the supervisor's comment, while this revision stays as it is.
    pub fn revise(&self, started: DeviceInstant) -> Result<Visit, VisitError> {
        if self.status != VisitStatus::Returned {
            return Err(VisitError::NotAllowed {
                from: self.status,
                action: "revised",
            });
        }
        Ok(Visit {
            id: Uuid::new_v4(),
            visit_group: self.visit_group,
            revision: self.revision + 1,
            template_id: self.template_id.clone(),
            template_version: self.template_version,
            household_id: self.household_id,
            worker_id: self.worker_id,
            started,
            finalized: None,
            status: VisitStatus::Draft,
            review: self.review.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_date_is_the_day_where_the_instant_was_recorded() {
        let utc = DateTime::parse_from_rfc3339("2026-12-05T17:30:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let beijing = DeviceInstant {
            utc,
            offset_seconds: 8 * 3600,
        };
        assert_eq!(
            beijing.local_date(),
            NaiveDate::from_ymd_opt(2026, 12, 6).expect("valid")
        );
        let corrupt = DeviceInstant {
            utc,
            offset_seconds: 100 * 3600,
        };
        assert_eq!(
            corrupt.local_date(),
            NaiveDate::from_ymd_opt(2026, 12, 5).expect("valid")
        );
        assert_eq!(corrupt.local_or_utc().offset().local_minus_utc(), 0);
    }

    #[test]
    fn only_instants_inside_the_undecided_band_depend_on_their_offset() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid");
        let (from, until) = DeviceInstant::undecided_around(day);
        let offsets = [
            -86_399,
            -12 * 3600,
            -5 * 3600,
            0,
            8 * 3600,
            14 * 3600,
            86_399,
            100 * 3600,
        ];
        for offset_seconds in offsets {
            let before = DeviceInstant {
                utc: from - chrono::Duration::seconds(1),
                offset_seconds,
            };
            assert!(before.local_date() < day, "{offset_seconds}");
            let after = DeviceInstant {
                utc: until,
                offset_seconds,
            };
            assert!(after.local_date() >= day, "{offset_seconds}");
        }
        // Inside the band the offset decides: 20:00 on 30 November in New
        // York is 1 December in UTC and in Beijing.
        let new_york = DeviceInstant {
            utc: DateTime::parse_from_rfc3339("2026-12-01T01:00:00Z")
                .expect("valid")
                .with_timezone(&Utc),
            offset_seconds: -5 * 3600,
        };
        assert!(new_york.utc >= from && new_york.utc < until);
        assert!(new_york.local_date() < day);
    }

    fn visit() -> Visit {
        Visit::start(
            "dibao_verify",
            1,
            Uuid::new_v4(),
            Uuid::new_v4(),
            DeviceInstant::now(),
        )
    }

    #[test]
    fn the_happy_path_ends_approved() {
        let mut v = visit();
        let sup = Uuid::new_v4();
        v.apply(VisitEvent::Finalize, DeviceInstant::now(), v.worker_id)
            .unwrap();
        assert!(v.finalized.is_some());
        v.apply(VisitEvent::Upload, DeviceInstant::now(), v.worker_id)
            .unwrap();
        v.apply(VisitEvent::Approve, DeviceInstant::now(), sup)
            .unwrap();
        assert_eq!(v.status, VisitStatus::Approved);
        assert_eq!(v.review.as_ref().unwrap().reviewer, sup);
    }

    #[test]
    fn a_returned_visit_is_revised_into_a_new_draft_revision() {
        let mut v = visit();
        let now = DeviceInstant::now();
        v.apply(VisitEvent::Finalize, now, v.worker_id).unwrap();
        v.apply(VisitEvent::Upload, now, v.worker_id).unwrap();
        let ret = VisitEvent::Return {
            comment: "缺少户口本照片".into(),
        };
        v.apply(ret, now, Uuid::new_v4()).unwrap();
        let r2 = v.revise(now).unwrap();
        assert_eq!(
            (r2.revision, r2.status, r2.visit_group),
            (2, VisitStatus::Draft, v.id)
        );
        assert_eq!(r2.review.unwrap().comment, "缺少户口本照片");
        assert_eq!(
            v.status,
            VisitStatus::Returned,
            "the old revision is kept as it was"
        );
    }

    #[test]
    fn forbidden_transitions_leave_the_visit_unchanged() {
        let mut v = visit();
        let before = v.clone();
        let err = v.apply(VisitEvent::Approve, DeviceInstant::now(), Uuid::new_v4());
        assert_eq!(
            err,
            Err(VisitError::NotAllowed {
                from: VisitStatus::Draft,
                action: "approved"
            })
        );
        assert_eq!(v, before);
        assert!(v.revise(DeviceInstant::now()).is_err());
    }

    #[test]
    fn returning_needs_a_comment() {
        let mut v = visit();
        v.apply(VisitEvent::Finalize, DeviceInstant::now(), v.worker_id)
            .unwrap();
        v.apply(VisitEvent::Upload, DeviceInstant::now(), v.worker_id)
            .unwrap();
        let err = v.apply(
            VisitEvent::Return {
                comment: "  ".into(),
            },
            DeviceInstant::now(),
            v.worker_id,
        );
        assert_eq!(err, Err(VisitError::CommentRequired));
        assert_eq!(v.status, VisitStatus::Uploaded);
    }
}
