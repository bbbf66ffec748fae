//! One test (or more) per verifiable requirement id of the digest. Each negative case differs
//! from a valid request in exactly the property the requirement is about, so it fails as soon
//! as that check is removed; each asserts the stable reason code and the spec error code.

mod common;

use client_attestation::builder::SigningKey;
use client_attestation::jose::b64;
use client_attestation::{ErrorCode, MemoryReplayStore, Reason, RequestContext, Verifier};
use common::*;
use serde_json::{Value, json};

#[test]
fn baseline_valid_request_is_accepted() {
    let v = run_pair(&verifier(), &valid_att(), &valid_pop());
    assert_accepted(&v);
    let a = v.outcome.as_ref().unwrap();
    assert_eq!(a.client_id, CLIENT);
    assert_eq!(a.instance_key.thumbprint(), "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU");
    assert_eq!(v.audit.attester_kid.as_deref(), Some("11"));
    assert_eq!(v.audit.attester.as_deref(), Some("draft example attester"));
    assert_eq!(v.audit.instance_key_thumbprint.as_deref(), Some("Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU"));
    assert_eq!(v.audit.mechanism, Some("attestation_pop_jwt"));
    // Every check ran and passed (or did not apply), in spec order.
    assert!(v.checks.windows(2).all(|w| w[0].check < w[1].check));
    assert!(
        v.checks
            .iter()
            .all(|c| matches!(c.status, client_attestation::Status::Pass | client_attestation::Status::NotApplicable))
    );
}

// ---------------------------------------------------------------------------- R-ATT-1 / R-ATT-15

#[test]
fn r_att_1_missing_attestation_is_invalid_client() {
    let v = run(&verifier(), &request(None, Some(&valid_pop())), &RequestContext::at(NOW));
    assert_reason(&v, Reason::AttestationMissing);
    assert_eq!(Reason::AttestationMissing.error(), ErrorCode::InvalidClient);
    let resp = verifier().error_response(&v, None).unwrap();
    assert_eq!(resp.status, 401);
}

#[test]
fn r_att_1_duplicated_attestation_lines_and_folded_values() {
    let (a, p) = (valid_att(), valid_pop());
    let two_lines = request(Some(&a), Some(&p)).header("oauth-client-attestation", a.as_str());
    assert_reason(&run(&verifier(), &two_lines, &RequestContext::at(NOW)), Reason::AttestationDuplicated);
    let folded = request(Some(&format!("{a}, {a}")), Some(&p));
    assert_reason(&run(&verifier(), &folded, &RequestContext::at(NOW)), Reason::AttestationDuplicated);
}

#[test]
fn r_att_15_header_names_are_case_insensitive() {
    let r = client_attestation::HttpRequest::new("POST", "https://as.example.com/token")
        .header("oauth-client-attestation", valid_att())
        .header("OAUTH-CLIENT-ATTESTATION-POP", valid_pop());
    assert_accepted(&run(&verifier(), &r, &RequestContext::at(NOW)));
}

// ------------------------------------------------------------------------------------- R-ATT-2

#[test]
fn r_att_2_compact_serialization() {
    let a = valid_att();
    let p = valid_pop();
    let parts: Vec<&str> = a.split('.').collect();
    let cases: Vec<(String, Reason)> = vec![
        (format!("{}.{}", parts[0], parts[1]), Reason::AttestationMalformed),
        (format!("{a}.x"), Reason::AttestationMalformed),
        (format!("{}..{}", parts[0], parts[2]), Reason::AttestationMalformed),
        (format!("{a}.x.y"), Reason::AttestationEncrypted),
        (format!("{}=.{}.{}", parts[0], parts[1], parts[2]), Reason::AttestationBadBase64),
        (a.replace('-', "+").replace('_', "/"), Reason::AttestationBadBase64),
        (format!("{}.{}.{}", parts[0], "A".repeat(17 * 1024), parts[2]), Reason::AttestationTooLarge),
    ];
    for (token, reason) in cases {
        if token == a {
            continue; // the alphabet swap only matters if the token has - or _
        }
        assert_reason(&run_pair(&verifier(), &token, &p), reason);
    }
}

// ------------------------------------------------------------------------------------- R-ATT-3

