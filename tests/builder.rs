//! The builder (client and attester side) against the verifier: round trips for ES256 and
//! EdDSA, challenges, `round_to`, legacy PoP claims, DPoP proofs (RFC 9449 §4.2), external
//! signers and the split API, DER signatures, and (feature `rand`) key generation.

mod common;

use client_attestation::builder::{
    AttestationSpec, DpopSpec, JwsSigner, LegacyPopClaims, PopSpec, SigningKey, Unsigned, access_token_hash,
    combined_mode_headers, create_attestation, create_dpop_proof, create_pop, der_to_raw_es256, normal_mode_headers,
    unsigned_attestation, unsigned_dpop_proof, unsigned_pop,
};
use client_attestation::http::{ATTESTATION_HEADER, DPOP_HEADER, POP_HEADER};
use client_attestation::jose::b64;
use client_attestation::{Algorithm, HttpRequest, PublicKey, Reason, RequestContext, Verifier};
use common::*;
use serde_json::{Map, Value, json};

// ---- helpers ----------------------------------------------------------------------------------

/// Header and claims of a compact JWS, and its signing input and signature.
struct Parts {
    header: Value,
    claims: Value,
    input: String,
    signature: Vec<u8>,
}

fn parts(token: &str) -> Parts {
    let segs: Vec<&str> = token.split('.').collect();
    assert_eq!(segs.len(), 3, "{token}");
    let json = |s: &str| -> Value { serde_json::from_slice(&b64::decode(s).unwrap()).unwrap() };
    Parts {
        header: json(segs[0]),
        claims: json(segs[1]),
        input: format!("{}.{}", segs[0], segs[1]),
        signature: b64::decode(segs[2]).unwrap(),
    }
}

/// A verifier trusting `attester` (for any client_id), audience AS, ES256 and EdDSA.
fn trusting(attester: &SigningKey, edit: impl FnOnce(&mut Value)) -> Verifier {
    verifier_with(|p| {
        p["attesters"] = json!([{ "jwks": { "keys": [attester.to_public_jwk()] } }]);
        edit(p)
    })
}

fn att_spec(instance: &SigningKey) -> AttestationSpec {
    AttestationSpec {
        client_id: CLIENT.into(),
        instance_key: instance.public_key().clone(),
        iat: NOW - 60,
        exp: NOW + 3600,
        round_to: None,
        extra: Map::new(),
    }
}

fn pop_spec(jti: &str) -> PopSpec {
    PopSpec::new(AS, jti, NOW - 1)
}

#[track_caller]
fn assert_accepted_for(verdict: &client_attestation::Verdict, instance: &PublicKey) {
    assert_accepted(verdict);
    let accepted = verdict.outcome.as_ref().unwrap();
    assert_eq!(accepted.client_id, CLIENT);
    assert_eq!(accepted.instance_key.thumbprint(), instance.thumbprint());
}

/// Minimal DER for one non-negative integer given as 32 big-endian bytes.
fn der_int(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
    let mut v = bytes[first..].to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    let mut out = vec![0x02, v.len() as u8];
    out.extend(v);
    out
}

/// Minimal DER `SEQUENCE { INTEGER r, INTEGER s }` from a raw `r‖s` signature.
fn to_der(raw: &[u8]) -> Vec<u8> {
    let (r, s) = raw.split_at(32);
    let body: Vec<u8> = der_int(r).into_iter().chain(der_int(s)).collect();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

// ---- round trips ------------------------------------------------------------------------------

#[test]
fn es256_attestation_and_pop_round_trip() {
    let attester = SigningKey::p256(&[7; 32]).unwrap().with_kid("es-attester");
    let instance = SigningKey::p256(&[8; 32]).unwrap();
    let v = trusting(&attester, |_| {});
    let att = create_attestation(&attester, &att_spec(&instance));
    let pop = create_pop(&instance, &pop_spec("es-jti-1"));

    let a = parts(&att);
    assert_eq!(a.header, json!({"typ": "oauth-client-attestation+jwt", "alg": "ES256", "kid": "es-attester"}));
    assert_eq!(a.claims["sub"], CLIENT);
    assert_eq!(a.claims["cnf"]["jwk"], instance.to_public_jwk());
    let p = parts(&pop);
    assert_eq!(p.header, json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "ES256"}));
    assert_eq!(p.claims, json!({"aud": AS, "jti": "es-jti-1", "iat": NOW - 1}));

    assert_accepted_for(&run_pair(&v, &att, &pop), instance.public_key());
}

