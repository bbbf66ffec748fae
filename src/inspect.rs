//! Decoding without verifying, for people: which kind of token this is, its header and
//! claims, key thumbprints, and hints about claims that older drafts used (digest §6 matrix).
//!
//! Nothing here is a verification result; [`crate::Verifier`] decides.

use crate::jose::JoseError;
use crate::jose::b64;
use crate::jose::jwk::PublicKey;
use crate::jose::jws;
use crate::typ::{ATTESTATION_TYP, DPOP_TYP, POP_TYP};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::Serialize;
use serde_json::{Map, Value};

/// A draft-shape hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// Stable code, e.g. `pop.nonce`.
    pub code: &'static str,
    /// The draft versions concerned.
    pub drafts: &'static str,
    /// What it means.
    pub message: &'static str,
}

const HINTS: &[Hint] = &[
    Hint {
        code: "attestation.no_typ",
        drafts: "-00…-03",
        message: "No typ header: typ oauth-client-attestation+jwt is required since -04.",
    },
    Hint {
        code: "attestation.iss",
        drafts: "-00…-07",
        message: "iss was an attestation claim up to -07 and was removed in -08; it is ignored.",
    },
    Hint {
        code: "attestation.nbf",
        drafts: "-00…-07",
        message: "nbf was an attestation claim up to -07 and was removed in -08; it is still honoured (RFC 7519).",
    },
    Hint {
        code: "attestation.no_iat",
        drafts: "-12 WIP",
        message: "No iat: optional in -11, REQUIRED in the -12 work in progress.",
    },
    Hint {
        code: "pop.no_typ",
        drafts: "-00…-03",
        message: "No typ header: typ oauth-client-attestation-pop+jwt is required since -04.",
    },
    Hint {
        code: "pop.iss",
        drafts: "-00…-07",
        message: "The PoP iss (the client_id) was removed in -08; it is ignored.",
    },
    Hint {
        code: "pop.exp", drafts: "-00…-05", message: "The PoP exp was removed in -06; it is honoured if present."
    },
    Hint {
        code: "pop.nbf", drafts: "-00…-05", message: "The PoP nbf was removed in -06; it is honoured if present."
    },
    Hint {
        code: "pop.nonce",
        drafts: "-01…-05, -08/-09 examples",
        message: "The challenge was called nonce up to -05 (renamed challenge in -06); accepted as the challenge only with legacy: true.",
    },
    Hint {
        code: "pop.no_iat",
        drafts: "≤ -06, -08/-09 examples",
        message: "No iat: the PoP iat is REQUIRED since -07.",
    },
    Hint {
        code: "serialization.concatenated",
        drafts: "-04…-07",
        message: "attestation~pop concatenated serialization, removed in -08: send two headers instead.",
    },
];

fn hint(code: &str) -> Option<Hint> {
    HINTS.iter().copied().find(|h| h.code == code)
}

/// A decoded JWT's header and claims.
pub type Parts<'a> = (&'a Map<String, Value>, &'a Map<String, Value>);

/// Legacy-shape hint codes for an attestation and PoP (used in the audit record).
pub fn shape_hints(att: Option<Parts<'_>>, pop: Option<Parts<'_>>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some((h, c)) = att {
        out.extend(attestation_hints(h, c));
    }
    if let Some((h, c)) = pop {
        out.extend(pop_hints(h, c));
    }
    out
}

fn attestation_hints(h: &Map<String, Value>, c: &Map<String, Value>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !h.contains_key("typ") {
        out.push("attestation.no_typ");
    }
    if c.contains_key("iss") {
        out.push("attestation.iss");
    }
    if c.contains_key("nbf") {
        out.push("attestation.nbf");
    }
    if !c.contains_key("iat") {
        out.push("attestation.no_iat");
    }
    out
}

fn pop_hints(h: &Map<String, Value>, c: &Map<String, Value>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !h.contains_key("typ") {
        out.push("pop.no_typ");
    }
    for (claim, code) in [("iss", "pop.iss"), ("exp", "pop.exp"), ("nbf", "pop.nbf")] {
        if c.contains_key(claim) {
            out.push(code);
        }
    }
    if c.contains_key("nonce") && !c.contains_key("challenge") {
        out.push("pop.nonce");
    }
    if !c.contains_key("iat") {
        out.push("pop.no_iat");
    }
    out
}

/// What kind of token this looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Client Attestation JWT.
    Attestation,
    /// Client Attestation PoP JWT.
    Pop,
    /// DPoP proof.
    Dpop,
    /// Something else.
    Unknown,
}

