//! DPoP (RFC 9449 §4.3) and combined mode (R-DPOP-1 … R-DPOP-10, digest §5): one negative test
//! per requirement and per RFC 9449 check, mode selection, nonces, three-JWT requests, grant
//! binding, and typ confusion in every direction.

mod common;

use client_attestation::builder::SigningKey;
use client_attestation::dpop::access_token_hash;
use client_attestation::{
    ErrorCode, HttpRequest, Mechanism, MemoryReplayStore, Reason, RequestContext, Verifier, check_grant_binding,
};
use common::*;
use serde_json::{Value, json};

const TOKEN_URL: &str = "https://as.example.com/token";
const SECRET: &str = "dpop-nonce-secret-dpop-nonce-secret-0123";
const CHALLENGE_SECRET: &str = "challenge-secret-challenge-secret-012345";

fn combined_verifier(edit: impl FnOnce(&mut Value)) -> Verifier {
    verifier_with(|p| {
        p["dpop"] = json!({"combined": true});
        edit(p);
    })
}

fn dpop_header(key: &SigningKey) -> Value {
    json!({"typ": "dpop+jwt", "alg": key.alg().name(), "jwk": key.public_key().to_jwk()})
}

fn dpop_claims() -> Value {
    json!({"jti": "dpop-jti-1", "htm": "POST", "htu": TOKEN_URL, "iat": NOW - 2})
}

fn dpop_with(key: &SigningKey, edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let (mut h, mut c) = (dpop_header(key), dpop_claims());
    edit(&mut h, &mut c);
    sign(key, h, c)
}

fn combined_request(att: &str, dpop: &str) -> HttpRequest {
    HttpRequest::new("POST", TOKEN_URL).header("OAuth-Client-Attestation", att).header("DPoP", dpop)
}

fn run_combined(v: &Verifier, att: &str, dpop: &str) -> client_attestation::Verdict {
    run(v, &combined_request(att, dpop), &RequestContext::at(NOW))
}

#[test]
fn combined_mode_accepts_es256_and_eddsa() {
    let v = combined_verifier(|_| {});
    let verdict = run_combined(&v, &valid_att(), &dpop_with(&instance_key(), |_, _| {}));
    assert_accepted(&verdict);
    let a = verdict.outcome.as_ref().unwrap();
    assert_eq!(a.mechanism, Mechanism::DpopCombined);
    assert_eq!(a.dpop_key.as_ref().unwrap(), &a.instance_key);
    assert_eq!(a.proof.claims["htm"], "POST");
    assert_eq!(verdict.audit.mechanism, Some("dpop_combined"));
    assert_eq!(verdict.audit.jti.as_deref(), Some("dpop-jti-1"));

    let ed = ed25519(11);
    let att_ed = att_with(|_, c| c["cnf"]["jwk"] = ed.public_key().to_jwk());
    assert_accepted(&run_combined(&v, &att_ed, &dpop_with(&ed, |_, _| {})));
}

#[test]
fn r_dpop_4_key_equality_ignores_extra_jwk_members() {
    // The draft attestation's cnf.jwk carries "use":"sig"; the DPoP jwk does not: same key.
    let v = combined_verifier(|_| {});
    assert_accepted(&run_combined(&v, DRAFT_ATT.trim(), &dpop_with(&instance_key(), |_, _| {})));
}

#[test]
fn r_dpop_4_dpop_key_must_be_the_instance_key() {
    let v = combined_verifier(|_| {});
    let verdict = run_combined(&v, &valid_att(), &dpop_with(&other_p256(), |_, _| {}));
    assert_reason(&verdict, Reason::DpopKeyMismatch);
    assert_eq!(verdict.rejection().unwrap().error(), ErrorCode::InvalidClientAttestation);
}