#[test]
fn eddsa_attestation_and_pop_round_trip() {
    let attester = ed25519(21).with_kid("ed-attester");
    let instance = ed25519(22);
    let v = trusting(&attester, |_| {});
    let att = create_attestation(&attester, &att_spec(&instance));
    let pop = create_pop(&instance, &pop_spec("ed-jti-1"));
    assert_eq!(parts(&att).header["alg"], "EdDSA");
    assert_eq!(parts(&pop).header["alg"], "EdDSA");
    assert_eq!(parts(&att).claims["cnf"]["jwk"], instance.to_public_jwk());
    assert_eq!(instance.to_public_jwk()["kty"], "OKP");
    assert_accepted_for(&run_pair(&v, &att, &pop), instance.public_key());

    // Mixed: an ES256 attester vouching for an Ed25519 instance key.
    let es_attester = SigningKey::p256(&[9; 32]).unwrap();
    let v = trusting(&es_attester, |_| {});
    let att = create_attestation(&es_attester, &att_spec(&instance));
    assert_accepted_for(&run_pair(&v, &att, &create_pop(&instance, &pop_spec("ed-jti-2"))), instance.public_key());
}

#[test]
fn the_pop_must_be_signed_by_the_attested_instance_key() {
    let attester = SigningKey::p256(&[7; 32]).unwrap();
    let v = trusting(&attester, |_| {});
    let att = create_attestation(&attester, &att_spec(&SigningKey::p256(&[8; 32]).unwrap()));
    let pop = create_pop(&other_p256(), &pop_spec("wrong-key"));
    assert_reason(&run_pair(&v, &att, &pop), Reason::PopBadSignature);
}

/// R-POP-12 (client): the PoP carries the most recently received challenge.
#[test]
fn round_trip_with_a_stateless_challenge() {
    for (attester, instance) in
        [(SigningKey::p256(&[7; 32]).unwrap(), SigningKey::p256(&[8; 32]).unwrap()), (ed25519(31), ed25519(32))]
    {
        let v = trusting(&attester, |p| {
            p["challenge"] =
                json!({"secret": "0123456789abcdef0123456789abcdef-builder", "lifetime": 120, "required": true})
        });
        let att = create_attestation(&attester, &att_spec(&instance));
        let challenge = v.issue_challenge(NOW - 10, &[3; 16]).unwrap();
        let pop = create_pop(&instance, &pop_spec("c-1").with_challenge(challenge.clone()));
        assert_eq!(parts(&pop).claims["challenge"], challenge.as_str());
        assert_accepted_for(&run_pair(&v, &att, &pop), instance.public_key());

        // Without it: use_attestation_challenge.
        let verdict = run_pair(&v, &att, &create_pop(&instance, &pop_spec("c-2")));
        assert_reason(&verdict, Reason::ChallengeMissing);
        assert!(verdict.needs_challenge());
    }
}

#[test]
fn normal_mode_headers_make_a_verifiable_request() {
    let attester = SigningKey::p256(&[7; 32]).unwrap();
    let instance = SigningKey::p256(&[8; 32]).unwrap();
    let att = create_attestation(&attester, &att_spec(&instance));
    let pop = create_pop(&instance, &pop_spec("h-1"));
    let headers = normal_mode_headers(&att, &pop);
    assert_eq!(headers, vec![(ATTESTATION_HEADER.to_string(), att.clone()), (POP_HEADER.to_string(), pop.clone())]);
    let req = HttpRequest { method: "POST".into(), url: format!("{AS}/token"), headers };
    assert_accepted_for(&run(&trusting(&attester, |_| {}), &req, &RequestContext::at(NOW)), instance.public_key());

    let combined = combined_mode_headers(&att, "a.b.c");
    assert_eq!(combined, vec![(ATTESTATION_HEADER.to_string(), att), (DPOP_HEADER.to_string(), "a.b.c".to_string())]);
}

