//! The ordered list of checks a verification runs, each with its requirement id.
//!
//! Every verification produces the whole list — pass, fail, not applicable, or not evaluated
//! (an input it needs is missing or broken) — so a server can log, and the inspector page can
//! show, *why* it decided. The decision is the first failure in this order (digest §4.2 "Order
//! of checks"), whatever order the signature backend answered in.

use crate::error::Rejection;
use alloc::vec::Vec;
use serde::Serialize;
use serde::ser::SerializeStruct;

macro_rules! checks {
    ($( $variant:ident = $id:literal, $req:literal, $title:literal; )*) => {
        /// One check, in spec order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Check { $( #[doc = $title] $variant, )* }
        impl Check {
            /// Every check in order.
            pub const ALL: &'static [Check] = &[$(Check::$variant),*];
            /// Stable id, e.g. `attestation.typ`.
            pub const fn id(self) -> &'static str { match self { $(Check::$variant => $id,)* } }
            /// Requirement id in the digest.
            pub const fn requirement(self) -> &'static str { match self { $(Check::$variant => $req,)* } }
            /// What is checked, in one sentence.
            pub const fn title(self) -> &'static str { match self { $(Check::$variant => $title,)* } }
        }
    };
}

checks! {
    Request = "request.limits", "-", "The request's header lines are within size limits, and its form body (if given) has at most one client_id.";
    AttestationHeader = "attestation.header", "R-ATT-1", "Exactly one OAuth-Client-Attestation header line.";
    PopHeader = "pop.header", "R-POP-1", "Exactly one OAuth-Client-Attestation-PoP header line (normal mode).";
    AttestationCompact = "attestation.compact", "R-ATT-2", "The attestation is a compact JWS: three non-empty strict base64url segments, at most 16 KiB.";
    AttestationJwt = "attestation.jwt", "R-ATT-3", "Header and claims are UTF-8 JSON objects without duplicate members; crit understood; NumericDates are numbers; nbf passed.";
    AttestationTyp = "attestation.typ", "R-ATT-4", "typ is oauth-client-attestation+jwt.";
    AttestationAlg = "attestation.alg", "R-ATT-5", "alg is on the allow-list, asymmetric and not none.";
    AttestationSignature = "attestation.signature", "R-ATT-6", "The signature verifies with a trusted attester key (chosen by kid), and that attester may vouch for this client.";
    AttestationSub = "attestation.sub", "R-ATT-7", "sub (the client_id) is present.";
    AttestationClientId = "attestation.client_id", "R-ATT-8", "The request's client_id, if any, equals sub.";
    AttestationExp = "attestation.exp", "R-ATT-9", "exp is present and not passed.";
    AttestationCnf = "attestation.cnf", "R-ATT-10", "cnf.jwk holds a supported, valid public key (the instance key).";
    AttestationCnfPublic = "attestation.cnf_public", "R-ATT-11", "cnf.jwk carries no private key material.";
    AttestationFreshness = "attestation.freshness", "R-ATT-12", "The attestation is fresh enough for the policy (iat not in the future, maxAttestationAge).";
    PopCompact = "pop.compact", "R-POP-2", "The PoP is a compact JWS: three non-empty strict base64url segments, at most 16 KiB.";
    PopJwt = "pop.jwt", "R-POP-2", "PoP header and claims are UTF-8 JSON objects without duplicate members; crit understood; legacy exp/nbf honoured.";
    PopTyp = "pop.typ", "R-POP-3", "typ is oauth-client-attestation-pop+jwt.";
    PopAlg = "pop.alg", "R-POP-4", "alg is on the allow-list, asymmetric, and fits the instance key.";
    PopSignature = "pop.signature", "R-POP-5", "The PoP signature verifies with the attestation's cnf.jwk.";
    PopAud = "pop.aud", "R-POP-6", "aud is exactly this server's identifier.";
    PopJti = "pop.jti", "R-POP-7", "jti is present.";
    PopIat = "pop.iat", "R-POP-8", "iat is present and within the acceptance window.";
    PopChallenge = "pop.challenge", "R-POP-9", "The challenge is one this server issued and still valid (when challenges are used).";
    DpopHeader = "dpop.header", "R-DPOP-2", "Exactly one DPoP header line (combined mode, or an independent DPoP proof).";
    DpopCompact = "dpop.compact", "R-DPOP-3", "The DPoP proof is a compact JWS: three non-empty strict base64url segments, at most 16 KiB.";
    DpopJwt = "dpop.jwt", "R-DPOP-3", "DPoP header and claims are UTF-8 JSON objects without duplicate members; claims have the right types.";
    DpopTyp = "dpop.typ", "R-DPOP-3", "typ is dpop+jwt.";
    DpopAlg = "dpop.alg", "R-DPOP-3", "alg is on the allow-list, asymmetric, and fits the header jwk.";
    DpopJwk = "dpop.jwk", "R-DPOP-3", "The header jwk is a supported public key without private members.";
    DpopSignature = "dpop.signature", "R-DPOP-3", "The signature verifies with the header jwk.";
    DpopKeyBinding = "dpop.key_binding", "R-DPOP-4", "Combined mode: the DPoP key equals the attestation's cnf.jwk (RFC 7638 thumbprints).";
    DpopHtm = "dpop.htm", "R-DPOP-3", "htm equals the request method.";
    DpopHtu = "dpop.htu", "R-DPOP-3", "htu equals the request URL without query and fragment (RFC 3986 normalised).";
    DpopIat = "dpop.iat", "R-DPOP-3", "iat is present and within the acceptance window.";
    DpopJti = "dpop.jti", "R-DPOP-7", "jti is present.";
    DpopNonce = "dpop.nonce", "R-DPOP-5", "The nonce is a valid server-issued DPoP nonce (when nonces are required).";
    DpopAth = "dpop.ath", "R-DPOP-10", "With an access token: ath is its hash and the proof key is the token's bound key.";
    PopReplay = "pop.replay", "R-POP-7", "The (instance key, jti) pair has not been seen within its window.";
    DpopReplay = "dpop.replay", "R-DPOP-7", "The (DPoP key, jti) pair has not been seen within its window.";
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed with this rejection.
    Fail(Rejection),
    /// Does not apply to this request (e.g. no client_id to compare).
    NotApplicable,
    /// Could not be evaluated because an input it needs is missing or failed earlier.
    NotEvaluated,
    /// Waiting for a signature result or the replay store.
    Pending,
}

