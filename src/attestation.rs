//! Client Attestation JWT checks, R-ATT-2 … R-ATT-12 (draft §4, digest §3).
//!
//! R-ATT-1 (exactly one header) is checked by the verifier, which sees the whole request;
//! R-ATT-13 (unknown claims ignored) holds because no other claim is read; R-ATT-14 (no replay
//! check on the attestation) holds because only PoP/DPoP `jti`s reach the replay store;
//! R-ATT-17 (never fetch `jku`/`x5u`) holds because keys come only from the policy.

use crate::cache::CachedAttester;
use crate::checks::{Check, Checklist, JoseRules, Status};
use crate::error::{Reason, Rejection};
use crate::jose::jwk::{JwkError, PublicKey, truncate};
use crate::jose::jws::numeric_date;
use crate::jose::sig::Signed;
use crate::policy::Policy;
use crate::typ::{self, ATTESTATION_TYP};
use crate::verifier::{RequestContext, SigQueue};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};

const RULES: JoseRules = JoseRules {
    compact: Check::AttestationCompact,
    jwt: Check::AttestationJwt,
    malformed: Reason::AttestationMalformed,
    encrypted: Reason::AttestationEncrypted,
    too_large: Reason::AttestationTooLarge,
    bad_base64: Reason::AttestationBadBase64,
    not_utf8: Reason::AttestationNotUtf8,
    bad_json: Reason::AttestationBadJson,
    not_object: Reason::AttestationNotObject,
    duplicate_member: Reason::AttestationDuplicateMember,
    too_deep: Reason::AttestationTooDeep,
    crit: Reason::AttestationCritUnsupported,
    alg_none: Reason::AttestationAlgNone,
    alg_not_allowed: Reason::AttestationAlgNotAllowed,
};

/// Every check after R-ATT-1, for marking them not evaluated.
pub(crate) const CHECKS: [Check; 11] = [
    Check::AttestationCompact,
    Check::AttestationJwt,
    Check::AttestationTyp,
    Check::AttestationAlg,
    Check::AttestationSignature,
    Check::AttestationSub,
    Check::AttestationClientId,
    Check::AttestationExp,
    Check::AttestationCnf,
    Check::AttestationCnfPublic,
    Check::AttestationFreshness,
];

/// At most this many trusted keys are tried for one attestation (a token without `kid`, or
/// keys without `kid` in the trust store, would otherwise cost one verification per key).
pub const MAX_CANDIDATE_KEYS: usize = 4;

/// A trusted key that may have signed the attestation: (attester index, key index).
pub(crate) type KeyRef = (usize, usize);

/// What the attestation checks learned, for the PoP checks and the result.
#[derive(Clone, Debug)]
pub(crate) struct Attestation {
    pub(crate) header: Map<String, Value>,
    pub(crate) claims: Map<String, Value>,
    /// The decoded header and claims texts, for results.
    pub(crate) raw: crate::jose::jws::RawJson,
    pub(crate) sub: Option<String>,
    /// The instance key, if `cnf.jwk` is a valid public key.
    pub(crate) cnf: Option<PublicKey>,
    /// The candidate keys, parallel to this artefact's signature checks.
    pub(crate) candidates: Vec<KeyRef>,
    /// `exp`, for the attestation cache.
    pub(crate) exp: Option<i64>,
}

fn rej(reason: Reason, detail: impl Into<String>) -> Rejection {
    Rejection::with(reason, detail)
}

