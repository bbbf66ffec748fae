//! wasm-bindgen bindings (feature `wasm`): a thin layer over the core for the JS package.
//!
//! No verification logic lives here or in `js/`: this module converts between JS values and
//! the core's types, and holds the per-isolate default replay store. The JS layer adds the
//! WebCrypto signature backend, header normalisation, Fetch `Request`/`Response` adapters and
//! external signers.

use crate::builder::{
    self, AttestationSpec, DpopSpec, LegacyPopClaims, PopSpec, SigningKey, Unsigned, unsigned_attestation,
    unsigned_dpop_proof, unsigned_pop,
};
use crate::jose::alg::{AlgLookup, Algorithm};
use crate::jose::json::Wiped;
use crate::jose::jwk::PublicKey;
use crate::report::{response_json, verdict_json};
use crate::{AttestationCache, HttpRequest, MemoryReplayStore, ReplayOutcome, ReplayStore, RequestContext, RustCrypto};
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;
use serde::Deserialize;
use serde::Serialize;
use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

/// The module's heap allocator: Talc instead of std's dlmalloc. V8 compiles each wasm function
/// on its first call, and dlmalloc's `malloc` alone was 4.6 KB of the ~90 KB compiled before
/// the first verified result; with Talc the module is 6.8 KB smaller and the first result
/// compiles 5.8 KB less, at the same throughput (`make bench`, 2026-12-05). Freed blocks still
/// keep the allocator's links at their ends only, which `tests/js/zeroize.test.mjs` relies on
/// (it searches linear memory for the middle bytes of each secret).
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Results cross the boundary as JSON text parsed by the engine's `JSON.parse`: faster than
/// building objects property by property, and it keeps a second serializer out of the module.
fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| JsError::new("internal: result is not JSON"))
}

/// Inputs cross the boundary as JSON text (the JS layer `JSON.stringify`s its options).
fn from_js<T: for<'de> Deserialize<'de>>(json: &str, what: &str) -> Result<T, JsError> {
    serde_json::from_str(json).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}

/// NumericDate seconds from a JS number.
fn seconds(now: f64, what: &str) -> Result<i64, JsError> {
    if now.is_finite() && (0.0..=253_402_300_799.0).contains(&now) {
        Ok(now as i64)
    } else {
        // (Not printing the f64 keeps float formatting, ~11 KB, out of the module.)
        Err(JsError::new(&format!("invalid {what}: expected seconds since the epoch (0 to 253402300799)")))
    }
}

fn random16() -> Result<[u8; 16], JsError> {
    builder::random_bytes16().map_err(|e| JsError::new(&e.to_string()))
}

/// JSON text → a JS value through the engine's `JSON.parse`.
fn parse_json(text: &str) -> Result<JsValue, JsError> {
    js_sys::JSON::parse(text).map_err(|_| JsError::new("internal: result is not JSON"))
}

/// The result object; randomness is drawn only when the error response needs a fresh
/// challenge or DPoP nonce.
fn result(verifier: &crate::Verifier, verdict: &crate::Verdict, now: i64, explain: bool) -> Result<JsValue, JsError> {
    let response = if verdict.is_accepted() { None } else { rejection_response(verifier, verdict, now)? };
    parse_json(&verdict_json(verdict, response.as_ref(), explain))
}

/// The HTTP response for a rejection (with a fresh challenge or DPoP nonce when the rejection
/// asks for one). Out of line: compiled only once a request is rejected.
#[inline(never)]
fn rejection_response(
    verifier: &crate::Verifier,
    verdict: &crate::Verdict,
    now: i64,
) -> Result<Option<crate::HttpResponse>, JsError> {
    Ok(if verdict.needs_challenge() || verdict.needs_dpop_nonce() {
        verifier.respond(verdict, now, &random16()?)
    } else {
        verifier.error_response(verdict, None)
    })
}

/// `flags` bit: add every check to the result (`explain`).
const FLAG_EXPLAIN: u32 = 1;

/// `headers` from the JS layer is flat (name, value, name, value, …).
fn header_pairs(headers: Vec<String>) -> Result<Vec<(String, String)>, JsError> {
    if !headers.len().is_multiple_of(2) {
        return Err(JsError::new("invalid request: headers must be name, value pairs"));
    }
    let mut pairs = Vec::with_capacity(headers.len() / 2);
    let mut it = headers.into_iter();
    while let (Some(name), Some(value)) = (it.next(), it.next()) {
        pairs.push((name, value));
    }
    Ok(pairs)
}

