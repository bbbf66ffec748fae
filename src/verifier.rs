//! The verifier: one policy, three phases.
//!
//! 1. [`Verifier::prepare`] parses the request and runs every check that needs no signature
//!    result and no store, and collects the signature checks it needs.
//! 2. [`Prepared::settle`] takes the signature results (from any [`SignatureBackend`], e.g.
//!    WebCrypto in the JS layer) or [`Prepared::settle_with`] computes them.
//! 3. [`Settled::complete`] takes the replay store's answer — asked only when every other check
//!    passed (R-POP-7) — and decides.
//!
//! [`Verifier::verify`] runs all three synchronously with [`RustCrypto`]. Whatever order the
//! answers come in, the first failing check in spec order decides the reason.

use crate::attestation::{self, Attestation};
use crate::cache::{AttestationCache, CachedAttester, token_hash};
use crate::checks::{Check, CheckResult, Checklist, Status};
use crate::dpop::{self, Dpop};
use crate::error::{ErrorCode, Reason, Rejection};
use crate::http::{self, HttpRequest, HttpResponse, Single};
use crate::inspect;
use crate::jose::alg::Algorithm;
use crate::jose::jwk::{PublicKey, truncate};
use crate::jose::jws::Jws;
use crate::jose::sig::{RustCrypto, SignatureBackend, SignatureCheck, Signed};
use crate::policy::{Policy, Role};
use crate::pop::{self, Pop};
use crate::replay::{ReplayOutcome, ReplayStore, replay_key};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Per-request inputs besides the HTTP request: time, and what the caller knows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestContext {
    /// Current time, NumericDate seconds. The core has no clock.
    pub now: i64,
    /// The `client_id` the request carries (form body), if any (R-ATT-8).
    #[serde(default)]
    pub client_id: Option<String>,
    /// A challenge this server expects in this request's PoP (session-bound challenges).
    #[serde(default)]
    pub expected_challenge: Option<String>,
    /// A DPoP nonce this server expects in this request's DPoP proof (issued elsewhere, e.g.
    /// by an upstream server); takes precedence over the policy's stateless nonces.
    #[serde(default)]
    pub expected_dpop_nonce: Option<String>,
    /// The access token presented with the request (RS role; used for DPoP `ath`). When not
    /// given, the `Authorization` header's Bearer/DPoP token is used.
    #[serde(default)]
    pub access_token: Option<String>,
    /// The thumbprint the access token is bound to (`cnf.jkt`), for the DPoP key check (R-DPOP-10).
    #[serde(default)]
    pub access_token_jkt: Option<String>,
    /// The request body, when it is `application/x-www-form-urlencoded` and `client_id` is not
    /// given: its `client_id` is then compared with `sub` (R-ATT-8); a repeated `client_id`, a
    /// malformed form, or one over 64 KiB is `request.invalid`.
    #[serde(default)]
    pub form_body: Option<String>,
    /// Evaluate every check even after one failed (for explaining); default: skip signature
    /// work that cannot change the decision.
    #[serde(default)]
    pub explain: bool,
}

impl RequestContext {
    /// A context at `now`.
    pub fn at(now: i64) -> Self {
        RequestContext { now, ..Default::default() }
    }

    /// This context with the form body's `client_id` (out of line: only form requests).
    #[inline(never)]
    fn with_client_id(&self, id: &str) -> Self {
        RequestContext { client_id: Some(String::from(id)), ..self.clone() }
    }
}

/// Largest form body read for its `client_id`, bytes.
pub const MAX_FORM_BODY: usize = 64 * 1024;

/// A group of signature checks of which one must pass (one per candidate key).
#[derive(Clone, Debug)]
pub(crate) struct SigGroup {
    pub(crate) check: Check,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) reason: Reason,
}

/// Where a request's signature checks are collected (phase 1 of the two-phase verification).
pub(crate) struct SigQueue<'a> {
    pub(crate) sigs: &'a mut Vec<SignatureCheck>,
    pub(crate) groups: &'a mut Vec<SigGroup>,
}

impl SigQueue<'_> {
    /// Queues `jws`'s signature for `check` as one group (any of `keys` may verify it) and
    /// marks the check pending; a signature whose length cannot fit `alg` (ES256 and Ed25519
    /// signatures are 64 bytes) is a failure with `reason` decided here, never queued, so no
    /// backend ever sees an unbounded signature.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push<'k>(
        &mut self,
        list: &mut Checklist,
        check: Check,
        reason: Reason,
        artefact: Signed,
        alg: Algorithm,
        keys: impl IntoIterator<Item = &'k PublicKey>,
        jws: &Jws,
    ) {
        if jws.signature.len() != alg.signature_len() {
            let detail = format!(
                "the signature is {} bytes; {} signatures are {}",
                jws.signature.len(),
                alg.name(),
                alg.signature_len()
            );
            list.fail(check, Rejection::with(reason, detail));
            return;
        }
        let start = self.sigs.len();
        for key in keys {
            self.sigs.push(SignatureCheck {
                artefact,
                alg,
                key: key.clone(),
                message: jws.signing_input.clone(),
                signature: jws.signature.clone(),
            });
        }
        self.groups.push(SigGroup { check, start, end: self.sigs.len(), reason });
        list.set(check, Status::Pending);
    }
}

