//! The one policy model, shared by the Rust API, the CLI, the JS layer and the edge workers.
//!
//! [`PolicyConfig`] is what users write (JSON, camelCase, unknown members refused so typos
//! surface); [`Policy`] is the validated form. Everything that can be wrong with a policy is
//! found by [`Policy::new`], never at the first request.
//!
//! ```json
//! {
//!   "audience": "https://as.example.com",
//!   "role": "as",
//!   "attesters": [{ "jwks": { "keys": [ { "kty": "EC", "crv": "P-256", "kid": "11", "x": "…", "y": "…" } ] },
//!                   "clientIds": ["https://client.example.com"] }],
//!   "algorithms": ["ES256", "EdDSA"],
//!   "clockTolerance": 30,
//!   "maxPopAge": 300,
//!   "maxAttestationAge": 86400,
//!   "requireAttestationIat": false,
//!   "challenge": { "secret": "at least 32 bytes of secret text…", "lifetime": 300, "required": true },
//!   "legacy": false
//! }
//! ```

use crate::challenge::StatelessTokens;
use crate::error::PolicyError;
use crate::jose::alg::{AlgLookup, AlgSet, Algorithm};
use crate::jose::jwk::{JwkError, PublicKey};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::Deserialize;
use serde_json::Value;

/// Largest accepted clock tolerance, seconds.
pub const MAX_CLOCK_TOLERANCE: u64 = 300;
/// Largest accepted PoP age / challenge lifetime, seconds (one hour).
pub const MAX_POP_AGE: u64 = 3600;
/// Largest accepted challenge lifetime, seconds (one day).
pub const MAX_CHALLENGE_LIFETIME: u64 = 86_400;
/// Smallest accepted HMAC secret, bytes.
pub const MIN_SECRET_LEN: usize = 32;
/// Longest accepted identifier (audience, client_id, endpoint URL, name), bytes: identifiers
/// end up in descriptions and audit records, which must stay small.
pub const MAX_IDENTIFIER_LEN: usize = 2048;

fn identifier(path: &str, v: &str) -> Result<(), PolicyError> {
    identifier_at(|| String::from(path), v)
}

/// Like `identifier`, with the path built only for the error (no formatting on success: a
/// policy is parsed at startup, where every bit of code run costs compile time in wasm).
fn identifier_at(path: impl FnOnce() -> String, v: &str) -> Result<(), PolicyError> {
    if v.len() > MAX_IDENTIFIER_LEN {
        return Err(PolicyError::new(path(), format!("is longer than {MAX_IDENTIFIER_LEN} bytes")));
    }
    Ok(())
}

/// Whether the verifier acts as an authorization server or a resource server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Authorization server: errors are 400 (401 for `invalid_client`) with a JSON body.
    #[default]
    As,
    /// Resource server: errors are 401 with `WWW-Authenticate`.
    Rs,
}

impl Role {
    /// `"as"` or `"rs"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::As => "as",
            Role::Rs => "rs",
        }
    }
}

/// A JWK Set as written in the policy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwksConfig {
    /// The keys (JWK objects).
    pub keys: Vec<Value>,
}

/// One trusted Client Attester.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttesterConfig {
    /// A label for logs and the audit record.
    #[serde(default)]
    pub name: Option<String>,
    /// The attester's public keys.
    pub jwks: JwksConfig,
    /// If present, the only `client_id`s (attestation `sub`) this attester may vouch for.
    #[serde(default)]
    pub client_ids: Option<Vec<String>>,
}

/// Server challenges (R-POP-9).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChallengeConfig {
    /// HMAC secret for stateless challenges (≥ 32 bytes). Without it, challenges are only
    /// checked against an expected value supplied with each request.
    #[serde(default)]
    pub secret: Option<String>,
    /// Seconds a stateless challenge stays valid (default 300).
    #[serde(default)]
    pub lifetime: Option<u64>,
    /// Whether every PoP must carry a valid challenge (default true).
    #[serde(default)]
    pub required: Option<bool>,
    /// The challenge endpoint URL to advertise in metadata.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// Server-issued DPoP nonces (RFC 9449 §8, §9; R-DPOP-5).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NonceConfig {
    /// HMAC secret for stateless nonces (≥ 32 bytes).
    pub secret: String,
    /// Seconds a nonce stays valid (default 300).
    #[serde(default)]
    pub lifetime: Option<u64>,
    /// Whether every DPoP proof must carry a valid nonce (default true).
    #[serde(default)]
    pub required: Option<bool>,
}

/// DPoP settings.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DpopConfig {
    /// Accept combined mode: attestation + DPoP proof as the PoP (`attest_jwt_client_auth_dpop`).
    #[serde(default)]
    pub combined: bool,
    /// Server nonces.
    #[serde(default)]
    pub nonce: Option<NonceConfig>,
}

