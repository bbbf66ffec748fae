//! The one policy model, shared by the Rust API, the CLI, the JS layer and the edge workers.
//!
//! [`PolicyConfig`] is what users write (strict JSON, camelCase, unknown members refused so
//! typos surface); [`Policy`] is the validated form. Everything that can be wrong with a policy is
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
use crate::jose::json::Wiped;
use crate::jose::jwk::{JwkError, PublicKey, truncate};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};
use zeroize::Zeroize;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
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
#[derive(Clone, Debug)]
pub struct JwksConfig {
    /// The keys (JWK objects).
    pub keys: Vec<Value>,
}

/// One trusted Client Attester.
#[derive(Clone, Debug)]
pub struct AttesterConfig {
    /// A label for logs and the audit record.
    pub name: Option<String>,
    /// The attester's public keys.
    pub jwks: JwksConfig,
    /// If present, the only `client_id`s (attestation `sub`) this attester may vouch for.
    pub client_ids: Option<Vec<String>>,
}

/// Server challenges (R-POP-9). `Debug` never shows the secret; dropping it wipes it.
#[derive(Clone, Default)]
pub struct ChallengeConfig {
    /// HMAC secret for stateless challenges (≥ 32 bytes). Without it, challenges are only
    /// checked against an expected value supplied with each request.
    pub secret: Option<String>,
    /// Seconds a stateless challenge stays valid (default 300).
    pub lifetime: Option<u64>,
    /// Whether every PoP must carry a valid challenge (default true).
    pub required: Option<bool>,
    /// The challenge endpoint URL to advertise in metadata.
    pub endpoint: Option<String>,
}

/// Server-issued DPoP nonces (RFC 9449 §8, §9; R-DPOP-5). `Debug` never shows the secret;
/// dropping it wipes it.
#[derive(Clone)]
pub struct NonceConfig {
    /// HMAC secret for stateless nonces (≥ 32 bytes).
    pub secret: String,
    /// Seconds a nonce stays valid (default 300).
    pub lifetime: Option<u64>,
    /// Whether every DPoP proof must carry a valid nonce (default true).
    pub required: Option<bool>,
}

impl core::fmt::Debug for ChallengeConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChallengeConfig")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("lifetime", &self.lifetime)
            .field("required", &self.required)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl core::fmt::Debug for NonceConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NonceConfig")
            .field("secret", &"<redacted>")
            .field("lifetime", &self.lifetime)
            .field("required", &self.required)
            .finish()
    }
}

impl Drop for ChallengeConfig {
    fn drop(&mut self) {
        if let Some(s) = self.secret.as_mut() {
            s.zeroize();
        }
    }
}

