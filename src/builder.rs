//! Building artefacts (client and attester side): signing keys, compact JWS, Client
//! Attestations, PoPs and DPoP proofs, and the request header sets that carry them.
//!
//! * **Keys**: [`SigningKey`] (ES256 on P-256, EdDSA on Ed25519) from raw bytes or a private
//!   JWK; with the `rand` feature also `SigningKey::generate`. Private keys are zeroized on
//!   drop, and so is every buffer of secret bytes this module creates.
//! * **Artefacts**: [`create_attestation`] (attester side, draft §4), [`create_pop`] (client
//!   side, draft §5.1, R-POP-12; with optional [`LegacyPopClaims`] for verifiers built for
//!   drafts ≤ -07) and [`create_dpop_proof`] (RFC 9449 §4.2, the combined-mode PoP, draft §5.2).
//! * **Headers**: [`normal_mode_headers`] and [`combined_mode_headers`].
//!
//! Signing is deterministic (RFC 6979 ECDSA, Ed25519), so the core needs no randomness: `jti`s
//! and keys come from the caller, or from `random_jti`, `random_bytes16` and
//! `SigningKey::generate` (feature `rand`, backed by `getrandom`).
//!
//! ## External signers
//!
//! The private key never has to be in this process. A synchronous signer (an HSM or KMS
//! client, a smart card) implements [`JwsSigner`] and goes wherever a [`SigningKey`] does. An
//! asynchronous one (WebCrypto with a non-extractable key, a remote KMS) uses the split API:
//! [`unsigned_attestation`], [`unsigned_pop`] or [`unsigned_dpop_proof`] give the
//! [`Unsigned::signing_input`] to sign, and [`Unsigned::assemble`] (or the unchecked
//! [`assemble`]) makes the compact JWS from the signature. ES256 signatures are raw `r‖s`
//! (64 bytes, RFC 7518 §3.4); [`der_to_raw_es256`] converts the ASN.1 DER form that many KMS
//! and HSM APIs return (WebCrypto already returns raw `r‖s`).

use crate::http::{ATTESTATION_HEADER, DPOP_HEADER, POP_HEADER};
use crate::jose::alg::Algorithm;
use crate::jose::b64;
use crate::jose::jwk::{JwkError, PublicKey};
use crate::typ::{ATTESTATION_TYP, DPOP_TYP, POP_TYP};
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
        f.debug_struct("SigningKey").field("public", &self.public.thumbprint()).finish_non_exhaustive()
    }
}

fn public_from(mut jwk: Value, kid: Option<&str>) -> Result<PublicKey, JwkError> {
    if let (Some(k), Value::Object(m)) = (kid, &mut jwk) {
        m.insert("kid".into(), k.into());
    }
    PublicKey::from_value(&jwk)
}

