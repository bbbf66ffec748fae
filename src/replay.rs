//! Replay detection for PoP (and DPoP) `jti`s (R-POP-7, digest §9.2).
//!
//! The seen-set is keyed by (instance-key thumbprint, jti) so one client cannot poison
//! another's identifiers, and every entry expires when the proof it records would no longer
//! pass the `iat` window anyway. The verifier consults the store only after every other check
//! passed, and inserts in the same step ([`ReplayStore::check_and_store`]), so a rejected
//! request never burns a `jti`.
//!
//! R-POP-11 (MAY, extra replay measures per deployment): the store is a trait, so a deployment
//! plugs in its own (the Durable Object store of `js/replay-do.js`, any `checkAndStore` object in JS). The
//! bounded in-memory store fails closed (`Unavailable`, HTTP 503) when it is full of live
//! entries; it has no per-client quota, so size it for the deployment's request rate over
//! `maxPopAge` + 2 × `clockTolerance`.

use crate::jose::b64;
use alloc::collections::BTreeMap;
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
///
/// One ordered map from key to expiry. Expired entries are dropped when the store is full
/// (or on [`MemoryReplayStore::purge`]); the earliest expiry held is tracked, so a full store
/// whose entries are all still live answers at once, and the scan that drops expired entries
/// runs at most once per distinct expiry second, not once per request.
#[derive(Clone, Debug)]
pub struct MemoryReplayStore {
    capacity: usize,
    entries: BTreeMap<TailFirst, i64>,
    /// No entry expires before this (`i64::MAX` when empty).
    earliest: i64,
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
    /// A store holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        MemoryReplayStore { capacity, entries: BTreeMap::new(), earliest: i64::MAX }
    }

    /// Entries held (expired ones included until the store fills up or is purged).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries?
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops every entry that expired at or before `now`. (Out of line and cold: it runs when
    /// the store is full, so a wasm engine compiling on first call does not compile it before.)
    #[cold]
    #[inline(never)]
    pub fn purge(&mut self, now: i64) {
        if now < self.earliest {
            return;
        }
        self.entries.retain(|_, exp| *exp > now);
        self.earliest = self.entries.values().copied().min().unwrap_or(i64::MAX);
    }
}

impl Default for MemoryReplayStore {
    /// 100 000 entries (≈ 15 MB at most).
    fn default() -> Self {
        MemoryReplayStore::new(100_000)
    }
}

impl ReplayStore for MemoryReplayStore {
    fn check_and_store(&mut self, key: &str, expires_at: i64, now: i64) -> ReplayOutcome {
        let key = TailFirst(String::from(key));
        if let Some(exp) = self.entries.get_mut(&key) {
            if *exp > now {
                return ReplayOutcome::Replayed;
            }
            // Seen, but its window is over: record it again.
            *exp = expires_at;
            self.earliest = self.earliest.min(expires_at);
            return ReplayOutcome::Fresh;
        }
        if self.entries.len() >= self.capacity {
            self.purge(now);
            if self.entries.len() >= self.capacity {
                return ReplayOutcome::Unavailable;
            }
        }
        self.entries.insert(key, expires_at);
        self.earliest = self.earliest.min(expires_at);
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
        // An entry whose window is over is recorded again (and then is a replay again).
        let mut s = MemoryReplayStore::new(10);
        assert_eq!(s.check_and_store("k", 10, 0), ReplayOutcome::Fresh);
        assert_eq!(s.check_and_store("k", 30, 10), ReplayOutcome::Fresh, "expired at 10");
        assert_eq!(s.check_and_store("k", 40, 29), ReplayOutcome::Replayed);
        // A full store drops expired entries when it needs the room, not before.
        let mut s = MemoryReplayStore::new(3);
        for (k, exp) in [("x", 100), ("y", 100), ("z", 200)] {
            assert_eq!(s.check_and_store(k, exp, 0), ReplayOutcome::Fresh);
        }
        assert_eq!(s.check_and_store("w", 300, 99), ReplayOutcome::Unavailable, "all live");
        assert_eq!(s.check_and_store("w", 300, 100), ReplayOutcome::Fresh, "x and y expired");
        assert_eq!(s.len(), 2);
        assert_eq!(s.check_and_store("z", 300, 150), ReplayOutcome::Replayed);
        s.purge(250);
        assert_eq!(s.len(), 1, "only w is left");
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
