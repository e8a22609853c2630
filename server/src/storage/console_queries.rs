//! The supervisor console's heavy reads: the review queue with its filters
//! (a visit counted once, as its latest revision), a visit's evidence, the
//! workers of some grids, dashboard counts, what the dashboard's coverage and
//! follow-ups need. A grid set travels as one [`List`] parameter, so a
//! query's text does not depend on how many grids a caller has. Where the
//! planners need different SQL (JSON of the photos, the partial index of open
//! returns), both texts stand side by side here.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::NaiveDate;
use doorstep_model::{DeviceInstant, ResidentTag};
use uuid::Uuid;

use super::conn::{Conn, Dialect, List, Param, parse_uuid, ts};
use super::{
    CoverageHousehold, QueueFilter, QueuePage, QueueRow, Result, VisitEvidence, VisitStats,
};

type Owned = Box<dyn Param + Sync + Send>;

fn refs(params: &[Owned]) -> Vec<&(dyn Param + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn Param + Sync))
        .collect()
}

/// The visits of `scope` (meeting `condition`, SQL over `visits`) whose
/// local day is decided by their offset around `day` (see
/// [`DeviceInstant::undecided_around`]): each as its id, its grid, and
/// whether it was made on `day` or later by its own local day.
async fn undecided_around<C: Conn>(
    c: &mut C,
    scope: &List,
    day: NaiveDate,
    condition: &str,
) -> Result<Vec<(Uuid, Uuid, bool)>> {
    let (from, until) = DeviceInstant::undecided_around(day);
    let sql = format!(
        "SELECT id, grid_id, finalized_utc, finalized_offset FROM visits
         WHERE {} AND finalized_utc >= $2 AND finalized_utc < $3 AND {condition}",
        c.dialect().in_list("grid_id", 1)
    );
    c.query(&sql, &[scope, &ts(from), &ts(until)])
        .await?
        .iter()
        .map(|r| {
            let at = DeviceInstant {
                utc: r.time(2)?,
                offset_seconds: r.try_get(3)?,
            };
            Ok((r.uuid(0)?, r.uuid(1)?, at.local_date() >= day))
        })
        .collect()
}

/// The visits of `scope` whose local day is decided by their offset around
/// `day`, split into those made on `day` or later and those made before it.
async fn split_at_local_day<C: Conn>(
    c: &mut C,
    scope: &List,
    day: NaiveDate,
) -> Result<(Vec<Uuid>, Vec<Uuid>)> {
    let (mut on_or_after, mut before) = (Vec::new(), Vec::new());
    for (id, _, after) in undecided_around(c, scope, day, "TRUE").await? {
        if after {
            on_or_after.push(id);
        } else {
            before.push(id);
        }
    }
    Ok((on_or_after, before))
}

/// The queue's date bounds as conditions on the visit's own local day: an
/// instant outside the undecided band around a bound is judged by the index
/// on `finalized_utc`, one inside it by the ids [`split_at_local_day`] chose.
struct LocalDays {
    /// Ids in the band around `from` made on that day or later.
    from: Option<(NaiveDate, Vec<Uuid>)>,
    /// Ids in the band around `until` made before that day.
    until: Option<(NaiveDate, Vec<Uuid>)>,
}

impl LocalDays {
    async fn of<C: Conn>(c: &mut C, f: &QueueFilter) -> Result<Self> {
        let scope = List::ids(&f.scope);
        let from = match f.from {
            Some(day) => Some((day, split_at_local_day(c, &scope, day).await?.0)),
            None => None,
        };
        let until = match f.until {
            Some(day) => Some((day, split_at_local_day(c, &scope, day).await?.1)),
            None => None,
        };
        Ok(Self { from, until })
    }
}

/// `v.id` among the ids of the next parameter (`$?`, numbered by `add`).
fn any_of_ids(d: Dialect) -> String {
    d.in_list("v.id", 0).replace("$0", "$?")
}