/// The policy as written (JSON, camelCase).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyConfig {
    /// This server's issuer identifier (AS) or resource identifier (RS); the PoP `aud`.
    pub audience: String,
    /// `as` (default) or `rs`.
    #[serde(default)]
    pub role: Role,
    /// Trusted attesters (at least one).
    pub attesters: Vec<AttesterConfig>,
    /// Accepted JWS algorithms (default: all supported: ES256, EdDSA, Ed25519).
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
    /// Clock skew allowed, seconds (default 30, at most 300).
    #[serde(default)]
    pub clock_tolerance: Option<u64>,
    /// Maximum PoP age from its `iat`, seconds (default 300).
    #[serde(default)]
    pub max_pop_age: Option<u64>,
    /// Maximum attestation age from its `iat`, seconds (default: none).
    #[serde(default)]
    pub max_attestation_age: Option<u64>,
    /// Require `iat` in the attestation (default false; -12 WIP makes it REQUIRED).
    #[serde(default)]
    pub require_attestation_iat: bool,
    /// Server challenges.
    #[serde(default)]
    pub challenge: Option<ChallengeConfig>,
    /// Accept older draft shapes (PoP `nonce` as `challenge`, PoP `exp` instead of `iat`, a
    /// -09/-10 challenge in the DPoP `nonce`). Default false: strict -11.
    #[serde(default)]
    pub legacy: bool,
    /// DPoP: combined mode and server nonces.
    #[serde(default)]
    pub dpop: Option<DpopConfig>,
}

/// A validated attester.
#[derive(Clone, Debug)]
pub struct Attester {
    /// Label.
    pub name: Option<String>,
    /// Its keys.
    pub keys: Vec<PublicKey>,
    /// Permitted client_ids, if restricted.
    pub client_ids: Option<Vec<String>>,
}

impl Attester {
    /// Whether this attester may vouch for `client_id`.
    pub fn permits(&self, client_id: Option<&str>) -> bool {
        match (&self.client_ids, client_id) {
            (None, _) => true,
            (Some(ids), Some(c)) => ids.iter().any(|i| i == c),
            (Some(_), None) => false,
        }
    }
}

/// Validated challenge settings.
#[derive(Clone, Debug)]
pub struct ChallengePolicy {
    pub(crate) tokens: Option<StatelessTokens>,
    /// Whether a valid challenge is required in every PoP.
    pub required: bool,
    /// Endpoint to advertise.
    pub endpoint: Option<String>,
}

/// Validated DPoP settings.
#[derive(Clone, Debug)]
pub struct DpopPolicy {
    /// Combined mode accepted.
    pub combined: bool,
    pub(crate) nonces: Option<StatelessTokens>,
    /// Whether a valid nonce is required in every DPoP proof.
    pub nonce_required: bool,
}

/// A validated policy. Build with [`Policy::new`] or [`Policy::from_json`].
#[derive(Clone, Debug)]
pub struct Policy {
    /// PoP audience.
    pub audience: String,
    /// AS or RS.
    pub role: Role,
    /// Trusted attesters.
    pub attesters: Vec<Attester>,
    /// Algorithm allow-list.
    pub algorithms: AlgSet,
    /// Seconds.
    pub clock_tolerance: i64,
    /// Seconds.
    pub max_pop_age: i64,
    /// Seconds.
    pub max_attestation_age: Option<i64>,
    /// -12 WIP rule.
    pub require_attestation_iat: bool,
    /// Challenges, if used.
    pub challenge: Option<ChallengePolicy>,
    /// Legacy shapes accepted.
    pub legacy: bool,
    /// DPoP settings, if DPoP is used.
    pub dpop: Option<DpopPolicy>,
}

fn bounded(path: &str, v: Option<u64>, default: u64, min: u64, max: u64) -> Result<i64, PolicyError> {
    let v = v.unwrap_or(default);
    if v < min || v > max {
        return Err(PolicyError::new(path, format!("{v} is outside {min}..={max} seconds")));
    }
    // `max` is far below i64::MAX, so this never truncates.
    Ok(v as i64)
}

impl Policy {
    /// Parses and validates a JSON policy.
    pub fn from_json(json: &str) -> Result<Policy, PolicyError> {
        let cfg: PolicyConfig = serde_json::from_str(json).map_err(|e| PolicyError::new("", format!("{e}")))?;
        Policy::new(cfg)
    }