// ---- secrets in linear memory ---------------------------------------------------------------
//
// Private keys and policy secrets arrive as JSON text. The text is wiped when the call ends
// (`Zeroizing`), parsed documents are wiped when dropped (`Wiped`), and the exports that
// handled a secret end with `scrubbed`, which runs the work in a frame of its own and then
// overwrites the stack below the caller: the signature crates and the key parsing leave
// copies of the scalar in dead stack frames, and wasm's shadow stack is linear memory that
// any holder of the module's `memory` can read.

/// Bytes of stack overwritten after a call that handled a secret: over twice the deepest
/// builder call measured (~7 KB).
const BLEACH_WORDS: usize = 2048;

/// Runs `f` in its own frame, then overwrites the stack it used.
fn scrubbed<T>(f: impl FnOnce() -> T) -> T {
    let out = run(f);
    bleach_stack();
    out
}

/// Parses builder options that carry a private key and runs `build` on them: the text and the
/// parsed options are wiped and the stack is scrubbed, whatever `build` returns.
fn with_key_options<O: for<'de> Deserialize<'de>, T>(
    options: String,
    what: &str,
    build: impl FnOnce(O) -> Result<T, JsError>,
) -> Result<T, JsError> {
    let options = Zeroizing::new(options);
    scrubbed(|| build(from_js(&options, what)?))
}

#[inline(never)]
fn run<T>(f: impl FnOnce() -> T) -> T {
    f()
}

#[inline(never)]
fn bleach_stack() {
    use zeroize::Zeroize;
    let mut pad = [0u64; BLEACH_WORDS];
    pad.zeroize();
    core::hint::black_box(&pad);
}

/// A verifier for one policy, with a bounded per-isolate replay store.
#[wasm_bindgen(js_name = WasmVerifier)]
pub struct WasmVerifier {
    inner: Rc<crate::Verifier>,
    store: Rc<RefCell<MemoryReplayStore>>,
    cache: Rc<RefCell<AttestationCache>>,
}

#[wasm_bindgen(js_class = WasmVerifier)]
impl WasmVerifier {
    /// Builds a verifier from the JSON policy (throws with a clear message on a bad policy).
    #[wasm_bindgen(constructor)]
    pub fn new(policy_json: String, replay_capacity: Option<u32>) -> Result<WasmVerifier, JsError> {
        // The policy holds the challenge and nonce secrets.
        let policy_json = Zeroizing::new(policy_json);
        let inner = scrubbed(|| crate::Verifier::from_json(&policy_json)).map_err(|e| JsError::new(&e.to_string()))?;
        let cap = replay_capacity.map_or(100_000, |c| c as usize);
        Ok(WasmVerifier {
            inner: Rc::new(inner),
            store: Rc::new(RefCell::new(MemoryReplayStore::new(cap))),
            cache: Rc::new(RefCell::new(AttestationCache::default())),
        })
    }