/// Text holding a secret, joined into a buffer of its final size (no reallocation leaves a
/// copy in freed memory) and zeroized when dropped.
fn secret_text(parts: &[&str]) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::with_capacity(parts.iter().map(|p| p.len()).sum()));
    parts.iter().for_each(|p| text.push_str(p));
    text
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
        let public = public_from(json!({"kty":"EC","crv":"P-256","x":b64::encode(x),"y":b64::encode(y)}), None)?;
        Ok(SigningKey { inner: Inner::P256(sk), public })
    }

    /// An Ed25519 key from its 32-byte seed.
    pub fn ed25519(seed: &[u8; 32]) -> Result<SigningKey, JwkError> {
        let sk = ed25519_dalek::SigningKey::from_bytes(seed);
        let x = b64::encode(sk.verifying_key().as_bytes());
        let public = public_from(json!({"kty":"OKP","crv":"Ed25519","x":x}), None)?;
        Ok(SigningKey { inner: Inner::Ed25519(sk), public })
    }

    /// A key from a private JWK (`d` present); the public members, if given, must match.
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<SigningKey, JwkError> {
        let d = match jwk.get("d") {
            Some(Value::String(d)) => Zeroizing::new(
                b64::decode_secret::<32>(d)
                    .ok_or_else(|| JwkError::Invalid("d is not 32 bytes of base64url".into()))?,
            ),
            _ => return Err(JwkError::Invalid("d is missing: not a private JWK".into())),
        };
        let mut key = match (jwk.get("kty").and_then(Value::as_str), jwk.get("crv").and_then(Value::as_str)) {
            (Some("EC"), Some("P-256")) => SigningKey::p256(&d)?,
            (Some("OKP"), Some("Ed25519")) => SigningKey::ed25519(&d)?,
            (kty, crv) => {
                return Err(JwkError::Unsupported(alloc::format!("{} {}", kty.unwrap_or("?"), crv.unwrap_or("?"))));
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

    /// The public JWK (`kty`, `crv`, `x`, `y` for EC, plus `kid` when set). Never carries `d`.
    pub fn to_public_jwk(&self) -> Value {
        self.public.to_jwk()
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

    /// The private JWK (zeroized when dropped), with `kid` when set.
    pub fn to_private_jwk(&self) -> Zeroizing<String> {
        let d = match &self.inner {
            Inner::P256(k) => {
                let mut bytes = k.to_bytes();
                let d = b64::encode_secret(&bytes);
                zeroize::Zeroize::zeroize(bytes.as_mut_slice());
                d
            }
            Inner::Ed25519(k) => b64::encode_secret(k.as_bytes()),
        };
        // `{"d":"…",` then the public JWK's members.
        let public = self.public.to_jwk().to_string();
        let members = public.strip_prefix('{').unwrap_or(&public);
        secret_text(&["{\"d\":\"", d.as_str(), "\",", members])
    }

    /// The key document `{"alg", "privateJwk", "publicJwk", "thumbprint"}` that JS
    /// `generateKey` and the CLI's `build key` return, as JSON text zeroized when dropped.
    pub fn to_key_json(&self) -> Zeroizing<String> {
        let private = self.to_private_jwk();
        let public = self.public.to_jwk().to_string();
        // The alg name and the thumbprint (base64url) need no JSON escapes.
        secret_text(&[
            "{\"alg\":\"",
            self.alg().name(),
            "\",\"privateJwk\":",
            private.as_str(),
            ",\"publicJwk\":",
            public.as_str(),
            ",\"thumbprint\":\"",
            self.public.thumbprint(),
            "\"}",
        ])
    }

    /// A fresh random key for `alg` from the operating system's CSPRNG: a P-256 key for
    /// `ES256`, an Ed25519 key for `EdDSA` or `Ed25519` (it signs as `EdDSA`). The random bytes
    /// are zeroized after use.
    #[cfg(feature = "rand")]
    pub fn generate(alg: Algorithm) -> Result<SigningKey, RandomError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        match alg {
            Algorithm::Es256 => {
                // A uniformly random 256-bit string is a valid scalar (in 1..n) with probability
                // about 1 - 2^-32; redraw otherwise rather than reduce (no bias).
                for _ in 0..MAX_SCALAR_DRAWS {
                    getrandom::fill(bytes.as_mut_slice()).map_err(RandomError::source)?;
                    if let Ok(key) = SigningKey::p256(&bytes) {
                        return Ok(key);
                    }
                }
                Err(RandomError(RandomFault::NoValidKey))
            }
            Algorithm::EdDsa | Algorithm::Ed25519 => {
                getrandom::fill(bytes.as_mut_slice()).map_err(RandomError::source)?;
                SigningKey::ed25519(&bytes).map_err(|_| RandomError(RandomFault::NoValidKey))
            }
        }
    }
}

/// How often `SigningKey::generate` redraws an invalid P-256 scalar before giving up.
#[cfg(feature = "rand")]
const MAX_SCALAR_DRAWS: usize = 16;

/// The system's random number generator failed (feature `rand`).
#[cfg(feature = "rand")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomError(RandomFault);

#[cfg(feature = "rand")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RandomFault {
    Source(getrandom::Error),
    NoValidKey,
}

#[cfg(feature = "rand")]
impl RandomError {
    fn source(e: getrandom::Error) -> Self {
        RandomError(RandomFault::Source(e))
    }
}

#[cfg(feature = "rand")]
impl core::fmt::Display for RandomError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.0 {
            RandomFault::Source(e) => write!(f, "the system random number generator failed: {e}"),
            RandomFault::NoValidKey => {
                write!(f, "no valid private key in {MAX_SCALAR_DRAWS} random draws; the random source is broken")
            }
        }
    }
}

#[cfg(feature = "rand")]
impl core::error::Error for RandomError {}

/// 16 bytes (128 bits) from the operating system's CSPRNG (feature `rand`), e.g. for
/// [`crate::Verifier::issue_challenge`].
#[cfg(feature = "rand")]
pub fn random_bytes16() -> Result<[u8; 16], RandomError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(RandomError::source)?;
    Ok(bytes)
}

