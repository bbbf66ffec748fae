//! Replay detection for PoP (and DPoP) `jti`s (R-POP-7, digest §9.2).
//!
//! The seen-set is keyed by (instance-key thumbprint, jti) so one client cannot poison
//! another's identifiers, and every entry expires when the proof it records would no longer
//! pass the `iat` window anyway. The verifier consults the store only after every other check
//! passed, and inserts in the same step ([`ReplayStore::check_and_store`]), so a rejected
//! request never burns a `jti`.

use crate::jose::b64;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use sha2::{Digest, Sha256};

/// What the store answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// Not seen before; now recorded.
    Fresh,
    /// Seen before within its window.
    Replayed,
    /// The store could not answer (full, unreachable). The verifier fails closed.
    Unavailable,
}

/// A jti seen-set with expiry.
pub trait ReplayStore {
    /// Atomically: if `key` is recorded and not expired at `now`, answer `Replayed`; otherwise
    /// record it until `expires_at` and answer `Fresh`.
    fn check_and_store(&mut self, key: &str, expires_at: i64, now: i64) -> ReplayOutcome;
}

/// The replay key for a proof: `thumbprint.` + base64url(SHA-256(jti)). Fixed length (87
/// characters) whatever the jti, and no jti text is kept.
pub fn replay_key(instance_thumbprint: &str, jti: &str) -> String {
    let mut k = String::with_capacity(instance_thumbprint.len() + 44);
    k.push_str(instance_thumbprint);
    k.push('.');
    k.push_str(&b64::encode(&Sha256::digest(jti.as_bytes())));
    k
}

/// A bounded in-memory store. When full of unexpired entries it answers `Unavailable`
/// rather than forget a `jti` that could then be replayed: memory never grows past
/// `capacity` entries.
#[derive(Clone, Debug)]
pub struct MemoryReplayStore {
    capacity: usize,
    by_key: BTreeMap<TailFirst, i64>,
    by_expiry: BTreeSet<(i64, TailFirst)>,
}

/// A key ordered by its bytes from the last one backwards. Replay keys share their first 44
/// bytes (the thumbprint) per instance and end in a hash, so comparing from the end decides
/// at the first byte instead of after 44 equal ones; for any other keys it is still a total
/// order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TailFirst(String);

impl Ord for TailFirst {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.0.bytes().rev().cmp(other.0.bytes().rev())
    }
}

impl PartialOrd for TailFirst {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl MemoryReplayStore {
    /// A store holding at most `capacity` live entries.
    pub fn new(capacity: usize) -> Self {
        MemoryReplayStore { capacity, by_key: BTreeMap::new(), by_expiry: BTreeSet::new() }
    }

    /// Live entries.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// No entries?
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Drops every entry that expired at or before `now`.
    pub fn purge(&mut self, now: i64) {
        while let Some(first) = self.by_expiry.first() {
            if first.0 > now {
                break;
            }
            if let Some((_, key)) = self.by_expiry.pop_first() {
                self.by_key.remove(&key);
            }
        }
    }
}

impl Default for MemoryReplayStore {
    /// 100 000 entries (≈ 25 MB at most).
    fn default() -> Self {
        MemoryReplayStore::new(100_000)
    }
}

impl ReplayStore for MemoryReplayStore {
    fn check_and_store(&mut self, key: &str, expires_at: i64, now: i64) -> ReplayOutcome {
        self.purge(now);
        let key = TailFirst(String::from(key));
        if self.by_key.contains_key(&key) {
            return ReplayOutcome::Replayed;
        }
        if self.by_key.len() >= self.capacity {
            return ReplayOutcome::Unavailable;
        }
        self.by_expiry.insert((expires_at, key.clone()));
        self.by_key.insert(key, expires_at);
        ReplayOutcome::Fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store() {
        let mut s = MemoryReplayStore::new(2);
        assert_eq!(s.check_and_store("a", 10, 0), ReplayOutcome::Fresh);
        assert_eq!(s.check_and_store("a", 10, 5), ReplayOutcome::Replayed);
        assert_eq!(s.check_and_store("b", 20, 5), ReplayOutcome::Fresh);
        assert_eq!(s.check_and_store("c", 20, 5), ReplayOutcome::Unavailable, "full: fail closed");
        assert_eq!(s.check_and_store("c", 20, 10), ReplayOutcome::Fresh, "a expired at 10");
        assert_eq!(s.check_and_store("a", 30, 11), ReplayOutcome::Unavailable);
        assert_eq!(s.len(), 2);
        assert_eq!(replay_key("T", "x").len(), 2 + 43);
        assert_ne!(replay_key("T", "x"), replay_key("U", "x"));
    }

    #[test]
    fn keys_compared_from_the_end_stay_distinct() {
        // Shared prefixes (one instance's thumbprint), shared suffixes, and keys that are a
        // prefix or suffix of another: all distinct entries, each a replay of itself only.
        let t = "thumbprint-thumbprint-thumbprint-thumbprint";
        let keys = [
            replay_key(t, "1"),
            replay_key(t, "2"),
            replay_key("other", "1"),
            String::from("ab"),
            String::from("b"),
            String::from("ba"),
            String::from("xab"),
            String::new(),
        ];
        let mut s = MemoryReplayStore::new(100);
        for k in &keys {
            assert_eq!(s.check_and_store(k, 10, 0), ReplayOutcome::Fresh, "{k}");
        }
        for k in &keys {
            assert_eq!(s.check_and_store(k, 10, 1), ReplayOutcome::Replayed, "{k}");
        }
        assert_eq!(s.len(), keys.len());
        s.purge(10);
        assert!(s.is_empty(), "both indexes drop expired entries");
    }
}