    /// Phase 1 (see the core's two-phase verification). `headers` is flat (name, value, …);
    /// `form_body` is the request body, for its form `client_id` (see
    /// `RequestContext::form_body`); `flags`: 1 explain (the core takes the access token from the
    /// `Authorization` header when `access_token` is not given). `finishWithWasm` right after
    /// is the synchronous pure-wasm verification.
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        &self,
        method: String,
        url: String,
        headers: Vec<String>,
        now: f64,
        client_id: Option<String>,
        expected_challenge: Option<String>,
        expected_dpop_nonce: Option<String>,
        access_token: Option<String>,
        access_token_jkt: Option<String>,
        form_body: Option<String>,
        flags: u32,
    ) -> Result<WasmPrepared, JsError> {
        // Plain arguments, no JSON in between: strings cross as UTF-8 (lone surrogates already
        // U+FFFD), and no request deserializer is compiled into the module.
        let now = seconds(now, "now")?;
        let headers = header_pairs(headers)?;
        let req = HttpRequest { method, url, headers };
        let ctx = RequestContext {
            now,
            client_id,
            expected_challenge,
            expected_dpop_nonce,
            access_token,
            access_token_jkt,
            explain: flags & FLAG_EXPLAIN != 0,
            form_body,
        };
        let prepared = self.inner.prepare_cached(&req, &ctx, Some(&self.cache.borrow()));
        Ok(WasmPrepared {
            inner: Some(prepared),
            verifier: self.inner.clone(),
            cache: self.cache.clone(),
            now: ctx.now,
            explain: ctx.explain,
        })
    }

    /// The default replay store: `true` fresh (now recorded), `false` replayed, `undefined`
    /// when full (the verifier then fails closed).
    #[wasm_bindgen(js_name = checkAndStore)]
    pub fn check_and_store(&self, key: &str, expires_at: f64, now: f64) -> Result<Option<bool>, JsError> {
        let (exp, now) = (seconds(expires_at, "expiresAt")?, seconds(now, "now")?);
        Ok(match self.store.borrow_mut().check_and_store(key, exp, now) {
            ReplayOutcome::Fresh => Some(true),
            ReplayOutcome::Replayed => Some(false),
            ReplayOutcome::Unavailable => None,
        })
    }

    /// A fresh attestation challenge (`undefined` without a challenge secret).
    #[wasm_bindgen(js_name = issueChallenge)]
    pub fn issue_challenge(&self, now: f64) -> Result<Option<String>, JsError> {
        Ok(self.inner.issue_challenge(seconds(now, "now")?, &random16()?))
    }

    /// A fresh DPoP nonce (`undefined` without DPoP nonces).
    #[wasm_bindgen(js_name = issueDpopNonce)]
    pub fn issue_dpop_nonce(&self, now: f64) -> Result<Option<String>, JsError> {
        Ok(self.inner.issue_dpop_nonce(seconds(now, "now")?, &random16()?))
    }

    /// The challenge endpoint's response `{ status, headers, body }`, with a fresh challenge
    /// and (when DPoP nonces are on) a fresh `DPoP-Nonce`.
    #[wasm_bindgen(js_name = challengeResponse)]
    pub fn challenge_response(&self, now: f64) -> Result<JsValue, JsError> {
        let now = seconds(now, "now")?;
        let challenge = self
            .inner
            .issue_challenge(now, &random16()?)
            .ok_or_else(|| JsError::new("the policy has no challenge secret: no challenges to hand out"))?;
        let nonce = self.inner.issue_dpop_nonce(now, &random16()?);
        parse_json(&response_json(&self.inner.challenge_response(&challenge, nonce.as_deref())))
    }

    /// AS/RS metadata members for this policy.
    pub fn metadata(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.metadata())
    }

    /// `"as"` or `"rs"`.
    pub fn role(&self) -> String {
        self.inner.policy().role.as_str().to_string()
    }
}

/// A verification waiting for signature results.
#[wasm_bindgen(js_name = WasmPrepared)]
pub struct WasmPrepared {
    inner: Option<crate::Prepared>,
    verifier: Rc<crate::Verifier>,
    cache: Rc<RefCell<AttestationCache>>,
    now: i64,
    explain: bool,
}

fn consumed() -> JsError {
    JsError::new("this verification step was already used")
}

#[wasm_bindgen(js_class = WasmPrepared)]
impl WasmPrepared {
    /// The signature checks in one compact buffer (one boundary crossing, no JS objects made
    /// here): a count byte, then per check `alg` (0 ES256, 1 EdDSA, 2 Ed25519), `artefact` (0
    /// attestation, 1 PoP, 2 DPoP), the key thumbprint and the key's JWK members `kty`, `crv`,
    /// `x`, `y` (empty for OKP) (each a length byte + ASCII), the signing input (u32
    /// little-endian length + bytes) and the signature (length byte + bytes). The JWK members
    /// let the JS layer import a key not seen before without another call into the module.
    #[wasm_bindgen(js_name = checkData)]
    pub fn check_data(&self) -> Result<Vec<u8>, JsError> {
        let p = self.inner.as_ref().ok_or_else(consumed)?;
        let checks = p.signature_checks();
        let size: usize = checks
            .iter()
            .map(|c| {
                let k = c.key.members();
                12 + c.key.thumbprint().len()
                    + k.kty.len()
                    + k.crv.len()
                    + k.x.len()
                    + k.y.map_or(0, str::len)
                    + c.message.len()
                    + c.signature.len()
            })
            .sum();
        let mut out = Vec::with_capacity(1 + size);
        out.push(u8::try_from(checks.len()).map_err(|_| JsError::new("internal: too many signature checks"))?);
        for c in checks {
            out.push(match c.alg {
                Algorithm::Es256 => 0,
                Algorithm::EdDsa => 1,
                Algorithm::Ed25519 => 2,
            });
            out.push(match c.artefact {
                crate::Signed::Attestation => 0,
                crate::Signed::Pop => 1,
                crate::Signed::Dpop => 2,
            });
            let k = c.key.members();
            for text in [c.key.thumbprint(), k.kty, k.crv, k.x, k.y.unwrap_or("")] {
                out.push(u8::try_from(text.len()).map_err(|_| JsError::new("internal: key member too long"))?);
                out.extend_from_slice(text.as_bytes());
            }
            let m = u32::try_from(c.message.len()).map_err(|_| JsError::new("internal: message too long"))?;
            out.extend_from_slice(&m.to_le_bytes());
            out.extend_from_slice(&c.message);
            out.push(u8::try_from(c.signature.len()).map_err(|_| JsError::new("internal: signature too long"))?);
            out.extend_from_slice(&c.signature);
        }
        Ok(out)
    }