/// How the challenge check went (audit record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeOutcome {
    /// This server uses no challenges (any `challenge` claim is ignored, R-POP-10).
    NotUsed,
    /// Challenges are optional and none was presented.
    NotPresented,
    /// Valid.
    Valid,
    /// Required but absent.
    Missing,
    /// Not one this server issued.
    Invalid,
    /// Issued here but past its lifetime.
    Expired,
    /// Differs from the expected value.
    Mismatch,
    /// The PoP could not be read.
    NotEvaluated,
}

impl ChallengeOutcome {
    /// Stable string for the audit record.
    pub const fn as_str(self) -> &'static str {
        match self {
            ChallengeOutcome::NotUsed => "not_used",
            ChallengeOutcome::NotPresented => "not_presented",
            ChallengeOutcome::Valid => "valid",
            ChallengeOutcome::Missing => "missing",
            ChallengeOutcome::Invalid => "invalid",
            ChallengeOutcome::Expired => "expired",
            ChallengeOutcome::Mismatch => "mismatch",
            ChallengeOutcome::NotEvaluated => "not_evaluated",
        }
    }
    pub(crate) fn rejection(self) -> Option<Rejection> {
        let reason = match self {
            ChallengeOutcome::Missing => Reason::ChallengeMissing,
            ChallengeOutcome::Invalid => Reason::ChallengeInvalid,
            ChallengeOutcome::Expired => Reason::ChallengeExpired,
            ChallengeOutcome::Mismatch => Reason::ChallengeMismatch,
            _ => return None,
        };
        Some(Rejection::new(reason))
    }
}

/// Which proof-of-possession mechanism authenticated the request (draft §13.x registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Mechanism {
    /// `OAuth-Client-Attestation-PoP` (normal mode).
    #[serde(rename = "attestation_pop_jwt")]
    AttestationPopJwt,
    /// A DPoP proof as the PoP (combined mode).
    #[serde(rename = "dpop_combined")]
    DpopCombined,
}

impl Mechanism {
    /// The registry value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mechanism::AttestationPopJwt => "attestation_pop_jwt",
            Mechanism::DpopCombined => "dpop_combined",
        }
    }
}

/// A decoded JWT (header and claims) as accepted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decoded {
    /// JOSE header.
    pub header: Map<String, Value>,
    /// Claims.
    pub claims: Map<String, Value>,
    /// The same, as the JSON texts that were sent (results embed these verbatim).
    #[serde(skip)]
    pub raw: crate::jose::jws::RawJson,
}

/// What an accepted request established.
#[derive(Clone, Debug)]
pub struct Accepted {
    /// The authenticated client_id (attestation `sub`).
    pub client_id: String,
    /// The PoP mechanism used.
    pub mechanism: Mechanism,
    /// The Client Instance Key (`cnf.jwk`); bind issued tokens to its thumbprint.
    pub instance_key: PublicKey,
    /// The attestation.
    pub attestation: Decoded,
    /// The proof (PoP JWT or DPoP proof).
    pub proof: Decoded,
    /// The DPoP proof's key, when a DPoP proof was presented (in combined mode the instance key;
    /// beside a PoP JWT an independent key that issued tokens bind to).
    pub dpop_key: Option<PublicKey>,
}

/// The audit record of one decision. No private material, no full tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Audit {
    /// `accept` or `reject`.
    pub decision: &'static str,
    /// Spec error code, on reject.
    pub error: Option<&'static str>,
    /// Reason code, on reject.
    pub reason: Option<&'static str>,
    /// The time the decision was made for.
    pub time: i64,
    /// `as` or `rs`.
    pub role: &'static str,
    /// This server's audience.
    pub audience: String,
    /// Attestation `sub`.
    pub client_id: Option<String>,
    /// Name of the attester whose key verified the attestation.
    pub attester: Option<String>,
    /// Its key's `kid`.
    pub attester_kid: Option<String>,
    /// Its key's RFC 7638 thumbprint.
    pub attester_key_thumbprint: Option<String>,
    /// The instance key's RFC 7638 thumbprint.
    pub instance_key_thumbprint: Option<String>,
    /// `attestation_pop_jwt` or `dpop_combined`.
    pub mechanism: Option<&'static str>,
    /// The challenge check's outcome.
    pub challenge: &'static str,
    /// The proof's `jti` (at most 64 characters).
    pub jti: Option<String>,
    /// The DPoP key's thumbprint, when a DPoP proof was presented.
    pub dpop_key_thumbprint: Option<String>,
    /// The DPoP nonce check's outcome.
    pub dpop_nonce: &'static str,
    /// Draft-shape hints (legacy claims and the like).
    pub shape: Vec<&'static str>,
}

