//! DPoP proofs (RFC 9449 §4.3) — as the PoP in combined mode (draft §5.2, R-DPOP-1 … R-DPOP-10)
//! or validated on their own beside a PoP JWT ("three JWTs", digest §2 configuration B).
//!
//! R-DPOP-1 (no PoP header) and R-DPOP-2 (exactly one `DPoP` line) are decided by the verifier's
//! mode selection; R-DPOP-4 (key = `cnf.jwk`) compares RFC 7638 thumbprints, never JSON;
//! R-DPOP-5 freshness comes only from DPoP nonces; R-DPOP-7 replay runs last, with the PoP's.

use crate::challenge::ChallengeFault;
use crate::checks::{Check, Checklist, JoseRules, Status};
use crate::error::{Reason, Rejection};
use crate::http::HttpRequest;
use crate::jose::b64;
use crate::jose::jwk::{JwkError, PublicKey, truncate};
use crate::jose::jws::numeric_date;
use crate::jose::sig::Signed;
use crate::policy::Policy;
use crate::pop::MAX_JTI_LEN;
use crate::typ::{self, DPOP_TYP};
use crate::uri::normalize_htu;
use crate::verifier::{ChallengeOutcome, RequestContext, SigQueue};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

const RULES: JoseRules = JoseRules {
    compact: Check::DpopCompact,
    jwt: Check::DpopJwt,
    malformed: Reason::DpopMalformed,
    encrypted: Reason::DpopEncrypted,
    too_large: Reason::DpopTooLarge,
    bad_base64: Reason::DpopBadBase64,
    not_utf8: Reason::DpopNotUtf8,
    bad_json: Reason::DpopBadJson,
    not_object: Reason::DpopNotObject,
    duplicate_member: Reason::DpopDuplicateMember,
    too_deep: Reason::DpopTooDeep,
    crit: Reason::DpopCritUnsupported,
    alg_none: Reason::DpopAlgNone,
    alg_not_allowed: Reason::DpopAlgNotAllowed,
};

/// Every DPoP check after the header, for marking them not evaluated / not applicable.
pub(crate) const CHECKS: [Check; 14] = [
    Check::DpopCompact,
    Check::DpopJwt,
    Check::DpopTyp,
    Check::DpopAlg,
    Check::DpopJwk,
    Check::DpopSignature,
    Check::DpopKeyBinding,
    Check::DpopHtm,
    Check::DpopHtu,
    Check::DpopIat,
    Check::DpopJti,
    Check::DpopNonce,
    Check::DpopAth,
    Check::DpopReplay,
];

/// `ath` (RFC 9449 §4.2): base64url(SHA-256(ASCII access token)).
pub fn access_token_hash(access_token: &str) -> String {
    b64::encode(&Sha256::digest(access_token.as_bytes()))
}

/// What the DPoP checks learned.
#[derive(Clone, Debug)]
pub(crate) struct Dpop {
    pub(crate) header: Map<String, Value>,
    pub(crate) claims: Map<String, Value>,
    /// The decoded header and claims texts, for results.
    pub(crate) raw: crate::jose::jws::RawJson,
    pub(crate) key: Option<PublicKey>,
    pub(crate) jti: Option<String>,
    pub(crate) iat: Option<i64>,
    pub(crate) nonce: ChallengeOutcome,
}

fn rej(reason: Reason, detail: impl Into<String>) -> Rejection {
    Rejection::with(reason, detail)
}

fn string_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{name} is not a string")),
    }
}