impl Drop for NonceConfig {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// DPoP settings.
#[derive(Clone, Debug, Default)]
pub struct DpopConfig {
    /// Accept combined mode: attestation + DPoP proof as the PoP (`attest_jwt_client_auth_dpop`).
    pub combined: bool,
    /// Server nonces.
    pub nonce: Option<NonceConfig>,
}

/// The policy as written (JSON, camelCase).
#[derive(Clone, Debug)]
pub struct PolicyConfig {
    /// This server's issuer identifier (AS) or resource identifier (RS); the PoP `aud`.
    pub audience: String,
    /// `as` (default) or `rs`.
    pub role: Role,
    /// Trusted attesters (at least one).
    pub attesters: Vec<AttesterConfig>,
    /// Accepted JWS algorithms (default: all supported: ES256, EdDSA, Ed25519).
    pub algorithms: Option<Vec<String>>,
    /// Clock skew allowed, seconds (default 30, at most 300).
    pub clock_tolerance: Option<u64>,
    /// Maximum PoP age from its `iat`, seconds (default 300).
    pub max_pop_age: Option<u64>,
    /// Maximum attestation age from its `iat`, seconds (default: none).
    pub max_attestation_age: Option<u64>,
    /// Require `iat` in the attestation (default false; -12 WIP makes it REQUIRED).
    pub require_attestation_iat: bool,
    /// Server challenges.
    pub challenge: Option<ChallengeConfig>,
    /// Accept older draft shapes (PoP `nonce` as `challenge`, PoP `exp` instead of `iat`, a
    /// -09/-10 challenge in the DPoP `nonce`). Default false: strict -11.
    pub legacy: bool,
    /// DPoP: combined mode and server nonces.
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

/// A validated policy. Build with [`Policy::new`] or [`Policy::from_json`]: the fields are
/// readable, and `#[non_exhaustive]` keeps code outside the crate from building one by hand
/// past the bounds `new` enforces (a negative tolerance, a zero `maxPopAge`).
#[derive(Clone, Debug)]
#[non_exhaustive]
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

// ---- reading the policy document ------------------------------------------------------------
//
// By hand, over the strict JSON parser the tokens go through, rather than serde-derived:
// a repeated member is refused anywhere in the document (serde's derive caught it only in the
// policy's own structs, not inside the trusted JWKs, where the last one silently won), every
// error names the member at fault, and the wasm package is 10.5 KB (3.3 KB gzipped) smaller,
// because the derived deserializers duplicated what the token parser already has. The
// messages keep serde's wording (`missing field`, `unknown field`, `invalid type`,
// `unknown variant`), which the JS layer's callers already match on.

/// Where an object of the policy sits, rendered only for an error message.
#[derive(Clone, Copy)]
enum Place {
    Top,
    Attester(usize),
    Jwks(usize),
    Challenge,
    Dpop,
    Nonce,
}

impl Place {
    fn render(self) -> String {
        match self {
            Place::Top => String::new(),
            Place::Attester(i) => format!("attesters[{i}]"),
            Place::Jwks(i) => format!("attesters[{i}].jwks"),
            Place::Challenge => String::from("challenge"),
            Place::Dpop => String::from("dpop"),
            Place::Nonce => String::from("dpop.nonce"),
        }
    }
}

fn invalid_type(path: String, expected: &str) -> PolicyError {
    PolicyError::new(path, format!("invalid type: expected {expected}"))
}

/// One JSON object of the policy, its members already checked against the known names (so a
/// typo is an error, not a silently ignored setting).
struct Members<'a> {
    map: &'a Map<String, Value>,
    at: Place,
}

impl<'a> Members<'a> {
    fn of(value: &'a Value, at: Place, known: &[&str]) -> Result<Self, PolicyError> {
        match value {
            Value::Object(map) => Self::checked(map, at, known),
            _ => Err(invalid_type(at.render(), "an object")),
        }
    }

    fn checked(map: &'a Map<String, Value>, at: Place, known: &[&str]) -> Result<Self, PolicyError> {
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            let mut expected = String::new();
            for (i, k) in known.iter().enumerate() {
                expected.push_str(if i == 0 { "`" } else { ", `" });
                expected.push_str(k);
                expected.push('`');
            }
            return Err(PolicyError::new(
                at.render(),
                format!("unknown field `{}`, expected one of {expected}", truncate(unknown)),
            ));
        }
        Ok(Members { map, at })
    }

    /// A member's value; `null` counts as absent.
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn path(&self, name: &str) -> String {
        let mut p = self.at.render();
        if !p.is_empty() {
            p.push('.');
        }
        p.push_str(name);
        p
    }

    fn missing(&self, name: &str) -> PolicyError {
        PolicyError::new(self.at.render(), format!("missing field `{name}`"))
    }