    /// Validates a policy.
    pub fn new(cfg: PolicyConfig) -> Result<Policy, PolicyError> {
        let audience = cfg.audience.trim();
        if audience.is_empty() || audience != cfg.audience {
            return Err(PolicyError::new("audience", "must be a non-empty identifier without surrounding spaces"));
        }
        identifier("audience", &cfg.audience)?;
        if cfg.attesters.is_empty() {
            return Err(PolicyError::new("attesters", "at least one trusted attester is required"));
        }
        let mut attesters = Vec::with_capacity(cfg.attesters.len());
        for (i, a) in cfg.attesters.into_iter().enumerate() {
            if a.jwks.keys.is_empty() {
                return Err(PolicyError::new(format!("attesters[{i}].jwks.keys"), "is empty"));
            }
            let mut keys = Vec::with_capacity(a.jwks.keys.len());
            for (j, k) in a.jwks.keys.iter().enumerate() {
                let path = || format!("attesters[{i}].jwks.keys[{j}]");
                let key = PublicKey::from_value(k).map_err(|e| match e {
                    JwkError::Private => {
                        PolicyError::new(path(), "is a private or symmetric key; a trust store holds public keys only")
                    }
                    JwkError::Unsupported(what) => PolicyError::new(path(), format!("{what} are not supported")),
                    JwkError::Invalid(why) => PolicyError::new(path(), why),
                })?;
                if let Some(alg) = &key.alg {
                    match Algorithm::lookup(alg) {
                        AlgLookup::Supported(a) if a.fits(key.kind()) => {}
                        _ => {
                            return Err(PolicyError::new(path(), format!("alg {alg} does not fit this key")));
                        }
                    }
                }
                keys.push(key);
            }
            if let Some(name) = &a.name {
                identifier_at(|| format!("attesters[{i}].name"), name)?;
            }
            for (j, id) in a.client_ids.iter().flatten().enumerate() {
                identifier_at(|| format!("attesters[{i}].clientIds[{j}]"), id)?;
            }
            if let Some(ids) = &a.client_ids
                && ids.is_empty()
            {
                return Err(PolicyError::new(
                    format!("attesters[{i}].clientIds"),
                    "is empty (omit it to allow any client_id)",
                ));
            }
            attesters.push(Attester { name: a.name, keys, client_ids: a.client_ids });
        }
        let algorithms = match cfg.algorithms {
            None => AlgSet::ALL,
            Some(names) => {
                let mut set = AlgSet::default();
                for n in &names {
                    match Algorithm::lookup(n) {
                        AlgLookup::Supported(a) => set.insert(a),
                        AlgLookup::None => {
                            return Err(PolicyError::new("algorithms", "\"none\" can never be allowed"));
                        }
                        AlgLookup::Unsupported(x) => {
                            return Err(PolicyError::new(
                                "algorithms",
                                format!("{x} is not supported (use ES256, EdDSA, Ed25519)"),
                            ));
                        }
                    }
                }
                if set.is_empty() {
                    return Err(PolicyError::new("algorithms", "is empty"));
                }
                set
            }
        };
        let clock_tolerance = bounded("clockTolerance", cfg.clock_tolerance, 30, 0, MAX_CLOCK_TOLERANCE)?;
        let max_pop_age = bounded("maxPopAge", cfg.max_pop_age, 300, 1, MAX_POP_AGE)?;
        let max_attestation_age = match cfg.max_attestation_age {
            None => None,
            Some(v) => Some(bounded("maxAttestationAge", Some(v), 0, 1, 10 * 365 * 86_400)?),
        };
        let challenge = match cfg.challenge {
            None => None,
            Some(c) => {
                let lifetime = bounded("challenge.lifetime", c.lifetime, 300, 1, MAX_CHALLENGE_LIFETIME)?;
                if let Some(e) = &c.endpoint {
                    identifier("challenge.endpoint", e)?;
                }
                let tokens = match c.secret {
                    None => None,
                    Some(s) => Some(
                        StatelessTokens::new(s.as_bytes(), crate::challenge::CHALLENGE_LABEL, lifetime).ok_or_else(
                            || PolicyError::new("challenge.secret", format!("must be at least {MIN_SECRET_LEN} bytes")),
                        )?,
                    ),
                };
                Some(ChallengePolicy { tokens, required: c.required.unwrap_or(true), endpoint: c.endpoint })
            }
        };
        let dpop = match cfg.dpop {
            None => None,
            Some(d) => {
                let (nonces, nonce_required) = match d.nonce {
                    None => (None, false),
                    Some(n) => {
                        let lifetime = bounded("dpop.nonce.lifetime", n.lifetime, 300, 1, MAX_CHALLENGE_LIFETIME)?;
                        let t = StatelessTokens::new(n.secret.as_bytes(), crate::challenge::DPOP_NONCE_LABEL, lifetime)
                            .ok_or_else(|| {
                                PolicyError::new(
                                    "dpop.nonce.secret",
                                    format!("must be at least {MIN_SECRET_LEN} bytes"),
                                )
                            })?;
                        (Some(t), n.required.unwrap_or(true))
                    }
                };
                Some(DpopPolicy { combined: d.combined, nonces, nonce_required })
            }
        };
        Ok(Policy {
            dpop,
            audience: cfg.audience,
            role: cfg.role,
            attesters,
            algorithms,
            clock_tolerance,
            max_pop_age,
            max_attestation_age,
            require_attestation_iat: cfg.require_attestation_iat,
            challenge,
            legacy: cfg.legacy,
        })
    }
}
