//! Property tests: the verifier never panics on hostile input, never accepts a token that differs
//! from a validly signed one, attributes every rejection to the right artefact, and decides the
//! `iat` window and the header-line rules exactly as specified.
//!
//! Fixtures: the draft-11 example attestation and AS PoP (valid at `NOW`), and
//! `tests/fixtures/policy.as.json` (trusts the draft attester, kid "11", audience
//! `https://as.example.com`). Case counts are chosen so the whole file runs in a few seconds in
//! debug mode (every accepted or signature-checked case costs one or two P-256 verifications).

use client_attestation::inspect::Kind;
use client_attestation::jose::b64;
use client_attestation::{HttpRequest, MemoryReplayStore, RequestContext, Verdict, Verifier, inspect};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Map, Value};
use std::sync::OnceLock;

const POLICY: &str = include_str!("fixtures/policy.as.json");
const ATT_FILE: &str = include_str!("fixtures/draft/client-attestation.jwt");
const POP_FILE: &str = include_str!("fixtures/draft/client-attestation-pop.as.jwt");
const NOW: i64 = 1_772_487_600;
const URL: &str = "https://as.example.com/token";
const ATT_HEADER: &str = "OAuth-Client-Attestation";
const POP_HEADER: &str = "OAuth-Client-Attestation-PoP";

/// PoP `iat` 1772487595, maxPopAge 300, clockTolerance 30 (attestation `iat` is the same).
const WINDOW: core::ops::RangeInclusive<i64> = 1_772_487_565..=1_772_487_925;

fn att() -> &'static str {
    ATT_FILE.trim()
}

fn pop() -> &'static str {
    POP_FILE.trim()
}

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| Verifier::from_json(POLICY).expect("policy.as.json is valid"))
}

fn request(att: &str, pop: &str) -> HttpRequest {
    HttpRequest::new("POST", URL).header(ATT_HEADER, att).header(POP_HEADER, pop)
}

/// Verifies with a fresh replay store, so replay never masks another outcome.
fn run(req: &HttpRequest, now: i64) -> Verdict {
    verifier().verify(req, &RequestContext::at(now), &mut MemoryReplayStore::default())
}

fn reason(v: &Verdict) -> &'static str {
    v.rejection().map_or("<accepted>", |r| r.reason.code())
}

/// What the verifier sees of a header value: surrounding spaces and tabs are not part of it.
fn ows_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

// ---- strategies ----------------------------------------------------------------------------------

/// Up to ~40 KB of text built by repeating a short unit of arbitrary chars (1–4 UTF-8 bytes each,
/// so some values also exceed the 64 KiB header budget).
fn huge_text() -> impl Strategy<Value = String> {
    (prop::collection::vec(any::<char>(), 1..6), 1_000usize..40_000)
        .prop_map(|(unit, n)| unit.iter().cycle().take(n).collect())
}

/// Arbitrary bytes (up to ~40 KB) read as lossy UTF-8.
fn lossy_bytes(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Three (or two/four/five) base64url-looking segments: gets past the segment count.
fn jws_shaped() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9_-]{0,120}", 1..6).prop_map(|segs| segs.join("."))
}

/// A JSON value: leaves the verifier cares about (its algorithms, `typ`s, audience, NumericDate
/// edges) mixed with arbitrary ones, nested up to three levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
        select(vec![
            "ES256",
            "EdDSA",
            "Ed25519",
            "none",
            "HS256",
            "RS256",
            "11",
            "EC",
            "OKP",
            "P-256",
            "oauth-client-attestation+jwt",
            "application/oauth-client-attestation-pop+jwt",
            "dpop+jwt",
            "https://as.example.com",
            "https://client.example.com",
        ])
        .prop_map(Value::from),
        select(vec![-1i64, 0, 1_772_487_595, 2_529_866_394, 253_402_300_799, 253_402_300_800,]).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((member_name(), inner), 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec![
            "typ", "alg", "kid", "crit", "jwk", "b64", "sub", "iat", "exp", "nbf", "cnf", "aud",
            "jti", "challenge", "nonce", "iss", "kty", "crv", "x", "y", "d", "use",
        ])
        .prop_map(String::from),
        1 => "\\PC{0,8}",
    ]
}

fn decode_segment(segment: &str) -> Map<String, Value> {
    let bytes = b64::decode(segment).expect("fixture segment is base64url");
    serde_json::from_slice(&bytes).expect("fixture segment is a JSON object")
}