    /// Phases 2 and 3 in one call with the verifier's own replay store: `results[i] != 0`
    /// answers check `i`. Returns the result object.
    pub fn finish(&mut self, results: &[u8], verifier: &WasmVerifier) -> Result<JsValue, JsError> {
        let p = self.inner.take().ok_or_else(consumed)?;
        let answers: Vec<bool> = results.iter().map(|r| *r != 0).collect();
        self.finish_settled(p.settle(&answers), verifier)
    }

    /// `finish` with the pure-wasm RustCrypto backend deciding the signatures.
    #[wasm_bindgen(js_name = finishWithWasm)]
    pub fn finish_with_wasm(&mut self, verifier: &WasmVerifier) -> Result<JsValue, JsError> {
        let p = self.inner.take().ok_or_else(consumed)?;
        self.finish_settled(p.settle_with(&RustCrypto), verifier)
    }

    /// Phase 2 with external results (`results[i] != 0` answers check `i`).
    pub fn settle(&mut self, results: &[u8]) -> Result<WasmSettled, JsError> {
        let p = self.inner.take().ok_or_else(consumed)?;
        let answers: Vec<bool> = results.iter().map(|r| *r != 0).collect();
        Ok(self.settled(p.settle(&answers)))
    }

    /// Phase 2 with the pure-wasm RustCrypto backend.
    #[wasm_bindgen(js_name = settleWithWasm)]
    pub fn settle_with_wasm(&mut self) -> Result<WasmSettled, JsError> {
        let p = self.inner.take().ok_or_else(consumed)?;
        Ok(self.settled(p.settle_with(&RustCrypto)))
    }
}

impl WasmPrepared {
    fn finish_settled(&self, s: crate::Settled, verifier: &WasmVerifier) -> Result<JsValue, JsError> {
        s.cache_into(&mut self.cache.borrow_mut());
        let verdict = s.complete_with(&mut *verifier.store.borrow_mut());
        result(&self.verifier, &verdict, self.now, self.explain)
    }

    fn settled(&self, s: crate::Settled) -> WasmSettled {
        s.cache_into(&mut self.cache.borrow_mut());
        WasmSettled { inner: Some(s), verifier: self.verifier.clone(), now: self.now, explain: self.explain }
    }
}

/// A verification waiting for the replay store.
#[wasm_bindgen(js_name = WasmSettled)]
pub struct WasmSettled {
    inner: Option<crate::Settled>,
    verifier: Rc<crate::Verifier>,
    now: i64,
    explain: bool,
}

#[wasm_bindgen(js_class = WasmSettled)]
impl WasmSettled {
    /// `[{ key, expiresAt }]` to check and record, in order (empty when already rejected).
    #[wasm_bindgen(js_name = replayEntries)]
    pub fn replay_entries(&self) -> Result<JsValue, JsError> {
        let s = self.inner.as_ref().ok_or_else(consumed)?;
        let entries: Vec<Value> =
            s.replay_entries().iter().map(|e| json!({ "key": e.key, "expiresAt": e.expires_at })).collect();
        to_js(&entries)
    }