/// A fresh `jti`: 128 random bits, base64url (22 characters) (feature `rand`; digest R-POP-12,
/// RFC 9449 §4.2).
#[cfg(feature = "rand")]
pub fn random_jti() -> Result<String, RandomError> {
    random_bytes16().map(|b| b64::encode(&b))
}

/// Anything that can produce JWS signatures with one key: a [`SigningKey`], or an HSM, cloud
/// KMS or smart-card key behind a synchronous API. Asynchronous signers use the split API
/// ([`unsigned_pop`] and friends, then [`Unsigned::assemble`]).
pub trait JwsSigner {
    /// The JWS algorithm the signatures are for (`alg` in the header).
    fn alg(&self) -> Algorithm;
    /// The public key (its `kid`, if any, goes in Client Attestation headers; DPoP proofs
    /// carry it as the header `jwk`).
    fn public_key(&self) -> &PublicKey;
    /// Signs `message` (the JWS signing input). ES256 signatures MUST be raw `r‖s` (64 bytes,
    /// RFC 7518 §3.4), not DER: convert with [`der_to_raw_es256`] if the backend returns DER.
    fn sign(&self, message: &[u8]) -> Vec<u8>;
}

impl JwsSigner for SigningKey {
    fn alg(&self) -> Algorithm {
        SigningKey::alg(self)
    }
    fn public_key(&self) -> &PublicKey {
        SigningKey::public_key(self)
    }
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        SigningKey::sign(self, message)
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
/// Unchecked; [`Unsigned::assemble`] also checks the signature length.
pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    let mut s = String::from(signing_input);
    s.push('.');
    s.push_str(&b64::encode(signature));
    s
}

/// Signs a header and claims with `signer`. `alg` is set from the signer.
pub fn sign_jws<S: JwsSigner + ?Sized>(signer: &S, mut header: Map<String, Value>, claims: &Value) -> String {
    header.insert("alg".into(), signer.alg().name().into());
    let input = signing_input(&Value::Object(header), claims);
    let sig = signer.sign(input.as_bytes());
    assemble(&input, &sig)
}

/// A JWS waiting for its signature (the split API for asynchronous external signers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsigned {
    /// The algorithm named in the header; the signature must be made with it.
    pub alg: Algorithm,
    /// `BASE64URL(header) . BASE64URL(claims)`: the exact bytes to sign (as UTF-8).
    pub signing_input: String,
}

/// A signature of the wrong length for its algorithm (see [`Unsigned::assemble`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureLengthError {
    /// The algorithm of the JWS.
    pub alg: Algorithm,
    /// The length the algorithm needs.
    pub expected: usize,
    /// The length given.
    pub actual: usize,
}

impl core::fmt::Display for SignatureLengthError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "a {} signature is {} bytes, got {}", self.alg.name(), self.expected, self.actual)?;
        if self.alg == Algorithm::Es256 {
            f.write_str(" (ES256 needs raw r||s; convert DER with der_to_raw_es256)")?;
        }
        Ok(())
    }
}

impl core::error::Error for SignatureLengthError {}

impl Unsigned {
    fn new(alg: Algorithm, header: Map<String, Value>, claims: Map<String, Value>) -> Self {
        let mut header = header;
        header.insert("alg".into(), alg.name().into());
        Unsigned { alg, signing_input: signing_input(&Value::Object(header), &Value::Object(claims)) }
    }

    /// The compact JWS with `signature` (raw `r‖s` for ES256). Refuses a signature whose length
    /// does not fit [`Unsigned::alg`] (64 bytes for ES256, EdDSA and Ed25519) — a DER-encoded
    /// ES256 signature, typically. It does not verify the signature.
    pub fn assemble(&self, signature: &[u8]) -> Result<String, SignatureLengthError> {
        let expected = match self.alg {
            Algorithm::Es256 | Algorithm::EdDsa | Algorithm::Ed25519 => 64,
        };
        if signature.len() != expected {
            return Err(SignatureLengthError { alg: self.alg, expected, actual: signature.len() });
        }
        Ok(assemble(&self.signing_input, signature))
    }

    /// Signs with a synchronous signer (whose algorithm must be [`Unsigned::alg`]).
    fn sign_with<S: JwsSigner + ?Sized>(&self, signer: &S) -> String {
        assemble(&self.signing_input, &signer.sign(self.signing_input.as_bytes()))
    }
}