/// `base` (a valid token) with up to three members of its header and of its claims replaced,
/// added or removed (nested `cnf.jwk` members too), re-encoded with the original signature, or
/// with a random one: every claim check runs; the signature must then fail.
fn edited_token(base: &'static str) -> impl Strategy<Value = String> {
    let edits =
        || prop::collection::vec((member_name(), prop::option::weighted(0.85, json_value()), any::<bool>()), 0..=3);
    (edits(), edits(), prop::option::of("[A-Za-z0-9_-]{0,90}")).prop_map(
        move |(header_edits, claim_edits, signature)| {
            let mut parts = base.split('.');
            let (h, p, s) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            let mut header = decode_segment(h);
            let mut claims = decode_segment(p);
            for (map, edits) in [(&mut header, header_edits), (&mut claims, claim_edits)] {
                for (name, value, nested) in edits {
                    let target = match map.get_mut("cnf").and_then(|c| c.get_mut("jwk")) {
                        Some(Value::Object(jwk)) if nested => jwk,
                        _ => &mut *map,
                    };
                    match value {
                        Some(v) => target.insert(name, v),
                        None => target.remove(&name),
                    };
                }
            }
            format!(
                "{}.{}.{}",
                b64::encode(Value::Object(header).to_string().as_bytes()),
                b64::encode(Value::Object(claims).to_string().as_bytes()),
                signature.as_deref().unwrap_or(s),
            )
        },
    )
}

/// Segments that decode: base64url of arbitrary text or JSON objects, reaching the JSON layer.
fn b64_json_segments() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        "\\PC{0,40}",
        json_value().prop_map(|v| v.to_string()),
        prop::collection::vec((member_name(), json_value()), 0..6)
            .prop_map(|m| Value::Object(m.into_iter().collect()).to_string()),
        Just(r#"{"alg":"none"}"#.to_string()),
        Just(r#"{"a":1,"a":2}"#.to_string()),
        Just(format!("{}1{}", "[".repeat(40), "]".repeat(40))),
    ];
    (text.clone(), text, "[A-Za-z0-9_-]{0,90}")
        .prop_map(|(h, p, s)| format!("{}.{}.{}", b64::encode(h.as_bytes()), b64::encode(p.as_bytes()), s))
}

/// Arbitrary header-value text: non-ASCII, control characters, dots, commas, huge lengths.
fn arbitrary_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "[\\x00-\\x1f .,~=+/A-Za-z0-9_-]{0,200}",
        2 => jws_shaped(),
        2 => b64_json_segments(),
        2 => edited_token(att()),
        2 => edited_token(pop()),
        1 => lossy_bytes(2_000),
        1 => huge_text(),
        1 => lossy_bytes(40_000),
    ]
}

/// One mutation of an ASCII token: a single bit flip, or 1–4 bytes replaced by different bytes.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(Index, u8),
    Replace(Vec<(Index, u8)>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        prop::collection::vec((any::<Index>(), any::<u8>()), 1..=4).prop_map(Mutation::Replace),
    ]
}

/// Applies `m` to `token`. A byte that is not valid UTF-8 becomes U+FFFD, as an HTTP layer that
/// hands out `String`s would show it; the result always differs from `token`.
fn mutate(token: &str, m: &Mutation) -> String {
    let orig = token.as_bytes();
    let mut b = orig.to_vec();
    match m {
        Mutation::Flip(i, bit) => b[i.index(orig.len())] ^= 1 << bit,
        Mutation::Replace(edits) => {
            for (i, v) in edits {
                let i = i.index(b.len());
                b[i] = if *v == orig[i] { v ^ 1 } else { *v };
            }
        }
    }
    let s = String::from_utf8_lossy(&b).into_owned();
    assert_ne!(s, token);
    s
}

/// Applies a per-character case mask (bit i of `mask` upper-cases character i mod 64).
fn recase(name: &str, mask: u64) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| if mask >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

fn header_name() -> impl Strategy<Value = String> {
    let known = select(vec![
        ATT_HEADER,
        ATT_HEADER,
        POP_HEADER,
        POP_HEADER,
        "DPoP",
        "Authorization",
        "Content-Type",
        "OAuth-Client-Attestation-Challenge",
        "OAuth-Client-Attestation ",
        " OAuth-Client-Attestation-PoP",
        "OAuth-Client-Attestation-PoP2",
        "OAuth-Client-Attestatioñ",
        "",
    ]);
    prop_oneof![
        4 => (known, any::<u64>()).prop_map(|(n, mask)| recase(n, mask)),
        1 => "[A-Za-z-]{0,30}",
        1 => any::<String>(),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(att().to_string()),
        3 => Just(pop().to_string()),
        1 => Just(format!(" \t{}  ", att())),
        1 => Just(format!("\t{} ", pop())),
        1 => Just(format!("{}, {}", att(), att())),
        1 => Just(format!("{},", pop())),
        2 => "[ -~]{0,80}",
        1 => any::<String>(),
    ]
}