#[test]
fn r_att_3_json_objects_without_duplicates() {
    let k = attester_key();
    let h = att_header().to_string();
    let c = att_claims();
    let dup_payload = format!(r#"{{"sub":"{CLIENT}","sub":"https://evil.example",{}"#, &c.to_string()[1..]);
    let dup_header = format!(r#"{{"alg":"ES256","alg":"none",{}"#, &h[1..]);
    let p = valid_pop();
    assert_reason(&run_pair(&verifier(), &sign_raw(&k, &h, &dup_payload), &p), Reason::AttestationDuplicateMember);
    assert_reason(
        &run_pair(&verifier(), &sign_raw(&k, &dup_header, &c.to_string()), &p),
        Reason::AttestationDuplicateMember,
    );
    assert_reason(&run_pair(&verifier(), &sign_raw(&k, &h, "[1,2]"), &p), Reason::AttestationNotObject);
    assert_reason(&run_pair(&verifier(), &sign_raw(&k, &h, "{\"sub\":"), &p), Reason::AttestationBadJson);
    let deep = format!("{}1{}", "{\"a\":".repeat(20), "}".repeat(20));
    assert_reason(&run_pair(&verifier(), &sign_raw(&k, &h, &deep), &p), Reason::AttestationTooDeep);
    // Not UTF-8.
    let input = format!("{}.{}", b64::encode(h.as_bytes()), b64::encode(b"{\"sub\":\"\xff\"}"));
    let bad = client_attestation::builder::assemble(&input, &k.sign(input.as_bytes()));
    assert_reason(&run_pair(&verifier(), &bad, &p), Reason::AttestationNotUtf8);
}

#[test]
fn r_att_3_numeric_dates_crit_and_nbf() {
    let p = valid_pop();
    let exp_string = att_with(|_, c| c["exp"] = json!((NOW + 3600).to_string()));
    assert_reason(&run_pair(&verifier(), &exp_string, &p), Reason::AttestationClaimType);
    let iat_negative = att_with(|_, c| c["iat"] = json!(-1));
    assert_reason(&run_pair(&verifier(), &iat_negative, &p), Reason::AttestationClaimType);
    let sub_number = att_with(|_, c| c["sub"] = json!(42));
    assert_reason(&run_pair(&verifier(), &sub_number, &p), Reason::AttestationClaimType);
    let crit = att_with(|h, _| {
        h["crit"] = json!(["urn:example:ext"]);
        h["urn:example:ext"] = json!(true);
    });
    assert_reason(&run_pair(&verifier(), &crit, &p), Reason::AttestationCritUnsupported);
    let nbf_future = att_with(|_, c| c["nbf"] = json!(NOW + 600));
    assert_reason(&run_pair(&verifier(), &nbf_future, &p), Reason::AttestationNotYetValid);
    // nbf within the tolerance, and in the past: accepted.
    assert_accepted(&run_pair(&verifier(), &att_with(|_, c| c["nbf"] = json!(NOW + 20)), &p));
    // Fractional NumericDates are numbers too.
    assert_accepted(&run_pair(&verifier(), &att_with(|_, c| c["exp"] = json!((NOW + 3600) as f64 + 0.5)), &p));
}

// ------------------------------------------------------------------------------------- R-ATT-4

#[test]
fn r_att_4_typ() {
    let p = valid_pop();
    for typ in [Some("oauth-client-attestation-pop+jwt"), Some("dpop+jwt"), Some("JWT"), Some("application/jwt"), None]
    {
        let a = att_with(|h, _| match typ {
            Some(t) => h["typ"] = json!(t),
            None => {
                h.as_object_mut().unwrap().remove("typ");
            }
        });
        assert_reason(&run_pair(&verifier(), &a, &p), Reason::AttestationTyp);
    }
    // RFC 7515 §4.1.9: case-insensitive, optional "application/".
    for typ in ["application/oauth-client-attestation+jwt", "OAuth-Client-Attestation+JWT"] {
        assert_accepted(&run_pair(&verifier(), &att_with(|h, _| h["typ"] = json!(typ)), &valid_pop()));
    }
}

#[test]
fn r_att_4_and_r_pop_3_typ_confusion_both_ways() {
    // A PoP in the attestation slot, an attestation in the PoP slot (RFC 8725 §3.12).
    let (a, p) = (valid_att(), valid_pop());
    let v = run_pair(&verifier(), &p, &a);
    assert_reason(&v, Reason::AttestationTyp);
    let pop_check = v.checks.iter().find(|c| c.check == client_attestation::Check::PopTyp).unwrap();
    assert!(matches!(&pop_check.status, client_attestation::Status::Fail(r) if r.reason == Reason::PopTyp));
}

// ------------------------------------------------------------------------------------- R-ATT-5

#[test]
fn r_att_5_alg() {
    let p = valid_pop();
    // alg none, unsecured (empty signature) and with a signature.
    let h = b64::encode(br#"{"typ":"oauth-client-attestation+jwt","alg":"none","kid":"11"}"#);
    let c = b64::encode(att_claims().to_string().as_bytes());
    assert_reason(&run_pair(&verifier(), &format!("{h}.{c}."), &p), Reason::AttestationAlgNone);
    assert_reason(&run_pair(&verifier(), &att_with(|h, _| h["alg"] = json!("none")), &p), Reason::AttestationAlgNone);
    for alg in ["HS256", "RS256", "ES384", "es256", "", "PS256"] {
        assert_reason(
            &run_pair(&verifier(), &att_with(|h, _| h["alg"] = json!(alg)), &p),
            Reason::AttestationAlgNotAllowed,
        );
    }
    let no_alg = att_with(|h, _| {
        h.as_object_mut().unwrap().remove("alg");
    });
    assert_reason(&run_pair(&verifier(), &no_alg, &p), Reason::AttestationAlgNotAllowed);
    // ES256 is valid but not on this policy's allow-list.
    let eddsa_only = verifier_with(|p| p["algorithms"] = json!(["EdDSA"]));
    assert_reason(&run_pair(&eddsa_only, &valid_att(), &p), Reason::AttestationAlgNotAllowed);
}

// ------------------------------------------------------------------------------- R-ATT-6 / R-ATT-17

#[test]
fn r_att_6_trusted_attester_signature() {
    let p = valid_pop();
    // Unknown kid.
    assert_reason(&run_pair(&verifier(), &att_with(|h, _| h["kid"] = json!("12")), &p), Reason::AttestationUnknownKey);
    // Right kid, signed by another key.
    let forged = sign(&other_p256(), att_header(), att_claims());
    assert_reason(&run_pair(&verifier(), &forged, &p), Reason::AttestationBadSignature);
    // The draft attestation with its signature bytes altered.
    let mut sig = b64::decode(DRAFT_ATT.trim().rsplit('.').next().unwrap()).unwrap();
    sig[10] ^= 0x01;
    let (hp, _) = DRAFT_ATT.trim().rsplit_once('.').unwrap();
    assert_reason(&run_pair(&verifier(), &format!("{hp}.{}", b64::encode(&sig)), &p), Reason::AttestationBadSignature);
    // EdDSA claimed with the attester's EC key: no trusted key fits (RFC 8725 §3.1).
    assert_reason(
        &run_pair(&verifier(), &att_with(|h, _| h["alg"] = json!("EdDSA")), &p),
        Reason::AttestationUnknownKey,
    );
    // The attester is trusted, but only for another client_id.
    let restricted = verifier_with(|p| p["attesters"][0]["clientIds"] = json!(["https://other.example"]));
    assert_reason(&run_pair(&restricted, &valid_att(), &p), Reason::AttestationAttesterNotAllowed);
}

/// `token` with its signature segment replaced by `len` bytes.
fn with_signature_len(token: &str, len: usize) -> String {
    let (hp, _) = token.trim().rsplit_once('.').unwrap();
    format!("{hp}.{}", b64::encode(&vec![7u8; len]))
}

#[test]
fn r_att_6_r_pop_5_signatures_of_the_wrong_length_are_refused_before_any_backend() {
    // ES256 and Ed25519 signatures are 64 bytes: any other length is a bad signature, decided
    // by the core without queueing a check (so no backend sees an unbounded signature).
    let v = verifier();
    let ctx = RequestContext::at(NOW);
    for len in [63, 65, 300, 4096] {
        let att = with_signature_len(&valid_att(), len);
        let req = request(Some(&att), Some(&valid_pop()));
        assert_reason(&run(&v, &req, &ctx), Reason::AttestationBadSignature);
        let prepared = v.prepare(&req, &ctx);
        assert!(
            prepared.signature_checks().iter().all(|c| c.artefact != client_attestation::Signed::Attestation),
            "a {len}-byte attestation signature was queued"
        );
        let pop = with_signature_len(&valid_pop(), len);
        let req = request(Some(&valid_att()), Some(&pop));
        assert_reason(&run(&v, &req, &ctx), Reason::PopBadSignature);
        let prepared = v.prepare(&req, &ctx);
        assert!(
            prepared.signature_checks().iter().all(|c| c.artefact != client_attestation::Signed::Pop),
            "a {len}-byte PoP signature was queued"
        );
    }
}

#[test]
fn r_att_6_key_without_kid_and_token_without_kid() {
    let p = valid_pop();
    // A pinned key without kid matches any kid; a token without kid tries each fitting key.
    let no_kid_in_policy = verifier_with(|p| {
        p["attesters"][0]["jwks"]["keys"][0].as_object_mut().unwrap().remove("kid");
    });
    assert_accepted(&run_pair(&no_kid_in_policy, &valid_att(), &p));
    let no_kid_in_token = att_with(|h, _| {
        h.as_object_mut().unwrap().remove("kid");
    });
    let two_attesters = verifier_with(|p| {
        let other = other_p256().public_key().to_jwk();
        p["attesters"].as_array_mut().unwrap().insert(0, json!({"jwks": {"keys": [other]}}));
    });
    assert_accepted(&run_pair(&two_attesters, &no_kid_in_token, &p));
}

#[test]
fn r_att_6_a_token_without_kid_tries_a_bounded_number_of_keys() {
    // With five kid-less trusted keys, a kid-less token would cost five verifications: refused.
    let no_kid = att_with(|h, _| {
        h.as_object_mut().unwrap().remove("kid");
    });
    let many = verifier_with(|p| {
        let mut keys: Vec<Value> =
            (1..=4u8).map(|i| SigningKey::p256(&[i; 32]).unwrap().public_key().to_jwk()).collect();
        let mut draft = p["attesters"][0]["jwks"]["keys"][0].clone();
        draft.as_object_mut().unwrap().remove("kid");
        keys.push(draft);
        p["attesters"][0]["jwks"]["keys"] = json!(keys);
    });
    let v = run_pair(&many, &no_kid, &valid_pop());
    assert_reason(&v, Reason::AttestationUnknownKey);
    assert!(v.rejection().unwrap().description().contains("needs a kid"));
    // Four are tried.
    let four = verifier_with(|p| {
        let mut keys: Vec<Value> =
            (1..=3u8).map(|i| SigningKey::p256(&[i; 32]).unwrap().public_key().to_jwk()).collect();
        keys.push(p["attesters"][0]["jwks"]["keys"][0].clone());
        p["attesters"][0]["jwks"]["keys"] = json!(keys);
    });
    assert_accepted(&run_pair(&four, &no_kid, &valid_pop()));
}

#[test]
fn r_att_10_a_cnf_key_for_encryption_is_refused() {
    let a = att_with(|_, c| c["cnf"]["jwk"]["use"] = json!("enc"));
    assert_reason(&run_pair(&verifier(), &a, &valid_pop()), Reason::AttestationCnfInvalid);
}

#[test]
fn r_att_17_jku_and_x5u_are_never_followed() {
    // A token pointing at its own key set: the verifier uses only the policy's keys.
    let evil = other_p256();
    let mut h = att_header();
    h["kid"] = json!("evil");
    h["jku"] = json!("https://attacker.example/jwks.json");
    h["x5u"] = json!("https://attacker.example/cert.pem");
    h["jwk"] = evil.public_key().to_jwk();
    let token = sign(&evil, h.clone(), att_claims());
    assert_reason(&run_pair(&verifier(), &token, &valid_pop()), Reason::AttestationUnknownKey);
    // With the trusted key's kid, the header's own keys are still never used: signed by the
    // key they name, it is a bad signature; signed by the trusted key, they are ignored.
    h["kid"] = att_header()["kid"].clone();
    assert_reason(
        &run_pair(&verifier(), &sign(&evil, h.clone(), att_claims()), &valid_pop()),
        Reason::AttestationBadSignature,
    );
    assert_accepted(&run_pair(&verifier(), &sign(&attester_key(), h, att_claims()), &valid_pop()));
}

// ------------------------------------------------------------------------------- R-ATT-7 / R-ATT-8

#[test]
fn r_att_7_sub_required() {
    let open = verifier_with(|p| {
        p["attesters"][0].as_object_mut().unwrap().remove("clientIds");
    });
    let no_sub = att_with(|_, c| {
        c.as_object_mut().unwrap().remove("sub");
    });
    assert_reason(&run_pair(&open, &no_sub, &valid_pop()), Reason::AttestationSubMissing);
    assert_reason(
        &run_pair(&open, &att_with(|_, c| c["sub"] = json!("")), &valid_pop()),
        Reason::AttestationSubMissing,
    );
}

#[test]
fn r_att_8_client_id_equals_sub() {
    let req = request(Some(&valid_att()), Some(&valid_pop()));
    let mut ctx = RequestContext::at(NOW);
    ctx.client_id = Some("s6BhdRkqt3".into());
    let v = run(&verifier(), &req, &ctx);
    assert_reason(&v, Reason::ClientIdMismatch);
    assert_eq!(verifier().error_response(&v, None).unwrap().status, 401);
    ctx.client_id = Some(CLIENT.into());
    assert_accepted(&run(&verifier(), &req, &ctx));
}

#[test]
fn r_att_8_client_id_from_the_form_body() {
    let req =
        request(Some(&valid_att()), Some(&valid_pop())).header("Content-Type", "application/x-www-form-urlencoded");
    let with_form = |body: &str| {
        let mut ctx = RequestContext::at(NOW);
        ctx.form_body = Some(body.into());
        run(&verifier(), &req, &ctx)
    };
    assert_accepted(&with_form("grant_type=client_credentials&client_id=https%3A%2F%2Fclient.example.com"));
    assert_reason(&with_form("grant_type=client_credentials&client_id=s6BhdRkqt3"), Reason::ClientIdMismatch);
    // RFC 6749 §3.1: a parameter must not be repeated; a malformed or oversized form is refused.
    let repeated = with_form(&format!("client_id={}&client_id=s6BhdRkqt3", "https%3A%2F%2Fclient.example.com"));
    assert_reason(&repeated, Reason::RequestInvalid);
    assert!(repeated.rejection().unwrap().description().contains("more than once"));
    assert_reason(&with_form("client_id=%zz"), Reason::RequestInvalid);
    assert_reason(&with_form(&"a".repeat(64 * 1024 + 1)), Reason::RequestInvalid);
    // Not a form: the body is not read.
    let mut ctx = RequestContext::at(NOW);
    ctx.form_body = Some("client_id=x&client_id=y".into());
    assert_accepted(&run(&verifier(), &request(Some(&valid_att()), Some(&valid_pop())), &ctx));
}

#[test]
fn draft_par_example_violates_sub_equals_client_id() {
    // The draft's own PAR example sends client_id=s6BhdRkqt3 with sub https://client.example.com.
    let mut ctx = RequestContext::at(NOW);
    ctx.client_id = Some("s6BhdRkqt3".into());
    let v = run(&verifier(), &request(Some(DRAFT_ATT), Some(DRAFT_POP_AS)), &ctx);
    assert_reason(&v, Reason::ClientIdMismatch);
}

// ------------------------------------------------------------------------------------- R-ATT-9

#[test]
fn r_att_9_exp() {
    let p = valid_pop();
    let no_exp = att_with(|_, c| {
        c.as_object_mut().unwrap().remove("exp");
    });
    assert_reason(&run_pair(&verifier(), &no_exp, &p), Reason::AttestationExpMissing);
    let expired = att_with(|_, c| c["exp"] = json!(NOW - 31));
    let v = run_pair(&verifier(), &expired, &p);
    assert_reason(&v, Reason::AttestationExpired);
    assert_eq!(v.rejection().unwrap().error(), ErrorCode::UseFreshAttestation);
    // Within the 30 s tolerance.
    assert_accepted(&run_pair(&verifier(), &att_with(|_, c| c["exp"] = json!(NOW - 29)), &p));
}

// ------------------------------------------------------------------------------ R-ATT-10 / R-ATT-11

#[test]
fn r_att_10_cnf_jwk() {
    let p = valid_pop();
    let cases: Vec<(Value, Reason)> = vec![
        (Value::Null, Reason::AttestationCnfMissing),
        (json!({"jkt": "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU"}), Reason::AttestationCnfMissing),
        (json!("not an object"), Reason::AttestationCnfMissing),
        (json!({"jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}}), Reason::AttestationCnfUnsupported),
        (json!({"jwk": {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}}), Reason::AttestationCnfUnsupported),
        (
            json!({"jwk": {"kty": "EC", "crv": "P-256", "x": "VcKVNBZ4IaBAYW3jxM4w3TJFVA7myeUGQyGt-g_yvpQ", "y": "VcKVNBZ4IaBAYW3jxM4w3TJFVA7myeUGQyGt-g_yvpQ"}}),
            Reason::AttestationCnfInvalid,
        ),
        (json!({"jwk": {"kty": "EC", "crv": "P-256", "x": "AA"}}), Reason::AttestationCnfInvalid),
    ];
    for (cnf, reason) in cases {
        let a = att_with(|_, c| {
            if cnf.is_null() {
                c.as_object_mut().unwrap().remove("cnf");
            } else {
                c["cnf"] = cnf.clone();
            }
        });
        assert_reason(&run_pair(&verifier(), &a, &p), reason);
    }
}

#[test]
fn r_att_11_cnf_must_be_public() {
    let p = valid_pop();
    let private: Value =
        serde_json::from_str(include_str!("fixtures/keys/client-instance-key.private.jwk.json")).unwrap();
    assert_reason(
        &run_pair(&verifier(), &att_with(|_, c| c["cnf"]["jwk"] = private.clone()), &p),
        Reason::AttestationCnfPrivate,
    );
    assert_reason(
        &run_pair(&verifier(), &att_with(|_, c| c["cnf"]["jwk"] = json!({"kty": "oct", "k": "c2VjcmV0"})), &p),
        Reason::AttestationCnfPrivate,
    );
}

// ------------------------------------------------------------------------------------ R-ATT-12

#[test]
fn r_att_12_freshness() {
    let p = valid_pop();
    let future = att_with(|_, c| c["iat"] = json!(NOW + 120));
    assert_reason(&run_pair(&verifier(), &future, &p), Reason::AttestationIssuedInFuture);
    let max_age = verifier_with(|p| p["maxAttestationAge"] = json!(3600));
    let old = att_with(|_, c| c["iat"] = json!(NOW - 3600 - 31));
    let v = run_pair(&max_age, &old, &p);
    assert_reason(&v, Reason::AttestationTooOld);
    assert_eq!(v.rejection().unwrap().error(), ErrorCode::UseFreshAttestation);
    assert_accepted(&run_pair(&max_age, &att_with(|_, c| c["iat"] = json!(NOW - 3600)), &p));
    let no_iat = att_with(|_, c| {
        c.as_object_mut().unwrap().remove("iat");
    });
    assert_accepted(&run_pair(&verifier(), &no_iat, &p));
    assert_reason(&run_pair(&max_age, &no_iat, &p), Reason::AttestationTooOld);
    let require_iat = verifier_with(|p| p["requireAttestationIat"] = json!(true));
    assert_reason(&run_pair(&require_iat, &no_iat, &p), Reason::AttestationIatMissing);
}

// ------------------------------------------------------------------------------ R-ATT-13 / R-ATT-14

#[test]
fn r_att_13_unknown_claims_are_ignored() {
    let a = att_with(|h, c| {
        c["iss"] = json!("https://attester.example.com");
        c["status"] = json!({"status_list": {"idx": 1, "uri": "https://x"}});
        c["wallet_name"] = json!("Example");
        h["x5c"] = json!(["not-used"]);
    });
    assert_accepted(&run_pair(&verifier(), &a, &valid_pop()));
}

#[test]
fn r_att_14_attestation_is_reusable_across_requests() {
    let v = verifier();
    let mut store = MemoryReplayStore::default();
    let a = valid_att();
    for i in 0..3 {
        let p = pop_with(|_, c| c["jti"] = json!(format!("jti-{i}")));
        assert_accepted(&v.verify(&request(Some(&a), Some(&p)), &RequestContext::at(NOW), &mut store));
    }
}

// ------------------------------------------------------------------------------------- R-POP-1

#[test]
fn r_pop_1_exactly_one_pop_header() {
    let (a, p) = (valid_att(), valid_pop());
    let v = run(&verifier(), &request(Some(&a), None), &RequestContext::at(NOW));
    assert_reason(&v, Reason::PopMissing);
    let two = request(Some(&a), Some(&p)).header("OAuth-Client-Attestation-PoP", p.as_str());
    assert_reason(&run(&verifier(), &two, &RequestContext::at(NOW)), Reason::PopDuplicated);
    let folded = request(Some(&a), Some(&format!("{p},{p}")));
    assert_reason(&run(&verifier(), &folded, &RequestContext::at(NOW)), Reason::PopDuplicated);
    // Attestation + DPoP without a PoP is combined mode, which this policy does not enable
    // (digest §5.1 rule 3).
    let dpop_only = request(Some(&a), None).header("DPoP", p.as_str());
    let v = run(&verifier(), &dpop_only, &RequestContext::at(NOW));
    assert_reason(&v, Reason::CombinedModeNotEnabled);
}

// ------------------------------------------------------------------------------------- R-POP-2

#[test]
fn r_pop_2_jose_and_legacy_time_claims() {
    let a = valid_att();
    let k = instance_key();
    let p = valid_pop();
    assert_reason(&run_pair(&verifier(), &a, &format!("{p}.x.y")), Reason::PopEncrypted);
    assert_reason(&run_pair(&verifier(), &a, "abc"), Reason::PopMalformed);
    let dup = format!(r#"{{"aud":"{AS}","aud":"{AS}","jti":"j","iat":{}}}"#, NOW);
    assert_reason(
        &run_pair(&verifier(), &a, &sign_raw(&k, &pop_header().to_string(), &dup)),
        Reason::PopDuplicateMember,
    );
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["iat"] = json!("now"))), Reason::PopClaimType);
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["exp"] = json!(NOW - 60))), Reason::PopExpired);
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["nbf"] = json!(NOW + 60))), Reason::PopNotYetValid);
    let crit = pop_with(|h, _| {
        h["crit"] = json!(["b64"]);
        h["b64"] = json!(false);
    });
    assert_reason(&run_pair(&verifier(), &a, &crit), Reason::PopCritUnsupported);
}