/// Runs the RFC 9449 §4.3 checks on `token`. `combined_key` is the attestation's `cnf.jwk` in
/// combined mode (the DPoP key must equal it); `None` validates an independent proof.
///
/// Kept out of line: inlined into the verifier's one caller, its ~4 KB of wasm were compiled
/// (V8 compiles a function whole on first call) by every request, DPoP or not.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(crate) fn check(
    policy: &Policy,
    token: &str,
    req: &HttpRequest,
    combined: bool,
    combined_key: Option<&PublicKey>,
    ctx: &RequestContext,
    list: &mut Checklist,
    queue: &mut SigQueue<'_>,
) -> Option<Dpop> {
    let (now, tol) = (ctx.now, policy.clock_tolerance);
    let jws = RULES.parse(list, token, CHECKS.get(2..).unwrap_or_default())?;
    let claims = &jws.claims;

    // Claim types.
    let iat = numeric_date(claims, "iat");
    let strings: Result<Vec<Option<&str>>, String> =
        ["htm", "htu", "jti", "nonce", "ath"].iter().map(|n| string_claim(claims, n)).collect();
    let r = match (&iat, &strings) {
        (Err(_), _) => Err(rej(Reason::DpopClaimType, "iat is not a NumericDate")),
        (_, Err(d)) => Err(rej(Reason::DpopClaimType, d.clone())),
        _ => Ok(()),
    };
    list.record(Check::DpopJwt, r);
    let get = |n: &str| string_claim(claims, n).ok().flatten();

    // typ, alg, jwk.
    list.record(Check::DpopTyp, typ::check(&jws.header, DPOP_TYP).map_err(|d| rej(Reason::DpopTyp, d)));
    let alg = RULES.alg(&jws.header, policy.algorithms);
    let key = match jws.header.get("jwk") {
        None => Err(rej(Reason::DpopJwkInvalid, "jwk is missing")),
        Some(v) => PublicKey::from_value(v).map_err(|e| match e {
            JwkError::Private => Rejection::new(Reason::DpopJwkPrivate),
            other => rej(Reason::DpopJwkInvalid, alloc::string::ToString::to_string(&other)),
        }),
    };
    let alg = match (alg, &key) {
        (Ok(a), Ok(k)) if !a.fits(k.kind()) => {
            Err(rej(Reason::DpopAlgNotAllowed, format!("{} does not fit the header jwk", a.name())))
        }
        (a, _) => a,
    };
    let alg = list.keep(Check::DpopAlg, alg);
    let key = list.keep(Check::DpopJwk, key);

    // Signature with the header jwk.
    match (alg, &key) {
        (Some(alg), Some(k)) => {
            queue.push(list, Check::DpopSignature, Reason::DpopBadSignature, Signed::Dpop, alg, [k], &jws)
        }
        _ => list.set(Check::DpopSignature, Status::NotEvaluated),
    }

    // R-DPOP-4: in combined mode the DPoP key is the instance key.
    match (combined, &key, combined_key) {
        (false, _, _) => list.set(Check::DpopKeyBinding, Status::NotApplicable),
        (true, Some(k), Some(cnf)) => {
            let r = if k.thumbprint() == cnf.thumbprint() {
                Ok(())
            } else {
                Err(rej(
                    Reason::DpopKeyMismatch,
                    format!("DPoP key {} but cnf.jwk {}", k.thumbprint(), cnf.thumbprint()),
                ))
            };
            list.record(Check::DpopKeyBinding, r);
        }
        (true, _, _) => list.set(Check::DpopKeyBinding, Status::NotEvaluated),
    }

    // htm, htu.
    let r = match get("htm") {
        Some(m) if m == req.method => Ok(()),
        Some(m) => Err(rej(
            Reason::DpopHtmMismatch,
            format!("htm {} but the method is {}", truncate(m), truncate(&req.method)),
        )),
        None => Err(rej(Reason::DpopHtmMismatch, "htm is missing")),
    };
    list.record(Check::DpopHtm, r);
    let r = match (get("htu"), normalize_htu(&req.url)) {
        (None, _) => Err(rej(Reason::DpopHtuMismatch, "htu is missing")),
        (Some(_), None) => Err(rej(Reason::DpopHtuMismatch, "the request URL is not an absolute http(s) URL")),
        (Some(h), Some(target)) => match normalize_htu(h) {
            Some(n) if n == target => Ok(()),
            _ => Err(rej(Reason::DpopHtuMismatch, format!("htu {} but the request is for {target}", truncate(h)))),
        },
    };
    list.record(Check::DpopHtu, r);

    // iat window (RFC 9449 §11.1).
    let iat = iat.ok().flatten();
    let r = match iat {
        None => Err(Rejection::new(Reason::DpopIatMissing)),
        Some(i) if i > now.saturating_add(tol) => Err(rej(Reason::DpopIssuedInFuture, format!("iat {i}, now {now}"))),
        Some(i) if now.saturating_sub(i) > policy.max_pop_age.saturating_add(tol) => Err(rej(
            Reason::DpopTooOld,
            format!("issued {} s ago, maxPopAge {} s", now.saturating_sub(i), policy.max_pop_age),
        )),
        Some(_) => Ok(()),
    };
    list.record(Check::DpopIat, r);

    // jti.
    let jti = match get("jti") {
        Some(j) if !j.is_empty() && j.chars().count() <= MAX_JTI_LEN => {
            list.pass(Check::DpopJti);
            Some(String::from(j))
        }
        _ => {
            list.fail(Check::DpopJti, Rejection::new(Reason::DpopJtiMissing));
            None
        }
    };

    // R-DPOP-5: server nonces.
    let nonce = check_nonce(policy, ctx, get("nonce"));
    match nonce {
        ChallengeOutcome::Missing => list.fail(Check::DpopNonce, Rejection::new(Reason::DpopNonceMissing)),
        ChallengeOutcome::Invalid | ChallengeOutcome::Mismatch => {
            list.fail(Check::DpopNonce, Rejection::new(Reason::DpopNonceInvalid))
        }
        ChallengeOutcome::Expired => list.fail(Check::DpopNonce, Rejection::new(Reason::DpopNonceExpired)),
        ChallengeOutcome::NotUsed => list.set(Check::DpopNonce, Status::NotApplicable),
        _ => list.pass(Check::DpopNonce),
    }

    // R-DPOP-10: ath and the access token's key binding. The token is the one supplied with
    // the request, else the one in its Authorization header (Bearer or DPoP scheme): a caller
    // that forgets to pass it must not turn the ath check off.
    let from_header = if ctx.access_token.is_none() { crate::httpmsg::access_token(&req.headers) } else { None };
    match ctx.access_token.as_ref().or(from_header.as_ref()) {
        None => list.set(Check::DpopAth, Status::NotApplicable),
        Some(at) => {
            let r = match get("ath") {
                None => Err(Rejection::new(Reason::DpopAthMissing)),
                // Constant time, like the challenge and nonce comparisons.
                Some(a) if !crate::challenge::ct_str_eq(a, &access_token_hash(at)) => {
                    Err(Rejection::new(Reason::DpopAthMismatch))
                }
                Some(_) => match (&ctx.access_token_jkt, &key) {
                    (Some(jkt), Some(k)) if !crate::challenge::ct_str_eq(jkt, k.thumbprint()) => {
                        Err(rej(Reason::DpopTokenBindingMismatch, format!("the token is bound to {}", truncate(jkt))))
                    }
                    _ => Ok(()),
                },
            };
            list.record(Check::DpopAth, r);
        }
    }
    list.set(Check::DpopReplay, Status::Pending);

    Some(Dpop { header: jws.header, claims: jws.claims, raw: jws.raw, key, jti, iat, nonce })
}