/// Converts an ECDSA P-256 signature from ASN.1 DER (`SEQUENCE { INTEGER r, INTEGER s }`, as
/// returned by many KMS and HSM APIs) to the raw 64-byte `r‖s` form JWS uses. Strict DER only:
/// `None` for any other tag, a long-form or wrong length, trailing bytes, negative or
/// non-minimally encoded integers, or an integer wider than 32 bytes.
pub fn der_to_raw_es256(der: &[u8]) -> Option<[u8; 64]> {
    let (&tag, rest) = der.split_first()?;
    let (&len, body) = rest.split_first()?;
    // Two INTEGERs of at most 2 + 33 bytes each: the length always fits the short form.
    if tag != 0x30 || len >= 0x80 || usize::from(len) != body.len() {
        return None;
    }
    let (r, body) = der_integer32(body)?;
    let (s, body) = der_integer32(body)?;
    if !body.is_empty() {
        return None;
    }
    let mut raw = [0u8; 64];
    let (hi, lo) = raw.split_at_mut(32);
    hi.copy_from_slice(&r);
    lo.copy_from_slice(&s);
    Some(raw)
}

/// One DER INTEGER that is non-negative and fits 32 bytes, left-padded; and the rest.
fn der_integer32(input: &[u8]) -> Option<([u8; 32], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len, rest) = rest.split_first()?;
    // Long-form lengths (0x80 and up) are above 33 too.
    if tag != 0x02 || len == 0 || len > 33 {
        return None;
    }
    let (value, rest) = rest.split_at_checked(usize::from(len))?;
    let (&first, tail) = value.split_first()?;
    if first & 0x80 != 0 {
        return None; // negative
    }
    let magnitude = match (first, tail.first()) {
        // A leading zero is allowed only to keep the next byte's high bit from meaning "negative".
        (0, Some(&next)) if next & 0x80 != 0 => tail,
        (0, Some(_)) => return None,
        _ => value,
    };
    let mut out = [0u8; 32];
    let start = 32usize.checked_sub(magnitude.len())?;
    out.get_mut(start..)?.copy_from_slice(magnitude);
    Some((out, rest))
}

// ---- Client Attestation ------------------------------------------------------------------------

/// A Client Attestation to issue (attester side, draft §4).
#[derive(Clone, Debug)]
pub struct AttestationSpec {
    /// `sub`: the client_id.
    pub client_id: String,
    /// The instance's public key, for `cnf.jwk` (its `kid` is not copied).
    pub instance_key: PublicKey,
    /// `iat`.
    pub iat: i64,
    /// `exp`.
    pub exp: i64,
    /// Round `iat` and `exp` down to a multiple of this many seconds (R-ATT-16, -12 WIP
    /// privacy: e.g. 86400 rounds both down to midnight UTC). Mind that a rounded `exp` can
    /// lie before the real issue time: choose `exp` at least `round_to` after `iat`.
    pub round_to: Option<i64>,
    /// Further claims (`sub`, `iat`, `exp` and `cnf` here are overwritten).
    pub extra: Map<String, Value>,
}

impl AttestationSpec {
    /// `iat` and `exp` as they will be written (after [`AttestationSpec::round_to`]).
    pub fn rounded_times(&self) -> (i64, i64) {
        let round = |t: i64| match self.round_to {
            Some(r) if r > 0 => t.saturating_sub(t.rem_euclid(r)),
            _ => t,
        };
        (round(self.iat), round(self.exp))
    }
}

/// The attestation to be signed by an external attester key: header `typ`, `alg` and, when
/// `attester.kid` is set, `kid`.
pub fn unsigned_attestation(alg: Algorithm, attester: &PublicKey, spec: &AttestationSpec) -> Unsigned {
    let (iat, exp) = spec.rounded_times();
    let mut claims = spec.extra.clone();
    claims.insert("sub".into(), spec.client_id.clone().into());
    claims.insert("iat".into(), iat.into());
    claims.insert("exp".into(), exp.into());
    let mut jwk = spec.instance_key.to_jwk();
    if let Value::Object(m) = &mut jwk {
        m.remove("kid");
    }
    claims.insert("cnf".into(), json!({ "jwk": jwk }));
    let mut header = Map::new();
    header.insert("typ".into(), ATTESTATION_TYP.into());
    if let Some(kid) = &attester.kid {
        header.insert("kid".into(), kid.clone().into());
    }
    Unsigned::new(alg, header, claims)
}

