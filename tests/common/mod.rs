//! Shared fixtures: the draft's published example keys (attester kid "11" and the client
//! instance key), a signer for arbitrary header/claim text, and request helpers.
#![allow(dead_code)]

use client_attestation::builder::{SigningKey, assemble};
use client_attestation::jose::b64;
use client_attestation::{HttpRequest, MemoryReplayStore, Reason, RequestContext, Verdict, Verifier};
use serde_json::{Map, Value, json};

/// The draft examples' time.
pub const NOW: i64 = 1772487600;
pub const AS: &str = "https://as.example.com";
pub const RS: &str = "https://rs.example.com";
pub const CLIENT: &str = "https://client.example.com";

pub const DRAFT_ATT: &str = include_str!("../fixtures/draft/client-attestation.jwt");
pub const DRAFT_POP_AS: &str = include_str!("../fixtures/draft/client-attestation-pop.as.jwt");
pub const DRAFT_POP_RS: &str = include_str!("../fixtures/draft/client-attestation-pop.rs.jwt");

fn obj(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => panic!("fixture is not a JSON object"),
    }
}

pub fn attester_key() -> SigningKey {
    SigningKey::from_jwk(&obj(include_str!("../fixtures/keys/attester-key.private.jwk.json"))).unwrap().with_kid("11")
}

pub fn instance_key() -> SigningKey {
    SigningKey::from_jwk(&obj(include_str!("../fixtures/keys/client-instance-key.private.jwk.json"))).unwrap()
}

/// Another P-256 key (not trusted, not the instance key).
pub fn other_p256() -> SigningKey {
    SigningKey::p256(&[0x42; 32]).unwrap()
}

pub fn ed25519(seed: u8) -> SigningKey {
    SigningKey::ed25519(&[seed; 32]).unwrap()
}

/// The policy JSON used by most tests: the draft attester trusted for CLIENT, audience AS.
pub fn policy_json() -> Value {
    serde_json::from_str(include_str!("../fixtures/policy.as.json")).unwrap()
}

pub fn verifier_with(edit: impl FnOnce(&mut Value)) -> Verifier {
    let mut p = policy_json();
    edit(&mut p);
    Verifier::from_json(&p.to_string()).unwrap()
}

pub fn verifier() -> Verifier {
    verifier_with(|_| {})
}

/// Signs arbitrary header and payload *text* (so tests can send duplicates, wrong types…).
pub fn sign_raw(key: &SigningKey, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64::encode(header.as_bytes()), b64::encode(payload.as_bytes()));
    assemble(&input, &key.sign(input.as_bytes()))
}

pub fn sign(key: &SigningKey, header: Value, claims: Value) -> String {
    sign_raw(key, &header.to_string(), &claims.to_string())
}

pub fn att_header() -> Value {
    json!({"typ": "oauth-client-attestation+jwt", "alg": "ES256", "kid": "11"})
}

pub fn att_claims() -> Value {
    json!({
        "sub": CLIENT,
        "iat": NOW - 60,
        "exp": NOW + 3600,
        "cnf": {"jwk": instance_key().public_key().to_jwk()}
    })
}

pub fn pop_header() -> Value {
    json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "ES256"})
}

pub fn pop_claims() -> Value {
    json!({"aud": AS, "jti": "jti-1", "iat": NOW - 5})
}

/// Attestation with edited header/claims, signed by the draft attester.
pub fn att_with(edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let (mut h, mut c) = (att_header(), att_claims());
    edit(&mut h, &mut c);
    sign(&attester_key(), h, c)
}

/// PoP with edited header/claims, signed by the instance key.
pub fn pop_with(edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let (mut h, mut c) = (pop_header(), pop_claims());
    edit(&mut h, &mut c);
    sign(&instance_key(), h, c)
}

pub fn valid_att() -> String {
    att_with(|_, _| {})
}

pub fn valid_pop() -> String {
    pop_with(|_, _| {})
}

pub fn request(att: Option<&str>, pop: Option<&str>) -> HttpRequest {
    let mut r = HttpRequest::new("POST", format!("{AS}/token"));
    if let Some(a) = att {
        r = r.header("OAuth-Client-Attestation", a.trim());
    }
    if let Some(p) = pop {
        r = r.header("OAuth-Client-Attestation-PoP", p.trim());
    }
    r
}

pub fn run(v: &Verifier, req: &HttpRequest, ctx: &RequestContext) -> Verdict {
    v.verify(req, ctx, &mut MemoryReplayStore::default())
}

pub fn run_pair(v: &Verifier, att: &str, pop: &str) -> Verdict {
    run(v, &request(Some(att), Some(pop)), &RequestContext::at(NOW))
}

/// Asserts a rejection with `reason`, and that the spec error code is the table's.
#[track_caller]
pub fn assert_reason(v: &Verdict, reason: Reason) {
    match &v.outcome {
        Ok(_) => panic!("accepted, expected {}", reason.code()),
        Err(r) => {
            assert_eq!(r.reason, reason, "got {} ({})", r.reason.code(), r.description());
            assert_eq!(v.audit.reason, Some(reason.code()));
            assert_eq!(v.audit.error, Some(reason.error().as_str()));
        }
    }
}

#[track_caller]
pub fn assert_accepted(v: &Verdict) {
    if let Err(r) = &v.outcome {
        panic!("rejected: {} ({})", r.reason.code(), r.description());
    }
    assert_eq!(v.audit.decision, "accept");
}