/// The review queue's WHERE clause over `visits v`, and its parameters.
fn where_clause(d: Dialect, f: &QueueFilter, days: &LocalDays) -> (String, Vec<Owned>) {
    let mut sql = d.in_list("v.grid_id", 1);
    let mut params: Vec<Owned> = vec![Box::new(List::ids(&f.scope))];
    let mut add = |sql_part: &str, p: Owned| {
        params.push(p);
        sql.push_str(&sql_part.replace("$?", &format!("${}", params.len())));
    };
    if let Some(grid) = f.grid {
        add(" AND v.grid_id = $?", Box::new(grid.to_string()));
    }
    if let Some(worker) = f.worker {
        add(" AND v.worker_id = $?", Box::new(worker.to_string()));
    }
    if let Some(t) = &f.template_id {
        add(" AND v.template_id = $?", Box::new(t.clone()));
    }
    if let Some(status) = f.status {
        add(" AND v.status = $?", Box::new(status.as_str().to_owned()));
    }
    if let Some((day, ids)) = &days.from {
        let (_, above) = DeviceInstant::undecided_around(*day);
        add(" AND (v.finalized_utc >= $?", Box::new(ts(above)));
        add(&format!(" OR {})", any_of_ids(d)), Box::new(List::ids(ids)));
    }
    if let Some((day, ids)) = &days.until {
        let (below, _) = DeviceInstant::undecided_around(*day);
        add(" AND (v.finalized_utc < $?", Box::new(ts(below)));
        add(&format!(" OR {})", any_of_ids(d)), Box::new(List::ids(ids)));
    }
    if let Some(photo) = &f.photo {
        let part = match d {
            Dialect::Sqlite => {
                " AND EXISTS (SELECT 1 FROM json_each(v.photos) p
                              WHERE json_extract(p.value, '$.sha256') = $?)"
            }
            Dialect::Postgres => {
                " AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.photos::jsonb) p(value)
                              WHERE p.value ->> 'sha256' = $?)"
            }
        };
        add(part, Box::new(photo.clone()));
    }
    if let Some(flag) = &f.flag {
        add(
            " AND EXISTS (SELECT 1 FROM visit_flags f WHERE f.visit_id = v.id AND f.code = $?)",
            Box::new(flag.clone()),
        );
    }
    if !f.all_revisions {
        sql.push_str(" AND ");
        sql.push_str(&d.is_false("v.superseded"));
    }
    if f.reused_photos {
        sql.push_str(match d {
            Dialect::Sqlite => {
                " AND EXISTS (SELECT 1 FROM json_each(v.photos) p
                              JOIN reused_photos r ON r.sha256 = json_extract(p.value, '$.sha256'))"
            }
            Dialect::Postgres => {
                " AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.photos::jsonb) p(value)
                              JOIN reused_photos r ON r.sha256 = p.value ->> 'sha256')"
            }
        });
    }
    if f.flagged {
        sql.push_str(" AND v.flags <> '[]'");
    }
    (sql, params)
}