    fn string(&self, name: &str) -> Result<Option<String>, PolicyError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(invalid_type(self.path(name), "a string")),
        }
    }

    fn required_string(&self, name: &str) -> Result<String, PolicyError> {
        self.string(name)?.ok_or_else(|| self.missing(name))
    }

    fn seconds(&self, name: &str) -> Result<Option<u64>, PolicyError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => {
                v.as_u64().map(Some).ok_or_else(|| invalid_type(self.path(name), "a non-negative integer (u64)"))
            }
        }
    }

    fn flag(&self, name: &str) -> Result<Option<bool>, PolicyError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid_type(self.path(name), "true or false")),
        }
    }

    fn array(&self, name: &str) -> Result<Option<&'a Vec<Value>>, PolicyError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(invalid_type(self.path(name), "an array")),
        }
    }

    fn strings(&self, name: &str) -> Result<Option<Vec<String>>, PolicyError> {
        let Some(items) = self.array(name)? else { return Ok(None) };
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            match v {
                Value::String(s) => out.push(s.clone()),
                _ => return Err(invalid_type(format!("{}[{i}]", self.path(name)), "a string")),
            }
        }
        Ok(Some(out))
    }

    fn object<T>(
        &self,
        name: &str,
        read: impl FnOnce(&'a Value) -> Result<T, PolicyError>,
    ) -> Result<Option<T>, PolicyError> {
        self.get(name).map(read).transpose()
    }
}

/// The members a policy may have.
const MEMBERS: [&str; 11] = [
    "audience",
    "role",
    "attesters",
    "algorithms",
    "clockTolerance",
    "maxPopAge",
    "maxAttestationAge",
    "requireAttestationIat",
    "challenge",
    "legacy",
    "dpop",
];

impl PolicyConfig {
    /// Reads a policy document (strict JSON: a repeated member is refused, as in tokens).
    /// [`Policy::from_json`] also validates it.
    pub fn from_json(json: &str) -> Result<PolicyConfig, PolicyError> {
        // The parser's own message says where (line, column) and what (syntax, a repeated
        // member, nesting); only "not an object" comes without one.
        let map = crate::jose::json::parse_document(json).map_err(|(_, e)| match e {
            Some(e) => PolicyError::new("", format!("not a JSON policy: {e}")),
            None => PolicyError::new("", "the policy must be a JSON object"),
        })?;
        // The document holds the HMAC secrets: wiped when this returns, whatever it returns.
        let doc = Wiped(Value::Object(map));
        Self::read(Members::of(&doc, Place::Top, &MEMBERS)?)
    }

    /// Reads a policy from a parsed JSON value.
    pub fn from_value(value: &Value) -> Result<PolicyConfig, PolicyError> {
        Self::read(Members::of(value, Place::Top, &MEMBERS)?)
    }

    fn read(m: Members<'_>) -> Result<PolicyConfig, PolicyError> {
        let audience = m.required_string("audience")?;
        let role = match m.get("role") {
            None => Role::As,
            Some(Value::String(r)) if r == "as" => Role::As,
            Some(Value::String(r)) if r == "rs" => Role::Rs,
            Some(Value::String(r)) => {
                let detail = format!("unknown variant `{}`, expected `as` or `rs`", truncate(r));
                return Err(PolicyError::new(m.path("role"), detail));
            }
            Some(_) => return Err(invalid_type(m.path("role"), "a string")),
        };
        let attesters = m.array("attesters")?.ok_or_else(|| m.missing("attesters"))?;
        let attesters =
            attesters.iter().enumerate().map(|(i, a)| AttesterConfig::read(a, i)).collect::<Result<_, _>>()?;
        Ok(PolicyConfig {
            audience,
            role,
            attesters,
            algorithms: m.strings("algorithms")?,
            clock_tolerance: m.seconds("clockTolerance")?,
            max_pop_age: m.seconds("maxPopAge")?,
            max_attestation_age: m.seconds("maxAttestationAge")?,
            require_attestation_iat: m.flag("requireAttestationIat")?.unwrap_or(false),
            challenge: m.object("challenge", ChallengeConfig::read)?,
            legacy: m.flag("legacy")?.unwrap_or(false),
            dpop: m.object("dpop", DpopConfig::read)?,
        })
    }
}