/// Runs R-ATT-2 … R-ATT-12 on `token`, records them, and queues the signature check.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    policy: &Policy,
    token: &str,
    ctx: &RequestContext,
    cached: Option<&CachedAttester>,
    list: &mut Checklist,
    queue: &mut SigQueue<'_>,
) -> Option<Attestation> {
    let (now, tol) = (ctx.now, policy.clock_tolerance);

    // R-ATT-2, R-ATT-3 (syntax).
    let jws = RULES.parse(list, token, &CHECKS[2..])?;
    let claims = &jws.claims;

    // R-ATT-3 (claim types, nbf).
    let exp = numeric_date(claims, "exp");
    let iat = numeric_date(claims, "iat");
    let nbf = numeric_date(claims, "nbf");
    let sub = match claims.get("sub") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    };
    let r3 = if exp.is_err() {
        Err(rej(Reason::AttestationClaimType, "exp is not a NumericDate"))
    } else if iat.is_err() {
        Err(rej(Reason::AttestationClaimType, "iat is not a NumericDate"))
    } else if nbf.is_err() {
        Err(rej(Reason::AttestationClaimType, "nbf is not a NumericDate"))
    } else if sub.is_err() {
        Err(rej(Reason::AttestationClaimType, "sub is not a string"))
    } else if let Ok(Some(nbf)) = nbf
        && now.saturating_add(tol) < nbf
    {
        Err(Rejection::lazy(Reason::AttestationNotYetValid, || format!("nbf {nbf} is after now {now}")))
    } else {
        Ok(())
    };
    list.record(Check::AttestationJwt, r3);
    let sub = sub.ok().flatten();

    // R-ATT-4.
    list.record(
        Check::AttestationTyp,
        typ::check(&jws.header, ATTESTATION_TYP).map_err(|d| rej(Reason::AttestationTyp, d)),
    );

    // R-ATT-5.
    let alg = RULES.alg(&jws.header, policy.algorithms);
    let alg = list.keep(Check::AttestationAlg, alg);

    // R-ATT-6: resolve trusted keys by kid and alg, restricted to attesters permitted for sub;
    // the signatures themselves are decided later (two-phase verification).
    let mut candidates = Vec::new();
    let mut hit = false;
    match alg {
        None => list.set(Check::AttestationSignature, Status::NotEvaluated),
        Some(alg) => {
            let kid = match jws.header.get("kid") {
                None => Ok(None),
                Some(Value::String(k)) => Ok(Some(k.as_str())),
                Some(_) => Err(()),
            };
            let mut matching = 0usize;
            if let Ok(kid) = kid {
                for (ai, attester) in policy.attesters.iter().enumerate() {
                    for (ki, key) in attester.keys.iter().enumerate() {
                        let kid_ok = match (kid, key.kid.as_deref()) {
                            (Some(want), Some(have)) => want == have,
                            _ => true,
                        };
                        let alg_ok = alg.fits(key.kind()) && key.alg.as_deref().is_none_or(|a| a == alg.name());
                        if kid_ok && alg_ok {
                            matching += 1;
                            if attester.permits(sub.as_deref()) {
                                candidates.push((ai, ki));
                            }
                        }
                    }
                }
            }
            if matching == 0 {
                let detail = || match kid {
                    Ok(Some(k)) => format!("no trusted {} key with kid {}", alg.name(), truncate(k)),
                    Ok(None) => format!("no trusted {} key", alg.name()),
                    Err(()) => String::from("kid is not a string"),
                };
                list.fail(Check::AttestationSignature, Rejection::lazy(Reason::AttestationUnknownKey, detail));
            } else if candidates.len() > MAX_CANDIDATE_KEYS {
                let n = candidates.len();
                let detail = || {
                    format!(
                        "{n} trusted keys match and at most {MAX_CANDIDATE_KEYS} are tried: the attestation needs a kid"
                    )
                };
                list.fail(Check::AttestationSignature, Rejection::lazy(Reason::AttestationUnknownKey, detail));
            } else if candidates.is_empty() {
                let detail = || match &sub {
                    Some(s) => format!("the attester is not trusted for client_id {}", truncate(s)),
                    None => String::from("the attester is restricted to listed client_ids and sub is missing"),
                };
                list.fail(Check::AttestationSignature, Rejection::lazy(Reason::AttestationAttesterNotAllowed, detail));
            } else if cached.is_some_and(|c| {
                candidates.iter().any(|&(ai, ki)| {
                    policy
                        .attesters
                        .get(ai)
                        .and_then(|a| a.keys.get(ki))
                        .is_some_and(|k| k.thumbprint() == c.thumbprint)
                })
            }) {
                // This exact token verified before with one of the keys it may use: reuse it.
                list.pass(Check::AttestationSignature);
                hit = true;
            } else {
                let keys =
                    candidates.iter().filter_map(|&(ai, ki)| policy.attesters.get(ai).and_then(|a| a.keys.get(ki)));
                let (check, reason) = (Check::AttestationSignature, Reason::AttestationBadSignature);
                queue.push(list, check, reason, Signed::Attestation, alg, keys, &jws);
            }
        }
    }

    // R-ATT-7.
    let sub_ok = sub.as_deref().is_some_and(|s| !s.is_empty());
    list.record(
        Check::AttestationSub,
        if sub_ok { Ok(()) } else { Err(Rejection::new(Reason::AttestationSubMissing)) },
    );

    // R-ATT-8.
    match (&ctx.client_id, &sub) {
        (None, _) => list.set(Check::AttestationClientId, Status::NotApplicable),
        (Some(_), None) => list.set(Check::AttestationClientId, Status::NotEvaluated),
        (Some(c), Some(s)) => {
            let r = if c == s {
                Ok(())
            } else {
                Err(Rejection::lazy(Reason::ClientIdMismatch, || {
                    format!("client_id {} but sub {}", truncate(c), truncate(s))
                }))
            };
            list.record(Check::AttestationClientId, r);
        }
    }

    // R-ATT-9.
    match exp {
        Err(_) => list.set(Check::AttestationExp, Status::NotEvaluated),
        Ok(None) => list.fail(Check::AttestationExp, Rejection::new(Reason::AttestationExpMissing)),
        Ok(Some(exp)) => {
            let r = if now >= exp.saturating_add(tol) {
                Err(Rejection::lazy(Reason::AttestationExpired, || format!("exp {exp}, now {now}")))
            } else {
                Ok(())
            };
            list.record(Check::AttestationExp, r);
        }
    }

    // R-ATT-10, R-ATT-11.
    let jwk = match claims.get("cnf") {
        Some(Value::Object(cnf)) => cnf.get("jwk"),
        _ => None,
    };
    let cached_key = cached.filter(|_| hit).and_then(|c| c.instance_key.clone());
    let cnf = match jwk {
        Some(_) if cached_key.is_some() => {
            // The same token's cnf.jwk, validated when it was cached.
            list.pass(Check::AttestationCnf);
            list.pass(Check::AttestationCnfPublic);
            cached_key
        }
        None => {
            list.fail(Check::AttestationCnf, rej(Reason::AttestationCnfMissing, "cnf.jwk is absent"));
            list.set(Check::AttestationCnfPublic, Status::NotEvaluated);
            None
        }
        Some(jwk) => match PublicKey::from_value(jwk) {
            Ok(k) => {
                list.pass(Check::AttestationCnf);
                list.pass(Check::AttestationCnfPublic);
                Some(k)
            }
            Err(JwkError::Private) => {
                list.pass(Check::AttestationCnf);
                list.fail(Check::AttestationCnfPublic, Rejection::new(Reason::AttestationCnfPrivate));
                None
            }
            Err(JwkError::Unsupported(what)) => {
                list.fail(Check::AttestationCnf, rej(Reason::AttestationCnfUnsupported, what));
                list.pass(Check::AttestationCnfPublic);
                None
            }
            Err(JwkError::Invalid(why)) => {
                list.fail(Check::AttestationCnf, rej(Reason::AttestationCnfInvalid, why));
                list.pass(Check::AttestationCnfPublic);
                None
            }
        },
    };

    // R-ATT-12.
    let r12 = match iat {
        Err(_) => None,
        Ok(None) if policy.require_attestation_iat => Some(Err(Rejection::new(Reason::AttestationIatMissing))),
        Ok(None) if policy.max_attestation_age.is_some() => {
            Some(Err(rej(Reason::AttestationTooOld, "no iat to judge the attestation's age by")))
        }
        Ok(None) => Some(Ok(())),
        Ok(Some(iat)) if iat > now.saturating_add(tol) => {
            Some(Err(Rejection::lazy(Reason::AttestationIssuedInFuture, || format!("iat {iat}, now {now}"))))
        }
        Ok(Some(iat)) => match policy.max_attestation_age {
            Some(max) if now.saturating_sub(iat) > max.saturating_add(tol) => {
                Some(Err(Rejection::lazy(Reason::AttestationTooOld, || {
                    format!("issued {} s ago, maxAttestationAge {max} s", now.saturating_sub(iat))
                })))
            }
            _ => Some(Ok(())),
        },
    };
    match r12 {
        None => list.set(Check::AttestationFreshness, Status::NotEvaluated),
        Some(r) => {
            list.record(Check::AttestationFreshness, r);
        }
    }

    let exp = exp.ok().flatten();
    Some(Attestation { header: jws.header, claims: jws.claims, raw: jws.raw, sub, cnf, candidates, exp })
}