// ------------------------------------------------------------------------------------- R-POP-3

#[test]
fn r_pop_3_typ() {
    let a = valid_att();
    for typ in [Some("oauth-client-attestation+jwt"), Some("dpop+jwt"), Some("jwt"), None] {
        let p = pop_with(|h, _| match typ {
            Some(t) => h["typ"] = json!(t),
            None => {
                h.as_object_mut().unwrap().remove("typ");
            }
        });
        assert_reason(&run_pair(&verifier(), &a, &p), Reason::PopTyp);
    }
    assert_accepted(&run_pair(
        &verifier(),
        &a,
        &pop_with(|h, _| h["typ"] = json!("application/oauth-client-attestation-pop+jwt")),
    ));
}

// ------------------------------------------------------------------------------------- R-POP-4

#[test]
fn r_pop_4_alg_allow_list_asymmetric_and_fit() {
    let a = valid_att();
    let h = b64::encode(br#"{"typ":"oauth-client-attestation-pop+jwt","alg":"none"}"#);
    let c = b64::encode(pop_claims().to_string().as_bytes());
    assert_reason(&run_pair(&verifier(), &a, &format!("{h}.{c}.")), Reason::PopAlgNone);
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|h, _| h["alg"] = json!("HS256"))), Reason::PopAlgNotAllowed);
    // EdDSA over an EC instance key: the key decides the family.
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|h, _| h["alg"] = json!("EdDSA"))), Reason::PopAlgKeyMismatch);
    // cnf.jwk names its own alg, and the PoP uses another.
    let ed = ed25519(7);
    let att_ed = att_with(|_, c| {
        let mut jwk = ed.public_key().to_jwk();
        jwk["alg"] = json!("Ed25519");
        c["cnf"]["jwk"] = jwk;
    });
    let pop_eddsa = sign(&ed, json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "EdDSA"}), pop_claims());
    assert_reason(&run_pair(&verifier(), &att_ed, &pop_eddsa), Reason::PopAlgKeyMismatch);
    // Not on the allow-list.
    let es_only = verifier_with(|p| p["algorithms"] = json!(["ES256"]));
    let att_ed_plain = att_with(|_, c| c["cnf"]["jwk"] = ed.public_key().to_jwk());
    assert_reason(&run_pair(&es_only, &att_ed_plain, &pop_eddsa), Reason::PopAlgNotAllowed);
    assert_accepted(&run_pair(&verifier(), &att_ed_plain, &pop_eddsa));
}