#[test]
fn combined_mode_round_trip() {
    let attester = SigningKey::p256(&[7; 32]).unwrap();
    for instance in [SigningKey::p256(&[8; 32]).unwrap(), ed25519(41)] {
        let v = trusting(&attester, |p| p["dpop"] = json!({"combined": true}));
        let att = create_attestation(&attester, &att_spec(&instance));
        let proof = create_dpop_proof(&instance, &DpopSpec::new("POST", format!("{AS}/token"), "d-1", NOW - 1));
        let req = HttpRequest {
            method: "POST".into(),
            url: format!("{AS}/token"),
            headers: combined_mode_headers(&att, &proof),
        };
        assert_accepted_for(&run(&v, &req, &RequestContext::at(NOW)), instance.public_key());
    }
}

// ---- attestation details ----------------------------------------------------------------------

/// R-ATT-16 (-12 WIP privacy advice): the attester may round iat/exp down to avoid correlation.
#[test]
fn attestation_round_to_rounds_iat_and_exp_down() {
    let attester = SigningKey::p256(&[7; 32]).unwrap();
    let instance = SigningKey::p256(&[8; 32]).unwrap();
    let midnight = NOW - NOW.rem_euclid(86_400);
    assert_eq!(midnight, 1_772_409_600, "2026-03-02T00:00:00Z");
    let spec = AttestationSpec { iat: NOW, exp: NOW + 2 * 86_400, round_to: Some(86_400), ..att_spec(&instance) };
    assert_eq!(spec.rounded_times(), (midnight, midnight + 2 * 86_400));
    let c = parts(&create_attestation(&attester, &spec)).claims;
    assert_eq!(c["iat"], midnight);
    assert_eq!(c["exp"], midnight + 2 * 86_400);

    // An hour: down to the full hour. Already aligned: unchanged. None or 0: unchanged.
    let hourly = AttestationSpec {
        iat: midnight + 5 * 3600 + 1234,
        exp: midnight + 7 * 3600 + 59,
        round_to: Some(3600),
        ..att_spec(&instance)
    };
    assert_eq!(hourly.rounded_times(), (midnight + 5 * 3600, midnight + 7 * 3600));
    assert_eq!(AttestationSpec { round_to: Some(86_400), iat: midnight, ..spec.clone() }.rounded_times().0, midnight);
    for round_to in [None, Some(0)] {
        let plain = AttestationSpec { round_to, ..att_spec(&instance) };
        let c = parts(&create_attestation(&attester, &plain)).claims;
        assert_eq!((c["iat"].as_i64(), c["exp"].as_i64()), (Some(NOW - 60), Some(NOW + 3600)));
    }

    // Still verifies (the policy does not limit the attestation's age here).
    let v = trusting(&attester, |_| {});
    let verdict = run_pair(&v, &create_attestation(&attester, &spec), &create_pop(&instance, &pop_spec("r-1")));
    assert_accepted_for(&verdict, instance.public_key());
}

#[test]
fn attestation_cnf_carries_the_public_key_only_and_extra_claims_pass_through() {
    let attester = SigningKey::p256(&[7; 32]).unwrap();
    let instance = SigningKey::p256(&[8; 32]).unwrap().with_kid("instance-kid");
    let mut extra = Map::new();
    extra.insert("wallet_name".into(), json!("Example Wallet"));
    extra.insert("sub".into(), json!("overwritten"));
    let c = parts(&create_attestation(&attester, &AttestationSpec { extra, ..att_spec(&instance) })).claims;
    assert_eq!(c["wallet_name"], "Example Wallet");
    assert_eq!(c["sub"], CLIENT);
    let jwk = c["cnf"]["jwk"].as_object().unwrap();
    let mut names: Vec<&str> = jwk.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["crv", "kty", "x", "y"], "no kid, no d");
    // No kid on the attester: no kid in the header.
    assert!(parts(&create_attestation(&attester, &att_spec(&instance))).header.get("kid").is_none());
}

