//! Errors: the spec error code, the stable fine-grained reason, and the HTTP response they map to.
//!
//! Every rejection carries
//! (a) an [`ErrorCode`] from the draft / RFC 6749 / RFC 9449 (`invalid_client_attestation`, …),
//! (b) a stable [`Reason`] code such as `attestation.expired` or `pop.aud_mismatch`,
//! (c) a human description, and
//! (d) through [`crate::Verifier::error_response`], the HTTP response to send.
//!
//! The table below is the single source of truth: `Reason::ALL` enumerates it, the README's
//! reason table is checked against it by a test, and the JS layer exposes the same strings.

use alloc::string::String;
use core::fmt;

/// The OAuth error code put in the `error` member / `WWW-Authenticate` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Draft §6/§7: attestation or PoP failed verification.
    InvalidClientAttestation,
    /// Draft §6.1: the PoP lacks a valid server challenge (R-POP-9).
    UseAttestationChallenge,
    /// Draft §7: the attestation is not fresh enough (R-ATT-9, R-ATT-12).
    UseFreshAttestation,
    /// RFC 6749 §5.2: no client authentication, or `client_id` ≠ `sub`.
    InvalidClient,
    /// RFC 6749 §5.2: the request itself is malformed.
    InvalidRequest,
    /// RFC 6749 §5.2: a grant bound to another instance key (digest §9.3).
    InvalidGrant,
    /// RFC 9449: the DPoP proof is invalid.
    InvalidDpopProof,
    /// RFC 9449 §8/§9: the DPoP proof lacks a valid server nonce.
    UseDpopNonce,
    /// The server cannot decide now (replay store unavailable or full); fail closed.
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// The wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidClientAttestation => "invalid_client_attestation",
            ErrorCode::UseAttestationChallenge => "use_attestation_challenge",
            ErrorCode::UseFreshAttestation => "use_fresh_attestation",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! reasons {
    ($( $variant:ident = $code:literal, $err:ident, $req:literal, $desc:literal; )*) => {
        /// A stable, fine-grained rejection reason. `code()` strings never change meaning.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Reason { $( #[doc = $desc] $variant, )* }

        impl Reason {
            /// Every reason, in table order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];
            /// The stable reason code, e.g. `pop.aud_mismatch`.
            pub const fn code(self) -> &'static str { match self { $(Reason::$variant => $code,)* } }
            /// The spec error code this reason is reported as.
            pub const fn error(self) -> ErrorCode { match self { $(Reason::$variant => ErrorCode::$err,)* } }
            /// The requirement id of the digest (`R-ATT-n`, `R-POP-n`, …) or `-`.
            pub const fn requirement(self) -> &'static str { match self { $(Reason::$variant => $req,)* } }
            /// One plain sentence on what the reason means.
            pub const fn description(self) -> &'static str { match self { $(Reason::$variant => $desc,)* } }
            /// Looks a reason up by its code.
            pub fn from_code(code: &str) -> Option<Reason> {
                Reason::ALL.iter().copied().find(|r| r.code() == code)
            }
        }
    };
}

