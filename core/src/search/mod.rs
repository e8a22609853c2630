//! Finding a household fast: by a resident's name, its full pinyin or initials
//! (`张三`, `zhangsan`, `zs`), by address or door number, or by the last four
//! characters of a resident's ID number.
//!
//! Each household is one document in an SQLite FTS5 index (inside the encrypted
//! database), holding the terms of [`terms`]. A query's words must all match a
//! term of the household by prefix; results come best match first (BM25).
//! The index is rewritten for a household in the same transaction as any change
//! to it, so it can never disagree with the data.

pub mod terms;

use crate::store::households::{HouseholdSummary, summaries};
use crate::store::{Result, Store};
use rusqlite::Connection;

/// Most results a search returns by default: more than a worker scrolls through.
pub const DEFAULT_LIMIT: usize = 50;

/// Rewrites the search terms of the household numbered `doc` from its current rows.
pub(crate) fn index_household(conn: &Connection, doc: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
        .execute([doc])?;
    let (id, code, estate, building, unit, door): (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = conn.query_row(
        "SELECT id, code, estate, building, unit, door FROM households WHERE doc = ?1",
        [doc],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let parts: Vec<&str> = [
        Some(estate.as_str()),
        building.as_deref(),
        unit.as_deref(),
        door.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut all = terms::address_terms(&parts);
    all.push(terms::normalize(&code));

    let mut stmt = conn.prepare_cached(
        "SELECT name, id_number FROM residents WHERE household_id = ?1 ORDER BY position",
    )?;
    let residents = stmt.query_map([&id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    for resident in residents {
        let (name, id_number) = resident?;
        all.extend(terms::name_terms(&name));
        if let Some(id) = id_number {
            all.push(id[id.len().saturating_sub(4)..].to_lowercase());
        }
    }
    conn.prepare_cached("INSERT INTO search_index (rowid, terms) VALUES (?1, ?2)")?
        .execute(rusqlite::params![doc, all.join(" ")])?;
    Ok(())
}

/// The FTS5 queries for what a worker typed: every word must match some term
/// by prefix (the first query), and households where every word is a whole
/// term (the second) rank first. `None` when nothing searchable was typed.
fn fts_queries(typed: &str) -> Option<(String, String)> {
    let words: Vec<String> = typed
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .map(terms::normalize)
        .filter(|w| !w.is_empty())
        // Quoting makes every character literal to FTS5; a quote is doubled.
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    if words.is_empty() {
        return None;
    }
    let prefix = words
        .iter()
        .map(|w| format!("{w}*"))
        .collect::<Vec<_>>()
        .join(" ");
    Some((prefix, words.join(" ")))
}

impl Store {
    /// Households matching what a worker typed, best match first, at most `limit`.
    /// Households where every typed word is a whole term come first, by BM25;
    /// then households where the words only begin terms. An empty query
    /// matches nothing.
    pub fn search_households(&self, typed: &str, limit: usize) -> Result<Vec<HouseholdSummary>> {
        self.read(|conn| {
            let docs = ranked_docs(conn, typed, limit)?;
            let mut found = Vec::with_capacity(docs.len());
            for doc in docs {
                found.extend(summaries(
                    conn,
                    "FROM households h WHERE h.doc = ?1",
                    [doc],
                )?);
            }
            Ok(found)
        })
    }
}

/// The `doc` numbers of the households matching what a worker typed, in the
/// order [`Store::search_households`] gives them, at most `limit`.
pub(crate) fn ranked_docs(conn: &Connection, typed: &str, limit: usize) -> Result<Vec<i64>> {
    let Some((prefix, exact)) = fts_queries(typed) else {
        return Ok(Vec::new());
    };
    // Exact terms are selective, so ranking all their matches is cheap.
    let mut docs = matching_docs(
        conn,
        "SELECT rowid FROM search_index WHERE search_index MATCH ?1 ORDER BY rank LIMIT ?2",
        &exact,
        limit,
    )?;
    if docs.len() < limit {
        // A short prefix can match thousands of households: take them in
        // storage order and stop at the limit instead of ranking them all.
        let more = matching_docs(
            conn,
            "SELECT rowid FROM search_index WHERE search_index MATCH ?1 LIMIT ?2",
            &prefix,
            limit.saturating_add(docs.len()),
        )?;
        let mut seen: std::collections::HashSet<i64> = docs.iter().copied().collect();
        for doc in more {
            if docs.len() == limit {
                break;
            }
            if seen.insert(doc) {
                docs.push(doc);
            }
        }
    }
    Ok(docs)
}

fn matching_docs(conn: &Connection, sql: &str, query: &str, limit: usize) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(rusqlite::params![query, limit], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_words_become_quoted_prefix_and_exact_queries() {
        let (prefix, exact) = fts_queries(" 张三  302 ").unwrap();
        assert_eq!(prefix, "\"张三\"* \"302\"*");
        assert_eq!(exact, "\"张三\" \"302\"");
        assert_eq!(fts_queries("a\"b").unwrap().0, "\"a\"\"b\"*");
        assert_eq!(fts_queries("   "), None);
    }
}
