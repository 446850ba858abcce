//! Group commit for servers: judge many scans in one transaction.
//!
//! A durable commit (`synchronous = FULL`) costs an fsync; a hub answering many doors at
//! once would spend its life waiting for the disk if every access were its own transaction.
//! [`Store::scan_many`] judges a batch one request after the other inside ONE transaction –
//! each request sees the readings of the ones before it, so `max_readings` and room capacity
//! hold exactly as if they had been serialised – and commits once. Nothing is answered
//! before that commit, so every 201 is still a reading on disk.

use rusqlite::TransactionBehavior;

use super::Store;
use super::scan::record_scan;
use crate::ScanRequest;
use crate::error::Result;
use entrada_domain::ScanOutcome;
use entrada_domain::time;

impl Store {
    /// Judges and records `requests` in order, in one transaction, and returns one result
    /// per request: a request that fails on its own (unknown checkpoint) is rolled back to
    /// its savepoint and does not disturb the others. Like [`Store::scan`], an accepted
    /// reading queues its `checkpoint_reading_created` webhook in the same transaction.
    pub fn scan_many(&mut self, requests: &[ScanRequest<'_>]) -> Result<Vec<Result<ScanOutcome>>> {
        let device = self.device.clone();
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(requests.len());
        for req in requests {
            let sp = tx.savepoint()?;
            let at = req.at.unwrap_or_else(|| time::now().fixed_offset());
            let one = record_scan(&sp, &device, req, at);
            match one {
                Ok(outcome) => {
                    sp.commit()?;
                    results.push(Ok(outcome));
                }
                Err(e) => {
                    drop(sp); // rolls back to the savepoint
                    results.push(Err(e));
                }
            }
        }
        tx.commit()?;
        Ok(results)
    }
}
