//! `make bench`: native verification throughput of attestation + PoP requests, and of
//! combined-mode requests (attestation + DPoP proof).
//!
//! Each request reuses one attestation (as instances do) with a fresh PoP (fresh `jti`), so the
//! replay store sees a new entry every time. Reported per algorithm: full verifications per
//! second (RustCrypto signatures), and the share spent outside signature checks (`prepare` only).
//! A benchmark, not a test: it asserts only that every request was accepted.

use client_attestation::builder::{
    AttestationSpec, DpopSpec, PopSpec, SigningKey, create_attestation, create_dpop_proof, create_pop,
};
use client_attestation::{AttestationCache, HttpRequest, MemoryReplayStore, RequestContext, Verifier};
use serde_json::{Map, json};
use std::time::{Duration, Instant};

const NOW: i64 = 1_800_000_000;
const AUD: &str = "https://as.example.com";

struct Case {
    name: &'static str,
    attestation: String,
    /// Header name of the proof: the PoP (normal mode) or DPoP (combined mode).
    proof_header: &'static str,
    pops: Vec<String>,
}

fn case(name: &'static str, attester: &SigningKey, instance: &SigningKey, n: usize, combined: bool) -> Case {
    let attestation = create_attestation(
        attester,
        &AttestationSpec {
            client_id: "https://client.example.com".into(),
            instance_key: instance.public_key().clone(),
            iat: NOW - 60,
            exp: NOW + 86_400,
            round_to: None,
            extra: Map::new(),
        },
    );
    let pops = (0..n)
        .map(|i| {
            if combined {
                let spec = DpopSpec::new("POST", format!("{AUD}/token"), format!("bench-{name}-{i:08}"), NOW);
                return create_dpop_proof(instance, &spec);
            }
            create_pop(
                instance,
                &PopSpec {
                    audience: AUD.into(),
                    jti: format!("bench-{name}-{i:08}"),
                    iat: NOW,
                    challenge: None,
                    extra: Map::new(),
                },
            )
        })
        .collect();
    let proof_header = if combined { "DPoP" } else { "OAuth-Client-Attestation-PoP" };
    Case { name, attestation, proof_header, pops }
}

fn request(att: &str, proof_header: &str, proof: &str) -> HttpRequest {
    HttpRequest::new("POST", format!("{AUD}/token")).header("OAuth-Client-Attestation", att).header(proof_header, proof)
}

fn main() {
    let n: usize = std::env::var("BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let es_attester = SigningKey::p256(&[1; 32]).expect("key").with_kid("es");
    let ed_attester = SigningKey::ed25519(&[2; 32]).expect("key").with_kid("ed");
    let es_instance = SigningKey::p256(&[3; 32]).expect("key");
    let ed_instance = SigningKey::ed25519(&[4; 32]).expect("key");
    let policy = json!({
        "audience": AUD,
        "attesters": [{"jwks": {"keys": [es_attester.public_key().to_jwk(), ed_attester.public_key().to_jwk()]}}],
        "dpop": {"combined": true},
    });
    let verifier = Verifier::from_json(&policy.to_string()).expect("policy");
    let cases = [
        case("ES256 attestation + PoP", &es_attester, &es_instance, n, false),
        case("EdDSA attestation + PoP", &ed_attester, &ed_instance, n, false),
        case("ES256 combined (attestation + DPoP)", &es_attester, &es_instance, n, true),
        case("EdDSA combined (attestation + DPoP)", &ed_attester, &ed_instance, n, true),
    ];

    println!("client-attestation native benchmark ({} requests per row, one core, release build)", n);
    println!(
        "| request | verify (req/s) | µs/req | with attestation cache (req/s) | prepare only (req/s) | non-signature share |"
    );
    println!("|---|---|---|---|---|---|");
    for c in &cases {
        let requests: Vec<HttpRequest> = c.pops.iter().map(|p| request(&c.attestation, c.proof_header, p)).collect();
        let ctx = RequestContext::at(NOW);
        // Warm up, then measure full verification (fresh store: every jti is new).
        let mut store = MemoryReplayStore::new(n * 2);
        for r in requests.iter().take(50) {
            let _ = verifier.verify(r, &ctx, &mut MemoryReplayStore::default());
        }
        let t = Instant::now();
        for r in &requests {
            let v = verifier.verify(r, &ctx, &mut store);
            assert!(v.is_accepted(), "{:?}", v.rejection());
        }
        let full = t.elapsed();
        let mut store = MemoryReplayStore::new(n * 2);
        let mut cache = AttestationCache::default();
        let t = Instant::now();
        for r in &requests {
            let v = verifier.verify_cached(r, &ctx, &mut store, &mut cache);
            assert!(v.is_accepted(), "{:?}", v.rejection());
        }
        let cached = t.elapsed();
        let t = Instant::now();
        for r in &requests {
            std::hint::black_box(verifier.prepare(r, &ctx));
        }
        let prep = t.elapsed();
        let rate = |d: Duration| n as f64 / d.as_secs_f64();
        println!(
            "| {} | {:.0} | {:.1} | {:.0} | {:.0} | {:.1} % |",
            c.name,
            rate(full),
            full.as_secs_f64() * 1e6 / n as f64,
            rate(cached),
            rate(prep),
            100.0 * prep.as_secs_f64() / full.as_secs_f64()
        );
    }
}
