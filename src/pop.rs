//! Client Attestation PoP JWT checks, R-POP-2 … R-POP-9 (draft §5.1, digest §4).
//!
//! R-POP-1 (exactly one header) is checked by the verifier; R-POP-7's replay detection runs
//! last, in [`crate::verifier::Settled::complete`], after every other check passed.
//! R-POP-10: a `challenge` claim at a server that uses no challenges is ignored.

use crate::challenge::{ChallengeFault, ct_str_eq};
use crate::checks::{Check, Checklist, JoseRules, Status};
use crate::error::{Reason, Rejection};
use crate::jose::jwk::{PublicKey, truncate};
use crate::jose::jws::numeric_date;
use crate::jose::sig::Signed;
use crate::policy::Policy;
use crate::typ::{self, POP_TYP};
use crate::verifier::{ChallengeOutcome, RequestContext, SigQueue};
use alloc::format;
use alloc::string::String;
use serde_json::{Map, Value};

const RULES: JoseRules = JoseRules {
    compact: Check::PopCompact,
    jwt: Check::PopJwt,
    malformed: Reason::PopMalformed,
    encrypted: Reason::PopEncrypted,
    too_large: Reason::PopTooLarge,
    bad_base64: Reason::PopBadBase64,
    not_utf8: Reason::PopNotUtf8,
    bad_json: Reason::PopBadJson,
    not_object: Reason::PopNotObject,
    duplicate_member: Reason::PopDuplicateMember,
    too_deep: Reason::PopTooDeep,
    crit: Reason::PopCritUnsupported,
    alg_none: Reason::PopAlgNone,
    alg_not_allowed: Reason::PopAlgNotAllowed,
};

/// Every PoP check after R-POP-1, for marking them not evaluated.
pub(crate) const CHECKS: [Check; 10] = [
    Check::PopCompact,
    Check::PopJwt,
    Check::PopTyp,
    Check::PopAlg,
    Check::PopSignature,
    Check::PopAud,
    Check::PopJti,
    Check::PopIat,
    Check::PopChallenge,
    Check::PopReplay,
];

/// Longest accepted `jti`, characters.
pub const MAX_JTI_LEN: usize = 256;

/// What the PoP checks learned.
#[derive(Clone, Debug)]
pub(crate) struct Pop {
    pub(crate) header: Map<String, Value>,
    pub(crate) claims: Map<String, Value>,
    /// The decoded header and claims texts, for results.
    pub(crate) raw: crate::jose::jws::RawJson,
    pub(crate) jti: Option<String>,
    pub(crate) iat: Option<i64>,
    pub(crate) challenge: ChallengeOutcome,
}

fn rej(reason: Reason, detail: impl Into<String>) -> Rejection {
    Rejection::with(reason, detail)
}