#[test]
fn mode_selection_per_digest_5_1() {
    let dpop = dpop_with(&instance_key(), |_, _| {});
    // Combined mode not enabled: reject (rule 3).
    assert_reason(&run_combined(&verifier(), &valid_att(), &dpop), Reason::CombinedModeNotEnabled);
    // A proof without an attestation: the client is not authenticated (rule 4).
    let no_att = HttpRequest::new("POST", TOKEN_URL).header("DPoP", dpop.as_str());
    assert_reason(&run(&combined_verifier(|_| {}), &no_att, &RequestContext::at(NOW)), Reason::AttestationMissing);
    // Attestation alone (rule 4).
    let alone = HttpRequest::new("POST", TOKEN_URL).header("OAuth-Client-Attestation", valid_att());
    assert_reason(&run(&combined_verifier(|_| {}), &alone, &RequestContext::at(NOW)), Reason::PopMissing);
}

#[test]
fn r_dpop_6_dpop_jkt_cannot_stand_in_for_a_proof() {
    // A PAR carrying only the dpop_jkt parameter (RFC 9449 §10) and the attestation has no
    // proof of possession: combined mode needs an actual DPoP proof, so this is not
    // authenticated (the client must use normal mode, with a PoP).
    let v = combined_verifier(|_| {});
    let jkt = instance_key().public_key().thumbprint().to_string();
    let par = HttpRequest::new("POST", "https://as.example.com/par")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("OAuth-Client-Attestation", valid_att());
    let mut ctx = RequestContext::at(NOW);
    ctx.form_body = Some(format!("response_type=code&client_id=https%3A%2F%2Fclient.example.com&dpop_jkt={jkt}"));
    assert_reason(&run(&v, &par, &ctx), Reason::PopMissing);
    // The same PAR in normal mode, with a PoP, is accepted.
    let normal = par.header("OAuth-Client-Attestation-PoP", valid_pop());
    assert_accepted(&run(&v, &normal, &ctx));
}

#[test]
fn r_dpop_2_exactly_one_dpop_header() {
    let v = combined_verifier(|_| {});
    let d = dpop_with(&instance_key(), |_, _| {});
    let two = combined_request(&valid_att(), &d).header("dpop", d.as_str());
    assert_reason(&run(&v, &two, &RequestContext::at(NOW)), Reason::DpopDuplicated);
    let folded = combined_request(&valid_att(), &format!("{d}, {d}"));
    let verdict = run(&v, &folded, &RequestContext::at(NOW));
    assert_reason(&verdict, Reason::DpopDuplicated);
    assert_eq!(verdict.rejection().unwrap().error(), ErrorCode::InvalidDpopProof);
    assert_eq!(v.error_response(&verdict, None).unwrap().status, 400);
}

