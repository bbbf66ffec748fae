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

/// Ed25519 signature conditions RFC 8032 §5.1.7 and `verify_strict` impose beyond the
/// verification equation: `S` canonical (< L) and `R` a valid point of large order. Backends
/// differ here (WebCrypto implementations verify cofactorless and may accept a small-order `R`),
/// so the core applies these to every backend's answer and the decision is the same everywhere.
pub fn ed25519_signature_well_formed(signature: &[u8]) -> bool {
    let (Some(r), Some(s)) = (signature.get(..32), signature.get(32..64)) else {
        return false;
    };
    if signature.len() != 64 {
        return false;
    }
    let (Ok(r), Ok(s)) = (<[u8; 32]>::try_from(r), <[u8; 32]>::try_from(s)) else {
        return false;
    };
    if bool::from(curve25519_dalek::Scalar::from_canonical_bytes(s).is_none()) {
        return false;
    }
    curve25519_dalek::edwards::CompressedEdwardsY(r).decompress().is_some_and(|p| !p.is_small_order())
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
