//! Public JWKs (RFC 7517) of the two supported kinds, EC P-256 and OKP Ed25519, and their
//! RFC 7638 thumbprints.
//!
//! Parsing validates the key fully (point on the curve, canonical encodings) once, so the hot
//! path never re-parses. Private members are detected before anything else (R-ATT-11), and other
//! key types are recognised and refused with a reason that names them.

use crate::jose::b64;
use alloc::format;
use alloc::string::{String, ToString};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Members that only private or symmetric JWKs carry (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
pub const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The two key families this crate verifies with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// `kty: EC`, `crv: P-256`.
    P256,
    /// `kty: OKP`, `crv: Ed25519`.
    Ed25519,
}

/// Why a JWK was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwkError {
    /// Carries private or symmetric key material.
    Private,
    /// A key type or curve we recognise but do not support (detail names it).
    Unsupported(String),
    /// Malformed: missing or mistyped members, wrong lengths, not on the curve.
    Invalid(String),
}

#[derive(Clone, Debug)]
enum Verifying {
    P256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// A validated public key with its thumbprint.
#[derive(Clone, Debug)]
pub struct PublicKey {
    key: Verifying,
    /// `x` (and `y` for EC) as in the JWK (canonical base64url).
    x: String,
    y: Option<String>,
    thumbprint: String,
    /// The JWK's `kid`, if any.
    pub kid: Option<String>,
    /// The JWK's `alg`, if any.
    pub alg: Option<String>,
}

/// A public key's required JWK members (RFC 7638): `y` for EC keys only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwkMembers<'a> {
    /// `EC` or `OKP`.
    pub kty: &'static str,
    /// `P-256` or `Ed25519`.
    pub crv: &'static str,
    /// Canonical base64url.
    pub x: &'a str,
    /// Canonical base64url (EC only).
    pub y: Option<&'a str>,
}

impl core::fmt::Display for JwkError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            JwkError::Private => f.write_str("the key contains private or symmetric key material"),
            JwkError::Unsupported(what) => write!(f, "{what} are not supported"),
            JwkError::Invalid(why) => write!(f, "invalid key: {why}"),
        }
    }
}

impl PartialEq for PublicKey {
    /// Keys are equal when their RFC 7638 thumbprints are (R-DPOP-4: never compare JSON).
    fn eq(&self, other: &Self) -> bool {
        self.thumbprint == other.thumbprint
    }
}

fn member<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<&'a str, JwkError> {
    match jwk.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(JwkError::Invalid(format!("member {name} is not a string"))),
        None => Err(JwkError::Invalid(format!("member {name} is missing"))),
    }
}

fn optional(jwk: &Map<String, Value>, name: &str) -> Result<Option<String>, JwkError> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwkError::Invalid(format!("member {name} is not a string"))),
    }
}

type Parsed = (Verifying, String, Option<String>);

/// `kty: EC`: P-256 only, the point validated.
#[inline(never)]
fn ec_key(jwk: &Map<String, Value>) -> Result<Parsed, JwkError> {
    let crv = member(jwk, "crv")?;
    if crv != "P-256" {
        return Err(JwkError::Unsupported(format!("EC curve {}", truncate(crv))));
    }
    let xs = member(jwk, "x")?;
    let ys = member(jwk, "y")?;
    let xb = b64::decode_array::<32>(xs).ok_or_else(|| JwkError::Invalid("x is not 32 bytes of base64url".into()))?;
    let yb = b64::decode_array::<32>(ys).ok_or_else(|| JwkError::Invalid("y is not 32 bytes of base64url".into()))?;
    let mut sec1 = [0u8; 65];
    sec1[0] = 4;
    sec1[1..33].copy_from_slice(&xb);
    sec1[33..].copy_from_slice(&yb);
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
        .map_err(|_| JwkError::Invalid("the point is not on P-256".into()))?;
    Ok((Verifying::P256(vk), xs.to_string(), Some(ys.to_string())))
}

