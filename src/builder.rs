//! Building artefacts (client and attester side): signing keys, compact JWS, attestations and
//! PoPs. Signing is deterministic (RFC 6979 ECDSA, Ed25519), so nothing here needs randomness:
//! `jti`s and keys come from the caller (or from the `getrandom`-backed helpers elsewhere).
//!
//! External signers (a WebCrypto non-extractable key, an HSM, a cloud KMS) use
//! [`signing_input`] and [`assemble`]: the private key never has to be in this process.

use crate::jose::alg::Algorithm;
use crate::jose::b64;
use crate::jose::jwk::{JwkError, PublicKey};
use crate::typ::{ATTESTATION_TYP, POP_TYP};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

enum Inner {
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// A private signing key (ES256 or Ed25519). Zeroized on drop by the underlying crates.
pub struct SigningKey {
    inner: Inner,
    public: PublicKey,
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &self.public.thumbprint())
            .finish_non_exhaustive()
    }
}

fn public_from(mut jwk: Value, kid: Option<&str>) -> Result<PublicKey, JwkError> {
    if let (Some(k), Value::Object(m)) = (kid, &mut jwk) {
        m.insert("kid".into(), k.into());
    }
    PublicKey::from_value(&jwk)
}

impl SigningKey {
    /// A P-256 key from its 32-byte private scalar.
    pub fn p256(d: &[u8; 32]) -> Result<SigningKey, JwkError> {
        let sk = p256::ecdsa::SigningKey::from_slice(d)
            .map_err(|_| JwkError::Invalid("d is not a valid P-256 scalar".into()))?;
        let point = sk.verifying_key().to_sec1_point(false);
        let bytes = point.as_bytes();
        let (Some(x), Some(y)) = (bytes.get(1..33), bytes.get(33..65)) else {
            return Err(JwkError::Invalid("unexpected point encoding".into()));
        };
        let public = public_from(
            json!({"kty":"EC","crv":"P-256","x":b64::encode(x),"y":b64::encode(y)}),
            None,
        )?;
        Ok(SigningKey {
            inner: Inner::P256(sk),
            public,
        })
    }

    /// An Ed25519 key from its 32-byte seed.
    pub fn ed25519(seed: &[u8; 32]) -> Result<SigningKey, JwkError> {
        let sk = ed25519_dalek::SigningKey::from_bytes(seed);
        let x = b64::encode(sk.verifying_key().as_bytes());
        let public = public_from(json!({"kty":"OKP","crv":"Ed25519","x":x}), None)?;
        Ok(SigningKey {
            inner: Inner::Ed25519(sk),
            public,
        })
    }

    /// A key from a private JWK (`d` present); the public members, if given, must match.
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<SigningKey, JwkError> {
        let d = match jwk.get("d") {
            Some(Value::String(d)) => Zeroizing::new(
                b64::decode_array::<32>(d)
                    .ok_or_else(|| JwkError::Invalid("d is not 32 bytes of base64url".into()))?,
            ),
            _ => return Err(JwkError::Invalid("d is missing: not a private JWK".into())),
        };
        let mut key = match (
            jwk.get("kty").and_then(Value::as_str),
            jwk.get("crv").and_then(Value::as_str),
        ) {
            (Some("EC"), Some("P-256")) => SigningKey::p256(&d)?,
            (Some("OKP"), Some("Ed25519")) => SigningKey::ed25519(&d)?,
            (kty, crv) => {
                return Err(JwkError::Unsupported(alloc::format!(
                    "{} {}",
                    kty.unwrap_or("?"),
                    crv.unwrap_or("?")
                )));
            }
        };
        for m in ["x", "y"] {
            if let Some(given) = jwk.get(m)
                && key.public.to_jwk().get(m) != Some(given)
            {
                return Err(JwkError::Invalid(alloc::format!("{m} does not match d")));
            }
        }
        if let Some(Value::String(kid)) = jwk.get("kid") {
            key.public.kid = Some(kid.clone());
        }
        Ok(key)
    }

    /// Sets the `kid` reported in [`SigningKey::public_key`] and put in headers.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.public.kid = Some(kid.into());
        self
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The algorithm this key signs with (`ES256` or `EdDSA`).
    pub fn alg(&self) -> Algorithm {
        match self.inner {
            Inner::P256(_) => Algorithm::Es256,
            Inner::Ed25519(_) => Algorithm::EdDsa,
        }
    }