// ---- PoP legacy claims ------------------------------------------------------------------------

#[test]
fn pop_legacy_claims_only_when_asked() {
    let attester = SigningKey::p256(&[7; 32]).unwrap();
    let instance = SigningKey::p256(&[8; 32]).unwrap();
    let v = trusting(&attester, |_| {});
    let att = create_attestation(&attester, &att_spec(&instance));

    let plain = parts(&create_pop(&instance, &pop_spec("l-1"))).claims;
    assert!(plain.get("iss").is_none() && plain.get("exp").is_none(), "{plain}");

    let legacy = LegacyPopClaims::new(CLIENT);
    assert_eq!(legacy.lifetime, LegacyPopClaims::DEFAULT_LIFETIME);
    let pop = create_pop(&instance, &pop_spec("l-2").with_legacy_claims(&legacy));
    let c = parts(&pop).claims;
    assert_eq!(c["iss"], CLIENT);
    assert_eq!(c["exp"], NOW - 1 + LegacyPopClaims::DEFAULT_LIFETIME);
    assert_eq!(c["aud"], AS);
    // A current verifier ignores them (and honours the future exp).
    assert_accepted_for(&run_pair(&v, &att, &pop), instance.public_key());

    let short = LegacyPopClaims { client_id: "other-client".into(), lifetime: 30 };
    let c = parts(&create_pop(&instance, &PopSpec::new(AS, "l-3", 100).with_legacy_claims(&short))).claims;
    assert_eq!((c["iss"].as_str(), c["exp"].as_i64(), c["iat"].as_i64()), (Some("other-client"), Some(130), Some(100)));
}

// ---- DPoP proofs ------------------------------------------------------------------------------

#[test]
fn access_token_hash_matches_rfc_9449() {
    // RFC 9449 §4.2, Figure 3 (ath of the access token in §7.1).
    assert_eq!(
        access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
    assert_eq!(access_token_hash("").len(), 43);
}

#[test]
fn dpop_proof_structure() {
    for key in [SigningKey::p256(&[8; 32]).unwrap().with_kid("must-not-leak"), ed25519(51).with_kid("must-not-leak")] {
        let spec = DpopSpec {
            nonce: Some("eyJ7S_zG.eyJH0-Z.HX4w-7v".into()),
            access_token: Some("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU".into()),
            ..DpopSpec::new("POST", "https://rs.example.com/resource?x=1#frag", "dpop-jti-1", NOW)
        };
        let token = create_dpop_proof(&key, &spec);
        let p = parts(&token);

        // Header: typ, alg, and the public jwk only.
        let h = p.header.as_object().unwrap();
        let mut names: Vec<&str> = h.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["alg", "jwk", "typ"]);
        assert_eq!(h["typ"], "dpop+jwt");
        assert_eq!(h["alg"], key.alg().name());
        let jwk = h["jwk"].as_object().unwrap();
        assert!(!jwk.contains_key("d") && !jwk.contains_key("kid"), "{jwk:?}");
        let header_key = PublicKey::from_value(&h["jwk"]).unwrap();
        assert_eq!(header_key.thumbprint(), key.public_key().thumbprint());

        // Claims.
        assert_eq!(
            p.claims,
            json!({
                "jti": "dpop-jti-1",
                "htm": "POST",
                "htu": "https://rs.example.com/resource",
                "iat": NOW,
                "nonce": "eyJ7S_zG.eyJH0-Z.HX4w-7v",
                "ath": "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
            })
        );

        // The signature verifies with the header jwk, and only over this input.
        assert!(client_attestation::jose::sig::verify(key.alg(), &header_key, p.input.as_bytes(), &p.signature));
        assert!(!client_attestation::jose::sig::verify(key.alg(), &header_key, b"other", &p.signature));

        // Without nonce and access token: neither claim.
        let bare = parts(&create_dpop_proof(&key, &DpopSpec::new("GET", "https://as.example.com/token", "j", NOW)));
        assert!(bare.claims.get("nonce").is_none() && bare.claims.get("ath").is_none(), "{}", bare.claims);
        assert_eq!(bare.claims["htm"], "GET");
    }
}

