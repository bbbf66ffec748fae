//! A cache of verified attestations (an attestation is reused by its instance for many
//! requests, draft §4 / R-ATT-14, so its signature need not be verified every time).
//!
//! Keyed by SHA-256 of the exact token text; an entry is added only after the attestation's
//! signature verified with a trusted attester key and every request-independent attestation
//! check passed; it is dropped once the attestation's `exp` has passed. On a hit only the
//! signature work is skipped: parsing, `typ`, `alg`, trust resolution, claim checks, and every
//! check that depends on the time or the request still run. The cache belongs to one
//! [`crate::Verifier`] (one policy): build a new one with a new policy. Like the replay store
//! it is owned by the caller — the core keeps no state.

use crate::jose::jwk::PublicKey;
use alloc::collections::BTreeMap;
use alloc::string::String;
use sha2::{Digest, Sha256};

/// What a hit restores for the audit record.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedAttester {
    /// The attester's name in the policy.
    pub name: Option<String>,
    /// The verifying key's `kid`.
    pub kid: Option<String>,
    /// The verifying key's thumbprint.
    pub thumbprint: String,
    /// The attestation's `cnf.jwk`, already validated (not parsed again on a hit).
    pub instance_key: Option<PublicKey>,
}

/// A bounded cache of verified attestations.
#[derive(Clone, Debug)]
pub struct AttestationCache {
    capacity: usize,
    entries: BTreeMap<[u8; 32], (i64, CachedAttester)>,
}

/// The cache key of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl AttestationCache {
    /// A cache of at most `capacity` attestations.
    pub fn new(capacity: usize) -> Self {
        AttestationCache { capacity, entries: BTreeMap::new() }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Empty?
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The attester that verified `hash`, if cached and not expired at `now`.
    pub fn get(&self, hash: &[u8; 32], now: i64) -> Option<&CachedAttester> {
        self.entries.get(hash).filter(|(exp, _)| now < *exp).map(|(_, a)| a)
    }

    /// Records a verified attestation valid until `exp`. When full, expired entries go first,
    /// then the entry expiring soonest.
    pub fn insert(&mut self, hash: [u8; 32], exp: i64, attester: CachedAttester, now: i64) {
        if self.capacity == 0 || exp <= now {
            return;
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&hash) {
            self.make_room(now);
        }
        self.entries.insert(hash, (exp, attester));
    }

    /// Full: expired entries go first, then the entry expiring soonest. Out of line and cold:
    /// a wasm engine compiling on first call (V8) compiles it only once a cache fills up.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, now: i64) {
        self.entries.retain(|_, (e, _)| *e > now);
        if self.entries.len() >= self.capacity {
            let soonest = self.entries.iter().min_by_key(|(_, (e, _))| *e).map(|(k, _)| *k);
            if let Some(k) = soonest {
                self.entries.remove(&k);
            }
        }
    }
}

impl Default for AttestationCache {
    /// 10 000 attestations.
    fn default() -> Self {
        AttestationCache::new(10_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(t: &str) -> CachedAttester {
        CachedAttester { name: None, kid: None, thumbprint: t.into(), instance_key: None }
    }

    #[test]
    fn bounded_and_expiring() {
        let mut c = AttestationCache::new(2);
        c.insert(token_hash("a"), 100, a("a"), 0);
        c.insert(token_hash("b"), 50, a("b"), 0);
        assert!(c.get(&token_hash("a"), 99).is_some());
        assert!(c.get(&token_hash("a"), 100).is_none(), "never past exp");
        c.insert(token_hash("c"), 200, a("c"), 10);
        assert_eq!(c.len(), 2);
        assert!(c.get(&token_hash("b"), 10).is_none(), "the soonest-expiring entry was evicted");
        c.insert(token_hash("d"), 5, a("d"), 10);
        assert!(c.get(&token_hash("d"), 0).is_none(), "already expired: not stored");
    }
}
