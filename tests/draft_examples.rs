//! The draft's own examples (copied into tests/fixtures), the legacy examples of -03 … -09,
//! policy validation, responses and metadata.

mod common;

use client_attestation::{Check, MemoryReplayStore, Policy, Reason, RequestContext, Status, Verifier, inspect};
use common::*;
use serde_json::{Value, json};

fn legacy(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/legacy/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn draft_token_request_verifies_at_the_examples_time() {
    let v = run(&verifier(), &request(Some(DRAFT_ATT), Some(DRAFT_POP_AS)), &RequestContext::at(NOW));
    assert_accepted(&v);
    let a = v.outcome.unwrap();
    assert_eq!(a.client_id, CLIENT);
    assert_eq!(a.instance_key.thumbprint(), "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU");
    assert_eq!(a.proof.claims["jti"], "d25d00ab-552b-46fc-ae19-98f440f25064");
    assert_eq!(a.attestation.header["kid"], "11");
    // The attester key's RFC 7638 thumbprint as published with the examples.
    assert_eq!(v.audit.attester_key_thumbprint.as_deref(), Some("19J8y7Zprt2-QKLjF2I5pVk0OELX6cY2AfaAv1LC_w8"));
}

#[test]
fn draft_resource_server_request_verifies() {
    let rs = Verifier::from_json(include_str!("fixtures/policy.rs.json")).unwrap();
    let req = client_attestation::HttpRequest::new("POST", "https://rs.example.com/api/users/list")
        .header("Authorization", "Bearer mF_9.B5f-4.1JqM")
        .header("OAuth-Client-Attestation", DRAFT_ATT.trim())
        .header("OAuth-Client-Attestation-PoP", DRAFT_POP_RS.trim());
    assert_accepted(&run(&rs, &req, &RequestContext::at(NOW)));
    // The AS PoP at the RS: wrong audience.
    let wrong = client_attestation::HttpRequest::new("POST", "https://rs.example.com/api/users/list")
        .header("OAuth-Client-Attestation", DRAFT_ATT.trim())
        .header("OAuth-Client-Attestation-PoP", DRAFT_POP_AS.trim());
    let verdict = run(&rs, &wrong, &RequestContext::at(NOW));
    assert_reason(&verdict, Reason::PopAudMismatch);
    let resp = rs.error_response(&verdict, None).unwrap();
    assert_eq!(resp.status, 401);
    assert!(resp.header("WWW-Authenticate").unwrap().starts_with("Bearer error=\"invalid_client_attestation\""));
}

#[test]
fn draft_pop_is_stale_at_the_current_time() {
    // 2026-11-25 is long after the example PoP's iat (2026-03-02).
    let v = run(&verifier(), &request(Some(DRAFT_ATT), Some(DRAFT_POP_AS)), &RequestContext::at(1_795_000_000));
    assert_reason(&v, Reason::PopTooOld);
}

#[test]
fn draft_http_examples_parse_into_the_same_tokens() {
    // The token request in the draft's HTTP example carries exactly the fixture tokens.
    let http = include_str!("fixtures/http/token-request.http");
    let header = |name: &str| {
        http.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).map(str::trim).unwrap().to_string()
    };
    assert_eq!(header("OAuth-Client-Attestation"), DRAFT_ATT.trim());
    assert_eq!(header("OAuth-Client-Attestation-PoP"), DRAFT_POP_AS.trim());
}

#[test]
fn legacy_examples_are_rejected_with_the_right_reasons() {
    let v = verifier();
    let cases = [
        // -03: no typ yet (and placeholder signatures): typ is the first failing check.
        ("draft-03", Reason::AttestationTyp),
        // -04: defines typ, but its printed example omits it (and has a 32-byte placeholder
        // signature, which typ, checked first, already outranks).
        ("draft-04", Reason::AttestationTyp),
        // -05 … -07: valid attester signature, but exp 2011.
        ("draft-05", Reason::AttestationExpired),
        ("draft-06", Reason::AttestationExpired),
        ("draft-07", Reason::AttestationExpired),
        // -08/-09: attestation identical to -11; the PoPs have no iat (REQUIRED since -07).
        ("draft-08", Reason::PopIatMissing),
        ("draft-09", Reason::PopIatMissing),
    ];
    for (draft, reason) in cases {
        let att = legacy(&format!("{draft}.client-attestation.jwt"));
        let pop = legacy(&format!("{draft}.client-attestation-pop.as.jwt"));
        let verdict = run(&v, &request(Some(&att), Some(&pop)), &RequestContext::at(NOW));
        assert_eq!(verdict.rejection().map(|r| r.reason), Some(reason), "{draft}");
    }
}

