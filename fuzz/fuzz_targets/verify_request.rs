//! Fuzz target for request verification.
//!
//! `data[0] % MODES` picks how the rest of the input becomes a request, so the fuzzer reaches
//! every layer (header lines, compact JWS, JSON, claims, signatures, replay, policy):
//!
//! | mode | rest of the input |
//! |---|---|
//! | 0 raw      | `method ␀ url ␀ now ␀ (name ␀ value)*` — fields split on `0xFF` (never in UTF-8); a name or value that is exactly `01` / `02` stands for the attestation / PoP header name or the valid draft token |
//! | 1 att text | `off_hi off_lo del insertion…`: bytes `off..off+del` of the valid attestation replaced by `insertion` |
//! | 2 pop text | the same for the valid PoP |
//! | 3 att json | `ctl off_hi off_lo del insertion…`: splice into the decoded attestation header (`ctl` bit 0 = 0) or claims (= 1); re-signed with the attester key when `ctl` bit 1 is set, so the claim checks decide |
//! | 4 pop json | the same for the PoP, re-signed with the client instance key |
//! | 5 context  | `now ␀ client_id ␀ expected_challenge ␀ flags` with the valid tokens (missing field = `None`) |
//! | 6 policy   | `off_hi off_lo del insertion…` spliced into the policy JSON; if it still parses, the valid request is verified under it |
//!
//! `now` fields: empty = the draft example's time; a decimal integer = that time; other bytes =
//! the example's time plus their little-endian i64 value (so short fields probe the window edges).
//!
//! Every input is also fed to `inspect` and `Policy::from_json` as (lossy) text. Invariants are
//! asserted on every verdict (see [`check`]).
#![no_main]

use client_attestation::builder::{SigningKey, assemble};
use client_attestation::jose::b64;
use client_attestation::{
    Check, HttpRequest, MemoryReplayStore, Policy, Reason, RequestContext, Status, Verifier, inspect,
};
use libfuzzer_sys::fuzz_target;
use std::borrow::Cow;
use std::sync::OnceLock;

const POLICY: &str = include_str!("../../tests/fixtures/policy.as.json");
const ATT: &str = include_str!("../../tests/fixtures/draft/client-attestation.jwt");
const POP: &str = include_str!("../../tests/fixtures/draft/client-attestation-pop.as.jwt");
const ATTESTER_JWK: &str = include_str!("../../tests/fixtures/keys/attester-key.private.jwk.json");
const INSTANCE_JWK: &str = include_str!("../../tests/fixtures/keys/client-instance-key.private.jwk.json");

const NOW: i64 = 1_772_487_600;
const URL: &str = "https://as.example.com/token";
const CLIENT: &str = "https://client.example.com";
const ATT_HEADER: &str = "OAuth-Client-Attestation";
const POP_HEADER: &str = "OAuth-Client-Attestation-PoP";
const SEP: u8 = 0xFF;
const MODES: u8 = 7;

/// A valid token split for splicing.
struct Token {
    text: &'static str,
    header: Vec<u8>,
    claims: Vec<u8>,
    signature: &'static str,
}

struct Fixture {
    verifier: Verifier,
    att: Token,
    pop: Token,
    attester: SigningKey,
    instance: SigningKey,
}

fn token(text: &'static str) -> Token {
    let mut it = text.split('.');
    let mut next = || it.next().expect("three segments");
    let (h, p, s) = (next(), next(), next());
    Token {
        text,
        header: b64::decode(h).expect("base64url header"),
        claims: b64::decode(p).expect("base64url claims"),
        signature: s,
    }
}

/// The `d` member of a private JWK fixture (serde_json is not a dependency of this crate).
fn private_key(jwk: &str, thumbprint: &str) -> SigningKey {
    let after = jwk.split("\"d\"").nth(1).expect("d member");
    let d = after.split('"').nth(1).expect("d value");
    let d = b64::decode_array::<32>(d).expect("32-byte d");
    let key = SigningKey::p256(&d).expect("valid P-256 scalar");
    assert_eq!(key.public_key().thumbprint(), thumbprint, "fixture key changed");
    key
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture {
        verifier: Verifier::from_json(POLICY).expect("policy.as.json is valid"),
        att: token(ATT.trim()),
        pop: token(POP.trim()),
        // Thumbprints from tests/fixtures/keys/jwk-thumbprints-rfc7638-sha256.json.
        attester: private_key(ATTESTER_JWK, "19J8y7Zprt2-QKLjF2I5pVk0OELX6cY2AfaAv1LC_w8"),
        instance: private_key(INSTANCE_JWK, "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU"),
    })
}

fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

fn parse_now(b: &[u8]) -> i64 {
    if b.is_empty() {
        return NOW;
    }
    if let Some(n) = std::str::from_utf8(b).ok().and_then(|s| s.parse::<i64>().ok()) {
        return n;
    }
    let mut le = [0u8; 8];
    for (d, s) in le.iter_mut().zip(b) {
        *d = *s;
    }
    NOW.wrapping_add(i64::from_le_bytes(le))
}