// ------------------------------------------------------------------------------------- R-POP-5

#[test]
fn r_pop_5_signed_by_the_cnf_key_only() {
    let a = valid_att();
    let other = other_p256();
    // Signed by another key, even one announced in the PoP header: rejected.
    let mut h = pop_header();
    h["jwk"] = other.public_key().to_jwk();
    assert_reason(&run_pair(&verifier(), &a, &sign(&other, h, pop_claims())), Reason::PopBadSignature);
    // The -05..-07 example bug: a PoP signed with the attester key.
    assert_reason(
        &run_pair(&verifier(), &a, &sign(&attester_key(), pop_header(), pop_claims())),
        Reason::PopBadSignature,
    );
}

// ------------------------------------------------------------------------------------- R-POP-6

#[test]
fn r_pop_6_aud() {
    let a = valid_att();
    let no_aud = pop_with(|_, c| {
        c.as_object_mut().unwrap().remove("aud");
    });
    assert_reason(&run_pair(&verifier(), &a, &no_aud), Reason::PopAudMissing);
    for aud in ["https://as.example.com/", "https://AS.example.com", "https://rs.example.com", ""] {
        assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["aud"] = json!(aud))), Reason::PopAudMismatch);
    }
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["aud"] = json!([AS, RS]))), Reason::PopAudMultiple);
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["aud"] = json!(7))), Reason::PopClaimType);
    assert_accepted(&run_pair(&verifier(), &a, &pop_with(|_, c| c["aud"] = json!([AS]))));
}