/// A check and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// Which check.
    pub check: Check,
    /// How it went.
    pub status: Status,
}

impl Serialize for CheckResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("CheckResult", 6)?;
        st.serialize_field("id", self.check.id())?;
        st.serialize_field("requirement", self.check.requirement())?;
        st.serialize_field("title", self.check.title())?;
        let (status, reason, description) = match &self.status {
            Status::Pass => ("pass", None, None),
            Status::Fail(r) => ("fail", Some(r.reason.code()), Some(r.description())),
            Status::NotApplicable => ("not_applicable", None, None),
            Status::NotEvaluated => ("not_evaluated", None, None),
            Status::Pending => ("pending", None, None),
        };
        st.serialize_field("status", status)?;
        st.serialize_field("reason", &reason)?;
        st.serialize_field("description", &description)?;
        st.end()
    }
}

/// The list being filled by a verification.
#[derive(Clone, Debug, Default)]
pub(crate) struct Checklist {
    pub(crate) items: Vec<CheckResult>,
}

impl Checklist {
    /// The request itself is invalid (R-ATT-1 area: header limits, form body): every other
    /// check is not evaluated. Out of line: a valid request never gets here.
    #[cold]
    #[inline(never)]
    pub(crate) fn fail_request(&mut self, why: alloc::string::String) {
        self.fail(Check::Request, Rejection::with(Reason::RequestInvalid, why));
        for c in Check::ALL.iter().filter(|c| **c != Check::Request) {
            self.set(*c, Status::NotEvaluated);
        }
    }

    pub(crate) fn set(&mut self, check: Check, status: Status) {
        match self.items.iter_mut().find(|c| c.check == check) {
            Some(c) => c.status = status,
            None => self.items.push(CheckResult { check, status }),
        }
    }
    pub(crate) fn pass(&mut self, check: Check) {
        self.set(check, Status::Pass);
    }
    pub(crate) fn fail(&mut self, check: Check, r: Rejection) {
        self.set(check, Status::Fail(r));
    }
    /// Records a result; returns whether it passed.
    pub(crate) fn record(&mut self, check: Check, r: Result<(), Rejection>) -> bool {
        match r {
            Ok(()) => {
                self.pass(check);
                true
            }
            Err(e) => {
                self.fail(check, e);
                false
            }
        }
    }
    /// Records a result and keeps its value when it passed.
    pub(crate) fn keep<T>(&mut self, check: Check, r: Result<T, Rejection>) -> Option<T> {
        match r {
            Ok(v) => {
                self.pass(check);
                Some(v)
            }
            Err(e) => {
                self.fail(check, e);
                None
            }
        }
    }
    pub(crate) fn not_evaluated(&mut self, checks: &[Check]) {
        for c in checks {
            self.set(*c, Status::NotEvaluated);
        }
    }
    /// The first failure in spec order.
    pub(crate) fn first_failure(&self) -> Option<&Rejection> {
        self.items
            .iter()
            .filter_map(|c| match &c.status {
                Status::Fail(r) => Some((c.check, r)),
                _ => None,
            })
            .min_by_key(|(c, _)| *c)
            .map(|(_, r)| r)
    }
    /// Sorts into spec order (checks may be recorded out of order). An insertion sort: the
    /// items are nearly in order already (each check is recorded once), and it keeps the
    /// standard library's general-purpose sort (~3 KB of wasm) out of the module.
    pub(crate) fn sort(&mut self) {
        for i in 1..self.items.len() {
            let mut j = i;
            while j > 0 {
                match (self.items.get(j - 1), self.items.get(j)) {
                    (Some(a), Some(b)) if a.check > b.check => {
                        self.items.swap(j - 1, j);
                        j -= 1;
                    }
                    _ => break,
                }
            }
        }
    }
}

