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