/// The verdict: outcome, every check, and the audit record.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// Accepted, or the deciding rejection.
    pub outcome: Result<Accepted, Rejection>,
    /// Every check in spec order.
    pub checks: Vec<CheckResult>,
    /// The audit record.
    pub audit: Audit,
    pub(crate) auth_scheme: Option<String>,
}

impl Verdict {
    /// Accepted?
    pub fn is_accepted(&self) -> bool {
        self.outcome.is_ok()
    }
    /// The rejection, if any.
    pub fn rejection(&self) -> Option<&Rejection> {
        self.outcome.as_ref().err()
    }
    /// Whether the error response must carry a fresh attestation challenge.
    pub fn needs_challenge(&self) -> bool {
        self.rejection().is_some_and(|r| r.error() == ErrorCode::UseAttestationChallenge)
    }
    /// Whether the error response must carry a fresh DPoP nonce.
    pub fn needs_dpop_nonce(&self) -> bool {
        self.rejection().is_some_and(|r| r.error() == ErrorCode::UseDpopNonce)
    }
}

/// A verification waiting for signature results.
#[derive(Clone, Debug)]
pub struct Prepared {
    list: Checklist,
    sigs: Vec<SignatureCheck>,
    groups: Vec<SigGroup>,
    attester_names: Vec<Option<String>>,
    att: Option<Attestation>,
    pop: Option<Pop>,
    dpop: Option<Dpop>,
    att_hash: Option<[u8; 32]>,
    mechanism: Mechanism,
    replay_expiry: i64,
    audit: Audit,
    auth_scheme: Option<String>,
}

/// A verification waiting only for the replay store.
#[derive(Clone, Debug)]
pub struct Settled {
    inner: Prepared,
    /// Computed once when the signatures are settled (each key is a SHA-256).
    entries: Vec<ReplayEntry>,
}

/// What to record in the replay store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayEntry {
    /// The check this entry decides (`pop.replay` or `dpop.replay`).
    pub check: Check,
    /// `thumbprint.sha256(jti)`.
    pub key: String,
    /// When the entry may be forgotten (the proof would fail the `iat` window by then).
    pub expires_at: i64,
}

// Out of line, each compiled only by the first request that needs it: the attester of a cached
// attestation (from the second request on) and the DPoP members.
impl Audit {
    #[inline(never)]
    fn cached_attester(&mut self, c: &crate::cache::CachedAttester) {
        self.attester = c.name.clone();
        self.attester_kid = c.kid.clone();
        self.attester_key_thumbprint = Some(c.thumbprint.clone());
    }

    #[inline(never)]
    fn dpop(&mut self, d: &Dpop, combined: bool) {
        self.dpop_key_thumbprint = d.key.as_ref().map(|k| k.thumbprint().to_string());
        self.dpop_nonce = d.nonce.as_str();
        if combined {
            self.jti = d.jti.as_deref().map(|j| truncate(j).to_string());
        }
    }
}

/// The verifier. Cheap to share; holds only the validated policy.
#[derive(Clone, Debug)]
pub struct Verifier {
    policy: Policy,
}

impl Verifier {
    /// A verifier for a validated policy.
    pub fn new(policy: Policy) -> Self {
        Verifier { policy }
    }