// ------------------------------------------------------------------------------------- R-POP-7

#[test]
fn r_pop_7_jti_claim() {
    let a = valid_att();
    let no_jti = pop_with(|_, c| {
        c.as_object_mut().unwrap().remove("jti");
    });
    assert_reason(&run_pair(&verifier(), &a, &no_jti), Reason::PopJtiMissing);
    for jti in [json!(""), json!(5), json!("x".repeat(257))] {
        assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["jti"] = jti.clone())), Reason::PopJtiMissing);
    }
}

#[test]
fn r_pop_7_replay_detection() {
    let v = verifier();
    let mut store = MemoryReplayStore::default();
    let req = request(Some(&valid_att()), Some(&valid_pop()));
    assert_accepted(&v.verify(&req, &RequestContext::at(NOW), &mut store));
    let again = v.verify(&req, &RequestContext::at(NOW + 1), &mut store);
    assert_reason(&again, Reason::PopReplayed);
    assert_eq!(again.rejection().unwrap().error(), ErrorCode::InvalidClientAttestation);
}

#[test]
fn r_pop_7_legacy_pops_without_iat_stay_in_the_replay_store_for_their_window() {
    // Legacy mode accepts a PoP without iat on a legacy exp (R-POP-8); its jti must be
    // remembered until that PoP could no longer be accepted, not for a second.
    let legacy = verifier_with(|p| p["legacy"] = json!(true));
    let no_iat = pop_with(|_, c| {
        c.as_object_mut().unwrap().remove("iat");
        c["exp"] = json!(NOW + 60);
    });
    let req = request(Some(&valid_att()), Some(&no_iat));
    let mut store = MemoryReplayStore::default();
    assert_accepted(&legacy.verify(&req, &RequestContext::at(NOW), &mut store));
    assert_reason(&legacy.verify(&req, &RequestContext::at(NOW + 2), &mut store), Reason::PopReplayed);
    assert_reason(&legacy.verify(&req, &RequestContext::at(NOW + 59), &mut store), Reason::PopReplayed);

    // On a stateless challenge whose lifetime is longer than maxPopAge: remembered for the
    // challenge's lifetime.
    let long = verifier_with(|p| {
        p["legacy"] = json!(true);
        p["maxPopAge"] = json!(60);
        p["challenge"] = json!({"secret": "a-challenge-secret-of-at-least-32-bytes", "lifetime": 3600});
    });
    let c = long.issue_challenge(NOW, &[9; 16]).unwrap();
    let no_iat = pop_with(|_, cl| {
        cl.as_object_mut().unwrap().remove("iat");
        cl["challenge"] = json!(c);
    });
    let req = request(Some(&valid_att()), Some(&no_iat));
    let mut store = MemoryReplayStore::default();
    assert_accepted(&long.verify(&req, &RequestContext::at(NOW), &mut store));
    assert_reason(&long.verify(&req, &RequestContext::at(NOW + 1800), &mut store), Reason::PopReplayed);
}