fn check_nonce(policy: &Policy, ctx: &RequestContext, presented: Option<&str>) -> ChallengeOutcome {
    // A nonce issued elsewhere (an upstream AS, a session) supplied with the request.
    if let Some(expected) = ctx.expected_dpop_nonce.as_deref() {
        return match presented {
            None => ChallengeOutcome::Missing,
            Some(v) if crate::challenge::ct_str_eq(v, expected) => ChallengeOutcome::Valid,
            Some(_) => ChallengeOutcome::Mismatch,
        };
    }
    let Some(d) = &policy.dpop else { return ChallengeOutcome::NotUsed };
    let Some(tokens) = &d.nonces else { return ChallengeOutcome::NotUsed };
    let Some(value) = presented else {
        return if d.nonce_required { ChallengeOutcome::Missing } else { ChallengeOutcome::NotPresented };
    };
    match tokens.check(value, ctx.now, policy.clock_tolerance) {
        Ok(_) => ChallengeOutcome::Valid,
        Err(fault) => {
            // -09/-10 combined-mode clients echo the attestation challenge in the DPoP nonce.
            let legacy_ok = policy.legacy
                && policy
                    .challenge
                    .as_ref()
                    .and_then(|c| c.tokens.as_ref())
                    .is_some_and(|t| t.check(value, ctx.now, policy.clock_tolerance).is_ok());
            match (legacy_ok, fault) {
                (true, _) => ChallengeOutcome::Valid,
                (false, ChallengeFault::Expired) => ChallengeOutcome::Expired,
                (false, ChallengeFault::Invalid) => ChallengeOutcome::Invalid,
            }
        }
    }
}
