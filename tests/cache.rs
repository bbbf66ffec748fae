//! The verified-attestation cache: only signature work is skipped, only verified attestations
//! get in, and never past their `exp`.

mod common;

use client_attestation::{AttestationCache, MemoryReplayStore, Reason, RequestContext, Signed};
use common::*;
use serde_json::json;

#[test]
fn a_hit_skips_only_the_attestation_signature() {
    let v = verifier();
    let mut cache = AttestationCache::default();
    let mut store = MemoryReplayStore::default();
    let att = valid_att();
    let first =
        v.verify_cached(&request(Some(&att), Some(&valid_pop())), &RequestContext::at(NOW), &mut store, &mut cache);
    assert_accepted(&first);
    assert_eq!(cache.len(), 1);
    // The next request with the same attestation needs only the PoP signature.
    let p2 = pop_with(|_, c| c["jti"] = json!("jti-2"));
    let prepared = v.prepare_cached(&request(Some(&att), Some(&p2)), &RequestContext::at(NOW), Some(&cache));
    let kinds: Vec<Signed> = prepared.signature_checks().iter().map(|c| c.artefact).collect();
    assert_eq!(kinds, [Signed::Pop]);
    let second = v.verify_cached(&request(Some(&att), Some(&p2)), &RequestContext::at(NOW), &mut store, &mut cache);
    assert_accepted(&second);
    assert_eq!(second.audit, {
        let mut a = first.audit.clone();
        a.jti = Some("jti-2".into());
        a
    });
}

#[test]
fn time_and_request_checks_still_run_on_a_hit() {
    let v = verifier();
    let mut cache = AttestationCache::default();
    let att = att_with(|_, c| c["exp"] = json!(NOW + 100));
    let mut store = MemoryReplayStore::default();
    assert_accepted(&v.verify_cached(
        &request(Some(&att), Some(&valid_pop())),
        &RequestContext::at(NOW),
        &mut store,
        &mut cache,
    ));
    // Expired by now + 200, though cached: use_fresh_attestation.
    let later = NOW + 200;
    let p = pop_with(|_, c| {
        c["jti"] = json!("late");
        c["iat"] = json!(later);
    });
    let v2 = v.verify_cached(&request(Some(&att), Some(&p)), &RequestContext::at(later), &mut store, &mut cache);
    assert_reason(&v2, Reason::AttestationExpired);
    // client_id is still compared.
    let mut ctx = RequestContext::at(NOW);
    ctx.client_id = Some("other".into());
    let p3 = pop_with(|_, c| c["jti"] = json!("cid"));
    assert_reason(
        &v.verify_cached(&request(Some(&att), Some(&p3)), &ctx, &mut store, &mut cache),
        Reason::ClientIdMismatch,
    );
}

#[test]
fn forged_or_altered_attestations_never_enter_or_hit() {
    let v = verifier();
    let mut cache = AttestationCache::default();
    let mut store = MemoryReplayStore::default();
    let forged = sign(&other_p256(), att_header(), att_claims());
    let r =
        v.verify_cached(&request(Some(&forged), Some(&valid_pop())), &RequestContext::at(NOW), &mut store, &mut cache);
    assert_reason(&r, Reason::AttestationBadSignature);
    assert!(cache.is_empty());
    // Cache the genuine one, then present it with one signature byte changed: a different
    // hash, so the signature is verified (and fails).
    let att = valid_att();
    assert_accepted(&v.verify_cached(
        &request(Some(&att), Some(&valid_pop())),
        &RequestContext::at(NOW),
        &mut store,
        &mut cache,
    ));
    let mut altered = att.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'Q' } else { 'A' });
    let p = pop_with(|_, c| c["jti"] = json!("alt"));
    let r = v.verify_cached(&request(Some(&altered), Some(&p)), &RequestContext::at(NOW), &mut store, &mut cache);
    assert!(matches!(
        r.rejection().map(|x| x.reason),
        Some(Reason::AttestationBadSignature | Reason::AttestationBadBase64)
    ));
}

#[test]
fn a_hit_is_bound_to_the_keys_the_token_may_use() {
    // Cached under one policy's key, the same token under a policy trusting another key for
    // that kid is not a hit (the cache stores the verifying key's thumbprint).
    let v = verifier();
    let mut cache = AttestationCache::default();
    let mut store = MemoryReplayStore::default();
    let att = valid_att();
    assert_accepted(&v.verify_cached(
        &request(Some(&att), Some(&valid_pop())),
        &RequestContext::at(NOW),
        &mut store,
        &mut cache,
    ));
    let other = verifier_with(|p| {
        let mut k = other_p256().public_key().to_jwk();
        k["kid"] = json!("11");
        p["attesters"][0]["jwks"]["keys"] = json!([k]);
    });
    let p = pop_with(|_, c| c["jti"] = json!("other-policy"));
    let r = other.verify_cached(&request(Some(&att), Some(&p)), &RequestContext::at(NOW), &mut store, &mut cache);
    assert_reason(&r, Reason::AttestationBadSignature);
}