// ---- external signers -------------------------------------------------------------------------

/// Stands in for an HSM: a key behind the trait, used only as `&dyn JwsSigner`.
struct Hsm {
    key: SigningKey,
    calls: std::cell::Cell<usize>,
}

impl JwsSigner for Hsm {
    fn alg(&self) -> Algorithm {
        self.key.alg()
    }
    fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.calls.set(self.calls.get() + 1);
        self.key.sign(message)
    }
}

#[test]
fn dyn_signers_plug_in() {
    let attester = Hsm { key: SigningKey::p256(&[7; 32]).unwrap().with_kid("hsm"), calls: Default::default() };
    let instance = Hsm { key: ed25519(61), calls: Default::default() };
    let (a, i): (&dyn JwsSigner, &dyn JwsSigner) = (&attester, &instance);
    let att = create_attestation(a, &att_spec(&instance.key));
    let pop = create_pop(i, &pop_spec("hsm-1"));
    let proof = create_dpop_proof(i, &DpopSpec::new("POST", format!("{AS}/token"), "hsm-2", NOW));
    assert_eq!((attester.calls.get(), instance.calls.get()), (1, 2));
    assert_eq!(parts(&att).header["kid"], "hsm");
    assert_accepted_for(&run_pair(&trusting(&attester.key, |_| {}), &att, &pop), instance.key.public_key());
    let p = parts(&proof);
    assert!(client_attestation::jose::sig::verify(
        Algorithm::EdDsa,
        instance.key.public_key(),
        p.input.as_bytes(),
        &p.signature
    ));
}

#[test]
fn split_api_round_trip_with_an_external_signer() {
    let attester = SigningKey::p256(&[7; 32]).unwrap().with_kid("kms");
    let instance = SigningKey::p256(&[8; 32]).unwrap();
    let v = trusting(&attester, |_| {});

    // The attester's KMS returns DER; the instance's WebCrypto returns raw r‖s.
    let unsigned: Unsigned = unsigned_attestation(Algorithm::Es256, attester.public_key(), &att_spec(&instance));
    assert_eq!(unsigned.alg, Algorithm::Es256);
    let der = to_der(&attester.sign(unsigned.signing_input.as_bytes()));
    assert_ne!(der.len(), 64);
    let err = unsigned.assemble(&der).unwrap_err();
    assert_eq!((err.expected, err.actual), (64, der.len()));
    assert!(err.to_string().contains("der_to_raw_es256"), "{err}");
    let att = unsigned.assemble(&der_to_raw_es256(&der).unwrap()).unwrap();
    assert_eq!(att, create_attestation(&attester, &att_spec(&instance)), "deterministic ECDSA: same token");

    let unsigned = unsigned_pop(Algorithm::Es256, &pop_spec("ext-1"));
    let pop = unsigned.assemble(&instance.sign(unsigned.signing_input.as_bytes())).unwrap();
    assert_accepted_for(&run_pair(&v, &att, &pop), instance.public_key());

    // The verifier refuses a PoP whose signature was made over other bytes.
    let other = unsigned_pop(Algorithm::Es256, &pop_spec("ext-2"));
    let forged = other.assemble(&instance.sign(unsigned.signing_input.as_bytes())).unwrap();
    assert_reason(&run_pair(&v, &att, &forged), Reason::PopBadSignature);

    // DPoP: the header carries the given public key.
    let spec = DpopSpec::new("POST", format!("{AS}/token"), "ext-3", NOW);
    let unsigned = unsigned_dpop_proof(Algorithm::Es256, instance.public_key(), &spec);
    let proof = unsigned.assemble(&instance.sign(unsigned.signing_input.as_bytes())).unwrap();
    assert_eq!(proof, create_dpop_proof(&instance, &spec));
}

// ---- DER --------------------------------------------------------------------------------------