#[test]
fn legacy_05_to_07_pops_are_signed_with_the_wrong_key() {
    // Inside the examples' own validity window (nbf 1300815780, exp 1300819380) the
    // attestation passes and the PoP fails: it is signed with the attester key, not cnf.
    let v = verifier();
    for draft in ["draft-05", "draft-06", "draft-07"] {
        let att = legacy(&format!("{draft}.client-attestation.jwt"));
        let pop = legacy(&format!("{draft}.client-attestation-pop.as.jwt"));
        let mut ctx = RequestContext::at(1_300_815_800);
        ctx.explain = true;
        let verdict = run(&v, &request(Some(&att), Some(&pop)), &ctx);
        let status = |c: Check| verdict.checks.iter().find(|x| x.check == c).unwrap().status.clone();
        assert_eq!(status(Check::AttestationSignature), Status::Pass, "{draft}");
        assert!(
            matches!(status(Check::PopSignature), Status::Fail(r) if r.reason == Reason::PopBadSignature),
            "{draft}"
        );
    }
}

#[test]
fn legacy_shape_hints_are_reported() {
    let pop = legacy("draft-08.client-attestation-pop.as.jwt");
    let verdict = run(&verifier(), &request(Some(DRAFT_ATT), Some(&pop)), &RequestContext::at(NOW));
    assert!(verdict.audit.shape.contains(&"pop.nonce"), "{:?}", verdict.audit.shape);
    assert!(verdict.audit.shape.contains(&"pop.no_iat"));
    let i = inspect(&legacy("draft-05.client-attestation-pop.as.jwt"));
    let codes: Vec<&str> = i.hints.iter().map(|h| h.code).collect();
    assert_eq!(codes, ["pop.iss", "pop.exp", "pop.nbf", "pop.nonce", "pop.no_iat"]);
    let concatenated = inspect(&legacy("draft-06.concatenated-serialization.txt"));
    assert_eq!(concatenated.hints[0].code, "serialization.concatenated");
    assert_eq!(concatenated.parts.len(), 2);
}

#[test]
fn legacy_mode_accepts_nonce_as_challenge() {
    let strict = verifier_with(|p| p["challenge"] = json!({"required": true}));
    let lenient = verifier_with(|p| {
        p["challenge"] = json!({"required": true});
        p["legacy"] = json!(true);
    });
    let pop = pop_with(|_, c| c["nonce"] = json!("n-123"));
    let mut ctx = RequestContext::at(NOW);
    ctx.expected_challenge = Some("n-123".into());
    let req = request(Some(&valid_att()), Some(&pop));
    assert_reason(&run(&strict, &req, &ctx), Reason::ChallengeMissing);
    assert_accepted(&run(&lenient, &req, &ctx));
}

#[test]
fn inspect_recognises_each_kind() {
    let a = inspect(DRAFT_ATT);
    assert_eq!(serde_json::to_value(a.kind).unwrap(), "attestation");
    assert_eq!(a.thumbprint.as_deref(), Some("Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU"));
    assert!(a.kind_from_typ);
    assert_eq!(serde_json::to_value(inspect(DRAFT_POP_AS).kind).unwrap(), "pop");
    let garbage = inspect("not a token at all");
    assert_eq!(serde_json::to_value(garbage.kind).unwrap(), "unknown");
    assert_eq!(garbage.error, Some("malformed"));
}

