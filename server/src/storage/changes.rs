//! The global change sequence: every change to what devices pull takes the
//! next number (see the notes in [`super`]).
//!
//! The sequence is a counter row (`counters.change_seq`) bumped with
//! `UPDATE … RETURNING` inside the writing transaction, not a PostgreSQL
//! `SEQUENCE`. A sequence hands out numbers without waiting, so transaction
//! A could take 7, B take 8 and commit first, a pull see 8 and move its cursor
//! past 7, and A's change would never be pulled. The counter row's lock is
//! held until commit, so the next writer that needs a number waits until the
//! previous one committed (or rolled back, leaving a harmless gap): numbers
//! become visible in order. A pull reads its three tables in one snapshot,
//! so once it has seen `n`, every change numbered `≤ n` is in that snapshot.
//! SQLite's single writer gives the same order by construction.

use super::Result;
use super::conn::{Conn, Dialect};

/// The next change number; on PostgreSQL the counter row stays locked until
/// the transaction ends.
pub(super) async fn next_seq<C: Conn>(c: &mut C) -> Result<i64> {
    c.query_one(
        "UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value",
        &[],
    )
    .await?
    .try_get(0)
}

/// Makes writers take turns from here to the end of the transaction, without
/// taking a number: PostgreSQL locks the counter row; SQLite's writer holds
/// the whole database already.
pub(super) async fn take_turn<C: Conn>(c: &mut C) -> Result<()> {
    if c.dialect() == Dialect::Postgres {
        c.query_one(
            "SELECT value FROM counters WHERE name = 'change_seq' FOR UPDATE",
            &[],
        )
        .await?;
    }
    Ok(())
}