/// Issues a Client Attestation JWT signed by `attester` (its `kid`, if set, goes in the header).
pub fn create_attestation<S: JwsSigner + ?Sized>(attester: &S, spec: &AttestationSpec) -> String {
    unsigned_attestation(attester.alg(), attester.public_key(), spec).sign_with(attester)
}

// ---- PoP ---------------------------------------------------------------------------------------

/// A PoP JWT to create (client side, draft §5.1, R-POP-12).
#[derive(Clone, Debug, Default)]
pub struct PopSpec {
    /// `aud`: the exact issuer / resource identifier.
    pub audience: String,
    /// `jti`: at least 128 bits of randomness, encoded (see `random_jti` with feature `rand`).
    pub jti: String,
    /// `iat`.
    pub iat: i64,
    /// The most recent server challenge, if any.
    pub challenge: Option<String>,
    /// Further claims (`aud`, `jti` and `iat` here are overwritten; `challenge` when set).
    pub extra: Map<String, Value>,
}

/// The PoP claims that drafts ≤ -07 required and -08 removed: `iss` (the client_id, which had
/// to equal the attestation's `sub`) and `exp`. Current verifiers ignore them (draft §5.1:
/// unknown claims are ignored); some deployed ones still insist on them (Keycloak core,
/// openid4vc-ts 0.4.x, PagoPA). Add them with [`PopSpec::with_legacy_claims`] only for those.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyPopClaims {
    /// `iss`: the client_id.
    pub client_id: String,
    /// `exp` is `iat` plus this many seconds.
    pub lifetime: i64,
}

impl LegacyPopClaims {
    /// The default lifetime: 5 minutes.
    pub const DEFAULT_LIFETIME: i64 = 300;

    /// Legacy claims for `client_id` with [`LegacyPopClaims::DEFAULT_LIFETIME`].
    pub fn new(client_id: impl Into<String>) -> Self {
        LegacyPopClaims { client_id: client_id.into(), lifetime: Self::DEFAULT_LIFETIME }
    }
}

impl PopSpec {
    /// A spec with the required claims and nothing else.
    pub fn new(audience: impl Into<String>, jti: impl Into<String>, iat: i64) -> Self {
        PopSpec { audience: audience.into(), jti: jti.into(), iat, ..PopSpec::default() }
    }

    /// Sets the challenge (builder style).
    pub fn with_challenge(mut self, challenge: impl Into<String>) -> Self {
        self.challenge = Some(challenge.into());
        self
    }

    /// Adds the legacy `iss` (= client_id) and `exp` (= `iat` + lifetime) claims to
    /// [`PopSpec::extra`]. `exp` is computed from the current `iat`: set `iat` first.
    pub fn with_legacy_claims(mut self, legacy: &LegacyPopClaims) -> Self {
        self.extra.insert("iss".into(), legacy.client_id.clone().into());
        self.extra.insert("exp".into(), self.iat.saturating_add(legacy.lifetime).into());
        self
    }
}

/// The PoP to be signed by an external instance key.
pub fn unsigned_pop(alg: Algorithm, spec: &PopSpec) -> Unsigned {
    let mut claims = spec.extra.clone();
    claims.insert("aud".into(), spec.audience.clone().into());
    claims.insert("jti".into(), spec.jti.clone().into());
    claims.insert("iat".into(), spec.iat.into());
    if let Some(c) = &spec.challenge {
        claims.insert("challenge".into(), c.clone().into());
    }
    let mut header = Map::new();
    header.insert("typ".into(), POP_TYP.into());
    Unsigned::new(alg, header, claims)
}

/// Creates a PoP JWT signed with the instance key.
pub fn create_pop<S: JwsSigner + ?Sized>(instance: &S, spec: &PopSpec) -> String {
    unsigned_pop(instance.alg(), spec).sign_with(instance)
}

// ---- DPoP --------------------------------------------------------------------------------------