/// A page of the visit revisions matching `filter`, newest finalized first,
/// and how many match in all.
pub(super) async fn review_queue<C: Conn>(
    c: &mut C,
    filter: &QueueFilter,
    offset: u64,
    limit: u64,
) -> Result<QueuePage> {
    let days = LocalDays::of(c, filter).await?;
    let (clause, mut params) = where_clause(c.dialect(), filter, &days);
    let total: u64 = c
        .query_one(
            &format!("SELECT count(*) FROM visits v WHERE {clause}"),
            &refs(&params),
        )
        .await?
        .try_get(0)?;
    params.push(Box::new(i64::try_from(limit).unwrap_or(i64::MAX)));
    params.push(Box::new(i64::try_from(offset).unwrap_or(i64::MAX)));
    let n = params.len();
    let sql = format!(
        "SELECT v.id, v.visit_group, v.revision, v.template_id, v.template_version,
                v.household_id, h.code, v.grid_id, g.name, v.worker_id, u.display_name,
                v.finalized_utc, v.status, v.flags, v.door_outcome
         FROM (SELECT v.id FROM visits v WHERE {clause}
               ORDER BY v.finalized_utc DESC, v.id DESC LIMIT ${} OFFSET ${n}) page
         JOIN visits v ON v.id = page.id
         JOIN households h ON h.id = v.household_id
         JOIN grids g ON g.id = v.grid_id
         JOIN users u ON u.id = v.worker_id
         ORDER BY v.finalized_utc DESC, v.id DESC",
        n - 1
    );
    let rows = c
        .query(&sql, &refs(&params))
        .await?
        .iter()
        .map(|r| {
            Ok(QueueRow {
                visit_id: r.uuid(0)?,
                visit_group: r.uuid(1)?,
                revision: r.try_get(2)?,
                template_id: r.try_get(3)?,
                template_version: r.try_get(4)?,
                household_id: r.uuid(5)?,
                household_code: r.try_get(6)?,
                grid_id: r.uuid(7)?,
                grid_name: r.try_get(8)?,
                worker_id: r.uuid(9)?,
                worker_name: r.try_get(10)?,
                finalized: r.time(11)?,
                status: r.status(12)?,
                flags: r.json(13)?,
                door_outcome: r
                    .try_get::<Option<&str>>(14)?
                    .and_then(crate::anomalies::parse_outcome),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(QueuePage { rows, total })
}

/// The door check and photos a device sent with a visit revision.
pub(super) async fn visit_evidence<C: Conn>(
    c: &mut C,
    visit_id: Uuid,
) -> Result<Option<VisitEvidence>> {
    let Some(r) = c
        .query_opt(
            "SELECT door_check_device, photos, received_at FROM visits WHERE id = $1",
            &[&visit_id.to_string()],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(VisitEvidence {
        device_door_check: r.opt_json(0)?,
        photos: r.json(1)?,
        received_at: r.time(2)?,
    }))
}

/// Workers assigned to any of these grids, by name.
pub(super) async fn workers_of<C: Conn>(
    c: &mut C,
    grid_ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>> {
    let sql = format!(
        "SELECT DISTINCT u.id, u.display_name FROM users u
         JOIN user_grids ug ON ug.user_id = u.id
         WHERE u.role = 'worker' AND {}
         ORDER BY u.display_name, u.id",
        c.dialect().in_list("ug.grid_id", 1)
    );
    c.query(&sql, &[&List::ids(grid_ids)])
        .await?
        .iter()
        .map(|r| Ok((r.uuid(0)?, r.try_get(1)?)))
        .collect()
}

/// Per grid, the visits (latest revisions) whose own local day
/// ([`DeviceInstant::local_date`]) is on or after `day`. The index on
/// `finalized_utc` counts those certainly after; the few in the band where
/// the offset decides are read and decided by the one rule.
async fn since_local_day<C: Conn>(
    c: &mut C,
    scope: &List,
    day: NaiveDate,
) -> Result<BTreeMap<Uuid, u64>> {
    let d = c.dialect();
    let (_, until) = DeviceInstant::undecided_around(day);
    let latest = d.is_false("superseded");
    let in_scope = d.in_list("grid_id", 1);
    let mut per_grid = BTreeMap::new();
    let sql = format!(
        "SELECT grid_id, count(*) FROM visits
         WHERE {in_scope} AND finalized_utc >= $2 AND {latest} GROUP BY grid_id"
    );
    for r in c.query(&sql, &[scope, &ts(until)]).await? {
        per_grid.insert(r.uuid(0)?, r.try_get::<u64>(1)?);
    }
    for (_, grid, after) in undecided_around(c, scope, day, &latest).await? {
        if after {
            *per_grid.entry(grid).or_default() += 1;
        }
    }
    Ok(per_grid)
}

/// Dashboard counts over `grid_ids`; a visit counts once, as its latest
/// revision, and on its own local day.
pub(super) async fn visit_stats<C: Conn>(
    c: &mut C,
    grid_ids: &[Uuid],
    today: NaiveDate,
    week: NaiveDate,
) -> Result<VisitStats> {
    let d = c.dialect();
    let scope = List::ids(grid_ids);
    let since_today = since_local_day(c, &scope, today).await?.values().sum();
    let since_week = since_local_day(c, &scope, week).await?;
    // The week's visits and the reviews waiting are the sums of the per-grid rows.
    let per_grid = c
        .query(
            &format!(
                "SELECT g.id, g.name,
                        (SELECT count(*) FROM visits v WHERE v.status = 'uploaded' AND v.grid_id = g.id)
                 FROM grids g WHERE {} ORDER BY g.code",
                d.in_list("g.id", 1)
            ),
            &[&scope],
        )
        .await?
        .iter()
        .map(|r| {
            let id = r.uuid(0)?;
            let week = since_week.get(&id).copied().unwrap_or(0);
            Ok((id, r.try_get(1)?, week, r.try_get(2)?))
        })
        .collect::<Result<Vec<(Uuid, String, u64, u64)>>>()?;
    let flags = c
        .query(
            &format!(
                "SELECT f.code, count(*) FROM visit_flags f JOIN visits v ON v.id = f.visit_id
                 WHERE {} AND {}
                 GROUP BY f.code ORDER BY count(*) DESC, f.code",
                d.in_list("f.grid_id", 1),
                d.is_false("v.superseded")
            ),
            &[&scope],
        )
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>>>()?;
    // Photos seen in more than one household anywhere, counted when more
    // than one of those households is in scope.
    let reused_photos: u64 = c
        .query_one(
            &format!(
                "SELECT count(*) FROM reused_photos r
                 WHERE (SELECT count(*) FROM photo_households p
                        WHERE p.sha256 = r.sha256 AND {}) > 1",
                d.in_list("p.grid_id", 1)
            ),
            &[&scope],
        )
        .await?
        .try_get(0)?;
    Ok(VisitStats {
        since_today,
        since_week: per_grid.iter().map(|g| g.2).sum(),
        waiting: per_grid.iter().map(|g| g.3).sum(),
        per_grid,
        flags,
        reused_photos,
    })
}

/// The households of these grids holding any category tag, with their tags
/// and latest visit per template.
pub(super) async fn coverage_households<C: Conn>(
    c: &mut C,
    grid_ids: &[Uuid],
) -> Result<Vec<CoverageHousehold>> {
    let d = c.dialect();
    let scope = List::ids(grid_ids);
    let mut by_id: BTreeMap<String, CoverageHousehold> = BTreeMap::new();
    let sql = format!(
        "SELECT r.household_id, h.grid_id, r.tags FROM residents r
         JOIN households h ON h.id = r.household_id
         WHERE {} AND r.tags <> '[]'",
        d.in_list("h.grid_id", 1)
    );
    for r in c.query(&sql, &[&scope]).await? {
        let tags: Vec<ResidentTag> = r.json(2)?;
        let entry = match by_id.entry(r.try_get(0)?) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let household_id = parse_uuid(e.key())?;
                e.insert(CoverageHousehold {
                    household_id,
                    grid_id: r.uuid(1)?,
                    tags: Vec::new(),
                    latest_visits: Vec::new(),
                })
            }
        };
        entry.tags.extend(tags);
    }
    let sql = format!(
        "SELECT l.household_id, l.template_id, l.finalized_utc, l.finalized_offset
         FROM household_last_visits l JOIN households h ON h.id = l.household_id
         WHERE {}",
        d.in_list("h.grid_id", 1)
    );
    for r in c.query(&sql, &[&scope]).await? {
        if let Some(h) = by_id.get_mut(r.try_get::<&str>(0)?) {
            let at = DeviceInstant {
                utc: r.time(2)?,
                offset_seconds: r.try_get(3)?,
            };
            h.latest_visits.push((r.try_get(1)?, at.local_date()));
        }
    }
    Ok(by_id.into_values().collect())
}

/// Per grid (only grids with any): visits returned for rework whose next
/// revision has not arrived.
pub(super) async fn open_returns<C: Conn>(
    c: &mut C,
    grid_ids: &[Uuid],
) -> Result<Vec<(Uuid, u64)>> {
    let sql = match c.dialect() {
        // Counted from the partial index of open returns; left to itself the
        // planner would take the (grid, status, finalized) index instead.
        Dialect::Sqlite => {
            "SELECT grid_id, count(*) FROM visits INDEXED BY visits_open_returns
             WHERE status = 'returned' AND superseded = 0
               AND grid_id IN (SELECT value FROM json_each($1))
             GROUP BY grid_id"
        }
        Dialect::Postgres => {
            "SELECT grid_id, count(*) FROM visits
             WHERE status = 'returned' AND NOT superseded AND grid_id = ANY($1)
             GROUP BY grid_id"
        }
    };
    c.query(sql, &[&List::ids(grid_ids)])
        .await?
        .iter()
        .map(|r| Ok((r.uuid(0)?, r.try_get(1)?)))
        .collect()
}