/// `kty: OKP`: Ed25519 only, small-order points refused.
#[inline(never)]
fn okp_key(jwk: &Map<String, Value>) -> Result<Parsed, JwkError> {
    let crv = member(jwk, "crv")?;
    if crv != "Ed25519" {
        return Err(JwkError::Unsupported(format!("OKP curve {}", truncate(crv))));
    }
    let xs = member(jwk, "x")?;
    let xb = b64::decode_array::<32>(xs).ok_or_else(|| JwkError::Invalid("x is not 32 bytes of base64url".into()))?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&xb)
        .map_err(|_| JwkError::Invalid("x is not a valid Ed25519 point".into()))?;
    // A small-order key verifies forged signatures under cofactorless checks
    // (WebCrypto's): refuse it whatever the backend.
    if vk.is_weak() {
        return Err(JwkError::Invalid("x is a small-order Ed25519 point".into()));
    }
    Ok((Verifying::Ed25519(vk), xs.to_string(), None))
}

impl PublicKey {
    /// Parses and validates a public JWK object.
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<PublicKey, JwkError> {
        // R-ATT-11 first: a key with private members is refused whatever else it is.
        if PRIVATE_MEMBERS.iter().any(|m| jwk.contains_key(*m)) {
            return Err(JwkError::Private);
        }
        if let Some(u) = optional(jwk, "use")?
            && u != "sig"
        {
            return Err(JwkError::Invalid(format!("use is \"{}\", not \"sig\"", truncate(&u))));
        }
        let kid = optional(jwk, "kid")?;
        let alg = optional(jwk, "alg")?;
        let kty = member(jwk, "kty")?;
        // One function per key family, out of line: a wasm engine compiling on first call
        // compiles only the family it meets.
        let (key, x, y) = match kty {
            "EC" => ec_key(jwk)?,
            "OKP" => okp_key(jwk)?,
            "oct" => return Err(JwkError::Private),
            "RSA" => return Err(JwkError::Unsupported("RSA keys".into())),
            other => {
                return Err(JwkError::Unsupported(format!("key type {}", truncate(other))));
            }
        };
        let mut pk = PublicKey { key, x, y, thumbprint: String::new(), kid, alg };
        pk.thumbprint = b64::encode(&Sha256::digest(pk.thumbprint_input().as_bytes()));
        Ok(pk)
    }

    /// Parses a JWK given as a JSON value (must be an object).
    pub fn from_value(v: &Value) -> Result<PublicKey, JwkError> {
        match v {
            Value::Object(m) => PublicKey::from_jwk(m),
            _ => Err(JwkError::Invalid("the JWK is not a JSON object".into())),
        }
    }