/// A DPoP proof to create (RFC 9449 §4.2). In combined mode (draft §5.2) it is signed with the
/// Client Instance Key and replaces the PoP.
#[derive(Clone, Debug, Default)]
pub struct DpopSpec {
    /// `htm`: the HTTP method, exactly as sent (e.g. `POST`).
    pub method: String,
    /// `htu`: the request URL. Any query and fragment are removed (RFC 9449 §4.2).
    pub url: String,
    /// `jti`: at least 128 bits of randomness, encoded (see `random_jti` with feature `rand`).
    pub jti: String,
    /// `iat`.
    pub iat: i64,
    /// `nonce`: the server's most recent `DPoP-Nonce`, if any.
    pub nonce: Option<String>,
    /// The access token the request carries (at a resource server): adds
    /// `ath` = [`access_token_hash`] of it.
    pub access_token: Option<String>,
    /// Further claims (`jti`, `htm`, `htu` and `iat` here are overwritten; `nonce` and `ath`
    /// when set).
    pub extra: Map<String, Value>,
}

impl DpopSpec {
    /// A spec with the required claims and nothing else.
    pub fn new(method: impl Into<String>, url: impl Into<String>, jti: impl Into<String>, iat: i64) -> Self {
        DpopSpec { method: method.into(), url: url.into(), jti: jti.into(), iat, ..DpopSpec::default() }
    }
}

/// The DPoP `ath` value for an access token (RFC 9449 §4.2); the verifier's own definition.
pub use crate::dpop::access_token_hash;

/// The `htu` for a request URL: without query and fragment (RFC 9449 §4.2).
fn htu(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// The DPoP proof to be signed by an external key; `key` is its public key, put in the header
/// `jwk` (public members only, no `kid`).
pub fn unsigned_dpop_proof(alg: Algorithm, key: &PublicKey, spec: &DpopSpec) -> Unsigned {
    let mut claims = spec.extra.clone();
    claims.insert("jti".into(), spec.jti.clone().into());
    claims.insert("htm".into(), spec.method.clone().into());
    claims.insert("htu".into(), htu(&spec.url).into());
    claims.insert("iat".into(), spec.iat.into());
    if let Some(n) = &spec.nonce {
        claims.insert("nonce".into(), n.clone().into());
    }
    if let Some(t) = &spec.access_token {
        claims.insert("ath".into(), access_token_hash(t).into());
    }
    let mut jwk = key.to_jwk();
    if let Value::Object(m) = &mut jwk {
        m.remove("kid");
    }
    let mut header = Map::new();
    header.insert("typ".into(), DPOP_TYP.into());
    header.insert("jwk".into(), jwk);
    Unsigned::new(alg, header, claims)
}

/// Creates a DPoP proof (RFC 9449 §4.2): header `typ: dpop+jwt`, `alg` and `jwk` (the public
/// key only); claims `jti`, `htm`, `htu`, `iat`, and `nonce` and `ath` when the spec has them.
pub fn create_dpop_proof<S: JwsSigner + ?Sized>(key: &S, spec: &DpopSpec) -> String {
    unsigned_dpop_proof(key.alg(), key.public_key(), spec).sign_with(key)
}

// ---- Headers -----------------------------------------------------------------------------------

/// The request header lines of normal mode (draft §6): `OAuth-Client-Attestation` and
/// `OAuth-Client-Attestation-PoP`.
pub fn normal_mode_headers(attestation: &str, pop: &str) -> Vec<(String, String)> {
    alloc::vec![(ATTESTATION_HEADER.into(), attestation.into()), (POP_HEADER.into(), pop.into()),]
}

/// The request header lines of DPoP combined mode (draft §5.2): `OAuth-Client-Attestation`
/// and `DPoP`, and no PoP header (R-DPOP-1).
pub fn combined_mode_headers(attestation: &str, dpop_proof: &str) -> Vec<(String, String)> {
    alloc::vec![(ATTESTATION_HEADER.into(), attestation.into()), (DPOP_HEADER.into(), dpop_proof.into()),]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_minimal_integers() {
        // r = 1, s = 0x80 (needs a leading zero).
        let der = [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80];
        let raw = der_to_raw_es256(&der).unwrap();
        assert_eq!(raw[31], 1);
        assert_eq!(raw[63], 0x80);
        assert!(raw[..31].iter().chain(&raw[32..63]).all(|b| *b == 0));
        // Non-minimal leading zero.
        assert!(der_to_raw_es256(&[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01]).is_none());
    }

    #[test]
    fn htu_drops_query_and_fragment() {
        assert_eq!(htu("https://a.example/p?q=1#f"), "https://a.example/p");
        assert_eq!(htu("https://a.example/p#f?x"), "https://a.example/p");
        assert_eq!(htu("https://a.example/p"), "https://a.example/p");
    }
}