#[test]
fn der_to_raw_round_trips() {
    let key = SigningKey::p256(&[8; 32]).unwrap();
    let mut padded = 0;
    for i in 0..64u32 {
        let raw = key.sign(&i.to_be_bytes());
        let der = to_der(&raw);
        padded += usize::from(der[3] == 33);
        assert_eq!(der_to_raw_es256(&der).as_ref().map(|r| &r[..]), Some(&raw[..]), "signature {i}");
    }
    assert!(padded > 0, "some r with the high bit set (leading 0x00 in DER)");

    // Hand-made edge cases: leading zero bytes in r (short INTEGER), high bit in s (33 bytes),
    // and zero.
    let mut raw = [0u8; 64];
    raw[29..32].copy_from_slice(&[0x01, 0x02, 0x03]);
    raw[32] = 0xff;
    raw[63] = 0x01;
    let der = to_der(&raw);
    assert_eq!(&der[..7], &[0x30, 5 + 35, 0x02, 0x03, 0x01, 0x02, 0x03]);
    assert_eq!(&der[7..10], &[0x02, 33, 0x00]);
    assert_eq!(der_to_raw_es256(&der), Some(raw));
    let zeros = [0u8; 64];
    assert_eq!(to_der(&zeros), [0x30, 6, 0x02, 1, 0, 0x02, 1, 0]);
    assert_eq!(der_to_raw_es256(&to_der(&zeros)), Some(zeros));
    let mut high = [0x80u8; 64];
    high[0] = 0xff;
    assert_eq!(der_to_raw_es256(&to_der(&high)), Some(high));

    // A DER signature from the helper verifies after conversion.
    let raw = key.sign(b"message");
    let back = der_to_raw_es256(&to_der(&raw)).unwrap();
    assert!(client_attestation::jose::sig::verify(Algorithm::Es256, key.public_key(), b"message", &back));
}

#[test]
fn der_to_raw_rejects_malformed_input() {
    let good = to_der(&SigningKey::p256(&[8; 32]).unwrap().sign(b"x"));
    assert!(der_to_raw_es256(&good).is_some());
    let int = |bytes: &[u8]| -> Vec<u8> {
        let mut v = vec![0x02, bytes.len() as u8];
        v.extend_from_slice(bytes);
        v
    };
    let seq = |parts: &[Vec<u8>]| -> Vec<u8> {
        let body: Vec<u8> = parts.concat();
        let mut v = vec![0x30, body.len() as u8];
        v.extend(body);
        v
    };
    let one = int(&[1]);
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("tag only", vec![0x30]),
        ("wrong outer tag", {
            let mut v = good.clone();
            v[0] = 0x31;
            v
        }),
        ("outer length too long", {
            let mut v = good.clone();
            v[1] += 1;
            v
        }),
        ("outer length too short", {
            let mut v = good.clone();
            v[1] -= 1;
            v
        }),
        ("trailing byte after the sequence", {
            let mut v = good.clone();
            v.push(0);
            v
        }),
        ("truncated", good[..good.len() - 1].to_vec()),
        ("long-form outer length", {
            let mut v = vec![0x30, 0x81, (good.len() - 2) as u8];
            v.extend_from_slice(&good[2..]);
            v
        }),
        ("one integer", seq(std::slice::from_ref(&one))),
        ("three integers", seq(&[one.clone(), one.clone(), one.clone()])),
        ("trailing bytes inside the sequence", seq(&[one.clone(), one.clone(), vec![0x05, 0x00]])),
        ("wrong integer tag", seq(&[vec![0x03, 1, 1], one.clone()])),
        ("empty integer", seq(&[vec![0x02, 0], one.clone()])),
        ("negative r", seq(&[int(&[0x80]), one.clone()])),
        ("negative s", seq(&[one.clone(), int(&[0xff, 0x01])])),
        ("non-minimal leading zero", seq(&[int(&[0x00, 0x01]), one.clone()])),
        ("non-minimal zero", seq(&[int(&[0x00, 0x00]), one.clone()])),
        ("33 bytes without a leading zero", seq(&[int(&[0x01; 33]), one.clone()])),
        ("34 bytes", seq(&[int(&[0x00; 34]), one.clone()])),
        ("integer length past the end", seq(&[vec![0x02, 5, 1, 2], one.clone()])),
        ("long-form integer length", seq(&[vec![0x02, 0x81, 1, 1], one.clone()])),
        ("raw r||s", SigningKey::p256(&[8; 32]).unwrap().sign(b"x")),
    ];
    let mut padded = vec![0x00];
    padded.extend([0x80; 32]);
    cases.push(("33 bytes with a leading zero is fine", seq(&[int(&padded), one.clone()])));
    for (name, der) in cases {
        let ok = name.ends_with("is fine");
        assert_eq!(der_to_raw_es256(&der).is_some(), ok, "{name}: {der:02x?}");
    }
}