reasons! {
    // ---- request view -------------------------------------------------------------------------
    RequestInvalid = "request.invalid", InvalidRequest, "-",
        "The request is unusable: too many or too large header lines, or a malformed, oversized or repeated form parameter.";
    // ---- attestation: transport (R-ATT-1) ------------------------------------------------------
    AttestationMissing = "attestation.missing", InvalidClient, "R-ATT-1",
        "The request carries no OAuth-Client-Attestation header, so the client is not authenticated.";
    AttestationDuplicated = "attestation.header_duplicated", InvalidClientAttestation, "R-ATT-1",
        "More than one OAuth-Client-Attestation header line, or a comma-folded value: exactly one is allowed.";
    // ---- attestation: JOSE (R-ATT-2/3) -----------------------------------------------------------
    AttestationMalformed = "attestation.malformed", InvalidClientAttestation, "R-ATT-2",
        "The attestation is not a JWS in compact serialization with three non-empty segments.";
    AttestationEncrypted = "attestation.encrypted", InvalidClientAttestation, "R-ATT-2",
        "The attestation has five segments (a JWE); only a signed JWT is accepted.";
    AttestationTooLarge = "attestation.too_large", InvalidClientAttestation, "R-ATT-2",
        "The attestation exceeds the 16 KiB size limit.";
    AttestationBadBase64 = "attestation.bad_base64", InvalidClientAttestation, "R-ATT-2",
        "A segment of the attestation is not strict base64url (no padding, URL-safe alphabet only).";
    AttestationNotUtf8 = "attestation.not_utf8", InvalidClientAttestation, "R-ATT-3",
        "The attestation header or payload is not valid UTF-8.";
    AttestationBadJson = "attestation.bad_json", InvalidClientAttestation, "R-ATT-3",
        "The attestation header or payload is not valid JSON.";
    AttestationNotObject = "attestation.not_object", InvalidClientAttestation, "R-ATT-3",
        "The attestation header or payload is JSON but not an object.";
    AttestationDuplicateMember = "attestation.duplicate_member", InvalidClientAttestation, "R-ATT-3",
        "The attestation header or payload repeats a member name.";
    AttestationTooDeep = "attestation.json_too_deep", InvalidClientAttestation, "R-ATT-3",
        "The attestation JSON nests deeper than the limit.";
    AttestationCritUnsupported = "attestation.crit_unsupported", InvalidClientAttestation, "R-ATT-3",
        "The attestation header has a crit parameter that is malformed or lists an extension this verifier does not understand.";
    AttestationClaimType = "attestation.claim_type", InvalidClientAttestation, "R-ATT-3",
        "A registered attestation claim has the wrong JSON type (e.g. exp as a string) or an out-of-range NumericDate.";
    AttestationNotYetValid = "attestation.not_yet_valid", InvalidClientAttestation, "R-ATT-3",
        "The attestation carries nbf and is not yet valid.";
    // ---- attestation: typ / alg / trust (R-ATT-4..6) ---------------------------------------------
    AttestationTyp = "attestation.typ_invalid", InvalidClientAttestation, "R-ATT-4",
        "The attestation typ is missing or is not oauth-client-attestation+jwt.";
    AttestationAlgNone = "attestation.alg_none", InvalidClientAttestation, "R-ATT-5",
        "The attestation uses alg none (an unsecured JWS).";
    AttestationAlgNotAllowed = "attestation.alg_not_allowed", InvalidClientAttestation, "R-ATT-5",
        "The attestation alg is missing, unknown, unsupported, symmetric, or not on the policy's allow-list.";
    AttestationUnknownKey = "attestation.unknown_key", InvalidClientAttestation, "R-ATT-6",
        "No trusted attester key matches the attestation's kid and alg.";
    AttestationAttesterNotAllowed = "attestation.attester_not_allowed", InvalidClientAttestation, "R-ATT-6",
        "The attester whose key matches is not trusted for this client_id (sub).";
    AttestationBadSignature = "attestation.bad_signature", InvalidClientAttestation, "R-ATT-6",
        "The attestation signature does not verify with any matching trusted attester key.";
    // ---- attestation: claims (R-ATT-7..12) ---------------------------------------------------------
    AttestationSubMissing = "attestation.sub_missing", InvalidClientAttestation, "R-ATT-7",
        "The attestation has no sub claim (a non-empty string).";
    ClientIdMismatch = "attestation.client_id_mismatch", InvalidClient, "R-ATT-8",
        "The request's client_id differs from the attestation's sub.";
    AttestationExpMissing = "attestation.exp_missing", InvalidClientAttestation, "R-ATT-9",
        "The attestation has no exp claim.";
    AttestationExpired = "attestation.expired", UseFreshAttestation, "R-ATT-9",
        "The attestation has expired (exp is in the past beyond the clock tolerance).";
    AttestationCnfMissing = "attestation.cnf_missing", InvalidClientAttestation, "R-ATT-10",
        "The attestation has no cnf object with a jwk member.";
    AttestationCnfUnsupported = "attestation.cnf_key_unsupported", InvalidClientAttestation, "R-ATT-10",
        "The cnf.jwk key type or curve is not supported (EC P-256 and OKP Ed25519 are).";
    AttestationCnfInvalid = "attestation.cnf_key_invalid", InvalidClientAttestation, "R-ATT-10",
        "The cnf.jwk is malformed: required members missing, wrong lengths, or a point not on the curve.";
    AttestationCnfPrivate = "attestation.cnf_private_key", InvalidClientAttestation, "R-ATT-11",
        "The cnf.jwk contains private key material (d, p, q, dp, dq, qi, oth or k) or is a symmetric key.";
    // R-ATT-12's "MUST be use_fresh_attestation" is for an attestation judged not fresh
    // enough (too old, below). A missing iat (under -12's rule) or one in the future is a
    // malformed attestation, not a stale one: a fresh attestation from the same attester
    // would not differ, so these are invalid_client_attestation.
    AttestationIatMissing = "attestation.iat_missing", InvalidClientAttestation, "R-ATT-12",
        "The attestation has no iat claim, which this policy requires (-12 makes it REQUIRED).";
    AttestationIssuedInFuture = "attestation.issued_in_future", InvalidClientAttestation, "R-ATT-12",
        "The attestation iat lies in the future beyond the clock tolerance.";
    AttestationTooOld = "attestation.too_old", UseFreshAttestation, "R-ATT-12",
        "The attestation is older than the policy's maxAttestationAge (or its age cannot be judged without iat).";
    // ---- PoP: transport (R-POP-1) ------------------------------------------------------------------
    PopMissing = "pop.missing", InvalidClientAttestation, "R-POP-1",
        "The request carries an attestation but no OAuth-Client-Attestation-PoP header.";
    PopDuplicated = "pop.header_duplicated", InvalidClientAttestation, "R-POP-1",
        "More than one OAuth-Client-Attestation-PoP header line, or a comma-folded value.";
    // ---- PoP: JOSE (R-POP-2) -----------------------------------------------------------------------
    PopMalformed = "pop.malformed", InvalidClientAttestation, "R-POP-2",
        "The PoP is not a JWS in compact serialization with three non-empty segments.";
    PopEncrypted = "pop.encrypted", InvalidClientAttestation, "R-POP-2",
        "The PoP has five segments (a JWE); only a signed JWT is accepted.";
    PopTooLarge = "pop.too_large", InvalidClientAttestation, "R-POP-2",
        "The PoP exceeds the 16 KiB size limit.";
    PopBadBase64 = "pop.bad_base64", InvalidClientAttestation, "R-POP-2",
        "A segment of the PoP is not strict base64url.";
    PopNotUtf8 = "pop.not_utf8", InvalidClientAttestation, "R-POP-2",
        "The PoP header or payload is not valid UTF-8.";
    PopBadJson = "pop.bad_json", InvalidClientAttestation, "R-POP-2",
        "The PoP header or payload is not valid JSON.";
    PopNotObject = "pop.not_object", InvalidClientAttestation, "R-POP-2",
        "The PoP header or payload is JSON but not an object.";
    PopDuplicateMember = "pop.duplicate_member", InvalidClientAttestation, "R-POP-2",
        "The PoP header or payload repeats a member name.";
    PopTooDeep = "pop.json_too_deep", InvalidClientAttestation, "R-POP-2",
        "The PoP JSON nests deeper than the limit.";
    PopCritUnsupported = "pop.crit_unsupported", InvalidClientAttestation, "R-POP-2",
        "The PoP header has a crit parameter that is malformed or lists an unsupported extension.";
    PopClaimType = "pop.claim_type", InvalidClientAttestation, "R-POP-2",
        "A registered PoP claim has the wrong JSON type or an out-of-range NumericDate.";
    PopNotYetValid = "pop.not_yet_valid", InvalidClientAttestation, "R-POP-2",
        "The PoP carries nbf (a legacy claim) and is not yet valid.";
    PopExpired = "pop.expired", InvalidClientAttestation, "R-POP-2",
        "The PoP carries exp (a legacy claim) and has expired.";
    // ---- PoP: typ / alg / signature (R-POP-3..5) ---------------------------------------------------
    PopTyp = "pop.typ_invalid", InvalidClientAttestation, "R-POP-3",
        "The PoP typ is missing or is not oauth-client-attestation-pop+jwt.";
    PopAlgNone = "pop.alg_none", InvalidClientAttestation, "R-POP-4",
        "The PoP uses alg none (an unsecured JWS).";
    PopAlgNotAllowed = "pop.alg_not_allowed", InvalidClientAttestation, "R-POP-4",
        "The PoP alg is missing, unknown, symmetric, or not on the policy's allow-list.";
    PopAlgKeyMismatch = "pop.alg_key_mismatch", InvalidClientAttestation, "R-POP-4",
        "The PoP alg does not fit the attestation's cnf.jwk (key type, curve, or the key's own alg member).";
    PopBadSignature = "pop.bad_signature", InvalidClientAttestation, "R-POP-5",
        "The PoP signature does not verify with the attestation's cnf.jwk.";
    // ---- PoP: claims (R-POP-6..9) ------------------------------------------------------------------
    PopAudMissing = "pop.aud_missing", InvalidClientAttestation, "R-POP-6",
        "The PoP has no aud claim.";
    PopAudMultiple = "pop.aud_multiple", InvalidClientAttestation, "R-POP-6",
        "The PoP aud names several audiences; exactly one is allowed.";
    PopAudMismatch = "pop.aud_mismatch", InvalidClientAttestation, "R-POP-6",
        "The PoP aud is not this server's issuer / resource identifier.";
    PopJtiMissing = "pop.jti_missing", InvalidClientAttestation, "R-POP-7",
        "The PoP has no jti claim (a non-empty string of at most 256 characters).";
    PopReplayed = "pop.replayed", InvalidClientAttestation, "R-POP-7",
        "This PoP (instance key, jti) was already used within its acceptance window.";
    PopIatMissing = "pop.iat_missing", InvalidClientAttestation, "R-POP-8",
        "The PoP has no iat claim (REQUIRED since -07).";
    PopTooOld = "pop.too_old", InvalidClientAttestation, "R-POP-8",
        "The PoP iat is older than maxPopAge plus the clock tolerance.";
    PopIssuedInFuture = "pop.issued_in_future", InvalidClientAttestation, "R-POP-8",
        "The PoP iat lies in the future beyond the clock tolerance.";
    ChallengeMissing = "challenge.missing", UseAttestationChallenge, "R-POP-9",
        "The server requires a challenge and the PoP carries none.";
    ChallengeInvalid = "challenge.invalid", UseAttestationChallenge, "R-POP-9",
        "The PoP challenge was not issued by this server (unknown, malformed or forged).";
    ChallengeExpired = "challenge.expired", UseAttestationChallenge, "R-POP-9",
        "The PoP challenge was issued by this server but its lifetime has passed.";
    ChallengeMismatch = "challenge.mismatch", UseAttestationChallenge, "R-POP-9",
        "The PoP challenge differs from the one this server expects for this request.";
    // ---- mode selection (digest §5.1) -----------------------------------------------------------------
    CombinedModeNotEnabled = "pop.combined_mode_not_enabled", InvalidClientAttestation, "R-POP-1",
        "The request uses DPoP combined mode (attestation + DPoP, no PoP header), which this server does not accept.";
    // ---- DPoP proofs (RFC 9449 §4.3; R-DPOP-n) ------------------------------------------------------
    DpopDuplicated = "dpop.header_duplicated", InvalidDpopProof, "R-DPOP-2",
        "More than one DPoP header line, or a comma-folded value.";
    DpopMalformed = "dpop.malformed", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof is not a JWS in compact serialization with three non-empty segments.";
    DpopEncrypted = "dpop.encrypted", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof has five segments (a JWE).";
    DpopTooLarge = "dpop.too_large", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof exceeds the 16 KiB size limit.";
    DpopBadBase64 = "dpop.bad_base64", InvalidDpopProof, "R-DPOP-3",
        "A segment of the DPoP proof is not strict base64url.";
    DpopNotUtf8 = "dpop.not_utf8", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof header or payload is not valid UTF-8.";
    DpopBadJson = "dpop.bad_json", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof header or payload is not valid JSON.";
    DpopNotObject = "dpop.not_object", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof header or payload is JSON but not an object.";
    DpopDuplicateMember = "dpop.duplicate_member", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof header or payload repeats a member name.";
    DpopTooDeep = "dpop.json_too_deep", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof JSON nests deeper than the limit.";
    DpopCritUnsupported = "dpop.crit_unsupported", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof header has a crit parameter that is malformed or lists an unsupported extension.";
    DpopClaimType = "dpop.claim_type", InvalidDpopProof, "R-DPOP-3",
        "A DPoP claim has the wrong JSON type (iat not a number, htm/htu/jti/nonce/ath not strings).";
    DpopTyp = "dpop.typ_invalid", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof typ is missing or is not dpop+jwt.";
    DpopAlgNone = "dpop.alg_none", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof uses alg none.";
    DpopAlgNotAllowed = "dpop.alg_not_allowed", InvalidDpopProof, "R-DPOP-3",
        "The DPoP alg is missing, unknown, symmetric, not on the allow-list, or does not fit the header jwk.";
    DpopJwkInvalid = "dpop.jwk_invalid", InvalidDpopProof, "R-DPOP-3",
        "The DPoP header jwk is missing, malformed, or of an unsupported type.";
    DpopJwkPrivate = "dpop.jwk_private", InvalidDpopProof, "R-DPOP-3",
        "The DPoP header jwk contains private key material.";
    DpopBadSignature = "dpop.bad_signature", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof signature does not verify with its header jwk.";
    DpopKeyMismatch = "dpop.key_mismatch", InvalidClientAttestation, "R-DPOP-4",
        "In combined mode the DPoP key must be the attestation's cnf.jwk (compared by RFC 7638 thumbprint); it is not.";
    DpopHtmMismatch = "dpop.htm_mismatch", InvalidDpopProof, "R-DPOP-3",
        "The DPoP htm is missing or differs from the request method.";
    DpopHtuMismatch = "dpop.htu_mismatch", InvalidDpopProof, "R-DPOP-3",
        "The DPoP htu is missing or differs from the request URL (without query and fragment, after RFC 3986 normalisation).";
    DpopIatMissing = "dpop.iat_missing", InvalidDpopProof, "R-DPOP-3",
        "The DPoP proof has no iat claim.";
    DpopTooOld = "dpop.too_old", InvalidDpopProof, "R-DPOP-3",
        "The DPoP iat is older than maxPopAge plus the clock tolerance.";
    DpopIssuedInFuture = "dpop.issued_in_future", InvalidDpopProof, "R-DPOP-3",
        "The DPoP iat lies in the future beyond the clock tolerance.";
    DpopJtiMissing = "dpop.jti_missing", InvalidDpopProof, "R-DPOP-7",
        "The DPoP proof has no jti claim (a non-empty string of at most 256 characters).";
    DpopNonceMissing = "dpop.nonce_missing", UseDpopNonce, "R-DPOP-5",
        "The server requires a DPoP nonce and the proof carries none.";
    DpopNonceInvalid = "dpop.nonce_invalid", UseDpopNonce, "R-DPOP-5",
        "The DPoP nonce was not issued by this server.";
    DpopNonceExpired = "dpop.nonce_expired", UseDpopNonce, "R-DPOP-5",
        "The DPoP nonce was issued by this server but has expired.";
    DpopAthMissing = "dpop.ath_missing", InvalidDpopProof, "R-DPOP-10",
        "An access token was presented but the DPoP proof has no ath claim.";
    DpopAthMismatch = "dpop.ath_mismatch", InvalidDpopProof, "R-DPOP-10",
        "The DPoP ath is not the SHA-256 hash of the presented access token.";
    DpopTokenBindingMismatch = "dpop.token_binding_mismatch", InvalidDpopProof, "R-DPOP-10",
        "The DPoP key is not the key the access token is bound to (cnf.jkt).";
    DpopReplayed = "dpop.replayed", InvalidDpopProof, "R-DPOP-7",
        "This DPoP proof (key, jti) was already used within its acceptance window.";
    // ---- grant binding (digest §9.3, §9.4) -----------------------------------------------------------
    GrantKeyMismatch = "grant.instance_key_mismatch", InvalidGrant, "R-DPOP-9",
        "The refresh token or code is bound to another Client Instance Key than the one presented.";
    GrantClientMismatch = "grant.client_id_mismatch", InvalidGrant, "R-DPOP-9",
        "The refresh token or code was issued to another client_id.";
    // ---- replay store ------------------------------------------------------------------------------
    ReplayStoreUnavailable = "replay.store_unavailable", TemporarilyUnavailable, "R-POP-7",
        "The replay store could not record the jti (full or unreachable); the request is refused rather than risk a replay.";
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A rejection: a reason plus optional detail about this particular input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The stable reason.
    pub reason: Reason,
    /// Detail about this input (never contains a full token or private material).
    pub detail: Option<String>,
}

