//! Manual search that stays instant over 100,000 attendees.
//!
//! The replica keeps a lowercase `search` text per attendee (name, email, company, QR
//! data). Scanning that column in SQLite costs a few hundred milliseconds at 100,000 rows on
//! a small machine, which is too slow for search-as-you-type. So the door keeps the column in
//! memory, sorted by name, and matches with the same rule as `Store::search_attendees`
//! (every lowercase word of the query is a substring). Only the hits shown are read back
//! from the replica.
//!
//! The index is rebuilt when the replica changed: at once after this app's own imports
//! (demo, first pull), and after writes by the sync engine's connection (SQLite's
//! `data_version`), at most every few seconds, so a background pull never makes typing lag.

use std::time::{Duration, Instant};

use entrada_store::Store;

use crate::Result;

/// Rebuilds because of other connections' writes happen at most this often.
const REFRESH: Duration = Duration::from_secs(10);

#[derive(Default)]
pub(crate) struct SearchIndex {
    rows: Vec<(String, String)>,
    data_version: Option<i64>,
    built_at: Option<Instant>,
    stale: bool,
}

impl SearchIndex {
    /// Marks the index out of date (this connection's own writes).
    pub(crate) fn invalidate(&mut self) {
        self.stale = true;
    }

    fn refresh(&mut self, store: &Store) -> Result<()> {
        let version = store.data_version()?;
        let outside_change = self.data_version != Some(version)
            && self.built_at.is_none_or(|t| t.elapsed() >= REFRESH);
        if !(self.stale || self.built_at.is_none() || outside_change) {
            return Ok(());
        }
        let started = Instant::now();
        self.rows = store.search_rows()?;
        self.data_version = Some(version);
        self.built_at = Some(Instant::now());
        self.stale = false;
        tracing::debug!(rows = self.rows.len(), took = ?started.elapsed(), "search index built");
        Ok(())
    }

    /// Ids of the first `limit` matches in name order, and how many match in all.
    pub(crate) fn search(
        &mut self,
        store: &Store,
        query: &str,
        limit: usize,
    ) -> Result<(Vec<String>, u64)> {
        self.refresh(store)?;
        let words: Vec<String> = query
            .split_whitespace()
            .take(8)
            .map(|w| w.to_lowercase())
            .collect();
        if words.is_empty() {
            return Ok((Vec::new(), 0));
        }
        // memchr's searcher is a dependency, so it is optimised even in debug builds of
        // this crate, and it vectorises: the whole index is scanned in a few milliseconds.
        let finders: Vec<memchr::memmem::Finder<'_>> = words
            .iter()
            .map(|w| memchr::memmem::Finder::new(w.as_bytes()))
            .collect();
        let mut hits = Vec::new();
        let mut total = 0u64;
        for (id, text) in &self.rows {
            if finders.iter().all(|f| f.find(text.as_bytes()).is_some()) {
                total += 1;
                if hits.len() < limit {
                    hits.push(id.clone());
                }
            }
        }
        Ok((hits, total))
    }
}