#[test]
fn r_pop_7_rejected_requests_do_not_burn_the_jti() {
    let v = verifier();
    let mut store = MemoryReplayStore::default();
    let req = request(Some(&valid_att()), Some(&valid_pop()));
    let mut wrong_client = RequestContext::at(NOW);
    wrong_client.client_id = Some("someone-else".into());
    assert_reason(&v.verify(&req, &wrong_client, &mut store), Reason::ClientIdMismatch);
    assert!(store.is_empty());
    assert_accepted(&v.verify(&req, &RequestContext::at(NOW), &mut store));
}

#[test]
fn r_pop_7_replay_keys_are_per_instance_key() {
    // The same jti from two instances is not a replay (digest §9.2: no cross-client poisoning).
    let v = verifier();
    let mut store = MemoryReplayStore::default();
    let ed = ed25519(9);
    let att_ed = att_with(|_, c| c["cnf"]["jwk"] = ed.public_key().to_jwk());
    let pop_ed = sign(&ed, json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "EdDSA"}), pop_claims());
    assert_accepted(&v.verify(&request(Some(&valid_att()), Some(&valid_pop())), &RequestContext::at(NOW), &mut store));
    assert_accepted(&v.verify(&request(Some(&att_ed), Some(&pop_ed)), &RequestContext::at(NOW), &mut store));
}