/// What the header layer decides, per R-ATT-1 / R-POP-1, modelled independently.
#[derive(Debug, PartialEq, Eq)]
enum HeaderModel<'a> {
    Reject(&'static str),
    Single { att: &'a str, pop: &'a str },
}

fn single<'a>(headers: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ()> {
    let mut values = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(()),
        (Some(v), None) if v.contains(',') => Err(()),
        (Some(v), None) => Ok(Some(ows_trim(v))),
    }
}

fn header_model(headers: &[(String, String)]) -> HeaderModel<'_> {
    let att = match single(headers, ATT_HEADER) {
        Err(()) => return HeaderModel::Reject("attestation.header_duplicated"),
        Ok(None) => return HeaderModel::Reject("attestation.missing"),
        Ok(Some(v)) => v,
    };
    let pop = match single(headers, POP_HEADER) {
        Err(()) => return HeaderModel::Reject("pop.header_duplicated"),
        Ok(None) => return HeaderModel::Reject("pop.missing"),
        Ok(Some(v)) => v,
    };
    HeaderModel::Single { att, pop }
}

fn now_value() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => any::<i64>(),
        4 => (WINDOW.start() - 400)..=(WINDOW.end() + 400),
        1 => select(vec![
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            1,
            i64::MAX - 1,
            i64::MAX,
            WINDOW.start() - 1,
            *WINDOW.start(),
            *WINDOW.end(),
            WINDOW.end() + 1,
            2_529_866_394 + 29,
            2_529_866_394 + 30,
        ]),
    ]
}

// ---- fixed sanity checks (so that the properties are not vacuous) ---------------------------------

#[test]
fn baseline_is_accepted() {
    let v = run(&request(att(), pop()), NOW);
    let ok = v.outcome.as_ref().expect("the draft example verifies");
    assert_eq!(ok.client_id, "https://client.example.com");
}

#[test]
fn window_edges() {
    let req = request(att(), pop());
    for (now, ok) in
        [(WINDOW.start() - 1, false), (*WINDOW.start(), true), (*WINDOW.end(), true), (WINDOW.end() + 1, false)]
    {
        assert_eq!(run(&req, now).is_accepted(), ok, "now = {now}");
    }
}

#[test]
fn mutations_are_detected_in_every_segment() {
    // One deterministic flip per segment of each token, so (c) covers all three regardless of
    // which indices proptest happens to draw.
    for (token, prefix) in [(att(), "attestation."), (pop(), "pop.")] {
        let dots: Vec<usize> = token.match_indices('.').map(|(i, _)| i).collect();
        for at in [1, dots[0] + 2, dots[1] + 2, token.len() - 1] {
            let mut b = token.as_bytes().to_vec();
            b[at] ^= 0x01;
            let m = String::from_utf8(b).unwrap();
            let req = if prefix == "pop." { request(att(), &m) } else { request(&m, pop()) };
            let v = run(&req, NOW);
            assert!(reason(&v).starts_with(prefix), "{at}: {}", reason(&v));
        }
    }
}

