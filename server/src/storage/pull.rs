//! A device's pull: the changes after its cursor, in one snapshot, merged
//! from three tables (households, template versions, reviews) by change
//! number into one page.

use doorstep_model::DeviceInstant;
use doorstep_protocol::ReviewDecision;
use uuid::Uuid;

use super::conn::{Conn, List};
use super::households::{HOUSEHOLD_COLUMNS, household_from_row, residents_of};
use super::templates::template_from_row;
use super::{HouseholdVisit, PullPage, PulledHousehold, Result};

/// Up to `limit` changes after `after` visible to a user: households of
/// `grid_ids`, every template version, reviews of `user_id`'s visits.
pub(super) async fn pull<C: Conn>(
    c: &mut C,
    user_id: Uuid,
    grid_ids: &[Uuid],
    after: i64,
    limit: usize,
) -> Result<PullPage> {
    let limit = limit.max(1);
    let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
    let sql = format!(
        "SELECT {HOUSEHOLD_COLUMNS} FROM households
         WHERE seq > $1 AND {} ORDER BY seq LIMIT $3",
        c.dialect().in_list("grid_id", 2)
    );
    let households = c
        .query(&sql, &[&after, &List::ids(grid_ids), &fetch])
        .await?
        .iter()
        .map(household_from_row)
        .collect::<Result<Vec<_>>>()?;
    let templates = c
        .query(
            "SELECT template_id, version, definition, seq FROM templates
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &fetch],
        )
        .await?
        .iter()
        .map(|r| Ok((template_from_row(r)?, r.try_get::<i64>(3)?)))
        .collect::<Result<Vec<_>>>()?;
    let reviews = c
        .query(
            "SELECT r.visit_id, v.visit_group, v.revision, r.status, r.comment, r.reviewer_name,
                r.decided_at, r.seq
             FROM reviews r JOIN visits v ON v.id = r.visit_id
             WHERE r.worker_id = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3",
            &[&user_id.to_string(), &after, &fetch],
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                ReviewDecision {
                    visit_id: r.uuid(0)?,
                    visit_group: r.uuid(1)?,
                    revision: r.try_get(2)?,
                    status: r.status(3)?,
                    comment: r.try_get(4)?,
                    reviewer: r.try_get(5)?,
                    decided_at: r.time(6)?,
                },
                r.try_get::<i64>(7)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;

    let seqs = households
        .iter()
        .map(|(_, s)| *s)
        .chain(templates.iter().map(|(_, s)| *s))
        .chain(reviews.iter().map(|(_, s)| *s))
        .collect();
    let (last_seq, more) = page_end(seqs, after, limit);
    let mut page = PullPage {
        last_seq,
        more,
        ..PullPage::default()
    };
    for (mut h, seq) in households {
        if seq > last_seq {
            continue;
        }
        h.residents = residents_of(c, h.id).await?;
        let visits = household_visits(c, h.id).await?;
        page.households.push(PulledHousehold { record: h, visits });
    }
    page.templates = templates
        .into_iter()
        .filter(|(_, s)| *s <= last_seq)
        .map(|(t, _)| t)
        .collect();
    page.reviews = reviews
        .into_iter()
        .filter(|(_, s)| *s <= last_seq)
        .map(|(r, _)| r)
        .collect();
    Ok(page)
}

/// Where a page of the first `limit` changes ends, given the change numbers
/// of up to `limit + 1` changes from each table after `after`, and whether
/// more follow.
fn page_end(mut seqs: Vec<i64>, after: i64, limit: usize) -> (i64, bool) {
    seqs.sort_unstable();
    let more = seqs.len() > limit;
    let last_seq = if more {
        seqs[limit - 1]
    } else {
        seqs.last().copied().unwrap_or(after)
    };
    (last_seq, more)
}

/// Every visit revision a household received.
async fn household_visits<C: Conn>(c: &mut C, household: Uuid) -> Result<Vec<HouseholdVisit>> {
    c.query(
        "SELECT id, visit_group, revision, template_id, finalized_utc, finalized_offset, status
         FROM visits WHERE household_id = $1",
        &[&household.to_string()],
    )
    .await?
    .iter()
    .map(|r| {
        let at = DeviceInstant {
            utc: r.time(4)?,
            offset_seconds: r.try_get(5)?,
        };
        Ok(HouseholdVisit {
            visit_id: r.uuid(0)?,
            visit_group: r.uuid(1)?,
            revision: r.try_get(2)?,
            template_id: r.try_get(3)?,
            finalized_utc: at.utc,
            date: at.local_date(),
            status: r.status(6)?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::page_end;

    #[test]
    fn a_page_ends_at_the_limit_th_change_across_tables() {
        // Households 3, 5; a template 4; a review 6: two per page.
        assert_eq!(page_end(vec![3, 5, 4, 6], 2, 2), (4, true));
        assert_eq!(page_end(vec![5, 6], 4, 2), (6, false));
        // Nothing new: the cursor stays.
        assert_eq!(page_end(Vec::new(), 9, 2), (9, false));
    }
}
