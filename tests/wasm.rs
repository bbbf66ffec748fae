//! wasm-bindgen-test suite over the JS bindings (`src/wasm.rs`), run by `make wasm-test`
//! under Node and then headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`). Natively (and
//! without the `wasm` feature) this file compiles to nothing.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use client_attestation::wasm::{
    WasmPrepared, WasmVerifier, assemble_jws, create_attestation, create_pop, generate_key, inspect, public_key_info,
    reasons,
};
use serde_json::{Value, json};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const POLICY_AS: &str = include_str!("fixtures/policy.as.json");
const REQUEST_TOKEN: &str = include_str!("fixtures/request.token.json");
const DRAFT_ATTESTATION: &str = include_str!("fixtures/draft/client-attestation.jwt");
const INSTANCE_THUMBPRINT: &str = "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU";
const ATTESTER_THUMBPRINT: &str = "19J8y7Zprt2-QKLjF2I5pVk0OELX6cY2AfaAv1LC_w8";
const NOW: i64 = 1_772_487_600;
const AS: &str = "https://as.example.com";

/// A JS value (a binding's result) as serde_json.
fn value(v: JsValue) -> Value {
    let text: String = js_sys::JSON::stringify(&v).expect("result is JSON").into();
    serde_json::from_str(&text).expect("valid JSON")
}

fn verifier(policy: &str) -> WasmVerifier {
    WasmVerifier::new(policy.to_string(), None).expect("valid policy")
}

/// The bindings' request arguments from a JSON request document (as in tests/fixtures):
/// method, url, flat headers, now, clientId (the other options unset, no flags).
type Args = (String, String, Vec<String>, f64, Option<String>);