// ---- properties ------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// (a) Any attestation value with the valid PoP: rejected, for an attestation reason.
    #[test]
    fn arbitrary_attestation_value_is_rejected(value in arbitrary_value()) {
        prop_assume!(ows_trim(&value) != att());
        let v = run(&request(&value, pop()), NOW);
        let code = reason(&v);
        prop_assert!(!v.is_accepted());
        prop_assert!(
            code.starts_with("attestation.") || code == "request.invalid",
            "reason {code} for a {}-byte value", value.len()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// (b) Any PoP value with the valid attestation: rejected, for a PoP reason.
    #[test]
    fn arbitrary_pop_value_is_rejected(value in arbitrary_value()) {
        prop_assume!(ows_trim(&value) != pop());
        let v = run(&request(att(), &value), NOW);
        let code = reason(&v);
        prop_assert!(!v.is_accepted());
        prop_assert!(
            code.starts_with("pop.") || code == "request.invalid",
            "reason {code} for a {}-byte value", value.len()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// (c) A bit flip or 1–4 replaced bytes anywhere in the attestation: never accepted, and
    /// the attestation is blamed.
    #[test]
    fn mutated_attestation_is_rejected(m in mutation()) {
        let bad = mutate(att(), &m);
        let v = run(&request(&bad, pop()), NOW);
        prop_assert!(!v.is_accepted(), "ACCEPTED mutated attestation {bad:?}");
        prop_assert!(reason(&v).starts_with("attestation."), "{}", reason(&v));
    }

    /// (c) The same for the PoP.
    #[test]
    fn mutated_pop_is_rejected(m in mutation()) {
        let bad = mutate(pop(), &m);
        let v = run(&request(att(), &bad), NOW);
        prop_assert!(!v.is_accepted(), "ACCEPTED mutated PoP {bad:?}");
        prop_assert!(reason(&v).starts_with("pop."), "{}", reason(&v));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// (d) Arbitrary header lists (0–10 extra lines, the real two possibly missing, repeated,
    /// re-cased, padded or comma-folded): the header rules decide exactly as modelled, and the
    /// rest of the decision belongs to the right artefact.
    #[test]
    fn header_lists(
        extra in prop::collection::vec((header_name(), header_value()), 0..=10),
        real in prop::collection::vec((any::<Index>(), any::<u64>()), 2),
        drop_att in prop::bool::weighted(0.1),
        drop_pop in prop::bool::weighted(0.1),
    ) {
        let mut headers = extra;
        let real_two = [(ATT_HEADER, att(), drop_att), (POP_HEADER, pop(), drop_pop)];
        for ((name, value, dropped), (at, mask)) in real_two.into_iter().zip(real) {
            if !dropped {
                let at = at.index(headers.len() + 1);
                headers.insert(at, (recase(name, mask), value.to_string()));
            }
        }
        let mut req = HttpRequest::new("POST", URL);
        req.headers = headers;
        let v = run(&req, NOW);
        let code = reason(&v);
        // DPoP lines (combined mode, independent proofs) are judged after every attestation and
        // PoP check, except that a DPoP line may name the missing PoP's problem differently.
        let dpop = req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("DPoP"));
        match header_model(&req.headers) {
            HeaderModel::Reject("pop.missing") if dpop => prop_assert!(
                code == "pop.missing" || code == "pop.combined_mode_not_enabled",
                "{}",
                code
            ),
            HeaderModel::Reject(expected) => prop_assert_eq!(code, expected),
            HeaderModel::Single { att: a, pop: p } => {
                if a != att() {
                    prop_assert!(code.starts_with("attestation."), "{}", code);
                } else if p != pop() {
                    prop_assert!(code.starts_with("pop."), "{}", code);
                } else if !dpop {
                    prop_assert!(v.is_accepted(), "{}", code);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// (e) Any `now`: no panic (saturating arithmetic), and the draft example is accepted
    /// exactly within [iat - tolerance, iat + maxPopAge + tolerance].
    #[test]
    fn acceptance_window(now in now_value()) {
        let v = run(&request(att(), pop()), now);
        prop_assert_eq!(v.is_accepted(), WINDOW.contains(&now), "now {} -> {}", now, reason(&v));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// (f) `inspect` never panics, whatever it is given.
    #[test]
    fn inspect_never_panics(
        s in prop_oneof![
            6 => arbitrary_value(),
            1 => (arbitrary_value(), arbitrary_value()).prop_map(|(a, b)| format!("{a}~{b}")),
            2 => mutation().prop_map(|m| mutate(att(), &m)),
            1 => mutation().prop_map(|m| mutate(&format!("{}~{}", att(), pop()), &m)),
        ]
    ) {
        let i = inspect(&s);
        prop_assert!(i.parts.len() <= 2);
    }
}

#[test]
fn inspect_knows_the_fixtures() {
    assert_eq!(inspect(att()).kind, Kind::Attestation);
    assert_eq!(inspect(pop()).kind, Kind::Pop);
    assert_eq!(inspect(&format!("{}~{}", att(), pop())).parts.len(), 2);
}

/// (c), exhaustively: every one of the 8 × len single-bit flips of both tokens is rejected.
/// About 11 000 verifications (~11 s in debug): `cargo test --test proptest -- --ignored`.
#[test]
#[ignore = "exhaustive; slow in debug builds"]
fn every_single_bit_flip_is_rejected() {
    for (token, prefix) in [(att(), "attestation."), (pop(), "pop.")] {
        for i in 0..token.len() {
            for bit in 0..8u8 {
                let mut b = token.as_bytes().to_vec();
                b[i] ^= 1 << bit;
                let bad = String::from_utf8_lossy(&b).into_owned();
                let req = if prefix == "pop." { request(att(), &bad) } else { request(&bad, pop()) };
                let v = run(&req, NOW);
                assert!(!v.is_accepted(), "ACCEPTED: byte {i} bit {bit}: {bad:?}");
                assert!(reason(&v).starts_with(prefix), "{i}/{bit}: {}", reason(&v));
            }
        }
    }
}

/// `(r, n - s)`: the other valid ECDSA signature of the same message (P-256 order `n`).
fn malleate(token: &str) -> String {
    const N: [u8; 32] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6,
        0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ];
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut sig = b64::decode(sig).unwrap();
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(N[i]) - i16::from(sig[32 + i]) - borrow;
        borrow = i16::from(d < 0);
        sig[32 + i] = d.rem_euclid(256) as u8;
    }
    format!("{input}.{}", b64::encode(&sig))
}

/// ECDSA signatures are malleable and the verifier, like the draft's own (high-S) examples,
/// accepts either form: a second, different token string for the same PoP. It must still be a
/// replay, because the replay key is (instance key, jti), not the token text.
#[test]
fn malleated_pop_is_still_a_replay() {
    let (att2, pop2) = (malleate(att()), malleate(pop()));
    assert_ne!(pop2, pop());
    let mut store = MemoryReplayStore::default();
    let first = verifier().verify(&request(att(), pop()), &RequestContext::at(NOW), &mut store);
    assert!(first.is_accepted());
    let again = verifier().verify(&request(&att2, &pop2), &RequestContext::at(NOW), &mut store);
    assert_eq!(reason(&again), "pop.replayed");
    // And the malleated pair on its own verifies (documenting the behaviour).
    assert!(run(&request(&att2, &pop2), NOW).is_accepted());
}

/// Strict base64url of random bytes, then (most of the time) one thing strict base64url must
/// refuse or that changes the bytes: padding, a standard-alphabet or foreign character,
/// non-canonical trailing bits, a character too few or too many.
fn base64ish() -> impl Strategy<Value = String> {
    (proptest::collection::vec(any::<u8>(), 0..40), 0u8..8, any::<Index>(), any::<u8>()).prop_map(
        |(bytes, kind, at, c)| {
            let mut s = b64::encode(&bytes).into_bytes();
            let i = if s.is_empty() { 0 } else { at.index(s.len()) };
            match kind {
                0 => s.push(b'='),
                1 if !s.is_empty() => s[i] = [b'+', b'/', b' ', b'.', b'=', b'\n'][usize::from(c % 6)],
                2 if !s.is_empty() => {
                    // Any character in the last place: often leaves trailing bits set.
                    let last = s.len() - 1;
                    s[last] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[usize::from(c % 64)];
                }
                3 => s.truncate(s.len().saturating_sub(1)),
                4 => s.push(b'A'),
                _ => {}
            }
            String::from_utf8(s).expect("ASCII")
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The two base64url implementations (the `base64` crate for public data, constant-time
    /// `base64ct` for private keys) decide exactly alike: same acceptance, same bytes; and what
    /// is accepted is canonical (decoding then encoding gives the text back).
    #[test]
    fn b64_public_and_secret_paths_agree(s in base64ish(), bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
        prop_assert_eq!(b64::decode_array::<32>(&s), b64::decode_secret::<32>(&s), "{:?}", s);
        prop_assert_eq!(b64::decode_array::<2>(&s), b64::decode_secret::<2>(&s), "{:?}", s);
        let n = b64::decode(&s).map(|v| v.len());
        if let Some(n @ 1..=39) = n {
            // Every length the strategy makes, through the secret path too.
            macro_rules! same { ($($k:literal)*) => { $( if n == $k { prop_assert_eq!(b64::decode_array::<$k>(&s), b64::decode_secret::<$k>(&s)); } )* } }
            same!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39);
        }
        if let Some(v) = b64::decode(&s) {
            prop_assert_eq!(b64::encode(&v), s.clone(), "canonical: decoding then encoding gives the text back");
        }
        let text = b64::encode(&bytes);
        prop_assert_eq!(b64::decode(&text), Some(bytes));
    }
}