impl Rejection {
    /// A rejection without detail.
    pub const fn new(reason: Reason) -> Self {
        Rejection { reason, detail: None }
    }
    /// A rejection with detail. Out of line and cold, as every rejection is: a wasm engine that
    /// compiles a function whole on its first call then compiles only a call for each rejection
    /// a valid request never reaches.
    #[cold]
    #[inline(never)]
    pub fn with(reason: Reason, detail: impl Into<String>) -> Self {
        Rejection { reason, detail: Some(detail.into()) }
    }
    /// A rejection whose detail is formatted out of line (cold): the formatting code of each
    /// call site is its own function, compiled only if that rejection is ever made.
    #[cold]
    #[inline(never)]
    pub(crate) fn lazy(reason: Reason, detail: impl FnOnce() -> String) -> Self {
        Rejection { reason, detail: Some(detail()) }
    }
    /// The spec error code.
    pub fn error(&self) -> ErrorCode {
        self.reason.error()
    }
    /// Human description: the reason's sentence, plus the detail.
    pub fn description(&self) -> String {
        let mut s = String::from(self.reason.description());
        if let Some(d) = &self.detail {
            s.push_str(" (");
            s.push_str(d);
            s.push(')');
        }
        s
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason.code(), self.description())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Rejection {}

/// A policy that cannot be used. Raised when the policy is built, never at the first request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// Where in the policy (JSON pointer-ish path, e.g. `attesters[0].jwks.keys[1]`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl PolicyError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "invalid policy: {}", self.message)
        } else {
            write!(f, "invalid policy at {}: {}", self.path, self.message)
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PolicyError {}