    /// The key family.
    pub fn kind(&self) -> KeyKind {
        match self.key {
            Verifying::P256(_) => KeyKind::P256,
            Verifying::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// RFC 7638 SHA-256 thumbprint, base64url.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The RFC 7638 input: required members only, lexicographic order, no whitespace.
    fn thumbprint_input(&self) -> String {
        // Concatenation, not `format!`: every member is ASCII without anything to escape
        // (names, curve names, base64url), and this runs for every key parsed.
        let m = self.members();
        let mut s = String::with_capacity(100);
        s.push_str(r#"{"crv":""#);
        s.push_str(m.crv);
        s.push_str(r#"","kty":""#);
        s.push_str(m.kty);
        s.push_str(r#"","x":""#);
        s.push_str(m.x);
        if let Some(y) = m.y {
            s.push_str(r#"","y":""#);
            s.push_str(y);
        }
        s.push_str(r#""}"#);
        s
    }

    /// The JWK's required members (the RFC 7638 set), the one description of the key's JWK
    /// form: the thumbprint input, [`PublicKey::to_jwk`] and the JS package's key imports are
    /// built from it.
    pub fn members(&self) -> JwkMembers<'_> {
        let (kty, crv) = match self.key {
            Verifying::P256(_) => ("EC", "P-256"),
            Verifying::Ed25519(_) => ("OKP", "Ed25519"),
        };
        JwkMembers { kty, crv, x: &self.x, y: self.y.as_deref() }
    }

    /// The public JWK with its required members only (plus `kid` when known).
    pub fn to_jwk(&self) -> Value {
        let k = self.members();
        let mut m = Map::new();
        m.insert("kty".into(), k.kty.into());
        m.insert("crv".into(), k.crv.into());
        m.insert("x".into(), k.x.into());
        if let Some(y) = k.y {
            m.insert("y".into(), y.into());
        }
        if let Some(kid) = &self.kid {
            m.insert("kid".into(), kid.clone().into());
        }
        Value::Object(m)
    }

    pub(crate) fn p256(&self) -> Option<&p256::ecdsa::VerifyingKey> {
        match &self.key {
            Verifying::P256(k) => Some(k),
            Verifying::Ed25519(_) => None,
        }
    }

    pub(crate) fn ed25519(&self) -> Option<&ed25519_dalek::VerifyingKey> {
        match &self.key {
            Verifying::Ed25519(k) => Some(k),
            Verifying::P256(_) => None,
        }
    }
}

/// Shortens attacker-controlled text before it goes into a description.
pub(crate) fn truncate(s: &str) -> &str {
    const MAX: usize = 64;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(s: &str) -> Map<String, Value> {
        match serde_json::from_str(s).unwrap() {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn draft_instance_key_thumbprint() {
        let k = PublicKey::from_jwk(&obj(
            r#"{"kty":"EC","use":"sig","crv":"P-256","x":"VcKVNBZ4IaBAYW3jxM4w3TJFVA7myeUGQyGt-g_yvpQ","y":"f-E-hYE3TAWKwhVv9pej9NABs9SX9XsNO80x57jFTyU"}"#,
        ))
        .unwrap();
        assert_eq!(k.thumbprint(), "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU");
    }

    #[test]
    fn rfc8037_ed25519_thumbprint() {
        // RFC 8037 Appendix A.3.
        let k = PublicKey::from_jwk(&obj(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        ))
        .unwrap();
        assert_eq!(k.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn members_and_public_jwk() {
        let ec = PublicKey::from_jwk(&obj(
            r#"{"kty":"EC","use":"sig","kid":"k1","crv":"P-256","x":"VcKVNBZ4IaBAYW3jxM4w3TJFVA7myeUGQyGt-g_yvpQ","y":"f-E-hYE3TAWKwhVv9pej9NABs9SX9XsNO80x57jFTyU"}"#,
        ))
        .unwrap();
        let m = ec.members();
        assert_eq!((m.kty, m.crv, m.x.len(), m.y.map(str::len)), ("EC", "P-256", 43, Some(43)));
        assert_eq!(
            ec.to_jwk(),
            serde_json::json!({ "kty": "EC", "crv": "P-256", "x": m.x, "y": m.y, "kid": "k1" }),
            "required members plus kid, nothing else (no `use`)"
        );
        let okp = PublicKey::from_jwk(&obj(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        ))
        .unwrap();
        let m = okp.members();
        assert_eq!((m.kty, m.crv, m.x, m.y), ("OKP", "Ed25519", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", None));
        assert_eq!(okp.to_jwk(), serde_json::json!({ "kty": "OKP", "crv": "Ed25519", "x": m.x }));
    }

    #[test]
    fn refusals() {
        let x = "VcKVNBZ4IaBAYW3jxM4w3TJFVA7myeUGQyGt-g_yvpQ";
        assert_eq!(
            PublicKey::from_jwk(&obj(&format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{x}","d":"{x}"}}"#)))
                .unwrap_err(),
            JwkError::Private
        );
        assert_eq!(PublicKey::from_jwk(&obj(r#"{"kty":"oct","k":"AAAA"}"#)).unwrap_err(), JwkError::Private);
        assert!(matches!(
            PublicKey::from_jwk(&obj(r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#)),
            Err(JwkError::Unsupported(_))
        ));
        assert!(matches!(
            PublicKey::from_jwk(&obj(r#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}"#)),
            Err(JwkError::Unsupported(_))
        ));
        assert!(matches!(
            PublicKey::from_jwk(&obj(r#"{"kty":"OKP","crv":"X25519","x":"AA"}"#)),
            Err(JwkError::Unsupported(_))
        ));
        // Not on the curve: x used as y.
        assert!(matches!(
            PublicKey::from_jwk(&obj(&format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{x}"}}"#))),
            Err(JwkError::Invalid(_))
        ));
        assert!(matches!(PublicKey::from_jwk(&obj(r#"{"kty":"EC","crv":"P-256","x":1}"#)), Err(JwkError::Invalid(_))));
    }
}