// ---- keys -------------------------------------------------------------------------------------

#[test]
fn public_and_private_jwks() {
    for key in [SigningKey::p256(&[8; 32]).unwrap().with_kid("k1"), ed25519(71).with_kid("k1")] {
        let public = key.to_public_jwk();
        assert!(public.get("d").is_none());
        assert_eq!(public["kid"], "k1");
        assert_eq!(PublicKey::from_value(&public).unwrap().thumbprint(), key.public_key().thumbprint());
        let private: Map<String, Value> = serde_json::from_str(&key.to_private_jwk()).unwrap();
        let again = SigningKey::from_jwk(&private).unwrap();
        assert_eq!(again.public_key().thumbprint(), key.public_key().thumbprint());
        assert_eq!(again.public_key().kid.as_deref(), Some("k1"));
        assert_eq!(again.sign(b"m"), key.sign(b"m"), "same private key");
        // The key document of JS generateKey and the CLI's build key.
        let doc: Value = serde_json::from_str(&key.to_key_json()).unwrap();
        assert_eq!(doc["alg"], key.alg().name());
        assert_eq!(doc["privateJwk"], Value::Object(private));
        assert_eq!(doc["publicJwk"], public);
        assert_eq!(doc["thumbprint"], key.public_key().thumbprint());
        assert_eq!(doc.as_object().unwrap().len(), 4);
    }
}

#[cfg(feature = "rand")]
mod random {
    use super::*;
    use client_attestation::builder::{random_bytes16, random_jti};

    #[test]
    fn generated_keys_differ_and_reimport() {
        for alg in [Algorithm::Es256, Algorithm::EdDsa, Algorithm::Ed25519] {
            let a = SigningKey::generate(alg).unwrap();
            let b = SigningKey::generate(alg).unwrap();
            assert_ne!(a.public_key().thumbprint(), b.public_key().thumbprint(), "{alg:?}");
            assert_ne!(*a.to_private_jwk(), *b.to_private_jwk());
            let expected = if alg == Algorithm::Es256 { Algorithm::Es256 } else { Algorithm::EdDsa };
            assert_eq!(a.alg(), expected);
            let private: Map<String, Value> = serde_json::from_str(&a.to_private_jwk()).unwrap();
            assert!(private.contains_key("d"));
            let again = SigningKey::from_jwk(&private).unwrap();
            assert_eq!(again.public_key().thumbprint(), a.public_key().thumbprint());
        }
    }

    #[test]
    fn generated_keys_round_trip_through_the_verifier() {
        for alg in [Algorithm::Es256, Algorithm::EdDsa] {
            let attester = SigningKey::generate(alg).unwrap().with_kid("gen");
            let instance = SigningKey::generate(alg).unwrap();
            let att = create_attestation(&attester, &att_spec(&instance));
            let pop = create_pop(&instance, &pop_spec(&random_jti().unwrap()));
            assert_accepted_for(&run_pair(&trusting(&attester, |_| {}), &att, &pop), instance.public_key());
        }
    }

    #[test]
    /// R-POP-12 (client): a new jti with at least 128 random bits for every PoP.
    fn random_jtis_and_bytes() {
        let jtis: Vec<String> = (0..32).map(|_| random_jti().unwrap()).collect();
        for j in &jtis {
            assert!(j.len() >= 22, "{j}");
            assert_eq!(b64::decode(j).map(|b| b.len()), Some(16), "128 bits of base64url: {j}");
        }
        let mut unique = jtis.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), jtis.len());
        assert_ne!(random_bytes16().unwrap(), random_bytes16().unwrap());
    }
}

