//! This process's view of quota use, readable by the operator console:
//! per integration and referrer, the units taken in the current window,
//! the window's limit, and refusals. The gauges in `telemetry` say the
//! same to a metrics backend; this table answers a page without one.
//!
//! Keys use the metric labels (bounded: integration id or `direct`, an
//! allocated referrer or `shared`), so the table cannot grow with caller
//! input. With a shared store each server sees its own share.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use serde::Serialize;

/// One (integration, referrer) row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaUsage {
    /// The integration's id, or `direct` for a provider built without one.
    pub integration: String,
    /// An allocated referrer, or `shared` for the pool of everyone else.
    pub referrer: String,
    /// Which window the counts are of (the provider's reset time, or the
    /// window number since the epoch).
    pub window_id: u64,
    /// Units taken in this window by this process.
    pub used: u64,
    /// What the window allows this referrer (its share, or the pool).
    pub limit: u64,
    /// Requests refused for this referrer since the process started.
    pub refused: u64,
}

impl QuotaUsage {
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

type Table = Mutex<BTreeMap<(String, String), QuotaUsage>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

fn with_row(
    integration: &str,
    referrer: &str,
    window_id: u64,
    change: impl FnOnce(&mut QuotaUsage),
) {
    let mut table = table().lock().unwrap_or_else(|e| e.into_inner());
    let row = table
        .entry((integration.to_owned(), referrer.to_owned()))
        .or_insert_with(|| QuotaUsage {
            integration: integration.to_owned(),
            referrer: referrer.to_owned(),
            window_id,
            used: 0,
            limit: 0,
            refused: 0,
        });
    if row.window_id != window_id {
        row.window_id = window_id;
        row.used = 0;
    }
    change(row);
}

/// One unit admitted: `used` is the referrer's count in `window_id`.
pub(crate) fn record_admitted(
    integration: &str,
    referrer: &str,
    window_id: u64,
    used: u64,
    limit: u64,
) {
    with_row(integration, referrer, window_id, |row| {
        row.used = used;
        row.limit = limit;
    });
}

/// One request refused for the referrer in `window_id`.
pub(crate) fn record_refused(integration: &str, referrer: &str, window_id: u64, limit: u64) {
    with_row(integration, referrer, window_id, |row| {
        row.refused += 1;
        row.limit = limit;
    });
}

/// Every row, ordered by integration then referrer.
pub fn usage() -> Vec<QuotaUsage> {
    table()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_window_starts_from_zero_and_refusals_accumulate() {
        record_admitted("usage-test", "autofix", 1, 3, 10);
        record_refused("usage-test", "autofix", 1, 10);
        record_admitted("usage-test", "autofix", 2, 1, 10);
        let row = usage()
            .into_iter()
            .find(|r| r.integration == "usage-test")
            .unwrap();
        assert_eq!((row.window_id, row.used, row.refused), (2, 1, 1));
        assert_eq!(row.remaining(), 9);
    }
}