/// `base` with `len` bytes at `off` replaced by `insertion` (both clamped), from
/// `off_hi off_lo len insertion…`.
fn splice(base: &[u8], rest: &[u8]) -> Vec<u8> {
    let (off, del, insertion) = match rest {
        [hi, lo, del, ins @ ..] => (usize::from(*hi) << 8 | usize::from(*lo), *del, ins),
        _ => (0, 0, rest),
    };
    let off = off % (base.len() + 1);
    let end = (off + usize::from(del)).min(base.len());
    let mut out = Vec::with_capacity(base.len() + insertion.len());
    out.extend_from_slice(&base[..off]);
    out.extend_from_slice(insertion);
    out.extend_from_slice(&base[end..]);
    out
}

/// A compact JWS from raw header and claims bytes, signed with `key` or carrying `signature`.
fn jws(header: &[u8], claims: &[u8], key: Option<&SigningKey>, signature: &str) -> String {
    let input = format!("{}.{}", b64::encode(header), b64::encode(claims));
    match key {
        Some(k) => assemble(&input, &k.sign(input.as_bytes())),
        None => format!("{input}.{signature}"),
    }
}

fn valid_request(f: &Fixture) -> HttpRequest {
    HttpRequest::new("POST", URL).header(ATT_HEADER, f.att.text).header(POP_HEADER, f.pop.text)
}

fn count(req: &HttpRequest, name: &str) -> usize {
    req.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count()
}

/// A NumericDate claim as the verifier reads it (integer part), if it is a number. A macro
/// because serde_json (whose `Value` this is) is not a dependency of this crate.
macro_rules! date {
    ($v:expr) => {
        $v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    };
}