#[test]
fn r_pop_7_full_store_fails_closed() {
    let v = verifier();
    let mut store = MemoryReplayStore::new(1);
    let a = valid_att();
    assert_accepted(&v.verify(&request(Some(&a), Some(&valid_pop())), &RequestContext::at(NOW), &mut store));
    let p2 = pop_with(|_, c| c["jti"] = json!("jti-2"));
    let verdict = v.verify(&request(Some(&a), Some(&p2)), &RequestContext::at(NOW), &mut store);
    assert_reason(&verdict, Reason::ReplayStoreUnavailable);
    assert_eq!(v.error_response(&verdict, None).unwrap().status, 503);
    // Once the first entry has expired (iat + maxPopAge + 2·tolerance), there is room again.
    let later = NOW - 5 + 300 + 60 + 1;
    let p3 = pop_with(|_, c| {
        c["jti"] = json!("jti-3");
        c["iat"] = json!(later);
    });
    assert_accepted(&v.verify(&request(Some(&a), Some(&p3)), &RequestContext::at(later), &mut store));
}

// ------------------------------------------------------------------------------------- R-POP-8

#[test]
fn r_pop_8_iat_window() {
    let a = valid_att();
    let no_iat = pop_with(|_, c| {
        c.as_object_mut().unwrap().remove("iat");
    });
    assert_reason(&run_pair(&verifier(), &a, &no_iat), Reason::PopIatMissing);
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["iat"] = json!(NOW - 331))), Reason::PopTooOld);
    assert_accepted(&run_pair(&verifier(), &a, &pop_with(|_, c| c["iat"] = json!(NOW - 330))));
    assert_reason(&run_pair(&verifier(), &a, &pop_with(|_, c| c["iat"] = json!(NOW + 31))), Reason::PopIssuedInFuture);
    assert_accepted(&run_pair(&verifier(), &a, &pop_with(|_, c| c["iat"] = json!(NOW + 30))));
    let short = verifier_with(|p| {
        p["maxPopAge"] = json!(10);
        p["clockTolerance"] = json!(0);
    });
    assert_reason(&run_pair(&short, &a, &pop_with(|_, c| c["iat"] = json!(NOW - 11))), Reason::PopTooOld);
}

// ------------------------------------------------------------------------------- R-POP-9 / R-POP-10

const SECRET: &str = "0123456789abcdef0123456789abcdef-test-secret";

fn challenge_verifier(required: bool) -> Verifier {
    verifier_with(|p| p["challenge"] = json!({"secret": SECRET, "lifetime": 120, "required": required}))
}