use crate::error::Reason;
use crate::jose::JoseError;

/// How JOSE-layer failures of one artefact map onto its checks and reasons.
pub(crate) struct JoseRules {
    pub(crate) compact: Check,
    pub(crate) jwt: Check,
    pub(crate) malformed: Reason,
    pub(crate) encrypted: Reason,
    pub(crate) too_large: Reason,
    pub(crate) bad_base64: Reason,
    pub(crate) not_utf8: Reason,
    pub(crate) bad_json: Reason,
    pub(crate) not_object: Reason,
    pub(crate) duplicate_member: Reason,
    pub(crate) too_deep: Reason,
    pub(crate) crit: Reason,
    pub(crate) alg_none: Reason,
    pub(crate) alg_not_allowed: Reason,
}

impl JoseRules {
    /// The header's `alg`: supported, on the allow-list, not `none` (R-ATT-5, R-POP-4, RFC 9449).
    pub(crate) fn alg(
        &self,
        header: &serde_json::Map<alloc::string::String, serde_json::Value>,
        allowed: crate::jose::alg::AlgSet,
    ) -> Result<crate::jose::alg::Algorithm, Rejection> {
        use crate::jose::alg::{AlgLookup, Algorithm};
        use alloc::format;
        match header.get("alg") {
            Some(serde_json::Value::String(a)) => match Algorithm::lookup(a) {
                AlgLookup::Supported(a) if allowed.contains(a) => Ok(a),
                AlgLookup::Supported(a) => {
                    Err(Rejection::lazy(self.alg_not_allowed, || format!("{} is not allowed by the policy", a.name())))
                }
                AlgLookup::None => Err(Rejection::new(self.alg_none)),
                AlgLookup::Unsupported(x) => Err(Rejection::lazy(self.alg_not_allowed, || {
                    format!("{} is not supported", crate::jose::jwk::truncate(x))
                })),
            },
            Some(_) => Err(Rejection::with(self.alg_not_allowed, "alg is not a string")),
            None => Err(Rejection::with(self.alg_not_allowed, "alg is missing")),
        }
    }

    /// Parses `token` as a compact JWS, recording the compact-serialization check; on failure
    /// records the failing check and marks `later` (the artefact's remaining checks) not evaluated.
    pub(crate) fn parse(&self, list: &mut Checklist, token: &str, later: &[Check]) -> Option<crate::jose::jws::Jws> {
        match crate::jose::jws::parse(token) {
            Ok(j) => {
                list.pass(self.compact);
                Some(j)
            }
            Err(e) => {
                self.record(list, e);
                list.not_evaluated(later);
                None
            }
        }
    }

    /// Records a JOSE parse failure on the right check.
    pub(crate) fn record(&self, list: &mut Checklist, e: JoseError) {
        let (check, reason) = match e {
            JoseError::Malformed => (self.compact, self.malformed),
            JoseError::Encrypted => (self.compact, self.encrypted),
            JoseError::TooLarge => (self.compact, self.too_large),
            JoseError::BadBase64 => (self.compact, self.bad_base64),
            JoseError::AlgNone => (self.compact, self.alg_none),
            JoseError::NotUtf8 => (self.jwt, self.not_utf8),
            JoseError::BadJson => (self.jwt, self.bad_json),
            JoseError::NotObject => (self.jwt, self.not_object),
            JoseError::DuplicateMember => (self.jwt, self.duplicate_member),
            JoseError::TooDeep => (self.jwt, self.too_deep),
            JoseError::CritUnsupported => (self.jwt, self.crit),
        };
        if check == self.jwt {
            list.pass(self.compact);
        }
        list.fail(check, Rejection::new(reason));
    }
}