/// The same reader behind serde, for policies embedded in other serde documents.
impl<'de> serde::Deserialize<'de> for PolicyConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Wiped::deserialize(d)?;
        PolicyConfig::from_value(&v).map_err(serde::de::Error::custom)
    }
}

impl AttesterConfig {
    fn read(v: &Value, i: usize) -> Result<AttesterConfig, PolicyError> {
        let m = Members::of(v, Place::Attester(i), &["name", "jwks", "clientIds"])?;
        let jwks = m.get("jwks").ok_or_else(|| m.missing("jwks"))?;
        let jwks = Members::of(jwks, Place::Jwks(i), &["keys"])?;
        let keys = jwks.array("keys")?.ok_or_else(|| jwks.missing("keys"))?;
        Ok(AttesterConfig {
            name: m.string("name")?,
            jwks: JwksConfig { keys: keys.clone() },
            client_ids: m.strings("clientIds")?,
        })
    }
}

impl ChallengeConfig {
    // Out of line (as the other optional sections): compiled only by a policy that has it.
    #[inline(never)]
    fn read(v: &Value) -> Result<ChallengeConfig, PolicyError> {
        let m = Members::of(v, Place::Challenge, &["secret", "lifetime", "required", "endpoint"])?;
        Ok(ChallengeConfig {
            secret: m.string("secret")?,
            lifetime: m.seconds("lifetime")?,
            required: m.flag("required")?,
            endpoint: m.string("endpoint")?,
        })
    }
}

impl DpopConfig {
    // Out of line (as the other optional sections): compiled only by a policy that has it.
    #[inline(never)]
    fn read(v: &Value) -> Result<DpopConfig, PolicyError> {
        let m = Members::of(v, Place::Dpop, &["combined", "nonce"])?;
        Ok(DpopConfig { combined: m.flag("combined")?.unwrap_or(false), nonce: m.object("nonce", NonceConfig::read)? })
    }
}

impl NonceConfig {
    // Out of line (as the other optional sections): compiled only by a policy that has it.
    #[inline(never)]
    fn read(v: &Value) -> Result<NonceConfig, PolicyError> {
        let m = Members::of(v, Place::Nonce, &["secret", "lifetime", "required"])?;
        Ok(NonceConfig {
            secret: m.required_string("secret")?,
            lifetime: m.seconds("lifetime")?,
            required: m.flag("required")?,
        })
    }
}