#[test]
fn r_pop_9_stateless_challenges() {
    let v = challenge_verifier(true);
    let a = valid_att();
    let c = v.issue_challenge(NOW - 10, &[3; 16]).unwrap();
    assert_accepted(&run_pair(&v, &a, &pop_with(|_, cl| cl["challenge"] = json!(c))));

    // Missing: use_attestation_challenge, AS 400, with a fresh challenge header.
    let verdict = run_pair(&v, &a, &valid_pop());
    assert_reason(&verdict, Reason::ChallengeMissing);
    assert!(verdict.needs_challenge());
    let fresh = v.issue_challenge(NOW, &[4; 16]).unwrap();
    let resp = v.error_response(&verdict, Some(&fresh)).unwrap();
    assert_eq!(resp.status, 400);
    assert_eq!(resp.header("OAuth-Client-Attestation-Challenge"), Some(fresh.as_str()));
    assert_eq!(resp.header("Cache-Control"), Some("no-store"));
    let body: Value = serde_json::from_str(resp.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["error"], "use_attestation_challenge");

    // Forged, from another server, and expired.
    assert_reason(
        &run_pair(&v, &a, &pop_with(|_, cl| cl["challenge"] = json!("5c1a9e10-29ff-4c2b-ae73-57c0957c09c4"))),
        Reason::ChallengeInvalid,
    );
    let other = verifier_with(|p| p["challenge"] = json!({"secret": "another-secret-another-secret-another-secret"}));
    let foreign = other.issue_challenge(NOW, &[5; 16]).unwrap();
    assert_reason(&run_pair(&v, &a, &pop_with(|_, cl| cl["challenge"] = json!(foreign))), Reason::ChallengeInvalid);
    let old = v.issue_challenge(NOW - 121, &[6; 16]).unwrap();
    assert_reason(&run_pair(&v, &a, &pop_with(|_, cl| cl["challenge"] = json!(old))), Reason::ChallengeExpired);
    assert_reason(&run_pair(&v, &a, &pop_with(|_, cl| cl["challenge"] = json!(12))), Reason::ChallengeInvalid);

    // Optional challenges: absent is fine, a bad one is not.
    let optional = challenge_verifier(false);
    assert_accepted(&run_pair(&optional, &a, &valid_pop()));
    assert_reason(
        &run_pair(&optional, &a, &pop_with(|_, cl| cl["challenge"] = json!("bogus"))),
        Reason::ChallengeInvalid,
    );
}

#[test]
fn r_pop_9_expected_challenge_supplied_with_the_request() {
    let v = verifier();
    let req = request(Some(&valid_att()), Some(&pop_with(|_, c| c["challenge"] = json!("session-challenge-1"))));
    let mut ctx = RequestContext::at(NOW);
    ctx.expected_challenge = Some("session-challenge-1".into());
    assert_accepted(&run(&v, &req, &ctx));
    ctx.expected_challenge = Some("session-challenge-2".into());
    assert_reason(&run(&v, &req, &ctx), Reason::ChallengeMismatch);
    let without = request(Some(&valid_att()), Some(&valid_pop()));
    assert_reason(&run(&v, &without, &ctx), Reason::ChallengeMissing);
}

#[test]
fn r_pop_9_resource_server_uses_www_authenticate() {
    let v = verifier_with(|p| {
        p["role"] = json!("rs");
        p["audience"] = json!(RS);
        p["challenge"] = json!({"secret": SECRET});
    });
    let pop = pop_with(|_, c| c["aud"] = json!(RS));
    let req = request(Some(&valid_att()), Some(&pop)).header("Authorization", "DPoP some-token");
    let verdict = run(&v, &req, &RequestContext::at(NOW));
    assert_reason(&verdict, Reason::ChallengeMissing);
    let resp = v.error_response(&verdict, Some("fresh")).unwrap();
    assert_eq!(resp.status, 401);
    let www = resp.header("WWW-Authenticate").unwrap();
    assert!(www.starts_with("DPoP error=\"use_attestation_challenge\""), "{www}");
    assert_eq!(resp.header("OAuth-Client-Attestation-Challenge"), Some("fresh"));
}

#[test]
fn r_pop_10_challenge_claim_ignored_without_challenges() {
    // The draft example carries a challenge this verifier never issued.
    let v = run(&verifier(), &request(Some(DRAFT_ATT), Some(DRAFT_POP_AS)), &RequestContext::at(NOW));
    assert_accepted(&v);
    assert_eq!(v.audit.challenge, "not_used");
}

// --------------------------------------------------------------------------- ordering, two phases

#[test]
fn first_failure_in_spec_order_decides() {
    // A bad attestation signature (decided late, by the backend) outranks a wrong PoP aud.
    let forged = sign(&other_p256(), att_header(), att_claims());
    let bad_aud = pop_with(|_, c| c["aud"] = json!(RS));
    let mut ctx = RequestContext::at(NOW);
    ctx.explain = true;
    let v = run(&verifier(), &request(Some(&forged), Some(&bad_aud)), &ctx);
    assert_reason(&v, Reason::AttestationBadSignature);
    // With explain, the later failure is still reported in the list.
    let aud = v.checks.iter().find(|c| c.check == client_attestation::Check::PopAud).unwrap();
    assert!(matches!(&aud.status, client_attestation::Status::Fail(r) if r.reason == Reason::PopAudMismatch));
}

#[test]
fn two_phase_verification_with_external_results() {
    let v = verifier();
    let req = request(Some(&valid_att()), Some(&valid_pop()));
    let prepared = v.prepare(&req, &RequestContext::at(NOW));
    let checks = prepared.signature_checks();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].artefact, client_attestation::Signed::Attestation);
    assert_eq!(checks[1].artefact, client_attestation::Signed::Pop);
    // An external backend says the PoP signature is bad.
    let verdict = prepared.clone().settle(&[true, false]).complete(&[client_attestation::ReplayOutcome::Fresh]);
    assert_reason(&verdict, Reason::PopBadSignature);
    // A wrong number of answers fails closed.
    assert_reason(&prepared.clone().settle(&[true]).complete(&[]), Reason::AttestationBadSignature);
    // All good, but the store was never asked: refuse.
    let settled = prepared.settle(&[true, true]);
    assert_eq!(settled.replay_entries().len(), 1);
    assert_reason(&settled.complete(&[]), Reason::ReplayStoreUnavailable);
}

#[test]
fn signature_work_after_a_failure_is_skipped() {
    // An attestation that fails typ needs no signature verification at all.
    let a = att_with(|h, _| h["typ"] = json!("JWT"));
    let prepared = verifier().prepare(&request(Some(&a), Some(&valid_pop())), &RequestContext::at(NOW));
    assert!(prepared.signature_checks().is_empty());
}
