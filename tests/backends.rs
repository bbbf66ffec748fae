//! The decision does not depend on the signature backend: an external backend (WebCrypto in the
//! JS layer) that answers "valid" for an Ed25519 signature `verify_strict` would refuse — a
//! small-order R, a non-canonical S — or for a small-order key, does not get it accepted.

mod common;

use client_attestation::jose::b64;
use client_attestation::{Reason, RequestContext};
use common::*;
use serde_json::json;

fn ed_request(pop_signature: &[u8]) -> client_attestation::HttpRequest {
    let ed = ed25519(41);
    let att = att_with(|_, c| c["cnf"]["jwk"] = ed.public_key().to_jwk());
    let pop = sign(&ed, json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "EdDSA"}), pop_claims());
    let (input, _) = pop.rsplit_once('.').unwrap();
    request(Some(&att), Some(&format!("{input}.{}", b64::encode(pop_signature))))
}

#[test]
fn a_backend_cannot_accept_a_small_order_r() {
    // R = the identity point (y = 1), S = 0: "valid" for any message under a cofactorless check
    // with a small-order key, and a classic malleability vector otherwise.
    let mut sig = [0u8; 64];
    sig[0] = 1;
    let prepared = verifier().prepare(&ed_request(&sig), &RequestContext::at(NOW));
    assert_eq!(prepared.signature_checks().len(), 2);
    let verdict = prepared.settle(&[true, true]).complete(&[client_attestation::ReplayOutcome::Fresh]);
    assert_reason(&verdict, Reason::PopBadSignature);
}

#[test]
fn a_backend_cannot_accept_a_non_canonical_s() {
    // A genuine signature with S replaced by S + L (same equation, non-canonical scalar).
    let ed = ed25519(41);
    let pop = sign(&ed, json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "EdDSA"}), pop_claims());
    let mut sig = b64::decode(pop.rsplit('.').next().unwrap()).unwrap();
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        sig[32 + i] = v as u8;
        carry = v >> 8;
    }
    let prepared = verifier().prepare(&ed_request(&sig), &RequestContext::at(NOW));
    let verdict = prepared.settle(&[true, true]).complete(&[client_attestation::ReplayOutcome::Fresh]);
    assert_reason(&verdict, Reason::PopBadSignature);
}

#[test]
fn small_order_ed25519_keys_are_refused_everywhere() {
    // The point with y = 1 encodes the identity; x = AQAA… is a small-order key.
    let weak = json!({"kty": "OKP", "crv": "Ed25519", "x": "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"});
    let att = att_with(|_, c| c["cnf"]["jwk"] = weak.clone());
    assert_reason(&run_pair(&verifier(), &att, &valid_pop()), Reason::AttestationCnfInvalid);
    let policy = {
        let mut p = policy_json();
        p["attesters"][0]["jwks"]["keys"] = json!([weak]);
        p
    };
    assert!(client_attestation::Policy::from_json(&policy.to_string()).is_err());
}

#[test]
fn genuine_ed25519_signatures_pass_the_pre_checks() {
    let ed = ed25519(42);
    for i in 0..50 {
        let msg = format!("message {i}");
        assert!(client_attestation::jose::sig::ed25519_signature_well_formed(&ed.sign(msg.as_bytes())));
    }
}