fn args(json: &str) -> Args {
    let r: Value = serde_json::from_str(json).unwrap();
    let flat = r["headers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| [h[0].as_str().unwrap().to_string(), h[1].as_str().unwrap().to_string()])
        .collect();
    let text = |k: &str| r[k].as_str().map(str::to_string);
    (text("method").unwrap(), text("url").unwrap(), flat, r["now"].as_f64().unwrap(), text("clientId"))
}

fn prepare(v: &WasmVerifier, json: &str) -> Result<WasmPrepared, wasm_bindgen::JsError> {
    let (m, u, h, now, client_id) = args(json);
    v.prepare(m, u, h, now, client_id, None, None, None, None, None, 0)
}

/// What `Verifier.verifySync` does: prepare, then finish with the pure-wasm backend.
fn verify_sync(v: &WasmVerifier, json: &str) -> Result<JsValue, wasm_bindgen::JsError> {
    prepare(v, json)?.finish_with_wasm(v)
}

fn request(attestation: &str, pop: &str) -> String {
    json!({
        "method": "POST",
        "url": format!("{AS}/token"),
        "headers": [["OAuth-Client-Attestation", attestation], ["OAuth-Client-Attestation-PoP", pop]],
        "now": NOW,
    })
    .to_string()
}

#[wasm_bindgen_test]
fn constructor_accepts_the_fixture_policy_and_refuses_bad_ones() {
    let v = verifier(POLICY_AS);
    assert_eq!(v.role(), "as");
    assert!(WasmVerifier::new("{}".into(), None).is_err(), "missing audience/attesters");
    assert!(WasmVerifier::new("not json".into(), None).is_err());
    let mut p: Value = serde_json::from_str(POLICY_AS).unwrap();
    p["attesters"] = json!([]);
    assert!(WasmVerifier::new(p.to_string(), None).is_err(), "no attesters");
    p = serde_json::from_str(POLICY_AS).unwrap();
    p["algorithms"] = json!(["none"]);
    assert!(WasmVerifier::new(p.to_string(), None).is_err(), "alg none");
    p = serde_json::from_str(POLICY_AS).unwrap();
    p["clockTolerance"] = json!(1000);
    assert!(WasmVerifier::new(p.to_string(), None).is_err(), "clockTolerance 1000");
    p = serde_json::from_str(POLICY_AS).unwrap();
    p["attesters"][0]["jwks"]["keys"][0]["d"] = json!("evZzL1gdAFr88hb2OF_2NxApJCzGCEDdfSp6VQO30hw");
    assert!(WasmVerifier::new(p.to_string(), None).is_err(), "private attester key");
    let meta = value(v.metadata().unwrap());
    assert_eq!(meta["token_endpoint_auth_methods_supported"], json!(["attest_jwt_client_auth"]));
}

#[wasm_bindgen_test]
fn verify_sync_accepts_the_draft_example_then_reports_the_replay() {
    let v = verifier(POLICY_AS);
    let ok = value(verify_sync(&v, REQUEST_TOKEN).unwrap());
    assert_eq!(ok["ok"], json!(true), "{ok}");
    assert_eq!(ok["clientId"], "https://client.example.com");
    assert_eq!(ok["mechanism"], "attestation_pop_jwt");
    assert_eq!(ok["instanceKey"]["thumbprint"], INSTANCE_THUMBPRINT);
    let again = value(verify_sync(&v, REQUEST_TOKEN).unwrap());
    assert_eq!(again["ok"], json!(false));
    assert_eq!(again["reason"], "pop.replayed");
    assert_eq!(again["response"]["status"], 400);
    // Bad arguments are an error (headers not in pairs, a time outside NumericDate), a garbage
    // token a result.
    let (m, u, mut h, now, _) = args(REQUEST_TOKEN);
    h.pop();
    assert!(v.prepare(m.clone(), u.clone(), h, now, None, None, None, None, None, None, 0).is_err());
    assert!(v.prepare(m, u, Vec::new(), -1.0, None, None, None, None, None, None, 0).is_err());
    let garbage = value(verify_sync(&v, &request("not.a.jwt", "x")).unwrap());
    assert_eq!(garbage["ok"], json!(false));
}

#[wasm_bindgen_test]
fn two_phase_verification_with_external_answers() {
    let v = verifier(POLICY_AS);
    // All signatures answered "valid" by the caller (as the WebCrypto backend would).
    let mut prepared = prepare(&v, REQUEST_TOKEN).unwrap();
    let data = prepared.check_data().unwrap();
    assert_eq!(data[0], 2, "attestation and PoP signatures");
    // The buffer's layout (WasmPrepared::check_data): alg, artefact, thumbprint, the key's JWK
    // kty, crv, x and y, message, signature.
    let mut at = 1;
    let attestation = DRAFT_ATTESTATION.trim();
    let text = |data: &[u8], at: &mut usize| {
        let len = data[*at] as usize;
        let s = std::str::from_utf8(&data[*at + 1..*at + 1 + len]).unwrap().to_string();
        *at += 1 + len;
        s
    };
    for (artefact, thumbprint) in [(0u8, ATTESTER_THUMBPRINT), (1, INSTANCE_THUMBPRINT)] {
        assert_eq!(data[at], 0, "ES256");
        assert_eq!(data[at + 1], artefact);
        at += 2;
        assert_eq!(text(&data, &mut at), thumbprint);
        // The key members rebuild a JWK with the same RFC 7638 thumbprint.
        let members: Vec<String> = (0..4).map(|_| text(&data, &mut at)).collect();
        assert_eq!((members[0].as_str(), members[1].as_str()), ("EC", "P-256"));
        assert_eq!((members[2].len(), members[3].len()), (43, 43), "P-256 coordinates, base64url");
        let jwk = json!({ "kty": members[0], "crv": members[1], "x": members[2], "y": members[3] });
        assert_eq!(value(public_key_info(jwk.to_string()).unwrap())["thumbprint"], json!(thumbprint));
        let ml = u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        at += 4;
        if artefact == 0 {
            let signing_input = &attestation[..attestation.rfind('.').unwrap()];
            assert_eq!(&data[at..at + ml], signing_input.as_bytes());
        }
        at += ml;
        assert_eq!(data[at], 64, "raw r‖s");
        at += 1 + 64;
    }
    assert_eq!(at, data.len(), "nothing after the last check");
    let mut settled = prepared.settle(&[1, 1]).unwrap();
    let entries = value(settled.replay_entries().unwrap());
    assert_eq!(entries.as_array().unwrap().len(), 1);
    let key = entries[0]["key"].as_str().unwrap().to_string();
    let fresh = v.check_and_store(&key, entries[0]["expiresAt"].as_f64().unwrap(), NOW as f64).unwrap();
    assert_eq!(fresh, Some(true));
    let answers = js_sys::Array::of1(&JsValue::from_bool(true));
    let ok = value(settled.complete(answers).unwrap());
    assert_eq!(ok["ok"], json!(true), "{ok}");
    assert!(settled.replay_entries().is_err(), "a settled step is used once");

    // A signature answered "invalid" rejects (fresh verifier: no cached attestation).
    let v = verifier(POLICY_AS);
    let mut prepared = prepare(&v, REQUEST_TOKEN).unwrap();
    let mut settled = prepared.settle(&[1, 0]).unwrap();
    let no = value(settled.complete(js_sys::Array::new()).unwrap());
    assert_eq!(no["reason"], "pop.bad_signature", "{no}");

    // The pure-wasm crypto agrees, and an unavailable store fails closed.
    let v = verifier(POLICY_AS);
    let mut prepared = prepare(&v, REQUEST_TOKEN).unwrap();
    let mut settled = prepared.settle_with_wasm().unwrap();
    assert!(prepared.settle_with_wasm().is_err(), "a prepared step is used once");
    let down = value(settled.complete(js_sys::Array::of1(&JsValue::UNDEFINED)).unwrap());
    assert_eq!(down["reason"], "replay.store_unavailable");
    assert_eq!(down["status"], 503);
}

#[wasm_bindgen_test]
fn finish_settles_records_and_reports_in_one_call() {
    let v = verifier(POLICY_AS);
    let mut prepared = prepare(&v, REQUEST_TOKEN).unwrap();
    let ok = value(prepared.finish(&[1, 1], &v).unwrap());
    assert_eq!(ok["ok"], json!(true), "{ok}");
    assert!(prepared.finish(&[1, 1], &v).is_err(), "a prepared step is used once");
    assert!(prepared.check_data().is_err());
    // The default store recorded the PoP: the same request again is a replay, also through
    // the pure-wasm backend; the attestation is cached, so only the PoP is checked.
    let mut again = prepare(&v, REQUEST_TOKEN).unwrap();
    assert_eq!(again.check_data().unwrap()[0], 1, "cached attestation: the PoP's signature only");
    let replay = value(again.finish_with_wasm(&v).unwrap());
    assert_eq!(replay["reason"], "pop.replayed");
    // A signature answered "invalid" (fresh verifier) rejects, and a missing answer fails closed.
    let v = verifier(POLICY_AS);
    let bad = value(prepare(&v, REQUEST_TOKEN).unwrap().finish(&[1, 0], &v).unwrap());
    assert_eq!(bad["reason"], "pop.bad_signature", "{bad}");
    // (That attestation signature passed, so it is cached now: a fresh verifier for the next.)
    let v = verifier(POLICY_AS);
    let short = value(prepare(&v, REQUEST_TOKEN).unwrap().finish(&[1], &v).unwrap());
    assert_eq!(short["reason"], "attestation.bad_signature", "{short}");
}

#[wasm_bindgen_test]
fn generate_key_and_public_key_info() {
    for alg in ["ES256", "EdDSA"] {
        let k = value(generate_key(alg).unwrap());
        assert_eq!(k["alg"], alg);
        assert!(k["privateJwk"]["d"].is_string());
        assert!(k["publicJwk"].get("d").is_none());
        let info = value(public_key_info(k["privateJwk"].to_string()).unwrap());
        assert_eq!(info["thumbprint"], k["thumbprint"]);
        assert_eq!(info["publicJwk"], k["publicJwk"]);
        assert_ne!(value(generate_key(alg).unwrap())["thumbprint"], k["thumbprint"], "fresh randomness");
    }
    assert!(generate_key("RS256").is_err());
    assert!(generate_key("none").is_err());
}

#[wasm_bindgen_test]
fn inspect_and_reasons() {
    let i = value(inspect(DRAFT_ATTESTATION.trim()).unwrap());
    assert_eq!(i["kind"], "attestation");
    assert_eq!(i["header"]["kid"], "11");
    assert_eq!(i["thumbprint"], INSTANCE_THUMBPRINT);
    let g = value(inspect("garbage").unwrap());
    assert_eq!(g["kind"], "unknown");
    let r = value(reasons().unwrap());
    assert!(r.as_array().unwrap().len() > 50);
    assert!(r.as_array().unwrap().iter().any(|x| x["reason"] == "pop.replayed"));
}

#[wasm_bindgen_test]
fn builders_round_trip_through_the_verifier() {
    for alg in ["ES256", "EdDSA"] {
        let attester = value(generate_key(alg).unwrap());
        let instance = value(generate_key(alg).unwrap());
        let mut attester_public = attester["publicJwk"].clone();
        attester_public["kid"] = json!("k1");
        let policy = json!({ "audience": AS, "attesters": [{ "jwks": { "keys": [attester_public] } }] }).to_string();
        let attestation = create_attestation(
            json!({ "issuerKey": attester["privateJwk"], "kid": "k1", "clientId": "client-1",
                     "instanceKey": instance["publicJwk"], "now": NOW - 5 })
            .to_string(),
        )
        .unwrap();
        let pop =
            create_pop(json!({ "key": instance["privateJwk"], "audience": AS, "now": NOW, "jti": "j-1" }).to_string())
                .unwrap();
        assert_eq!(value(inspect(&pop).unwrap())["kind"], "pop");
        let v = verifier(&policy);
        let ok = value(verify_sync(&v, &request(&attestation, &pop)).unwrap());
        assert_eq!(ok["ok"], json!(true), "{alg}: {ok}");
        assert_eq!(ok["clientId"], "client-1");
        assert_eq!(ok["instanceKey"]["thumbprint"], instance["thumbprint"]);
        // Another instance's PoP does not verify.
        let other = value(generate_key(alg).unwrap());
        let forged = create_pop(json!({ "key": other["privateJwk"], "audience": AS, "now": NOW }).to_string()).unwrap();
        let no = value(verify_sync(&v, &request(&attestation, &forged)).unwrap());
        assert_eq!(no["reason"], "pop.bad_signature", "{alg}: {no}");
    }
    // A public key cannot sign; unknown options are refused.
    let k = value(generate_key("ES256").unwrap());
    assert!(create_pop(json!({ "key": k["publicJwk"], "audience": AS, "now": NOW }).to_string()).is_err());
    assert!(create_pop(json!({ "key": k["privateJwk"], "audience": AS, "now": NOW, "bogus": 1 }).to_string()).is_err());
}

#[wasm_bindgen_test]
fn assemble_jws_checks_signature_lengths() {
    let input = "eyJhbGciOiJFUzI1NiJ9.e30";
    assert!(assemble_jws("ES256", input, &[7u8; 64]).unwrap().starts_with(input));
    assert!(assemble_jws("ES256", input, &[7u8; 10]).is_err());
    assert!(assemble_jws("EdDSA", input, &[7u8; 63]).is_err());
    assert!(assemble_jws("RS256", input, &[7u8; 64]).is_err());
}
