//! The pasted-request parser: the draft's own HTTP examples parse into verifiable requests,
//! and arbitrary input never panics.

mod common;

use client_attestation::httpmsg::parse;
use client_attestation::{HttpRequest, RequestContext};
use common::*;
use proptest::prelude::*;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/http/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_drafts_token_request_parses_and_verifies() {
    let m = parse(&fixture("token-request.http")).unwrap();
    assert_eq!((m.method.as_str(), m.url.as_str()), ("POST", "https://as.example.com/token"));
    let req = HttpRequest { method: m.method, url: m.url, headers: m.headers };
    assert_accepted(&run(&verifier(), &req, &RequestContext::at(NOW)));
}

#[test]
fn the_drafts_par_example_carries_its_client_id() {
    let m = parse(&fixture("par-request-alongside-client-secret.http")).unwrap();
    assert_eq!(m.client_id.as_deref(), Some("s6BhdRkqt3"));
}

#[test]
fn every_draft_http_example_parses() {
    for name in ["token-request.http", "rs-request.http", "challenge-request.http", "combined-mode-token-request.http"]
    {
        assert!(parse(&fixture(name)).is_ok(), "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn never_panics(s in ".{0,400}") {
        let _ = parse(&s);
        let _ = parse(&format!("curl {s}"));
        let _ = parse(&format!("POST /x HTTP/1.1\nHost: h\n{s}"));
    }
}