    /// Phase 3: one answer per entry — `true` fresh, `false` replayed, anything else
    /// (`undefined`, an error) unavailable. Returns the result object.
    pub fn complete(&mut self, answers: js_sys::Array) -> Result<JsValue, JsError> {
        let s = self.inner.take().ok_or_else(consumed)?;
        let answers: Vec<ReplayOutcome> = answers
            .iter()
            .map(|a| match a.as_bool() {
                Some(true) => ReplayOutcome::Fresh,
                Some(false) => ReplayOutcome::Replayed,
                None => ReplayOutcome::Unavailable,
            })
            .collect();
        result(&self.verifier, &s.complete(&answers), self.now, self.explain)
    }
}

// ---- builders ---------------------------------------------------------------------------------

fn alg_of(name: &str) -> Result<Algorithm, JsError> {
    match Algorithm::lookup(name) {
        AlgLookup::Supported(a) => Ok(a),
        _ => Err(JsError::new(&format!("unsupported alg {name}: use ES256 or EdDSA"))),
    }
}

fn private_key(jwk: Option<&Value>, what: &str, alg: Option<&str>) -> Result<SigningKey, JsError> {
    let key = match jwk {
        Some(Value::Object(m)) => SigningKey::from_jwk(m).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))?,
        _ => return Err(JsError::new(&format!("invalid {what}: expected a private JWK object"))),
    };
    if let Some(a) = alg
        && !alg_of(a)?.fits(key.public_key().kind())
    {
        return Err(JsError::new(&format!("alg {a} does not fit the {what}")));
    }
    Ok(key)
}

/// The public key of a public or private JWK (the private members are never copied).
fn public_key(jwk: &Value, what: &str) -> Result<PublicKey, JsError> {
    let public;
    let jwk = match jwk {
        Value::Object(m) => {
            let private = |name: &str| crate::jose::jwk::PRIVATE_MEMBERS.contains(&name);
            // (Inserted one by one: `collect` would bring a sort into the module.)
            let mut members = Map::new();
            for (k, v) in m.iter().filter(|(k, _)| !private(k)) {
                members.insert(k.clone(), v.clone());
            }
            public = Value::Object(members);
            &public
        }
        other => other,
    };
    PublicKey::from_value(jwk).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}

fn jti_or_random(jti: Option<String>) -> Result<String, JsError> {
    match jti {
        Some(j) => Ok(j),
        None => builder::random_jti().map_err(|e| JsError::new(&e.to_string())),
    }
}

/// Generates a key: `{ alg, privateJwk, publicJwk, thumbprint }`.
#[wasm_bindgen(js_name = generateKey)]
pub fn generate_key(alg: &str) -> Result<JsValue, JsError> {
    let alg = alg_of(alg)?;
    scrubbed(|| {
        let key = SigningKey::generate(alg).map_err(|e| JsError::new(&e.to_string()))?;
        parse_json(&key.to_key_json())
    })
}

