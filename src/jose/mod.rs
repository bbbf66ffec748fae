//! JOSE primitives, small and exact: strict base64url, strict JSON, compact JWS, JWK and
//! RFC 7638 thumbprints, the algorithm allow-list, and signature verification backends.
//!
//! Nothing here knows about attestations; the artefact modules ([`crate::attestation`],
//! [`crate::pop`]) build on these pieces.

pub mod alg;
pub mod b64;
pub mod json;
pub mod jwk;
pub mod jws;
pub mod sig;

/// A failure of the JOSE layer, mapped to a token-specific [`crate::Reason`] by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoseError {
    /// Not three non-empty dot-separated segments.
    Malformed,
    /// Five segments: a JWE.
    Encrypted,
    /// Over [`jws::MAX_TOKEN_LEN`].
    TooLarge,
    /// A segment is not strict base64url.
    BadBase64,
    /// Header or payload not UTF-8.
    NotUtf8,
    /// Header or payload not JSON.
    BadJson,
    /// Header or payload JSON but not an object.
    NotObject,
    /// A member name appears twice in one object.
    DuplicateMember,
    /// Nesting deeper than [`json::MAX_DEPTH`].
    TooDeep,
    /// `crit` malformed or naming an extension we do not understand (RFC 7515 §4.1.11).
    CritUnsupported,
    /// `alg` is `none` (detected even when the signature segment is empty).
    AlgNone,
}