/// Verifies `req` and asserts what must hold of any verdict. Returns whether it was accepted.
fn check(verifier: &Verifier, req: &HttpRequest, ctx: &RequestContext) -> bool {
    let policy = verifier.policy();
    let mut store = MemoryReplayStore::default();
    let verdict = verifier.verify(req, ctx, &mut store);

    // The decision does not depend on whether every check is evaluated (explain mode) or
    // signature work after the first failure is skipped.
    let mut ctx2 = ctx.clone();
    ctx2.explain = !ctx.explain;
    let other = verifier.verify(req, &ctx2, &mut MemoryReplayStore::default());
    assert_eq!(
        verdict.rejection().map(|r| r.reason),
        other.rejection().map(|r| r.reason),
        "explain mode changed the decision"
    );

    // The check list: spec order, each check once, nothing left pending, and the decision is
    // its first failure.
    assert!(
        verdict.checks.windows(2).all(|w| w[0].check < w[1].check),
        "check list not in spec order or has duplicates: {:?}",
        verdict.checks
    );
    assert!(
        verdict.checks.iter().all(|c| !matches!(c.status, Status::Pending)),
        "a check is still pending after verify: {:?}",
        verdict.checks
    );
    let first_failure = verdict.checks.iter().find_map(|c| match &c.status {
        Status::Fail(r) => Some(r),
        _ => None,
    });
    assert_eq!(first_failure, verdict.rejection(), "decision != first failure");

    let response = verifier.error_response(&verdict, Some("fresh-challenge"));
    match &verdict.outcome {
        Err(r) => {
            assert_eq!(verdict.audit.decision, "reject");
            assert_eq!(verdict.audit.reason, Some(r.reason.code()));
            assert_eq!(Reason::from_code(r.reason.code()), Some(r.reason));
            let response = response.expect("a rejection has an error response");
            assert!(matches!(response.status, 400 | 401 | 503), "{response:?}");
            false
        }
        Ok(ok) => {
            assert!(response.is_none());
            assert_eq!(verdict.audit.decision, "accept");
            // R-ATT-1 / R-POP-1: exactly one line each, no comma folding.
            assert_eq!(count(req, ATT_HEADER), 1, "accepted without exactly one attestation");
            assert_eq!(count(req, POP_HEADER), 1, "accepted without exactly one PoP");
            // The only trusted attester may vouch only for CLIENT.
            assert_eq!(ok.client_id, CLIENT);
            if let Some(c) = &ctx.client_id {
                assert_eq!(c, &ok.client_id, "client_id != sub accepted");
            }
            assert!(
                verdict.checks.iter().all(|c| !matches!(c.status, Status::Fail(_))),
                "accepted with a failed check"
            );
            let tol = policy.clock_tolerance;
            // R-ATT-9: exp present and not passed.
            let exp = date!(ok.attestation.claims.get("exp")).expect("accepted without exp");
            assert!(ctx.now < exp.saturating_add(tol), "accepted an expired attestation");
            // R-POP-6: aud is exactly this server.
            let aud = ok.proof.claims.get("aud").expect("accepted without aud");
            let aud = aud.as_str().or_else(|| aud.as_array().filter(|a| a.len() == 1).and_then(|a| a[0].as_str()));
            assert_eq!(aud, Some(policy.audience.as_str()), "accepted a foreign aud");
            // R-POP-7 (claim) and R-POP-8.
            let jti = ok.proof.claims.get("jti").and_then(|j| j.as_str());
            assert!(jti.is_some_and(|j| !j.is_empty()), "accepted without jti");
            let iat = date!(ok.proof.claims.get("iat")).expect("accepted a PoP without iat");
            assert!(iat <= ctx.now.saturating_add(tol), "accepted a PoP from the future");
            assert!(ctx.now.saturating_sub(iat) <= policy.max_pop_age.saturating_add(tol), "accepted a stale PoP");
            // R-POP-9: an expected challenge must be the one presented.
            if let Some(e) = &ctx.expected_challenge {
                let presented = ok.proof.claims.get("challenge").and_then(|c| c.as_str());
                assert_eq!(presented, Some(e.as_str()), "accepted a challenge mismatch");
            }
            // R-POP-7: the same request again is a replay.
            let again = verifier.verify(req, ctx, &mut store);
            assert_eq!(again.rejection().map(|r| r.reason), Some(Reason::PopReplayed), "replay not detected");
            // Accepted verdicts list every check (DPoP checks belong to other modes).
            for c in Check::ALL.iter().filter(|c| !c.id().starts_with("dpop.")) {
                assert!(verdict.checks.iter().any(|r| r.check == *c), "accepted without evaluating {c:?}");
            }
            true
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();

    // Neither of these may panic on any text.
    let text = lossy(data);
    let _ = inspect(&text);
    let _ = Policy::from_json(&text);

    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut ctx = RequestContext::at(NOW);
    let mut verifier = &f.verifier;
    let own_verifier;
    let req = match mode % MODES {
        0 => {
            let mut fields = rest.split(|b| *b == SEP);
            let method = lossy(fields.next().unwrap_or_default()).into_owned();
            let url = lossy(fields.next().unwrap_or_default()).into_owned();
            ctx.now = parse_now(fields.next().unwrap_or_default());
            let mut req = HttpRequest::new(method, url);
            while let Some(name) = fields.next() {
                let value = fields.next().unwrap_or_default();
                let name = match name {
                    [1] => ATT_HEADER.to_string(),
                    [2] => POP_HEADER.to_string(),
                    _ => lossy(name).into_owned(),
                };
                let value = match value {
                    [1] => f.att.text.to_string(),
                    [2] => f.pop.text.to_string(),
                    _ => lossy(value).into_owned(),
                };
                req.headers.push((name, value));
            }
            req
        }
        1 => {
            let att = splice(f.att.text.as_bytes(), rest);
            HttpRequest::new("POST", URL).header(ATT_HEADER, lossy(&att)).header(POP_HEADER, f.pop.text)
        }
        2 => {
            let pop = splice(f.pop.text.as_bytes(), rest);
            HttpRequest::new("POST", URL).header(ATT_HEADER, f.att.text).header(POP_HEADER, lossy(&pop))
        }
        m @ (3 | 4) => {
            let (tok, key) = if m == 3 { (&f.att, &f.attester) } else { (&f.pop, &f.instance) };
            let (ctl, rest) = rest.split_first().unwrap_or((&0, &[]));
            let (header, claims) = if ctl & 1 == 0 {
                (splice(&tok.header, rest), tok.claims.clone())
            } else {
                (tok.header.clone(), splice(&tok.claims, rest))
            };
            let token = jws(&header, &claims, (ctl & 2 != 0).then_some(key), tok.signature);
            let (att, pop) = if m == 3 { (token.as_str(), f.pop.text) } else { (f.att.text, token.as_str()) };
            HttpRequest::new("POST", URL).header(ATT_HEADER, att).header(POP_HEADER, pop)
        }
        5 => {
            let mut fields = rest.split(|b| *b == SEP);
            ctx.now = parse_now(fields.next().unwrap_or_default());
            ctx.client_id = fields.next().map(|b| lossy(b).into_owned());
            ctx.expected_challenge = fields.next().map(|b| lossy(b).into_owned());
            ctx.explain = fields.next().and_then(|b| b.first()).is_some_and(|b| b & 1 == 1);
            valid_request(f)
        }
        _ => {
            let text = splice(POLICY.as_bytes(), rest);
            match Policy::from_json(&lossy(&text)) {
                Ok(p) => {
                    own_verifier = Verifier::new(p);
                    verifier = &own_verifier;
                    let _ = verifier.metadata();
                    valid_request(f)
                }
                Err(_) => return,
            }
        }
    };
    check(verifier, &req, &ctx);
});