/// The public JWK and thumbprint of a (private or public) JWK: `{ publicJwk, thumbprint }`.
#[wasm_bindgen(js_name = publicKeyInfo)]
pub fn public_key_info(jwk: String) -> Result<JsValue, JsError> {
    let k = with_key_options(jwk, "key", |jwk: Wiped| public_key(&jwk, "key"))?;
    to_js(&json!({ "publicJwk": k.to_jwk(), "thumbprint": k.thumbprint() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttestationOptions {
    #[serde(default)]
    issuer_key: Option<Wiped>,
    #[serde(default)]
    kid: Option<String>,
    client_id: String,
    instance_key: Wiped,
    now: f64,
    #[serde(default)]
    expires_in: Option<f64>,
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    round_to: Option<f64>,
    #[serde(default)]
    claims: Option<Map<String, Value>>,
    // External signer: the attester's public JWK and alg instead of issuerKey.
    #[serde(default)]
    public_jwk: Option<Value>,
    #[serde(default)]
    alg: Option<String>,
}

impl AttestationOptions {
    fn spec(&self) -> Result<AttestationSpec, JsError> {
        let spec = self.spec_unchecked()?;
        let (iat, exp) = spec.rounded_times();
        if exp <= iat {
            return Err(JsError::new(
                "exp must be after iat (after rounding with roundTo): seconds outside the valid range",
            ));
        }
        Ok(spec)
    }

    fn spec_unchecked(&self) -> Result<AttestationSpec, JsError> {
        let iat = seconds(self.now, "now")?;
        let exp = match (self.exp, self.expires_in) {
            (Some(e), _) => seconds(e, "exp")?,
            (None, Some(d)) => iat.saturating_add(seconds(d, "expiresIn")?),
            (None, None) => iat.saturating_add(86_400),
        };
        Ok(AttestationSpec {
            client_id: self.client_id.clone(),
            instance_key: public_key(&self.instance_key, "instanceKey")?,
            iat,
            exp,
            round_to: self.round_to.map(|r| seconds(r, "roundTo")).transpose()?,
            extra: self.claims.clone().unwrap_or_default(),
        })
    }
}

/// Issues a Client Attestation JWT (attester side).
#[wasm_bindgen(js_name = createAttestation)]
pub fn create_attestation(options: String) -> Result<String, JsError> {
    with_key_options(options, "createAttestation options", |o: AttestationOptions| {
        let mut key = private_key(o.issuer_key.as_deref(), "issuerKey", o.alg.as_deref())?;
        if let Some(kid) = &o.kid {
            key = key.with_kid(kid.clone());
        }
        Ok(builder::create_attestation(&key, &o.spec()?))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PopOptions {
    #[serde(default)]
    key: Option<Wiped>,
    audience: String,
    #[serde(default)]
    challenge: Option<String>,
    now: f64,
    #[serde(default)]
    jti: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    legacy_claims: bool,
    #[serde(default)]
    public_jwk: Option<Value>,
    #[serde(default)]
    alg: Option<String>,
}

impl PopOptions {
    fn spec(&self) -> Result<PopSpec, JsError> {
        let mut spec = PopSpec::new(self.audience.clone(), jti_or_random(self.jti.clone())?, seconds(self.now, "now")?);
        if let Some(c) = &self.challenge {
            spec = spec.with_challenge(c.clone());
        }
        if self.legacy_claims {
            let client_id =
                self.client_id.clone().ok_or_else(|| JsError::new("legacyClaims needs clientId (the PoP iss)"))?;
            spec = spec.with_legacy_claims(&LegacyPopClaims::new(client_id));
        }
        Ok(spec)
    }
}

/// Creates a PoP JWT signed with the instance key.
#[wasm_bindgen(js_name = createPop)]
pub fn create_pop(options: String) -> Result<String, JsError> {
    with_key_options(options, "createPop options", |o: PopOptions| {
        let key = private_key(o.key.as_deref(), "key", o.alg.as_deref())?;
        Ok(builder::create_pop(&key, &o.spec()?))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DpopOptions {
    #[serde(default)]
    key: Option<Wiped>,
    method: String,
    url: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    now: f64,
    #[serde(default)]
    jti: Option<String>,
    #[serde(default)]
    public_jwk: Option<Value>,
    #[serde(default)]
    alg: Option<String>,
}

impl DpopOptions {
    fn spec(&self) -> Result<DpopSpec, JsError> {
        let mut spec = DpopSpec::new(
            self.method.clone(),
            self.url.clone(),
            jti_or_random(self.jti.clone())?,
            seconds(self.now, "now")?,
        );
        spec.nonce = self.nonce.clone();
        spec.access_token = self.access_token.clone();
        Ok(spec)
    }
}

/// Creates a DPoP proof (RFC 9449) signed with `key`.
#[wasm_bindgen(js_name = createDpopProof)]
pub fn create_dpop_proof(options: String) -> Result<String, JsError> {
    with_key_options(options, "createDpopProof options", |o: DpopOptions| {
        let key = private_key(o.key.as_deref(), "key", o.alg.as_deref())?;
        Ok(builder::create_dpop_proof(&key, &o.spec()?))
    })
}

fn external(public_jwk: &Option<Value>, alg: &Option<String>) -> Result<(PublicKey, Algorithm), JsError> {
    let jwk = public_jwk.as_ref().ok_or_else(|| JsError::new("an external signer needs publicJwk"))?;
    let key = public_key(jwk, "publicJwk")?;
    let alg = alg_of(alg.as_deref().unwrap_or(match key.kind() {
        crate::jose::jwk::KeyKind::P256 => "ES256",
        crate::jose::jwk::KeyKind::Ed25519 => "EdDSA",
    }))?;
    if !alg.fits(key.kind()) {
        return Err(JsError::new(&format!("alg {} does not fit the signer's key", alg.name())));
    }
    Ok((key, alg))
}

fn unsigned_js(u: &Unsigned) -> Result<JsValue, JsError> {
    to_js(&json!({ "alg": u.alg.name(), "signingInput": u.signing_input }))
}

/// For external signers: `{ alg, signingInput }` of an attestation (options carry
/// `publicJwk`, `alg` and `kid` instead of `issuerKey`).
#[wasm_bindgen(js_name = unsignedAttestation)]
pub fn unsigned_attestation_js(options: &str) -> Result<JsValue, JsError> {
    let o: AttestationOptions = from_js(options, "createAttestation options")?;
    let (mut key, alg) = external(&o.public_jwk, &o.alg)?;
    if o.kid.is_some() {
        key.kid = o.kid.clone();
    }
    unsigned_js(&unsigned_attestation(alg, &key, &o.spec()?))
}

/// For external signers: `{ alg, signingInput }` of a PoP.
#[wasm_bindgen(js_name = unsignedPop)]
pub fn unsigned_pop_js(options: &str) -> Result<JsValue, JsError> {
    let o: PopOptions = from_js(options, "createPop options")?;
    let (_, alg) = external(&o.public_jwk, &o.alg)?;
    unsigned_js(&unsigned_pop(alg, &o.spec()?))
}

/// For external signers: `{ alg, signingInput }` of a DPoP proof.
#[wasm_bindgen(js_name = unsignedDpopProof)]
pub fn unsigned_dpop_proof_js(options: &str) -> Result<JsValue, JsError> {
    let o: DpopOptions = from_js(options, "createDpopProof options")?;
    let (key, alg) = external(&o.public_jwk, &o.alg)?;
    unsigned_js(&unsigned_dpop_proof(alg, &key, &o.spec()?))
}

/// Assembles a compact JWS from `signingInput` and an external signature (raw `r‖s` for
/// ES256; a DER ECDSA signature is converted).
#[wasm_bindgen(js_name = assembleJws)]
pub fn assemble_jws(alg: &str, signing_input: &str, signature: &[u8]) -> Result<String, JsError> {
    let alg = alg_of(alg)?;
    let raw: Vec<u8> = match (alg, signature.len()) {
        (Algorithm::Es256, 64) => signature.to_vec(),
        (Algorithm::Es256, _) => builder::der_to_raw_es256(signature)
            .map(|r| r.to_vec())
            .ok_or_else(|| JsError::new("an ES256 signature must be 64 raw bytes (r‖s) or DER"))?,
        (_, 64) => signature.to_vec(),
        _ => return Err(JsError::new("an Ed25519 signature must be 64 bytes")),
    };
    let u = Unsigned { alg, signing_input: signing_input.to_string() };
    u.assemble(&raw).map_err(|e| JsError::new(&e.to_string()))
}

/// Decodes a token without verifying it.
#[wasm_bindgen]
pub fn inspect(token: &str) -> Result<JsValue, JsError> {
    to_js(&crate::inspect(token))
}

/// Parses a pasted raw HTTP/1.1 request or curl command:
/// `{ method, url, headers, body, clientId, accessToken, format }` (throws with a clear message).
#[wasm_bindgen(js_name = parseHttpMessage)]
pub fn parse_http_message(text: &str) -> Result<JsValue, JsError> {
    let m = crate::httpmsg::parse(text).map_err(|e| JsError::new(&e))?;
    to_js(&m)
}

/// The check table: `[{ id, requirement, title }]` in spec order.
#[wasm_bindgen]
pub fn checks() -> Result<JsValue, JsError> {
    let rows: Vec<Value> = crate::Check::ALL
        .iter()
        .map(|c| json!({ "id": c.id(), "requirement": c.requirement(), "title": c.title() }))
        .collect();
    to_js(&rows)
}

/// The reason table: `[{ reason, error, requirement, description }]`.
#[wasm_bindgen]
pub fn reasons() -> Result<JsValue, JsError> {
    let rows: Vec<Value> = crate::Reason::ALL
        .iter()
        .map(|r| {
            json!({ "reason": r.code(), "error": r.error().as_str(), "requirement": r.requirement(), "description": r.description() })
        })
        .collect();
    to_js(&rows)
}