    /// Signs `message` (raw `r‖s` for ES256).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        match &self.inner {
            Inner::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(message);
                s.to_bytes().to_vec()
            }
            Inner::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
        }
    }

    /// The private JWK (zeroized when dropped).
    pub fn to_private_jwk(&self) -> Zeroizing<String> {
        let mut jwk = self.public.to_jwk();
        let d = match &self.inner {
            Inner::P256(k) => Zeroizing::new(b64::encode(&k.to_bytes())),
            Inner::Ed25519(k) => Zeroizing::new(b64::encode(k.as_bytes())),
        };
        if let Value::Object(m) = &mut jwk {
            m.insert("d".into(), Value::String(String::from(d.as_str())));
        }
        let s = Zeroizing::new(jwk.to_string());
        if let Value::Object(m) = &mut jwk
            && let Some(Value::String(d)) = m.get_mut("d")
        {
            zeroize::Zeroize::zeroize(d);
        }
        s
    }
}

/// `BASE64URL(header) . BASE64URL(claims)`: what an external signer signs.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    let mut s = b64::encode(header.to_string().as_bytes());
    s.push('.');
    s.push_str(&b64::encode(claims.to_string().as_bytes()));
    s
}

/// Assembles a compact JWS from its signing input and the signature (raw `r‖s` for ES256).
pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    let mut s = String::from(signing_input);
    s.push('.');
    s.push_str(&b64::encode(signature));
    s
}

/// Signs a header and claims with `key`. `alg` is set from the key.
pub fn sign_jws(key: &SigningKey, mut header: Map<String, Value>, claims: &Value) -> String {
    header.insert("alg".into(), key.alg().name().into());
    let input = signing_input(&Value::Object(header), claims);
    let sig = key.sign(input.as_bytes());
    assemble(&input, &sig)
}

/// A Client Attestation to issue (attester side, draft §4).
#[derive(Clone, Debug)]
pub struct AttestationSpec {
    /// `sub`: the client_id.
    pub client_id: String,
    /// The instance's public key, for `cnf.jwk`.
    pub instance_key: PublicKey,
    /// `iat`.
    pub iat: i64,
    /// `exp`.
    pub exp: i64,
    /// Round `iat` and `exp` down to a multiple of this many seconds (R-ATT-16, -12 WIP
    /// privacy: e.g. 86400 rounds `iat` to midnight UTC).
    pub round_to: Option<i64>,
    /// Further claims.
    pub extra: Map<String, Value>,
}

/// Issues a Client Attestation JWT signed by `attester` (its `kid`, if set, goes in the header).
pub fn create_attestation(attester: &SigningKey, spec: &AttestationSpec) -> String {
    let round = |t: i64| match spec.round_to {
        Some(r) if r > 0 => t.saturating_sub(t.rem_euclid(r)),
        _ => t,
    };
    let mut claims = spec.extra.clone();
    claims.insert("sub".into(), spec.client_id.clone().into());
    claims.insert("iat".into(), round(spec.iat).into());
    claims.insert("exp".into(), round(spec.exp).into());
    let mut jwk = spec.instance_key.to_jwk();
    if let Value::Object(m) = &mut jwk {
        m.remove("kid");
    }
    claims.insert("cnf".into(), json!({ "jwk": jwk }));
    let mut header = Map::new();
    header.insert("typ".into(), ATTESTATION_TYP.into());
    if let Some(kid) = &attester.public.kid {
        header.insert("kid".into(), kid.clone().into());
    }
    sign_jws(attester, header, &Value::Object(claims))
}

/// A PoP JWT to create (client side, draft §5.1, R-POP-12).
#[derive(Clone, Debug)]
pub struct PopSpec {
    /// `aud`: the exact issuer / resource identifier.
    pub audience: String,
    /// `jti`: at least 128 bits of randomness, encoded.
    pub jti: String,
    /// `iat`.
    pub iat: i64,
    /// The most recent server challenge, if any.
    pub challenge: Option<String>,
    /// Further claims.
    pub extra: Map<String, Value>,
}

/// Creates a PoP JWT signed with the instance key.
pub fn create_pop(instance: &SigningKey, spec: &PopSpec) -> String {
    let mut claims = spec.extra.clone();
    claims.insert("aud".into(), spec.audience.clone().into());
    claims.insert("jti".into(), spec.jti.clone().into());
    claims.insert("iat".into(), spec.iat.into());
    if let Some(c) = &spec.challenge {
        claims.insert("challenge".into(), c.clone().into());
    }
    let mut header = Map::new();
    header.insert("typ".into(), POP_TYP.into());
    sign_jws(instance, header, &Value::Object(claims))
}