/// Builders → verifier for every combination the issue names: both algorithms, AS and RS roles,
/// normal / combined / three-JWT modes, without and with server freshness (an attestation
/// challenge for PoPs, a DPoP nonce for DPoP proofs), and the legacy PoP claim set.
#[test]
fn round_trip_matrix_of_modes_roles_algorithms_and_freshness() {
    const CHALLENGE_SECRET: &str = "matrix-challenge-secret-0123456789abcdef";
    const NONCE_SECRET: &str = "matrix-dpop-nonce-secret-0123456789abcdef";
    let mut cases = 0;
    for (alg_name, attester, instance, dpop_key) in [
        ("ES256", SigningKey::p256(&[31; 32]).unwrap(), SigningKey::p256(&[32; 32]).unwrap(), ed25519(33)),
        ("EdDSA", ed25519(34), ed25519(35), SigningKey::p256(&[36; 32]).unwrap()),
    ] {
        for role in ["as", "rs"] {
            for mode in ["normal", "combined", "three-jwt"] {
                for fresh in [false, true] {
                    for legacy_claims in [false, true] {
                        if legacy_claims && mode == "combined" {
                            continue; // no PoP JWT in combined mode
                        }
                        let (aud, url, method) = match role {
                            "as" => (AS, format!("{AS}/token"), "POST"),
                            _ => (RS, format!("{RS}/resource"), "GET"),
                        };
                        let v = trusting(&attester, |p| {
                            p["role"] = json!(role);
                            p["audience"] = json!(aud);
                            p["dpop"] = json!({"combined": true});
                            if fresh {
                                p["challenge"] = json!({"secret": CHALLENGE_SECRET});
                                p["dpop"]["nonce"] = json!({"secret": NONCE_SECRET});
                            }
                        });
                        let jti = format!("{alg_name}-{role}-{mode}-{fresh}-{legacy_claims}");
                        let att = create_attestation(&attester, &att_spec(&instance));
                        let access_token = (role == "rs").then(|| format!("at-{jti}"));
                        let mut req = HttpRequest::new(method, url.clone()).header(ATTESTATION_HEADER, att.as_str());
                        if let Some(at) = &access_token {
                            req = req.header("Authorization", format!("DPoP {at}"));
                        }
                        if mode != "combined" {
                            let mut spec = PopSpec::new(aud, format!("pop-{jti}"), NOW - 1);
                            if fresh {
                                spec = spec.with_challenge(v.issue_challenge(NOW - 5, &[7; 16]).unwrap());
                            }
                            if legacy_claims {
                                spec = spec.with_legacy_claims(&LegacyPopClaims::new(CLIENT));
                            }
                            req = req.header(POP_HEADER, create_pop(&instance, &spec));
                        }
                        if mode != "normal" {
                            let key = if mode == "combined" { &instance } else { &dpop_key };
                            let mut spec = DpopSpec::new(method, url.clone(), format!("dpop-{jti}"), NOW - 1);
                            spec.nonce = fresh.then(|| v.issue_dpop_nonce(NOW - 5, &[8; 16]).unwrap());
                            spec.access_token = access_token.clone();
                            req = req.header(DPOP_HEADER, create_dpop_proof(key, &spec));
                        }
                        let mut ctx = RequestContext::at(NOW);
                        ctx.access_token = access_token.clone();
                        let verdict = run(&v, &req, &ctx);
                        assert_accepted_for(&verdict, instance.public_key());
                        let expected = if mode == "combined" { "dpop_combined" } else { "attestation_pop_jwt" };
                        assert_eq!(verdict.audit.mechanism, Some(expected), "{jti}");
                        if mode == "three-jwt" {
                            let accepted = verdict.outcome.as_ref().unwrap();
                            assert_eq!(
                                accepted.dpop_key.as_ref().unwrap().thumbprint(),
                                dpop_key.public_key().thumbprint()
                            );
                        }
                        cases += 1;
                    }
                }
            }
        }
    }
    assert_eq!(cases, 2 * 2 * (2 * 2 + 2 + 2 * 2));
}