    /// A verifier from a JSON policy.
    pub fn from_json(json: &str) -> Result<Self, crate::PolicyError> {
        Policy::from_json(json).map(Verifier::new)
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Verifies synchronously with RustCrypto and `store`.
    pub fn verify(&self, req: &HttpRequest, ctx: &RequestContext, store: &mut dyn ReplayStore) -> Verdict {
        self.prepare(req, ctx).settle_with(&RustCrypto).complete_with(store)
    }

    /// Verifies synchronously with RustCrypto, `store`, and an attestation cache (signature
    /// verification of an attestation seen before is skipped; see [`AttestationCache`]).
    pub fn verify_cached(
        &self,
        req: &HttpRequest,
        ctx: &RequestContext,
        store: &mut dyn ReplayStore,
        cache: &mut AttestationCache,
    ) -> Verdict {
        let settled = self.prepare_cached(req, ctx, Some(cache)).settle_with(&RustCrypto);
        settled.cache_into(cache);
        settled.complete_with(store)
    }

    /// Phase 1: every check that needs neither signature results nor the store.
    pub fn prepare(&self, req: &HttpRequest, ctx: &RequestContext) -> Prepared {
        self.prepare_cached(req, ctx, None)
    }

    /// Phase 1, reusing attestation signatures verified before (record new ones with
    /// [`Settled::cache_into`]).
    pub fn prepare_cached(
        &self,
        req: &HttpRequest,
        ctx: &RequestContext,
        cache: Option<&AttestationCache>,
    ) -> Prepared {
        let p = &self.policy;
        let mut list = Checklist::default();
        let mut sigs = Vec::new();
        let mut groups = Vec::new();
        let mut audit = Audit {
            decision: "reject",
            error: None,
            reason: None,
            time: ctx.now,
            role: p.role.as_str(),
            audience: p.audience.clone(),
            client_id: None,
            attester: None,
            attester_kid: None,
            attester_key_thumbprint: None,
            instance_key_thumbprint: None,
            mechanism: None,
            challenge: ChallengeOutcome::NotEvaluated.as_str(),
            jti: None,
            dpop_key_thumbprint: None,
            dpop_nonce: ChallengeOutcome::NotUsed.as_str(),
            shape: Vec::new(),
        };
        let prepared = |list, sigs, groups, att, pop, audit| Prepared {
            list,
            sigs,
            groups,
            attester_names: Vec::new(),
            att,
            pop,
            dpop: None,
            att_hash: None,
            mechanism: Mechanism::AttestationPopJwt,
            replay_expiry: 0,
            audit,
            auth_scheme: req.auth_scheme().map(ToString::to_string),
        };

        // The form body's client_id, when the caller did not extract it.
        let form_client = match (&ctx.client_id, ctx.form_body.as_deref()) {
            (None, Some(b)) if b.len() > MAX_FORM_BODY => Err(String::from("the form body is larger than 64 KiB")),
            (None, Some(b)) => crate::httpmsg::form_client_id(&req.headers, Some(b)),
            _ => Ok(None),
        };
        let with_form_client;
        let ctx = match &form_client {
            Ok(Some(id)) => {
                with_form_client = ctx.with_client_id(id);
                &with_form_client
            }
            _ => ctx,
        };
        let limits = if !req.within_limits() {
            Err(String::from("too many or too large header lines"))
        } else {
            form_client.map(|_| ())
        };
        if let Err(why) = limits {
            list.fail_request(why);
            return prepared(list, sigs, groups, None, None, audit).finish_prepare(ctx);
        }
        list.pass(Check::Request);

        // R-ATT-1, R-POP-1: the headers, and with them the mode (digest §5.1).
        let att_value = match req.single(http::ATTESTATION_HEADER) {
            Single::One(v) => {
                list.pass(Check::AttestationHeader);
                Some(v)
            }
            Single::Missing => {
                list.fail(Check::AttestationHeader, Rejection::new(Reason::AttestationMissing));
                None
            }
            Single::Duplicated => {
                list.fail(Check::AttestationHeader, Rejection::new(Reason::AttestationDuplicated));
                None
            }
        };
        // Mode selection (digest §5.1): a PoP header means normal mode, with any DPoP header
        // validated on its own; attestation + DPoP without PoP is combined mode.
        let dpop_line = req.single(http::DPOP_HEADER);
        let combined_enabled = p.dpop.as_ref().is_some_and(|d| d.combined);
        let mut mechanism = Mechanism::AttestationPopJwt;
        let pop_value = match req.single(http::POP_HEADER) {
            Single::One(v) => {
                list.pass(Check::PopHeader);
                Some(v)
            }
            Single::Duplicated => {
                list.fail(Check::PopHeader, Rejection::new(Reason::PopDuplicated));
                None
            }
            Single::Missing if dpop_line != Single::Missing && combined_enabled => {
                mechanism = Mechanism::DpopCombined;
                list.set(Check::PopHeader, Status::NotApplicable);
                None
            }
            Single::Missing if dpop_line != Single::Missing => {
                list.fail(Check::PopHeader, Rejection::new(Reason::CombinedModeNotEnabled));
                None
            }
            Single::Missing => {
                list.fail(Check::PopHeader, Rejection::with(Reason::PopMissing, "no proof of possession was sent"));
                None
            }
        };
        let combined = mechanism == Mechanism::DpopCombined;

        let att_hash = att_value.map(token_hash);
        let cached = match (cache, &att_hash) {
            (Some(c), Some(h)) => c.get(h, ctx.now),
            _ => None,
        };
        let att = match att_value {
            Some(token) => attestation::check(
                p,
                token,
                ctx,
                cached,
                &mut list,
                &mut SigQueue { sigs: &mut sigs, groups: &mut groups },
            ),
            None => {
                list.not_evaluated(&attestation::CHECKS);
                None
            }
        };
        let cnf = att.as_ref().and_then(|a| a.cnf.as_ref());
        let pop = match pop_value {
            Some(token) => {
                pop::check(p, token, cnf, ctx, &mut list, &mut SigQueue { sigs: &mut sigs, groups: &mut groups })
            }
            None if combined => {
                for c in pop::CHECKS {
                    list.set(c, Status::NotApplicable);
                }
                None
            }
            None => {
                list.not_evaluated(&pop::CHECKS);
                None
            }
        };
        let dpop = match dpop_line {
            Single::One(token) => {
                list.pass(Check::DpopHeader);
                dpop::check(
                    p,
                    token,
                    req,
                    combined,
                    cnf,
                    ctx,
                    &mut list,
                    &mut SigQueue { sigs: &mut sigs, groups: &mut groups },
                )
            }
            Single::Duplicated => {
                list.fail(Check::DpopHeader, Rejection::new(Reason::DpopDuplicated));
                list.not_evaluated(&dpop::CHECKS);
                None
            }
            Single::Missing => {
                list.set(Check::DpopHeader, Status::NotApplicable);
                for c in dpop::CHECKS {
                    list.set(c, Status::NotApplicable);
                }
                None
            }
        };

        if let Some(c) = cached
            && list.items.iter().any(|x| x.check == Check::AttestationSignature && x.status == Status::Pass)
        {
            audit.cached_attester(c);
        }
        if let Some(a) = &att {
            audit.client_id = a.sub.as_deref().map(|s| truncate(s).to_string());
            audit.instance_key_thumbprint = a.cnf.as_ref().map(|k| k.thumbprint().to_string());
        }
        if let Some(pp) = &pop {
            audit.jti = pp.jti.as_deref().map(|j| truncate(j).to_string());
            audit.challenge = pp.challenge.as_str();
        }
        if combined {
            audit.challenge = ChallengeOutcome::NotUsed.as_str();
        }
        if let Some(d) = &dpop {
            audit.dpop(d, combined);
        }
        if pop.is_some() || combined {
            audit.mechanism = Some(mechanism.as_str());
        }
        audit.shape = inspect::shape_hints(
            att.as_ref().map(|a| (&a.header, &a.claims)),
            pop.as_ref().map(|p| (&p.header, &p.claims)),
        );
        // R-POP-7 (and RFC 9449 §11.1 for DPoP): a jti is remembered while its proof could be
        // accepted again. With an iat that is iat + maxPopAge (+ the tolerance on both clocks).
        // A legacy PoP without iat (R-POP-8) is accepted on a valid challenge, for the
        // challenge's lifetime, or on a legacy exp ≤ now + maxPopAge + tolerance: it is
        // remembered for the longer of the two from now, not for one second. Each proof of the
        // request is kept for the longest of their windows.
        let twice_tol = p.clock_tolerance.saturating_mul(2);
        let lifetime = p.challenge.as_ref().and_then(|c| c.tokens.as_ref()).map_or(0, |t| t.lifetime());
        let window = |iat: Option<i64>| match iat {
            Some(iat) => iat.saturating_add(p.max_pop_age).saturating_add(twice_tol),
            None => ctx.now.saturating_add(p.max_pop_age.max(lifetime)).saturating_add(twice_tol),
        };
        let replay_expiry = pop
            .as_ref()
            .map(|pp| window(pp.iat))
            .into_iter()
            .chain(dpop.as_ref().map(|d| window(d.iat)))
            .fold(ctx.now.saturating_add(1), i64::max);
        let names = att
            .as_ref()
            .map(|a| a.candidates.iter().map(|(ai, _)| p.attesters.get(*ai).and_then(|x| x.name.clone())).collect())
            .unwrap_or_default();
        let mut out = prepared(list, sigs, groups, att, pop, audit);
        out.dpop = dpop;
        out.att_hash = att_hash;
        out.mechanism = mechanism;
        out.attester_names = names;
        out.replay_expiry = replay_expiry;
        out.finish_prepare(ctx)
    }

    /// A fresh stateless challenge, if the policy has a challenge secret. `random` must
    /// come from a CSPRNG.
    pub fn issue_challenge(&self, now: i64, random: &[u8; 16]) -> Option<String> {
        self.policy.challenge.as_ref()?.tokens.as_ref().map(|t| t.issue(now, random))
    }

    /// A fresh stateless DPoP nonce, if the policy has DPoP nonces. `random` must come from a
    /// CSPRNG.
    pub fn issue_dpop_nonce(&self, now: i64, random: &[u8; 16]) -> Option<String> {
        self.policy.dpop.as_ref()?.nonces.as_ref().map(|t| t.issue(now, random))
    }

    /// The challenge endpoint's response (draft §7.2): 200, JSON, `Cache-Control: no-store`,
    /// and (-11) a fresh `DPoP-Nonce` when DPoP nonces are in use.
    pub fn challenge_response(&self, challenge: &str, dpop_nonce: Option<&str>) -> HttpResponse {
        let mut headers: Vec<(String, String)> =
            vec![("Content-Type".into(), "application/json".into()), ("Cache-Control".into(), "no-store".into())];
        if let Some(n) = dpop_nonce {
            headers.push((http::DPOP_NONCE_HEADER.into(), n.into()));
        }
        HttpResponse { status: 200, headers, body: Some(json!({ "attestation_challenge": challenge }).to_string()) }
    }

    /// Issues whatever fresh value `verdict`'s error response needs (a challenge or a DPoP
    /// nonce) and builds that response. `None` if accepted.
    pub fn respond(&self, verdict: &Verdict, now: i64, random: &[u8; 16]) -> Option<HttpResponse> {
        let fresh = if verdict.needs_challenge() {
            self.issue_challenge(now, random)
        } else if verdict.needs_dpop_nonce() {
            self.issue_dpop_nonce(now, random)
        } else {
            None
        };
        self.error_response(verdict, fresh.as_deref())
    }

    /// The error response for a rejected verdict (`None` if it was accepted). `fresh` is a
    /// fresh challenge when [`Verdict::needs_challenge`], a fresh DPoP nonce when
    /// [`Verdict::needs_dpop_nonce`] (the draft and RFC 9449 require one on those errors).
    pub fn error_response(&self, verdict: &Verdict, fresh: Option<&str>) -> Option<HttpResponse> {
        let r = verdict.rejection()?;
        Some(self.rejection_response(r, verdict.auth_scheme.as_deref(), fresh))
    }

    /// The error response for a rejection. AS: 400 (401 for `invalid_client`) with a JSON
    /// body; RS: 401 with `WWW-Authenticate` (scheme of the presented access token).
    pub fn rejection_response(&self, r: &Rejection, auth_scheme: Option<&str>, fresh: Option<&str>) -> HttpResponse {
        let code = r.error();
        let description = r.description();
        let status = match (code, self.policy.role) {
            (ErrorCode::TemporarilyUnavailable, _) => 503,
            (ErrorCode::InvalidClient, Role::As) => 401,
            (ErrorCode::InvalidRequest, _) => 400,
            (_, Role::As) => 400,
            (_, Role::Rs) => 401,
        };
        let mut headers: Vec<(String, String)> =
            vec![("Content-Type".into(), "application/json".into()), ("Cache-Control".into(), "no-store".into())];
        if self.policy.role == Role::Rs {
            let scheme = match (auth_scheme, code) {
                (Some(s), _) if s.eq_ignore_ascii_case("dpop") => "DPoP",
                (_, ErrorCode::UseDpopNonce | ErrorCode::InvalidDpopProof) => "DPoP",
                _ => "Bearer",
            };
            headers.push((
                "WWW-Authenticate".into(),
                format!(r#"{scheme} error="{}", error_description="{}""#, code.as_str(), quoted(&description)),
            ));
        }
        match (code, fresh) {
            (ErrorCode::UseAttestationChallenge, Some(c)) => headers.push((http::CHALLENGE_HEADER.into(), c.into())),
            (ErrorCode::UseDpopNonce, Some(n)) => headers.push((http::DPOP_NONCE_HEADER.into(), n.into())),
            _ => {}
        }
        let body = json!({ "error": code.as_str(), "error_description": description }).to_string();
        HttpResponse { status, headers, body: Some(body) }
    }

    /// AS (RFC 8414) or RS (RFC 9728) metadata members for this policy (draft §8).
    pub fn metadata(&self) -> Value {
        let p = &self.policy;
        let algs: Vec<&str> = p.algorithms.iter().map(|a| a.name()).collect();
        let mut m = Map::new();
        let combined = p.dpop.as_ref().is_some_and(|d| d.combined);
        let (methods, pop_methods) = if combined {
            (
                json!(["attest_jwt_client_auth", "attest_jwt_client_auth_dpop"]),
                json!(["attestation_pop_jwt", "dpop_combined"]),
            )
        } else {
            (json!(["attest_jwt_client_auth"]), json!(["attestation_pop_jwt"]))
        };
        if p.role == Role::As {
            m.insert("token_endpoint_auth_methods_supported".into(), methods);
        }
        m.insert("client_attestation_signing_alg_values_supported".into(), json!(algs));
        m.insert("client_attestation_pop_signing_alg_values_supported".into(), json!(algs));
        m.insert("client_attestation_pop_methods_supported".into(), pop_methods);
        if p.dpop.is_some() {
            // R-DPOP-8.
            m.insert("dpop_signing_alg_values_supported".into(), json!(algs));
        }
        if let Some(e) = p.challenge.as_ref().and_then(|c| c.endpoint.as_ref()) {
            m.insert("challenge_endpoint".into(), json!(e));
        }
        Value::Object(m)
    }
}

/// Makes text safe inside an HTTP quoted-string: printable ASCII only, `"` and `\` escaped.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

impl Prepared {
    fn finish_prepare(mut self, ctx: &RequestContext) -> Prepared {
        if !ctx.explain {
            // Signature work after an earlier failure cannot change the decision: skip it.
            if let Some(first) = self.first_failing_check() {
                self.drop_signatures_after(first);
            }
        }
        self
    }

    /// Drops the signature checks of the checks after `first` (out of line: only a request
    /// that already failed gets here).
    #[inline(never)]
    fn drop_signatures_after(&mut self, first: Check) {
        let mut kept = Vec::new();
        let mut sigs = Vec::new();
        let mut names = Vec::new();
        for g in self.groups.drain(..) {
            if g.check > first {
                self.list.set(g.check, Status::NotEvaluated);
                continue;
            }
            let start = sigs.len();
            for (n, s) in self.sigs.get(g.start..g.end).unwrap_or_default().iter().enumerate() {
                sigs.push(s.clone());
                if g.check == Check::AttestationSignature {
                    names.push(self.attester_names.get(n).cloned().flatten());
                }
            }
            kept.push(SigGroup { start, end: sigs.len(), ..g });
        }
        self.sigs = sigs;
        self.attester_names = names;
        self.groups = kept;
    }

    fn first_failing_check(&self) -> Option<Check> {
        self.list.items.iter().filter(|c| matches!(c.status, Status::Fail(_))).map(|c| c.check).min()
    }

    /// The signature checks to decide, in order; answer them all in [`Prepared::settle`].
    pub fn signature_checks(&self) -> &[SignatureCheck] {
        &self.sigs
    }

    /// Phase 2 with results from outside: `results[i]` answers `signature_checks()[i]`.
    /// A wrong number of results fails every signature (fail closed).
    pub fn settle(mut self, results: &[bool]) -> Settled {
        let ok = results.len() == self.sigs.len();
        let groups = core::mem::take(&mut self.groups);
        for g in &groups {
            let winner = (g.start..g.end).find(|&i| {
                ok && results.get(i).copied().unwrap_or(false)
                    && self.sigs.get(i).is_some_and(crate::jose::sig::answer_acceptable)
            });
            match winner.and_then(|i| self.sigs.get(i).map(|s| (i, s))) {
                Some((i, check)) => {
                    self.list.pass(g.check);
                    if g.check == Check::AttestationSignature {
                        let key = &check.key;
                        self.audit.attester_kid = key.kid.clone();
                        self.audit.attester_key_thumbprint = Some(key.thumbprint().to_string());
                        self.audit.attester = self.attester_names.get(i - g.start).cloned().flatten();
                    }
                }
                None => self.list.fail(g.check, Rejection::new(g.reason)),
            }
        }
        let entries = replay_entries_of(&self);
        Settled { inner: self, entries }
    }

    /// Phase 2 with a backend; within a group, stops at the first key that verifies.
    pub fn settle_with(self, backend: &dyn SignatureBackend) -> Settled {
        let mut results = vec![false; self.sigs.len()];
        for g in &self.groups {
            let checks = self.sigs.get(g.start..g.end).unwrap_or_default();
            let answers = results.get_mut(g.start..g.end).unwrap_or_default();
            for (check, answer) in checks.iter().zip(answers.iter_mut()) {
                if backend.verify(check) {
                    *answer = true;
                    break;
                }
            }
        }
        self.settle(&results)
    }
}

impl Settled {
    /// Records the attestation in `cache` if its signature verified with a trusted key and
    /// every request-independent attestation check passed.
    pub fn cache_into(&self, cache: &mut AttestationCache) {
        let p = &self.inner;
        let passed = |c: Check| p.list.items.iter().any(|x| x.check == c && x.status == Status::Pass);
        let independent = [
            Check::AttestationCompact,
            Check::AttestationTyp,
            Check::AttestationAlg,
            Check::AttestationSignature,
            Check::AttestationSub,
            Check::AttestationCnf,
            Check::AttestationCnfPublic,
        ];
        if !independent.iter().all(|c| passed(*c)) {
            return;
        }
        let (Some(hash), Some(exp)) = (p.att_hash, p.att.as_ref().and_then(|a| a.exp)) else {
            return;
        };
        // Already cached (this request was a hit): nothing to record again.
        if cache.get(&hash, p.audit.time).is_some() {
            return;
        }
        let Some(thumbprint) = p.audit.attester_key_thumbprint.clone() else {
            return;
        };
        let attester = CachedAttester {
            name: p.audit.attester.clone(),
            kid: p.audit.attester_kid.clone(),
            thumbprint,
            instance_key: p.att.as_ref().and_then(|a| a.cnf.clone()),
        };
        cache.insert(hash, exp, attester, p.audit.time);
    }

    /// What to record in the replay store — the PoP's and/or the DPoP proof's `jti`, each
    /// keyed by its signing key — non-empty only if every other check passed.
    pub fn replay_entries(&self) -> &[ReplayEntry] {
        &self.entries
    }

    /// Phase 3 with the store.
    pub fn complete_with(self, store: &mut dyn ReplayStore) -> Verdict {
        let now = self.inner.audit.time;
        let answers: Vec<ReplayOutcome> =
            self.replay_entries().iter().map(|e| store.check_and_store(&e.key, e.expires_at, now)).collect();
        self.complete(&answers)
    }

    /// Phase 3 with the store's answers, one per [`Settled::replay_entries`] entry, in order.
    /// Missing answers fail closed.
    pub fn complete(self, answers: &[ReplayOutcome]) -> Verdict {
        let Settled { inner: mut p, entries } = self;
        if p.list.first_failure().is_none() {
            if entries.is_empty() {
                p.list.fail(
                    Check::PopReplay,
                    Rejection::with(Reason::RequestInvalid, "internal: nothing to record in the replay store"),
                );
            }
            for (i, e) in entries.iter().enumerate() {
                let replayed = if e.check == Check::DpopReplay { Reason::DpopReplayed } else { Reason::PopReplayed };
                match answers.get(i) {
                    Some(ReplayOutcome::Fresh) => p.list.pass(e.check),
                    Some(ReplayOutcome::Replayed) => p.list.fail(e.check, Rejection::new(replayed)),
                    Some(ReplayOutcome::Unavailable) => {
                        p.list.fail(e.check, Rejection::new(Reason::ReplayStoreUnavailable))
                    }
                    None => p.list.fail(
                        e.check,
                        Rejection::with(Reason::ReplayStoreUnavailable, "the replay store was not consulted"),
                    ),
                }
            }
        } else {
            for c in [Check::PopReplay, Check::DpopReplay] {
                if p.list.items.iter().any(|x| x.check == c && x.status == Status::Pending) {
                    p.list.set(c, Status::NotEvaluated);
                }
            }
        }
        p.list.sort();
        let outcome = match p.list.first_failure() {
            Some(r) => Err(r.clone()),
            None => accepted(p.mechanism, p.att.take(), p.pop.take(), p.dpop.take()).ok_or_else(|| {
                // Unreachable when every check passed; refuse rather than panic.
                Rejection::with(Reason::RequestInvalid, "internal: incomplete verification state")
            }),
        };
        match &outcome {
            Ok(_) => p.audit.decision = "accept",
            Err(r) => {
                p.audit.error = Some(r.error().as_str());
                p.audit.reason = Some(r.reason.code());
            }
        }
        Verdict { outcome, checks: p.list.items, audit: p.audit, auth_scheme: p.auth_scheme }
    }
}

/// The replay entries of a settled verification (see [`Settled::replay_entries`]).
fn replay_entries_of(p: &Prepared) -> Vec<ReplayEntry> {
    if p.list.first_failure().is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let cnf = p.att.as_ref().and_then(|a| a.cnf.as_ref());
    if let (Some(k), Some(jti)) = (cnf, p.pop.as_ref().and_then(|x| x.jti.as_deref())) {
        out.push(ReplayEntry {
            check: Check::PopReplay,
            key: replay_key(k.thumbprint(), jti),
            expires_at: p.replay_expiry,
        });
    }
    if let Some(d) = &p.dpop
        && let (Some(k), Some(jti)) = (&d.key, d.jti.as_deref())
    {
        out.push(ReplayEntry {
            check: Check::DpopReplay,
            key: replay_key(k.thumbprint(), jti),
            expires_at: p.replay_expiry,
        });
    }
    out
}

fn accepted(mechanism: Mechanism, att: Option<Attestation>, pop: Option<Pop>, dpop: Option<Dpop>) -> Option<Accepted> {
    let att = att?;
    let dpop_key = dpop.as_ref().and_then(|d| d.key.clone());
    let proof = match mechanism {
        Mechanism::AttestationPopJwt => pop.map(|p| Decoded { header: p.header, claims: p.claims, raw: p.raw })?,
        Mechanism::DpopCombined => dpop.map(|d| Decoded { header: d.header, claims: d.claims, raw: d.raw })?,
    };
    Some(Accepted {
        client_id: att.sub?,
        mechanism,
        instance_key: att.cnf?,
        attestation: Decoded { header: att.header, claims: att.claims, raw: att.raw },
        proof,
        dpop_key,
    })
}

/// Checks that a grant (refresh token, authorization code, CIBA `auth_req_id`) bound at issuance
/// to an instance key thumbprint and client_id is presented by that same instance (digest §9.3,
/// §9.4; R-DPOP-9). Mismatches are `invalid_grant`.
pub fn check_grant_binding(
    accepted: &Accepted,
    bound_thumbprint: &str,
    bound_client_id: &str,
) -> Result<(), Rejection> {
    if !crate::challenge::ct_str_eq(accepted.instance_key.thumbprint(), bound_thumbprint) {
        return Err(Rejection::with(Reason::GrantKeyMismatch, "instance public key mismatch"));
    }
    if accepted.client_id != bound_client_id {
        return Err(Rejection::new(Reason::GrantClientMismatch));
    }
    Ok(())
}
