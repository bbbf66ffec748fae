//! Signature verification behind a small trait.
//!
//! Verification is two-phase (see [`crate::Verifier::prepare`]): the core collects every
//! signature it needs as a [`SignatureCheck`], a [`SignatureBackend`] decides each one, and the
//! core finishes. [`RustCrypto`] is the synchronous backend (p256 ECDSA, ed25519-dalek
//! `verify_strict`); the JS layer plugs WebCrypto in by answering the same checks.

use crate::jose::alg::Algorithm;
use crate::jose::jwk::PublicKey;
use alloc::vec::Vec;

/// Which artefact a signature belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signed {
    /// The Client Attestation (verified with a trusted attester key).
    Attestation,
    /// The PoP JWT (verified with `cnf.jwk`).
    Pop,
    /// A DPoP proof (verified with its header `jwk`).
    Dpop,
}

/// One signature to verify.
#[derive(Clone, Debug)]
pub struct SignatureCheck {
    /// The artefact it belongs to.
    pub artefact: Signed,
    /// The algorithm (already checked against the allow-list and the key).
    pub alg: Algorithm,
    /// The public key.
    pub key: PublicKey,
    /// The JWS signing input (`header.payload` in base64url).
    pub message: Vec<u8>,
    /// The signature bytes (raw `r‖s` for ES256).
    pub signature: Vec<u8>,
}

/// Something that can decide signature checks.
pub trait SignatureBackend {
    /// `true` if and only if the signature is valid.
    fn verify(&self, check: &SignatureCheck) -> bool;
}

/// Pure-Rust verification with RustCrypto p256 and ed25519-dalek.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCrypto;

impl SignatureBackend for RustCrypto {
    fn verify(&self, c: &SignatureCheck) -> bool {
        verify(c.alg, &c.key, &c.message, &c.signature)
    }
}

/// The y-coordinates (sign bit cleared) of every encoding of a small-order Ed25519 point: the
/// five of the 8-torsion subgroup, and the non-canonical `p` and `p + 1` (≡ 0 and 1). The same
/// block list libsodium uses; a test re-derives it from curve25519-dalek's `EIGHT_TORSION`.
pub const SMALL_ORDER_Y: [[u8; 32]; 7] = [
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20,
        0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
    ],
    [0; 32],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf,
        0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
];

/// Ed25519 signature conditions RFC 8032 §5.1.7 and `verify_strict` impose beyond the
/// verification equation: `S` canonical (< L) and `R` not of small order. Backends differ here
/// (WebCrypto implementations verify cofactorless and may accept a small-order `R`), so the core
/// applies these to every backend's answer and the decision is the same everywhere. (An `R`
/// that is not a point at all never satisfies any backend's equation.)
pub fn ed25519_signature_well_formed(signature: &[u8]) -> bool {
    let (Ok(r), Some(s)) = (<[u8; 32]>::try_from(signature.get(..32).unwrap_or_default()), signature.get(32..)) else {
        return false;
    };
    let Ok(s) = <[u8; 32]>::try_from(s) else { return false };
    if bool::from(curve25519_dalek::Scalar::from_canonical_bytes(s).is_none()) {
        return false;
    }
    let mut y = r;
    y[31] &= 0x7f;
    !SMALL_ORDER_Y.contains(&y)
}

/// Whether a backend's "valid" may stand for this check (see [`ed25519_signature_well_formed`]).
pub(crate) fn answer_acceptable(check: &SignatureCheck) -> bool {
    match check.alg {
        Algorithm::Es256 => true,
        Algorithm::EdDsa | Algorithm::Ed25519 => ed25519_signature_well_formed(&check.signature),
    }
}

/// Verifies one signature with RustCrypto.
pub fn verify(alg: Algorithm, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    if !alg.fits(key.kind()) {
        return false;
    }
    match alg {
        Algorithm::Es256 => {
            let (Some(vk), Ok(sig)) = (key.p256(), p256::ecdsa::Signature::from_slice(signature)) else {
                return false;
            };
            vk.verify(message, &sig).is_ok()
        }
        Algorithm::EdDsa | Algorithm::Ed25519 => {
            let (Some(vk), Ok(sig)) = (key.ed25519(), ed25519_dalek::Signature::from_slice(signature)) else {
                return false;
            };
            vk.verify_strict(message, &sig).is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::edwards::CompressedEdwardsY;

    #[test]
    fn small_order_table_is_the_eight_torsion_and_its_non_canonical_encodings() {
        let mut expected: alloc::vec::Vec<[u8; 32]> = alloc::vec::Vec::new();
        for p in EIGHT_TORSION {
            let mut y = p.compress().to_bytes();
            y[31] &= 0x7f;
            if !expected.contains(&y) {
                expected.push(y);
            }
        }
        // p and p + 1 encode y = 0 and y = 1 non-canonically.
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        let mut p1 = p;
        p1[0] = 0xee;
        expected.push(p);
        expected.push(p1);
        assert_eq!(expected.len(), SMALL_ORDER_Y.len());
        for y in &expected {
            assert!(SMALL_ORDER_Y.contains(y));
        }
        // Every listed encoding, with either sign bit, that decompresses is of small order.
        for y in SMALL_ORDER_Y {
            for sign in [0u8, 0x80] {
                let mut e = y;
                e[31] |= sign;
                if let Some(pt) = CompressedEdwardsY(e).decompress() {
                    assert!(pt.is_small_order());
                }
            }
        }
    }

    #[test]
    fn large_order_r_passes() {
        // The base point is of large (prime) order.
        let b = curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.to_bytes();
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&b);
        assert!(ed25519_signature_well_formed(&sig));
        sig[0] = 1;
        sig[1..32].fill(0);
        assert!(!ed25519_signature_well_formed(&sig));
    }
}