/// Runs R-POP-2 … R-POP-9 on `token` against the instance key `cnf` (if the attestation
/// yielded one), records them, and queues the signature check.
pub(crate) fn check(
    policy: &Policy,
    token: &str,
    cnf: Option<&PublicKey>,
    ctx: &RequestContext,
    list: &mut Checklist,
    queue: &mut SigQueue<'_>,
) -> Option<Pop> {
    let (now, tol) = (ctx.now, policy.clock_tolerance);

    // R-POP-2 (syntax).
    let jws = RULES.parse(list, token, &CHECKS[2..])?;
    let claims = &jws.claims;

    // R-POP-2 (claim types; legacy exp/nbf honoured when present).
    let iat = numeric_date(claims, "iat");
    let exp = numeric_date(claims, "exp");
    let nbf = numeric_date(claims, "nbf");
    let r2 = if iat.is_err() {
        Err(rej(Reason::PopClaimType, "iat is not a NumericDate"))
    } else if exp.is_err() {
        Err(rej(Reason::PopClaimType, "exp is not a NumericDate"))
    } else if nbf.is_err() {
        Err(rej(Reason::PopClaimType, "nbf is not a NumericDate"))
    } else if let Ok(Some(exp)) = exp
        && now >= exp.saturating_add(tol)
    {
        Err(Rejection::lazy(Reason::PopExpired, || format!("exp {exp}, now {now}")))
    } else if let Ok(Some(nbf)) = nbf
        && now.saturating_add(tol) < nbf
    {
        Err(Rejection::lazy(Reason::PopNotYetValid, || format!("nbf {nbf}, now {now}")))
    } else {
        Ok(())
    };
    list.record(Check::PopJwt, r2);

    // R-POP-3.
    list.record(Check::PopTyp, typ::check(&jws.header, POP_TYP).map_err(|d| rej(Reason::PopTyp, d)));

    // R-POP-4: allow-list, asymmetric, and fit to the instance key (RFC 8725 §3.1).
    let alg = RULES.alg(&jws.header, policy.algorithms);
    let alg = alg.and_then(|a| match cnf {
        Some(k) if !a.fits(k.kind()) => Err(Rejection::lazy(Reason::PopAlgKeyMismatch, || {
            format!("{} does not fit the instance key type", a.name())
        })),
        Some(k) if k.alg.as_deref().is_some_and(|ka| ka != a.name()) => {
            Err(Rejection::lazy(Reason::PopAlgKeyMismatch, || {
                format!("{} differs from the instance key's alg", a.name())
            }))
        }
        _ => Ok(a),
    });
    let alg = list.keep(Check::PopAlg, alg);

    // R-POP-5: only cnf.jwk verifies a PoP; any jwk/kid/x5c in its header is ignored.
    match (alg, cnf) {
        (Some(alg), Some(key)) => {
            queue.push(list, Check::PopSignature, Reason::PopBadSignature, Signed::Pop, alg, [key], &jws)
        }
        _ => list.set(Check::PopSignature, Status::NotEvaluated),
    }

    // R-POP-6: exact match; a one-element array is accepted, several audiences are not.
    let r6 = match claims.get("aud") {
        None => Err(Rejection::new(Reason::PopAudMissing)),
        Some(Value::String(a)) => Ok(a.as_str()),
        Some(Value::Array(v)) if v.len() == 1 => match v.first() {
            Some(Value::String(a)) => Ok(a.as_str()),
            _ => Err(rej(Reason::PopClaimType, "aud is not a string")),
        },
        Some(Value::Array(v)) if v.len() > 1 => {
            Err(Rejection::lazy(Reason::PopAudMultiple, || format!("{} audiences", v.len())))
        }
        Some(_) => Err(rej(Reason::PopClaimType, "aud is not a string")),
    }
    .and_then(|a| {
        if a == policy.audience {
            Ok(())
        } else {
            Err(Rejection::lazy(Reason::PopAudMismatch, || {
                format!("aud {} but this server is {}", truncate(a), policy.audience)
            }))
        }
    });
    list.record(Check::PopAud, r6);

    // R-POP-7 (claim).
    let jti = match claims.get("jti") {
        Some(Value::String(j)) if !j.is_empty() && j.chars().count() <= MAX_JTI_LEN => Ok(j.clone()),
        Some(Value::String(j)) if !j.is_empty() => {
            Err(Rejection::lazy(Reason::PopJtiMissing, || format!("jti is {} characters long", j.chars().count())))
        }
        Some(Value::String(_)) => Err(rej(Reason::PopJtiMissing, "jti is empty")),
        Some(_) => Err(rej(Reason::PopJtiMissing, "jti is not a string")),
        None => Err(Rejection::new(Reason::PopJtiMissing)),
    };
    let jti = list.keep(Check::PopJti, jti);

    // R-POP-9 / R-POP-10 (evaluated first: a legacy PoP may take its creation time from it).
    let presented = match claims.get("challenge") {
        Some(Value::String(c)) => Some(c.as_str()),
        // Legacy (≤ -05, and the -08/-09 examples): the claim was called `nonce`.
        None if policy.legacy => claims.get("nonce").and_then(Value::as_str),
        _ => None,
    };
    let challenge = check_challenge(policy, ctx, presented, claims.contains_key("challenge"));
    match challenge.rejection() {
        None if challenge == ChallengeOutcome::NotUsed => list.set(Check::PopChallenge, Status::NotApplicable),
        None => list.pass(Check::PopChallenge),
        Some(r) => list.fail(Check::PopChallenge, r),
    }

    // R-POP-8: iat within [now - maxPopAge - tol, now + tol], evaluated before the jti lookup.
    // Legacy PoPs without iat: the creation time may come from a server challenge just
    // validated (R-POP-8 allows it) or be bounded by a legacy exp no further than maxPopAge.
    let iat = iat.ok().flatten();
    let legacy_exp_ok = |exp: Option<i64>| {
        exp.is_some_and(|e| e > now && e.saturating_sub(now) <= policy.max_pop_age.saturating_add(tol))
    };
    let r8 = match iat {
        None if policy.legacy && (challenge == ChallengeOutcome::Valid || legacy_exp_ok(exp.ok().flatten())) => Ok(()),
        None => Err(Rejection::new(Reason::PopIatMissing)),
        Some(iat) if iat > now.saturating_add(tol) => {
            Err(Rejection::lazy(Reason::PopIssuedInFuture, || format!("iat {iat}, now {now}")))
        }
        Some(iat) if now.saturating_sub(iat) > policy.max_pop_age.saturating_add(tol) => {
            Err(Rejection::lazy(Reason::PopTooOld, || {
                format!("issued {} s ago, maxPopAge {} s", now.saturating_sub(iat), policy.max_pop_age)
            }))
        }
        Some(_) => Ok(()),
    };
    list.record(Check::PopIat, r8);
    list.set(Check::PopReplay, Status::Pending);

    Some(Pop { header: jws.header, claims: jws.claims, raw: jws.raw, jti, iat, challenge })
}

fn check_challenge(
    policy: &Policy,
    ctx: &RequestContext,
    presented: Option<&str>,
    claim_present: bool,
) -> ChallengeOutcome {
    let expected = ctx.expected_challenge.as_deref();
    let cp = policy.challenge.as_ref();
    if expected.is_none() && cp.is_none() {
        // R-POP-10: no challenges in use; a challenge claim is ignored.
        return ChallengeOutcome::NotUsed;
    }
    let Some(value) = presented else {
        if claim_present {
            return ChallengeOutcome::Invalid; // a challenge claim that is not a string
        }
        let required = expected.is_some() || cp.is_some_and(|c| c.required);
        return if required { ChallengeOutcome::Missing } else { ChallengeOutcome::NotPresented };
    };
    if let Some(e) = expected {
        return if ct_str_eq(value, e) { ChallengeOutcome::Valid } else { ChallengeOutcome::Mismatch };
    }
    match cp.and_then(|c| c.tokens.as_ref()) {
        // Challenges are configured without a secret and no expected value came with this
        // request: nothing can vouch for the presented value.
        None => ChallengeOutcome::Invalid,
        Some(t) => match t.check(value, ctx.now, policy.clock_tolerance) {
            Ok(_) => ChallengeOutcome::Valid,
            Err(ChallengeFault::Expired) => ChallengeOutcome::Expired,
            Err(ChallengeFault::Invalid) => ChallengeOutcome::Invalid,
        },
    }
}