#[test]
fn policy_errors_are_found_when_the_policy_is_built() {
    let base = policy_json();
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut p = base.clone();
    p["attesters"] = json!([]);
    cases.push((p, "attesters"));
    let mut p = base.clone();
    p["attesters"][0]["jwks"]["keys"][0]["d"] = json!("evZzL1gdAFr88hb2OF_2NxApJCzGCEDdfSp6VQO30hw");
    cases.push((p, "attesters[0].jwks.keys[0]"));
    let mut p = base.clone();
    p["attesters"][0]["jwks"]["keys"] = json!([{"kty": "oct", "k": "c2VjcmV0"}]);
    cases.push((p, "attesters[0].jwks.keys[0]"));
    let mut p = base.clone();
    p["attesters"][0]["jwks"]["keys"] = json!([{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]);
    cases.push((p, "attesters[0].jwks.keys[0]"));
    let mut p = base.clone();
    p["algorithms"] = json!(["ES256", "none"]);
    cases.push((p, "algorithms"));
    let mut p = base.clone();
    p["algorithms"] = json!(["HS256"]);
    cases.push((p, "algorithms"));
    let mut p = base.clone();
    p["clockTolerance"] = json!(301);
    cases.push((p, "clockTolerance"));
    let mut p = base.clone();
    p["maxPopAge"] = json!(0);
    cases.push((p, "maxPopAge"));
    let mut p = base.clone();
    p["challenge"] = json!({"secret": "short"});
    cases.push((p, "challenge.secret"));
    let mut p = base.clone();
    p["audience"] = json!("");
    cases.push((p, "audience"));
    let mut p = base.clone();
    p["audiance"] = json!("typo");
    cases.push((p, ""));
    let mut p = base.clone();
    p["audience"] = json!("https://".to_string() + &"a".repeat(4096));
    cases.push((p, "audience"));
    let mut p = base.clone();
    p["attesters"][0]["clientIds"] = json!(["x".repeat(3000)]);
    cases.push((p, "attesters[0].clientIds[0]"));
    for (policy, path) in cases {
        let err = Policy::from_json(&policy.to_string()).unwrap_err();
        assert_eq!(err.path, path, "{err}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn metadata_members() {
    let as_meta = verifier_with(|p| {
        p["challenge"] = json!({"secret": "s".repeat(32), "endpoint": "https://as.example.com/challenge"})
    })
    .metadata();
    assert_eq!(as_meta["token_endpoint_auth_methods_supported"], json!(["attest_jwt_client_auth"]));
    assert_eq!(as_meta["client_attestation_signing_alg_values_supported"], json!(["ES256", "EdDSA"]));
    assert_eq!(as_meta["client_attestation_pop_signing_alg_values_supported"], json!(["ES256", "EdDSA"]));
    assert_eq!(as_meta["client_attestation_pop_methods_supported"], json!(["attestation_pop_jwt"]));
    assert_eq!(as_meta["challenge_endpoint"], "https://as.example.com/challenge");
    let rs_meta = Verifier::from_json(include_str!("fixtures/policy.rs.json")).unwrap().metadata();
    assert!(rs_meta.get("token_endpoint_auth_methods_supported").is_none());
}

#[test]
fn challenge_endpoint_response() {
    let v = verifier_with(|p| p["challenge"] = json!({"secret": "s".repeat(32)}));
    let c = v.issue_challenge(NOW, &[1; 16]).unwrap();
    let r = v.challenge_response(&c, None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["attestation_challenge"], c);
    assert!(verifier().issue_challenge(NOW, &[1; 16]).is_none());
}

#[test]
fn error_responses_never_echo_control_characters() {
    // A sub with quotes and CR/LF ends up in a description; headers must stay clean.
    let rs = Verifier::from_json(include_str!("fixtures/policy.rs.json")).unwrap();
    let mut ctx = RequestContext::at(NOW);
    ctx.client_id = Some("a\"b\r\nInjected: yes".into());
    let verdict = run(&rs, &request(Some(DRAFT_ATT), Some(DRAFT_POP_RS)), &ctx);
    let resp = rs.error_response(&verdict, None).unwrap();
    for (n, v) in &resp.headers {
        assert!(!v.contains('\r') && !v.contains('\n'), "{n}: {v}");
    }
    assert!(resp.header("WWW-Authenticate").unwrap().contains("a\\\"b??Injected"));
}

#[test]
fn every_reason_is_documented_in_the_readme() {
    let readme = std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for r in Reason::ALL {
        let row = format!("| {} | {} | {} | {} |", r.code(), r.error().as_str(), r.requirement(), r.description());
        assert!(readme.contains(&row), "README reason table lacks: {row}");
    }
    for c in Check::ALL {
        let row = format!("| {} | {} | {} |", c.requirement(), c.id(), c.title());
        assert!(readme.contains(&row), "README check table lacks: {row}");
    }
}

#[test]
fn store_is_bounded_under_a_flood_of_fresh_jtis() {
    let v = verifier();
    let mut store = MemoryReplayStore::new(64);
    let a = valid_att();
    let mut refused = 0;
    for i in 0..200 {
        let p = pop_with(|_, c| c["jti"] = json!(format!("flood-{i}")));
        if v.verify(&request(Some(&a), Some(&p)), &RequestContext::at(NOW), &mut store).rejection().map(|r| r.reason)
            == Some(Reason::ReplayStoreUnavailable)
        {
            refused += 1;
        }
    }
    assert_eq!(store.len(), 64);
    assert_eq!(refused, 200 - 64);
}

#[test]
fn result_json_embeds_the_decoded_tokens_as_sent() {
    let v = run(&verifier(), &request(Some(DRAFT_ATT), Some(DRAFT_POP_AS)), &RequestContext::at(NOW));
    assert_accepted(&v);
    let text = client_attestation::report::verdict_json(&v, None, false);
    let out: Value = serde_json::from_str(&text).unwrap();
    let segment = |jwt: &str, i: usize| {
        use base64::Engine as _;
        let part = jwt.trim().split('.').nth(i).unwrap();
        String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    for (name, jwt) in [("attestation", DRAFT_ATT), ("proof", DRAFT_POP_AS)] {
        let (header, claims) = (segment(jwt, 0), segment(jwt, 1));
        // The same values, and the sender's text verbatim inside the result.
        assert_eq!(out[name]["header"], serde_json::from_str::<Value>(&header).unwrap(), "{name} header");
        assert_eq!(out[name]["claims"], serde_json::from_str::<Value>(&claims).unwrap(), "{name} claims");
        assert!(text.contains(&format!("\"claims\":{claims}")), "{name} claims text verbatim");
    }
    assert_eq!(out["ok"], true);
    assert_eq!(out["clientId"], CLIENT);
    assert_eq!(out["instanceKey"]["thumbprint"], "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU");
    assert_eq!(out["audit"]["decision"], "accept");
    assert!(out.get("checks").is_none(), "checks only with explain");
    let explained: Value = serde_json::from_str(&client_attestation::report::verdict_json(&v, None, true)).unwrap();
    assert_eq!(explained["checks"].as_array().map(Vec::len), Some(v.checks.len()));
}