impl Policy {
    /// Parses and validates a JSON policy.
    pub fn from_json(json: &str) -> Result<Policy, PolicyError> {
        PolicyConfig::from_json(json).and_then(Policy::new)
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
                            return Err(PolicyError::new(
                                path(),
                                format!("alg {} does not fit this key", truncate(alg)),
                            ));
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
                                format!("{} is not supported (use ES256, EdDSA, Ed25519)", truncate(x)),
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
        let challenge = cfg.challenge.map(ChallengePolicy::new).transpose()?;
        let dpop = cfg.dpop.map(DpopPolicy::new).transpose()?;
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

impl ChallengePolicy {
    /// Validates the `challenge` section (out of line: compiled only by a policy that has one).
    #[inline(never)]
    fn new(c: ChallengeConfig) -> Result<ChallengePolicy, PolicyError> {
        let lifetime = bounded("challenge.lifetime", c.lifetime, 300, 1, MAX_CHALLENGE_LIFETIME)?;
        if let Some(e) = &c.endpoint {
            identifier("challenge.endpoint", e)?;
        }
        let tokens = match &c.secret {
            None => None,
            Some(s) => {
                Some(StatelessTokens::new(s.as_bytes(), crate::challenge::CHALLENGE_LABEL, lifetime).ok_or_else(
                    || PolicyError::new("challenge.secret", format!("must be at least {MIN_SECRET_LEN} bytes")),
                )?)
            }
        };
        Ok(ChallengePolicy { tokens, required: c.required.unwrap_or(true), endpoint: c.endpoint.clone() })
    }
}

impl DpopPolicy {
    /// Validates the `dpop` section (out of line: compiled only by a policy that has one).
    #[inline(never)]
    fn new(d: DpopConfig) -> Result<DpopPolicy, PolicyError> {
        let (nonces, nonce_required) = match d.nonce {
            None => (None, false),
            Some(n) => {
                let lifetime = bounded("dpop.nonce.lifetime", n.lifetime, 300, 1, MAX_CHALLENGE_LIFETIME)?;
                let t = StatelessTokens::new(n.secret.as_bytes(), crate::challenge::DPOP_NONCE_LABEL, lifetime)
                    .ok_or_else(|| {
                        PolicyError::new("dpop.nonce.secret", format!("must be at least {MIN_SECRET_LEN} bytes"))
                    })?;
                (Some(t), n.required.unwrap_or(true))
            }
        };
        Ok(DpopPolicy { combined: d.combined, nonces, nonce_required })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use serde_json::json;

    fn base() -> Value {
        serde_json::from_str(include_str!("../tests/fixtures/policy.as.json")).unwrap()
    }

    fn error(v: &Value) -> PolicyError {
        let by_text = Policy::from_json(&v.to_string()).unwrap_err();
        // The serde path and the value path are the same reader.
        let by_value = PolicyConfig::from_value(v).and_then(Policy::new).unwrap_err();
        assert_eq!(by_text, by_value);
        let by_serde = serde_json::from_value::<PolicyConfig>(v.clone()).map(|_| ()).map_err(|e| e.to_string());
        if let Err(e) = by_serde {
            assert_eq!(e, by_text.to_string());
        }
        by_text
    }

    fn with(f: impl FnOnce(&mut Value)) -> PolicyError {
        let mut v = base();
        f(&mut v);
        error(&v)
    }

    #[test]
    fn the_fixture_reads_the_same_every_way() {
        let v = base();
        let a = PolicyConfig::from_json(&v.to_string()).unwrap();
        let b = PolicyConfig::from_value(&v).unwrap();
        let c: PolicyConfig = serde_json::from_value(v).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_eq!(format!("{a:?}"), format!("{c:?}"));
        assert_eq!(a.role, Role::As);
        assert!(!a.legacy && !a.require_attestation_iat);
    }

    #[test]
    fn every_member_is_read() {
        let v = json!({
            "audience": "https://rs.example.com", "role": "rs",
            "attesters": [{ "name": "a", "jwks": base()["attesters"][0]["jwks"].clone(), "clientIds": ["c1", "c2"] }],
            "algorithms": ["ES256"], "clockTolerance": 10, "maxPopAge": 60, "maxAttestationAge": 3600,
            "requireAttestationIat": true, "legacy": true,
            "challenge": { "secret": "s".repeat(32), "lifetime": 120, "required": false, "endpoint": "https://as/c" },
            "dpop": { "combined": true, "nonce": { "secret": "n".repeat(32), "lifetime": 30, "required": false } }
        });
        let c = PolicyConfig::from_value(&v).unwrap();
        assert_eq!(
            (c.role, c.clock_tolerance, c.max_pop_age, c.max_attestation_age),
            (Role::Rs, Some(10), Some(60), Some(3600))
        );
        assert!(c.require_attestation_iat && c.legacy);
        assert_eq!(c.attesters[0].name.as_deref(), Some("a"));
        assert_eq!(c.attesters[0].client_ids, Some(vec![String::from("c1"), String::from("c2")]));
        assert_eq!(c.algorithms, Some(vec![String::from("ES256")]));
        let ch = c.challenge.as_ref().unwrap();
        assert_eq!((ch.lifetime, ch.required, ch.endpoint.as_deref()), (Some(120), Some(false), Some("https://as/c")));
        let d = c.dpop.as_ref().unwrap();
        let n = d.nonce.as_ref().unwrap();
        assert!(d.combined);
        assert_eq!((n.lifetime, n.required), (Some(30), Some(false)));
        // Secrets are never printed, by the config or by the validated policy.
        for shown in [format!("{c:?}"), format!("{:?}", Policy::new(c.clone()).unwrap())] {
            assert!(!shown.contains(&"s".repeat(32)) && !shown.contains(&"n".repeat(32)), "{shown}");
        }
        let p = Policy::new(c).unwrap();
        assert!(!p.challenge.unwrap().required && !p.dpop.unwrap().nonce_required);
    }

    #[test]
    fn null_is_absent() {
        let mut v = base();
        v["role"] = Value::Null;
        v["challenge"] = Value::Null;
        v["legacy"] = Value::Null;
        let c = PolicyConfig::from_value(&v).unwrap();
        assert_eq!(c.role, Role::As);
        assert!(c.challenge.is_none() && !c.legacy);
    }

    #[test]
    fn unknown_members_name_the_member_and_where() {
        let e = with(|v| v["audiance"] = json!("typo"));
        assert_eq!(e.path, "");
        assert!(e.message.starts_with("unknown field `audiance`, expected one of `audience`, `role`"), "{e}");
        let e = with(|v| v["challenge"] = json!({ "secrett": "x" }));
        assert_eq!((e.path.as_str(), e.message.starts_with("unknown field `secrett`")), ("challenge", true), "{e}");
        let e = with(|v| v["attesters"][0]["kid"] = json!("x"));
        assert_eq!(e.path, "attesters[0]");
        let e = with(|v| v["attesters"][0]["jwks"]["extra"] = json!(1));
        assert_eq!(e.path, "attesters[0].jwks");
        let e = with(|v| v["dpop"] = json!({ "nonce": { "secret": "n".repeat(32), "x": 1 } }));
        assert_eq!(e.path, "dpop.nonce");
        let e = with(|v| v["dpop"] = json!({ "nonces": {} }));
        assert_eq!(e.path, "dpop");
    }

    #[test]
    fn missing_members() {
        let e = with(|v| drop(v.as_object_mut().unwrap().remove("audience")));
        assert_eq!((e.path.as_str(), e.message.as_str()), ("", "missing field `audience`"));
        let e = with(|v| drop(v.as_object_mut().unwrap().remove("attesters")));
        assert_eq!(e.message, "missing field `attesters`");
        let e = with(|v| v["attesters"][0] = json!({}));
        assert_eq!((e.path.as_str(), e.message.as_str()), ("attesters[0]", "missing field `jwks`"));
        let e = with(|v| v["attesters"][0]["jwks"] = json!({}));
        assert_eq!((e.path.as_str(), e.message.as_str()), ("attesters[0].jwks", "missing field `keys`"));
        let e = with(|v| v["dpop"] = json!({ "nonce": {} }));
        assert_eq!((e.path.as_str(), e.message.as_str()), ("dpop.nonce", "missing field `secret`"));
    }

    /// An edit of the fixture policy, the path it should be reported at, what was expected.
    type Case = (fn(&mut Value), &'static str, &'static str);

    #[test]
    fn wrong_types_name_the_member() {
        let cases: [Case; 13] = [
            (|v| v["audience"] = json!(5), "audience", "a string"),
            (|v| v["role"] = json!(1), "role", "a string"),
            (|v| v["attesters"] = json!({}), "attesters", "an array"),
            (|v| v["attesters"][0] = json!([]), "attesters[0]", "an object"),
            (|v| v["attesters"][0]["jwks"]["keys"] = json!({}), "attesters[0].jwks.keys", "an array"),
            (|v| v["attesters"][0]["clientIds"] = json!(["a", 1]), "attesters[0].clientIds[1]", "a string"),
            (|v| v["algorithms"] = json!("ES256"), "algorithms", "an array"),
            (|v| v["clockTolerance"] = json!("30"), "clockTolerance", "a non-negative integer (u64)"),
            (|v| v["clockTolerance"] = json!(-1), "clockTolerance", "a non-negative integer (u64)"),
            (|v| v["maxPopAge"] = json!(1.5), "maxPopAge", "a non-negative integer (u64)"),
            (|v| v["legacy"] = json!("yes"), "legacy", "true or false"),
            (|v| v["challenge"] = json!("s"), "challenge", "an object"),
            (|v| v["dpop"] = json!({ "combined": 1 }), "dpop.combined", "true or false"),
        ];
        for (edit, path, expected) in cases {
            let e = with(edit);
            assert_eq!(e.path, path, "{e}");
            assert_eq!(e.message, format!("invalid type: expected {expected}"), "{e}");
        }
        let e = with(|v| v["role"] = json!("client"));
        assert_eq!((e.path.as_str(), e.message.as_str()), ("role", "unknown variant `client`, expected `as` or `rs`"));
    }

    #[test]
    fn text_from_the_policy_is_truncated_in_messages() {
        // Whatever the document holds, an error message stays short (it is logged, printed by
        // the CLI and thrown to JS callers), and names what was wrong.
        let long = "x".repeat(10_000);
        /// An edit that puts the long text somewhere, where it is reported, what is said.
        type LongCase = (fn(&mut Value, &str), &'static str, &'static str);
        let cases: [LongCase; 4] = [
            (|v, l| v[l] = json!(1), "", "unknown field `xxx"),
            (|v, l| v["role"] = json!(l), "role", "unknown variant `xxx"),
            (|v, l| v["algorithms"] = json!([l]), "algorithms", " is not supported"),
            (
                |v, l| v["attesters"][0]["jwks"]["keys"][0]["alg"] = json!(l),
                "attesters[0].jwks.keys[0]",
                "does not fit",
            ),
        ];
        for (edit, path, says) in cases {
            let mut v = base();
            edit(&mut v, &long);
            let e = error(&v);
            let head = |s: &str| s.chars().take(80).collect::<String>();
            assert_eq!(e.path, path, "{}", head(&e.to_string()));
            assert!(e.message.contains(says), "{}", head(&e.message));
            assert!(e.to_string().len() < 400, "{} bytes", e.to_string().len());
        }
    }

    #[test]
    fn the_document_is_strict_json() {
        let text = include_str!("../tests/fixtures/policy.as.json");
        // A repeated member is refused (serde_json alone keeps the last one).
        let repeated = text.replacen('{', "{\"legacy\": true, \"legacy\": false, ", 1);
        let e = Policy::from_json(&repeated).unwrap_err();
        assert!(e.message.starts_with("not a JSON policy: duplicate member name at line 1"), "{e}");
        // Inside a trusted key too (serde_json's Value keeps the last `x`).
        let jwk = text.replacen("\"kty\"", "\"x\": \"AAAA\", \"kty\"", 1);
        assert!(serde_json::from_str::<Value>(&jwk).is_ok() && jwk != text);
        let e = Policy::from_json(&jwk).unwrap_err();
        assert!(e.message.starts_with("not a JSON policy: duplicate member name"), "{e}");
        let e = Policy::from_json("{\"audience\": ").unwrap_err();
        assert!(e.message.starts_with("not a JSON policy: ") && e.message.contains("line 1"), "{e}");
        assert_eq!(Policy::from_json("[]").unwrap_err().message, "the policy must be a JSON object");
        let deep = format!("{{\"audience\": {}1{}}}", "[".repeat(40), "]".repeat(40));
        assert!(Policy::from_json(&deep).unwrap_err().message.contains("nesting too deep"));
        assert_eq!(PolicyConfig::from_value(&json!(1)).unwrap_err().message, "invalid type: expected an object");
    }
}
