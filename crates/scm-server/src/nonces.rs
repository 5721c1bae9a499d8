//! Where request nonces are remembered for replay protection: this
//! process ([`NonceCache`], the default) or Redis
//! ([`RedisNonceStore`](crate::quota_store::RedisNonceStore)), shared by
//! every server so a request replayed to another one is refused too.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

#[async_trait]
pub trait NonceStore: Send + Sync {
    /// Records `key` until `expires` (Unix seconds); `false` if it was
    /// already there.
    async fn insert(&self, key: String, now: i64, expires: i64) -> bool;
}

/// Nonces seen within the window (in memory; one server).
///
/// Every insert first forgets the nonces whose window has passed, oldest
/// expiry first, through an index by expiry second: each nonce is looked
/// at once when it is recorded and once when it is forgotten, whatever
/// the request rate. (Sweeping the whole map on every insert once it was
/// large made each signed request cost a scan of every nonce still inside
/// its window: at 20,000 requests/s, more CPU than the request itself.)
/// The map holds what the window requires and no more: about the request
/// rate times the window plus the allowed clock skew.
#[derive(Debug, Default)]
pub struct NonceCache {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// Each nonce and the second its window ends.
    expires: HashMap<Arc<str>, i64>,
    /// The same nonces by the second their window ends.
    by_expiry: BTreeMap<i64, Vec<Arc<str>>>,
}

impl Seen {
    /// Forgets every nonce whose window ended at or before `now`.
    fn forget_expired(&mut self, now: i64) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if *entry.key() > now {
                break;
            }
            // A nonce is in one bucket only: it is recorded again only
            // after its earlier window ended and it was forgotten here.
            for key in entry.remove() {
                self.expires.remove(&key);
            }
        }
    }
}

impl NonceCache {
    /// Records `key` until `expires`; `false` if it was already there.
    pub fn insert(&self, key: String, now: i64, expires: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.forget_expired(now);
        if seen.expires.get(key.as_str()).is_some_and(|exp| *exp > now) {
            return false;
        }
        let key: Arc<str> = key.into();
        seen.expires.insert(key.clone(), expires);
        seen.by_expiry.entry(expires).or_default().push(key);
        true
    }

    /// How many nonces are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.expires.len()
    }
}

#[async_trait]
impl NonceStore for NonceCache {
    async fn insert(&self, key: String, now: i64, expires: i64) -> bool {
        NonceCache::insert(self, key, now, expires)
    }
}

#[cfg(test)]
mod tests {
    use super::NonceCache;

    #[test]
    fn a_nonce_is_refused_within_its_window_and_forgotten_after_it() {
        let cache = NonceCache::default();
        assert!(cache.insert("k:a".into(), 100, 400));
        assert!(
            !cache.insert("k:a".into(), 399, 700),
            "replayed within the window"
        );
        assert!(cache.insert("k:b".into(), 150, 450));
        // At 400 the first window has ended: forgotten, and usable again.
        assert!(cache.insert("k:c".into(), 400, 700));
        assert_eq!(cache.len(), 2, "k:a forgotten, k:b and k:c kept");
        assert!(cache.insert("k:a".into(), 401, 701));
        assert!(!cache.insert("k:b".into(), 449, 749));
        assert!(cache.insert("k:d".into(), 10_000, 10_300));
        assert_eq!(cache.len(), 1, "every earlier window has ended");
    }

    #[test]
    fn many_nonces_within_the_window_are_all_kept() {
        let cache = NonceCache::default();
        for n in 0..250_000 {
            assert!(cache.insert(format!("k:{n}"), 1_000, 1_301));
        }
        assert_eq!(cache.len(), 250_000);
        assert!(!cache.insert("k:0".into(), 1_300, 1_601));
        assert!(!cache.insert("k:249999".into(), 1_300, 1_601));
    }
}