/// The result of [`inspect`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    /// The detected kind.
    pub kind: Kind,
    /// Whether the kind came from `typ` (else guessed from the claims).
    pub kind_from_typ: bool,
    /// Decoded header, if decodable.
    pub header: Option<Map<String, Value>>,
    /// Decoded claims, if decodable.
    pub claims: Option<Map<String, Value>>,
    /// A strict-parsing problem (e.g. `duplicate_member`), if any.
    pub error: Option<&'static str>,
    /// RFC 7638 thumbprint of `cnf.jwk` (attestation) or header `jwk` (DPoP).
    pub thumbprint: Option<String>,
    /// Why no thumbprint could be computed, if a key was present.
    pub key_error: Option<String>,
    /// Draft-shape hints.
    pub hints: Vec<Hint>,
    /// For a concatenated `attestation~pop` value: the parts.
    pub parts: Vec<Inspection>,
}

fn jose_code(e: JoseError) -> &'static str {
    match e {
        JoseError::Malformed => "malformed",
        JoseError::Encrypted => "encrypted",
        JoseError::TooLarge => "too_large",
        JoseError::BadBase64 => "bad_base64",
        JoseError::NotUtf8 => "not_utf8",
        JoseError::BadJson => "bad_json",
        JoseError::NotObject => "not_object",
        JoseError::DuplicateMember => "duplicate_member",
        JoseError::TooDeep => "json_too_deep",
        JoseError::CritUnsupported => "crit_unsupported",
        JoseError::AlgNone => "alg_none",
    }
}

/// Best-effort decoding of one segment (duplicate members: last wins, for display only).
fn lenient(segment: Option<&str>) -> Option<Map<String, Value>> {
    let bytes = b64::decode(segment?)?;
    serde_json::from_slice(&bytes).ok()
}

/// Decodes a token without verifying it.
pub fn inspect(token: &str) -> Inspection {
    let token = token.trim();
    if token.contains('~') && token.len() <= 2 * jws::MAX_TOKEN_LEN {
        let parts: Vec<Inspection> = token.split('~').filter(|p| !p.is_empty()).take(2).map(inspect).collect();
        let mut out = empty(Kind::Unknown);
        out.hints = hint("serialization.concatenated").into_iter().collect();
        out.parts = parts;
        return out;
    }
    let (header, claims, error) = match jws::parse(token) {
        Ok(j) => (Some(j.header), Some(j.claims), None),
        Err(e) => {
            let mut it = if token.len() <= jws::MAX_TOKEN_LEN { token.split('.') } else { "".split('.') };
            (lenient(it.next()), lenient(it.next()), Some(jose_code(e)))
        }
    };
    let typ = header.as_ref().and_then(|h| h.get("typ")).and_then(Value::as_str);
    let by_typ = typ.and_then(|t| {
        [(ATTESTATION_TYP, Kind::Attestation), (POP_TYP, Kind::Pop), (DPOP_TYP, Kind::Dpop)]
            .into_iter()
            .find(|(x, _)| jws::typ_matches(t, x))
            .map(|(_, k)| k)
    });
    let kind = by_typ.unwrap_or_else(|| match &claims {
        Some(c) if c.contains_key("cnf") => Kind::Attestation,
        Some(c) if c.contains_key("htm") || c.contains_key("htu") => Kind::Dpop,
        Some(c) if c.contains_key("aud") && c.contains_key("jti") => Kind::Pop,
        _ => Kind::Unknown,
    });
    let key = match kind {
        Kind::Attestation => claims.as_ref().and_then(|c| c.get("cnf")).and_then(|c| c.get("jwk")),
        Kind::Dpop => header.as_ref().and_then(|h| h.get("jwk")),
        _ => None,
    };
    let (thumbprint, key_error) = match key.map(PublicKey::from_value) {
        None => (None, None),
        Some(Ok(k)) => (Some(k.thumbprint().to_string()), None),
        Some(Err(e)) => (None, Some(e.to_string())),
    };
    let codes = match (kind, &header, &claims) {
        (Kind::Attestation, Some(h), Some(c)) => attestation_hints(h, c),
        (Kind::Pop, Some(h), Some(c)) => pop_hints(h, c),
        _ => Vec::new(),
    };
    Inspection {
        kind,
        kind_from_typ: by_typ.is_some(),
        header,
        claims,
        error,
        thumbprint,
        key_error,
        hints: codes.into_iter().filter_map(hint).collect(),
        parts: Vec::new(),
    }
}

fn empty(kind: Kind) -> Inspection {
    Inspection {
        kind,
        kind_from_typ: false,
        header: None,
        claims: None,
        error: None,
        thumbprint: None,
        key_error: None,
        hints: Vec::new(),
        parts: Vec::new(),
    }
}