#[test]
fn r_dpop_3_rfc9449_checks() {
    let v = combined_verifier(|_| {});
    let k = instance_key();
    let a = valid_att();
    let cases: Vec<(String, Reason)> = vec![
        (dpop_with(&k, |h, _| h["typ"] = json!("jwt")), Reason::DpopTyp),
        (dpop_with(&k, |h, _| h["alg"] = json!("HS256")), Reason::DpopAlgNotAllowed),
        (dpop_with(&k, |h, _| h["alg"] = json!("EdDSA")), Reason::DpopAlgNotAllowed),
        (
            dpop_with(&k, |h, _| {
                h.as_object_mut().unwrap().remove("jwk");
            }),
            Reason::DpopJwkInvalid,
        ),
        (
            dpop_with(&k, |h, _| {
                h["jwk"] =
                    serde_json::from_str(include_str!("fixtures/keys/client-instance-key.private.jwk.json")).unwrap()
            }),
            Reason::DpopJwkPrivate,
        ),
        (dpop_with(&k, |h, _| h["jwk"] = json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"})), Reason::DpopJwkInvalid),
        (dpop_with(&k, |_, c| c["htm"] = json!("GET")), Reason::DpopHtmMismatch),
        (dpop_with(&k, |_, c| c["htm"] = json!("post")), Reason::DpopHtmMismatch),
        (
            dpop_with(&k, |_, c| {
                c.as_object_mut().unwrap().remove("htm");
            }),
            Reason::DpopHtmMismatch,
        ),
        (dpop_with(&k, |_, c| c["htm"] = json!(1)), Reason::DpopClaimType),
        (dpop_with(&k, |_, c| c["htu"] = json!("https://as.example.com/par")), Reason::DpopHtuMismatch),
        (dpop_with(&k, |_, c| c["htu"] = json!("https://rs.example.com/token")), Reason::DpopHtuMismatch),
        (
            dpop_with(&k, |_, c| {
                c.as_object_mut().unwrap().remove("htu");
            }),
            Reason::DpopHtuMismatch,
        ),
        (
            dpop_with(&k, |_, c| {
                c.as_object_mut().unwrap().remove("iat");
            }),
            Reason::DpopIatMissing,
        ),
        (dpop_with(&k, |_, c| c["iat"] = json!(NOW - 331)), Reason::DpopTooOld),
        (dpop_with(&k, |_, c| c["iat"] = json!(NOW + 31)), Reason::DpopIssuedInFuture),
        (
            dpop_with(&k, |_, c| {
                c.as_object_mut().unwrap().remove("jti");
            }),
            Reason::DpopJtiMissing,
        ),
        (dpop_with(&k, |_, c| c["jti"] = json!("")), Reason::DpopJtiMissing),
    ];
    for (proof, reason) in cases {
        assert_reason(&run_combined(&v, &a, &proof), reason);
    }
    // Signed by another key while announcing the instance key.
    let forged = sign(&other_p256(), dpop_header(&k), dpop_claims());
    assert_reason(&run_combined(&v, &a, &forged), Reason::DpopBadSignature);
    // alg none, unsecured.
    let h = client_attestation::jose::b64::encode(
        json!({"typ": "dpop+jwt", "alg": "none", "jwk": k.public_key().to_jwk()}).to_string().as_bytes(),
    );
    let c = client_attestation::jose::b64::encode(dpop_claims().to_string().as_bytes());
    assert_reason(&run_combined(&v, &a, &format!("{h}.{c}.")), Reason::DpopAlgNone);
}

#[test]
fn r_dpop_3_signatures_of_the_wrong_length_are_refused_before_any_backend() {
    let v = combined_verifier(|_| {});
    let ctx = RequestContext::at(NOW);
    for key in [instance_key(), ed25519(3)] {
        let proof = dpop_with(&key, |_, _| {});
        let (hp, _) = proof.rsplit_once('.').unwrap();
        for len in [63, 65, 300] {
            let long = format!("{hp}.{}", client_attestation::jose::b64::encode(&vec![1u8; len]));
            let req = combined_request(&valid_att(), &long);
            assert_reason(&run(&v, &req, &ctx), Reason::DpopBadSignature);
            assert!(
                v.prepare(&req, &ctx).signature_checks().iter().all(|c| c.artefact != client_attestation::Signed::Dpop),
                "a {len}-byte DPoP signature was queued"
            );
        }
    }
}

#[test]
fn r_dpop_3_htu_is_compared_after_normalisation() {
    let v = combined_verifier(|_| {});
    for htu in ["HTTPS://AS.EXAMPLE.COM/token", "https://as.example.com:443/token", "https://as.example.com/token?x=1"]
    {
        let proof = dpop_with(&instance_key(), |_, c| {
            c["htu"] = json!(htu);
            c["jti"] = json!(format!("jti-{htu}"));
        });
        assert_accepted(&run_combined(&v, &valid_att(), &proof));
    }
    // The request URL's query is dropped too.
    let req = HttpRequest::new("POST", "https://as.example.com/token?foo=bar")
        .header("OAuth-Client-Attestation", valid_att())
        .header("DPoP", dpop_with(&instance_key(), |_, _| {}));
    assert_accepted(&run(&v, &req, &RequestContext::at(NOW)));
}

#[test]
fn r_dpop_5_server_nonces() {
    let v = combined_verifier(|p| p["dpop"]["nonce"] = json!({"secret": SECRET, "lifetime": 60}));
    let k = instance_key();
    let a = valid_att();
    let verdict = run_combined(&v, &a, &dpop_with(&k, |_, _| {}));
    assert_reason(&verdict, Reason::DpopNonceMissing);
    assert!(verdict.needs_dpop_nonce());
    let resp = v.respond(&verdict, NOW, &[9; 16]).unwrap();
    assert_eq!(resp.status, 400);
    let fresh = resp.header("DPoP-Nonce").unwrap().to_string();
    assert_eq!(serde_json::from_str::<Value>(resp.body.as_deref().unwrap()).unwrap()["error"], "use_dpop_nonce");
    // The retry with the nonce succeeds.
    assert_accepted(&run_combined(&v, &a, &dpop_with(&k, |_, c| c["nonce"] = json!(fresh))));
    // Forged and expired nonces.
    assert_reason(
        &run_combined(&v, &a, &dpop_with(&k, |_, c| c["nonce"] = json!("eyJ7S_zG.eyJH0-Z.HX4w-7v"))),
        Reason::DpopNonceInvalid,
    );
    let old = v.issue_dpop_nonce(NOW - 61, &[1; 16]).unwrap();
    assert_reason(&run_combined(&v, &a, &dpop_with(&k, |_, c| c["nonce"] = json!(old))), Reason::DpopNonceExpired);
    // The challenge endpoint hands out a DPoP-Nonce too (-11 §6.3).
    let r = v.challenge_response("c", v.issue_dpop_nonce(NOW, &[2; 16]).as_deref());
    assert!(r.header("DPoP-Nonce").is_some());
}

#[test]
fn r_dpop_5_attestation_challenges_are_not_used_in_combined_mode() {
    // A policy requiring attestation challenges still accepts combined mode without one:
    // freshness there comes only from DPoP nonces.
    let v = combined_verifier(|p| p["challenge"] = json!({"secret": CHALLENGE_SECRET, "required": true}));
    let verdict = run_combined(&v, &valid_att(), &dpop_with(&instance_key(), |_, _| {}));
    assert_accepted(&verdict);
    assert_eq!(verdict.audit.challenge, "not_used");
}

#[test]
fn r_dpop_5_legacy_clients_echo_the_challenge_in_the_nonce() {
    let edit = |legacy: bool| {
        move |p: &mut Value| {
            p["dpop"]["nonce"] = json!({"secret": SECRET});
            p["challenge"] = json!({"secret": CHALLENGE_SECRET});
            p["legacy"] = json!(legacy);
        }
    };
    let strict = combined_verifier(edit(false));
    let legacy = combined_verifier(edit(true));
    let challenge = strict.issue_challenge(NOW, &[3; 16]).unwrap();
    let proof = dpop_with(&instance_key(), |_, c| c["nonce"] = json!(challenge));
    assert_reason(&run_combined(&strict, &valid_att(), &proof), Reason::DpopNonceInvalid);
    assert_accepted(&run_combined(&legacy, &valid_att(), &proof));
}

#[test]
fn r_dpop_5_resource_server_nonce_error_uses_www_authenticate() {
    let v = combined_verifier(|p| {
        p["role"] = json!("rs");
        p["audience"] = json!(RS);
        p["dpop"]["nonce"] = json!({"secret": SECRET});
    });
    let at = "access-token-1";
    let proof = dpop_with(&instance_key(), |_, c| {
        c["htm"] = json!("GET");
        c["htu"] = json!("https://rs.example.com/resource");
        c["ath"] = json!(access_token_hash(at));
    });
    let req = HttpRequest::new("GET", "https://rs.example.com/resource")
        .header("Authorization", format!("DPoP {at}"))
        .header("OAuth-Client-Attestation", valid_att())
        .header("DPoP", proof);
    let mut ctx = RequestContext::at(NOW);
    ctx.access_token = Some(at.into());
    let verdict = run(&v, &req, &ctx);
    assert_reason(&verdict, Reason::DpopNonceMissing);
    let resp = v.respond(&verdict, NOW, &[4; 16]).unwrap();
    assert_eq!(resp.status, 401);
    assert!(resp.header("WWW-Authenticate").unwrap().starts_with("DPoP error=\"use_dpop_nonce\""));
    assert!(resp.header("DPoP-Nonce").is_some());
}

#[test]
fn r_dpop_7_replayed_dpop_proofs() {
    let v = combined_verifier(|_| {});
    let mut store = MemoryReplayStore::default();
    let req = combined_request(&valid_att(), &dpop_with(&instance_key(), |_, _| {}));
    assert_accepted(&v.verify(&req, &RequestContext::at(NOW), &mut store));
    assert_reason(&v.verify(&req, &RequestContext::at(NOW + 1), &mut store), Reason::DpopReplayed);
}

/// An RS accepting combined mode.
fn rs_verifier() -> Verifier {
    combined_verifier(|p| {
        p["role"] = json!("rs");
        p["audience"] = json!(RS);
    })
}

/// A resource request with `Authorization: <authorization>` and a proof carrying `ath`, if any.
fn rs_request(authorization: &str, ath: Option<&str>) -> HttpRequest {
    let proof = dpop_with(&instance_key(), |_, c| {
        c["htm"] = json!("GET");
        c["htu"] = json!("https://rs.example.com/resource");
        if let Some(a) = ath {
            c["ath"] = json!(a);
        }
    });
    HttpRequest::new("GET", "https://rs.example.com/resource")
        .header("Authorization", authorization)
        .header("OAuth-Client-Attestation", valid_att())
        .header("DPoP", proof)
}

#[test]
fn r_dpop_10_access_token_hash_and_binding() {
    let v = rs_verifier();
    let at = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
    // RFC 9449 §7.1 example value.
    assert_eq!(access_token_hash(at), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    let make = |ath: Option<&str>| rs_request(&format!("DPoP {at}"), ath);
    let mut ctx = RequestContext::at(NOW);
    ctx.access_token = Some(at.into());
    assert_reason(&run(&v, &make(None), &ctx), Reason::DpopAthMissing);
    assert_reason(&run(&v, &make(Some("wrong")), &ctx), Reason::DpopAthMismatch);
    let good = access_token_hash(at);
    assert_accepted(&run(&v, &make(Some(&good)), &ctx));
    // The token is bound to another key: cnf, DPoP jwk and token binding must coincide.
    ctx.access_token_jkt = Some(other_p256().public_key().thumbprint().to_string());
    assert_reason(&run(&v, &make(Some(&good)), &ctx), Reason::DpopTokenBindingMismatch);
    ctx.access_token_jkt = Some(instance_key().public_key().thumbprint().to_string());
    assert_accepted(&run(&v, &make(Some(&good)), &ctx));
}

#[test]
fn r_dpop_10_the_authorization_header_token_counts_when_none_is_given() {
    // A caller that does not pass the access token must not turn the ath check off: the
    // Authorization header's token (DPoP or Bearer scheme) is the one the proof must hash.
    let v = rs_verifier();
    let at = "header-token-1";
    let (hash, other, given_hash) =
        (access_token_hash(at), access_token_hash("other"), access_token_hash("given-token"));
    let ctx = RequestContext::at(NOW);
    assert_reason(&run(&v, &rs_request(&format!("DPoP {at}"), None), &ctx), Reason::DpopAthMissing);
    assert_reason(&run(&v, &rs_request(&format!("Bearer {at}"), Some(&other)), &ctx), Reason::DpopAthMismatch);
    assert_accepted(&run(&v, &rs_request(&format!("DPoP {at}"), Some(&hash)), &ctx));
    // A token supplied with the request takes precedence over the header's.
    let mut given = RequestContext::at(NOW);
    given.access_token = Some("given-token".into());
    assert_reason(&run(&v, &rs_request(&format!("DPoP {at}"), Some(&hash)), &given), Reason::DpopAthMismatch);
    assert_accepted(&run(&v, &rs_request(&format!("DPoP {at}"), Some(&given_hash)), &given));
}

#[test]
fn r_pop_7_a_legacy_pop_without_iat_is_not_released_early_by_an_older_dpop_proof() {
    // Normal mode + DPoP: the PoP has no iat (legacy exp NOW + 60), the DPoP proof an old iat
    // whose own window ends at NOW + 40. The PoP's jti must outlive that: replayed alone at
    // NOW + 50 it is still refused.
    let v = verifier_with(|p| {
        p["legacy"] = json!(true);
        p["maxPopAge"] = json!(300);
        p["clockTolerance"] = json!(30);
    });
    let pop = pop_with(|_, c| {
        c.as_object_mut().unwrap().remove("iat");
        c["exp"] = json!(NOW + 60);
    });
    let old_dpop = dpop_with(&ed25519(21), |_, c| c["iat"] = json!(NOW - 320));
    let mut store = MemoryReplayStore::default();
    let first = request(Some(&valid_att()), Some(&pop)).header("DPoP", old_dpop);
    assert_accepted(&v.verify(&first, &RequestContext::at(NOW), &mut store));
    let alone = request(Some(&valid_att()), Some(&pop));
    assert_reason(&v.verify(&alone, &RequestContext::at(NOW + 50), &mut store), Reason::PopReplayed);
}

#[test]
fn three_jwt_requests_validate_the_dpop_proof_independently() {
    // Normal mode + DPoP for token binding: the DPoP key may differ from cnf (digest §5.1 rule 1).
    let v = verifier();
    let dpop_key = ed25519(21);
    let req = request(Some(&valid_att()), Some(&valid_pop())).header("DPoP", dpop_with(&dpop_key, |_, _| {}));
    let verdict = run(&v, &req, &RequestContext::at(NOW));
    assert_accepted(&verdict);
    let a = verdict.outcome.as_ref().unwrap();
    assert_eq!(a.mechanism, Mechanism::AttestationPopJwt);
    assert_eq!(a.dpop_key.as_ref().unwrap().thumbprint(), dpop_key.public_key().thumbprint());
    assert_ne!(a.instance_key.thumbprint(), dpop_key.public_key().thumbprint());
    // …but it is still validated: a bad one rejects the request.
    let bad = request(Some(&valid_att()), Some(&valid_pop()))
        .header("DPoP", dpop_with(&dpop_key, |_, c| c["htm"] = json!("GET")));
    assert_reason(&run(&v, &bad, &RequestContext::at(NOW)), Reason::DpopHtmMismatch);
    // Both jtis go to the replay store.
    let prepared = v.prepare(&req, &RequestContext::at(NOW)).settle_with(&client_attestation::RustCrypto);
    assert_eq!(prepared.replay_entries().len(), 2);
}

#[test]
fn typ_confusion_between_all_three_kinds() {
    let v = combined_verifier(|_| {});
    let k = instance_key();
    let dpop = dpop_with(&k, |_, _| {});
    let pop = valid_pop();
    let att = valid_att();
    // DPoP proof as the PoP, PoP as the DPoP proof, attestation as the DPoP proof, DPoP as the attestation.
    assert_reason(&run_pair(&v, &att, &dpop), Reason::PopTyp);
    assert_reason(&run_combined(&v, &att, &pop), Reason::DpopTyp);
    assert_reason(&run_combined(&v, &att, &att), Reason::DpopTyp);
    assert_reason(&run_combined(&v, &dpop, &dpop), Reason::AttestationTyp);
    // A DPoP proof with the PoP typ but all DPoP claims: still not a DPoP proof.
    assert_reason(
        &run_combined(&v, &att, &dpop_with(&k, |h, _| h["typ"] = json!("oauth-client-attestation-pop+jwt"))),
        Reason::DpopTyp,
    );
}

#[test]
fn r_dpop_9_grant_binding() {
    let v = combined_verifier(|_| {});
    let verdict = run_combined(&v, &valid_att(), &dpop_with(&instance_key(), |_, _| {}));
    let a = verdict.outcome.unwrap();
    let jkt = instance_key().public_key().thumbprint().to_string();
    assert!(check_grant_binding(&a, &jkt, CLIENT).is_ok());
    let e = check_grant_binding(&a, other_p256().public_key().thumbprint(), CLIENT).unwrap_err();
    assert_eq!(e.reason, Reason::GrantKeyMismatch);
    assert_eq!(e.error(), ErrorCode::InvalidGrant);
    assert_eq!(check_grant_binding(&a, &jkt, "other").unwrap_err().reason, Reason::GrantClientMismatch);
}

#[test]
fn r_dpop_8_metadata() {
    let m = combined_verifier(|_| {}).metadata();
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        json!(["attest_jwt_client_auth", "attest_jwt_client_auth_dpop"])
    );
    assert_eq!(m["client_attestation_pop_methods_supported"], json!(["attestation_pop_jwt", "dpop_combined"]));
    assert_eq!(m["dpop_signing_alg_values_supported"], json!(["ES256", "EdDSA"]));
}

#[test]
fn legacy_08_09_pops_with_legacy_mode() {
    // The -08/-09 PoPs carry "nonce" and no "iat". Strict: rejected. Legacy, with the server
    // expecting that challenge value: the challenge supplies freshness and the PoP is accepted.
    let pop = std::fs::read_to_string(format!(
        "{}/tests/fixtures/legacy/draft-09.client-attestation-pop.as.jwt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut ctx = RequestContext::at(NOW);
    ctx.expected_challenge = Some("5c1a9e10-29ff-4c2b-ae73-57c0957c09c4".into());
    let req = request(Some(DRAFT_ATT), Some(pop.trim()));
    assert_reason(&run(&verifier(), &req, &ctx), Reason::PopIatMissing);
    let legacy = verifier_with(|p| p["legacy"] = json!(true));
    let verdict = run(&legacy, &req, &ctx);
    assert_accepted(&verdict);
    assert!(verdict.audit.shape.contains(&"pop.nonce"));
    // Without a challenge to vouch for freshness, no iat is still no iat.
    assert_reason(&run(&legacy, &req, &RequestContext::at(NOW)), Reason::PopIatMissing);
}

#[test]
fn r_dpop_5_expected_nonce_supplied_with_the_request() {
    // A nonce issued elsewhere (e.g. by an upstream AS) is compared exactly, in constant time.
    let v = combined_verifier(|_| {});
    let with = |n: Option<&str>| {
        dpop_with(&instance_key(), |_, c| {
            if let Some(n) = n {
                c["nonce"] = json!(n);
            }
        })
    };
    let mut ctx = RequestContext::at(NOW);
    ctx.expected_dpop_nonce = Some("upstream-nonce-1".into());
    let run_ctx = |proof: &str, ctx: &RequestContext| run(&v, &combined_request(&valid_att(), proof), ctx);
    assert_accepted(&run_ctx(&with(Some("upstream-nonce-1")), &ctx));
    assert_reason(&run_ctx(&with(Some("upstream-nonce-2")), &ctx), Reason::DpopNonceInvalid);
    assert_reason(&run_ctx(&with(None), &ctx), Reason::DpopNonceMissing);
}
