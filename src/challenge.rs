//! Stateless, self-contained server challenges (draft §7.1 / digest §7.1 "self-contained
//! challenges"): `base64url(version ‖ issued_at ‖ random ‖ HMAC-SHA256-128)`.
//!
//! Any instance that shares the secret validates a challenge within its lifetime, with no
//! shared state, and the server's own timestamp makes the lifetime independent of client clocks.
//! This gives freshness, not single use: single use comes from the PoP `jti` replay check. The
//! MAC is compared in constant time. The random part comes from the caller: the core has no
//! randomness of its own.
//!
//! The same construction, under another label, makes DPoP nonces (RFC 9449 §8).

use crate::jose::b64;
use alloc::string::String;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Domain-separation label for attestation challenges.
pub const CHALLENGE_LABEL: &[u8] = b"client-attestation/challenge/v1";
/// Domain-separation label for DPoP nonces.
pub const DPOP_NONCE_LABEL: &[u8] = b"client-attestation/dpop-nonce/v1";

const VERSION: u8 = 1;
const BODY: usize = 1 + 8 + 16;
const TAG: usize = 16;
const RAW: usize = BODY + TAG;
/// Length of an encoded challenge, characters.
pub const ENCODED_LEN: usize = (RAW * 4).div_ceil(3);

/// Why a presented value was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeFault {
    /// Not one of ours: wrong shape, forged, or from another secret or label.
    Invalid,
    /// Ours, but older than the lifetime.
    Expired,
}

/// Issues and validates stateless tokens for one label.
///
/// Holds the HMAC state keyed with the secret and fed the label, not the secret itself: the
/// secret's bytes leave memory once the policy is read, each tag skips the two keying blocks,
/// and the state is wiped when dropped (`hmac`/`sha2` `zeroize` features).
#[derive(Clone)]
pub struct StatelessTokens {
    keyed: Hmac<Sha256>,
    lifetime: i64,
}

impl core::fmt::Debug for StatelessTokens {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StatelessTokens").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

impl StatelessTokens {
    /// `None` if the secret is shorter than [`crate::policy::MIN_SECRET_LEN`].
    pub fn new(secret: &[u8], label: &'static [u8], lifetime: i64) -> Option<Self> {
        if secret.len() < crate::policy::MIN_SECRET_LEN {
            return None;
        }
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).ok()?.chain_update(label);
        Some(StatelessTokens { keyed, lifetime })
    }

    /// Seconds a token stays valid.
    pub fn lifetime(&self) -> i64 {
        self.lifetime
    }

    fn tag(&self, body: &[u8]) -> [u8; TAG] {
        let full = self.keyed.clone().chain_update(body).finalize().into_bytes();
        let mut out = [0u8; TAG];
        for (o, f) in out.iter_mut().zip(full.iter()) {
            *o = *f;
        }
        out
    }

    /// A fresh token issued at `now`; `random` must come from a CSPRNG.
    pub fn issue(&self, now: i64, random: &[u8; 16]) -> String {
        let mut raw = [0u8; RAW];
        raw[0] = VERSION;
        raw[1..9].copy_from_slice(&now.to_be_bytes());
        raw[9..BODY].copy_from_slice(random);
        let tag = self.tag(&raw[..BODY]);
        raw[BODY..].copy_from_slice(&tag);
        b64::encode(&raw)
    }

    /// Validates a token at `now`; returns its issue time.
    pub fn check(&self, value: &str, now: i64, tolerance: i64) -> Result<i64, ChallengeFault> {
        if value.len() != ENCODED_LEN {
            return Err(ChallengeFault::Invalid);
        }
        let raw = b64::decode_array::<RAW>(value).ok_or(ChallengeFault::Invalid)?;
        if raw[0] != VERSION {
            return Err(ChallengeFault::Invalid);
        }
        let expected = self.tag(&raw[..BODY]);
        if !bool::from(expected.ct_eq(&raw[BODY..])) {
            return Err(ChallengeFault::Invalid);
        }
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&raw[1..9]);
        let issued = i64::from_be_bytes(ts);
        if issued > now.saturating_add(tolerance) {
            // Authentic but from the future: only possible with a clock jump; refuse.
            return Err(ChallengeFault::Invalid);
        }
        if now.saturating_sub(issued) > self.lifetime {
            return Err(ChallengeFault::Expired);
        }
        Ok(issued)
    }
}

/// Constant-time string equality (for expected challenges supplied with a request).
pub fn ct_str_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_and_check() {
        let t = StatelessTokens::new(&[7u8; 32], CHALLENGE_LABEL, 300).unwrap();
        let c = t.issue(1000, &[1u8; 16]);
        assert_eq!(c.len(), ENCODED_LEN);
        assert_eq!(t.check(&c, 1000, 0), Ok(1000));
        assert_eq!(t.check(&c, 1300, 0), Ok(1000));
        assert_eq!(t.check(&c, 1301, 0), Err(ChallengeFault::Expired));
        assert_eq!(t.check(&c, 990, 30), Ok(1000));
        assert_eq!(t.check(&c, 900, 30), Err(ChallengeFault::Invalid));
        // Another secret, another label, a flipped bit: all invalid.
        let other = StatelessTokens::new(&[8u8; 32], CHALLENGE_LABEL, 300).unwrap();
        assert_eq!(other.check(&c, 1000, 0), Err(ChallengeFault::Invalid));
        let nonce = StatelessTokens::new(&[7u8; 32], b"other", 300).unwrap();
        assert_eq!(nonce.check(&c, 1000, 0), Err(ChallengeFault::Invalid));
        let mut raw = b64::decode(&c).unwrap();
        raw[12] ^= 1;
        assert_eq!(t.check(&b64::encode(&raw), 1000, 0), Err(ChallengeFault::Invalid));
        assert!(StatelessTokens::new(&[0u8; 31], CHALLENGE_LABEL, 300).is_none());
        assert!(ct_str_eq("abc", "abc") && !ct_str_eq("abc", "abd") && !ct_str_eq("abc", "ab"));
    }

    #[test]
    fn tag_is_hmac_of_label_and_body() {
        // The keyed state the tokens keep gives the same tag as keying HMAC-SHA256 afresh
        // with the secret over label ‖ body (tokens issued before the change still verify).
        let secret = b"0123456789abcdef0123456789abcdef-secret";
        let t = StatelessTokens::new(secret, DPOP_NONCE_LABEL, 60).unwrap();
        let c = t.issue(1_772_487_600, &[9u8; 16]);
        let raw = b64::decode(&c).unwrap();
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
        let full = mac.chain_update(DPOP_NONCE_LABEL).chain_update(&raw[..BODY]).finalize().into_bytes();
        assert_eq!(&raw[BODY..], &full[..TAG]);
        assert_eq!(t.check(&c, 1_772_487_600, 0), Ok(1_772_487_600));
    }
}
