//! A Fastly Compute app (wasm32-wasip1) in front of an OAuth 2.0 authorization server with
//! Attestation-Based Client Authentication, using the client-attestation core directly (no JS).
//!
//! Same routes and semantics as `examples/cloudflare-worker`:
//!
//! | route | what |
//! |---|---|
//! | `GET /.well-known/oauth-authorization-server` | AS metadata (RFC 8414 + draft §8) |
//! | `GET /.well-known/oauth-protected-resource` | RS metadata (RFC 9728) |
//! | `POST /challenge` | challenge endpoint (draft §7.1), with `DPoP-Nonce` |
//! | `POST /token` | attestation + PoP or combined-mode DPoP, then a demo token bound to the instance key |
//! | `GET /resource` | RS role: access token + attestation + proof; 401 + `WWW-Authenticate` |
//! | `GET /healthz` | 200 when the configuration loaded, else 500 |
//!
//! Configuration: the policy JSON in the config store `client_attestation` (key `policy`;
//! optional keys `rs_audience`; `upstream_token_endpoint` — a URL on the backend named
//! `upstream` — to forward authenticated token requests instead of issuing demo tokens; and
//! `replay_scope`, `pop` (default) or `instance`, see below), the
//! HMAC secrets in the secret store `client_attestation_secrets` (`challenge_secret`,
//! `dpop_nonce_secret`, `token_secret`), injected into the policy at startup. A bad
//! configuration is logged once per instance and every request gets a 500 with a clear body.
//!
//! Challenges and DPoP nonces are stateless (HMAC): any instance validates any other's. The
//! verified-attestation cache is in memory, per instance; the app serves many requests per
//! sandbox (`fastly::http::serve`, reusable sandboxes), so it lives as long as the sandbox.
//!
//! Replay detection has two layers ([`EdgeReplayStore`]): the sandbox's in-memory
//! `MemoryReplayStore`, then the POP's cache as an insert-if-absent seen-set (Core Cache
//! transactions: request collapsing makes one concurrent lookup of a key the inserter and the
//! others wait, then see it). A sandbox lives for a handful of requests (Viceroy: at most 6;
//! Fastly does not publish its limits), so the memory layer alone would miss most replays;
//! `replay_scope = "instance"` keeps only that layer (for measurements, or hosts that keep one
//! long-lived instance).
//! Limits, stated plainly: the cache is per POP and may evict an entry before it expires, so a
//! replay at another POP, or after an eviction, within the proof's window is not detected.
//! Fastly has no strongly consistent shared store (its KV store is eventually consistent, like
//! Workers KV); where single use must hold globally, keep `maxPopAge` short and use the
//! Cloudflare Worker with its Durable Object store, or a store of your own behind a backend.

use client_attestation::builder::random_bytes16;
use client_attestation::jose::b64;
use client_attestation::{AttestationCache, HttpRequest, HttpResponse, MemoryReplayStore, RequestContext, Verifier};
use client_attestation::{ReplayOutcome, ReplayStore};
use fastly::cache::core::{CacheKey, Transaction};
use fastly::http::serve::Serve;
use fastly::http::{Method, StatusCode};
use fastly::{ConfigStore, Request, Response, SecretStore};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use std::io::Read;
use std::time::Duration;

const CONFIG_STORE: &str = "client_attestation";
const SECRET_STORE: &str = "client_attestation_secrets";
const TOKEN_LIFETIME: i64 = 300;
/// The backend authenticated token requests are forwarded to (with `upstream_token_endpoint`).
const UPSTREAM_BACKEND: &str = "upstream";
const MAX_BODY: usize = 64 * 1024;
/// Replay entries per instance (the core's store fails closed, 503, when full of live entries).
const REPLAY_CAPACITY: usize = 100_000;
/// Verified attestations cached per instance.
const CACHE_CAPACITY: usize = 10_000;

fn main() {
    let mut state = match App::load() {
        Ok(app) => State::Ready(Box::new(app)),
        Err(message) => {
            // One clear line per instance; every request then gets a 500 (never a crash loop).
            eprintln!("client-attestation: configuration refused, serving 500s: {message}");
            State::Broken
        }
    };
    // Serve many requests from this sandbox so the replay store and the attestation cache
    // outlive one request; stop after a while so memory and staleness stay bounded.
    let _ = Serve::new()
        .with_timeout(Duration::from_secs(30))
        .with_max_lifetime(Duration::from_secs(3600))
        .run_with_context(handle, &mut state);
}

enum State {
    Ready(Box<App>),
    Broken,
}

/// The jti seen-set: this sandbox's memory, then (scope `pop`) the POP's cache (module docs).
struct EdgeReplayStore {
    memory: MemoryReplayStore,
    pop_cache: bool,
}

impl ReplayStore for EdgeReplayStore {
    fn check_and_store(&mut self, key: &str, expires_at: i64, now: i64) -> ReplayOutcome {
        match self.memory.check_and_store(key, expires_at, now) {
            ReplayOutcome::Fresh => {}
            other => return other,
        }
        if !self.pop_cache {
            return ReplayOutcome::Fresh;
        }
        let ttl = Duration::from_secs(expires_at.saturating_sub(now).max(1).unsigned_abs());
        let Ok(tx) = Transaction::lookup(CacheKey::from(format!("client-attestation/replay/{key}"))).execute() else {
            return ReplayOutcome::Unavailable; // fail closed (503)
        };
        if tx.found().is_some() {
            return ReplayOutcome::Replayed;
        }
        if !tx.must_insert() {
            return ReplayOutcome::Unavailable;
        }
        match tx.insert(ttl).known_length(0).execute().map(|w| w.finish()) {
            Ok(Ok(())) => ReplayOutcome::Fresh,
            _ => ReplayOutcome::Unavailable,
        }
    }
}

struct App {
    as_verifier: Verifier,
    rs_verifier: Verifier,
    replay: EdgeReplayStore,
    as_cache: AttestationCache,
    rs_cache: AttestationCache,
    token_key: Vec<u8>,
    upstream: Option<String>,
    issuer: String,
    resource: String,
    as_metadata: String,
    rs_metadata: String,
    challenges: bool,
    nonces: bool,
}

fn secret(store: &Option<SecretStore>, name: &str, what: &str) -> Result<Vec<u8>, String> {
    let value = store
        .as_ref()
        .and_then(|s| s.try_get(name).ok().flatten())
        .map(|s| s.plaintext().to_vec())
        .ok_or_else(|| format!("the secret `{name}` is missing from the secret store `{SECRET_STORE}` ({what})"))?;
    if value.len() < 32 {
        return Err(format!("the secret `{name}` is shorter than 32 bytes"));
    }
    Ok(value)
}

impl App {
    fn load() -> Result<App, String> {
        let config = ConfigStore::try_open(CONFIG_STORE)
            .map_err(|e| format!("cannot open the config store `{CONFIG_STORE}`: {e:?}"))?;
        let text = config
            .try_get("policy")
            .map_err(|e| format!("cannot read `policy` from the config store `{CONFIG_STORE}`: {e:?}"))?
            .ok_or_else(|| format!("the config store `{CONFIG_STORE}` has no `policy` entry"))?;
        let mut policy: Map<String, Value> = match serde_json::from_str(&text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err("`policy` must be a JSON object".into()),
            Err(e) => return Err(format!("`policy` is not valid JSON: {e}")),
        };
        match policy.get("role") {
            None => {}
            Some(Value::String(r)) if r == "as" => {}
            Some(_) => {
                return Err("policy.role must be absent or \"as\": /token is the AS role, /resource the RS role".into());
            }
        }
        let issuer = match policy.get("audience") {
            Some(Value::String(a)) if !a.is_empty() => a.clone(),
            _ => return Err("policy.audience must be this AS's issuer identifier".into()),
        };
        let base = issuer.trim_end_matches('/').to_string();
        let secrets = SecretStore::open(SECRET_STORE).ok();
        let mut challenges = false;
        if let Some(Value::Object(c)) = policy.get_mut("challenge") {
            if c.contains_key("secret") {
                return Err("policy.challenge.secret must not be in the config store: use the secret store".into());
            }
            let s = secret(&secrets, "challenge_secret", "policy.challenge uses stateless challenges")?;
            let s = String::from_utf8(s).map_err(|_| "the secret `challenge_secret` is not UTF-8 text")?;
            c.insert("secret".into(), s.into());
            c.entry("endpoint").or_insert_with(|| format!("{base}/challenge").into());
            challenges = true;
        }
        let mut nonces = false;
        if let Some(Value::Object(n)) = policy.get_mut("dpop").and_then(|d| d.get_mut("nonce")) {
            if n.contains_key("secret") {
                return Err("policy.dpop.nonce.secret must not be in the config store: use the secret store".into());
            }
            let s = secret(&secrets, "dpop_nonce_secret", "policy.dpop.nonce uses stateless DPoP nonces")?;
            let s = String::from_utf8(s).map_err(|_| "the secret `dpop_nonce_secret` is not UTF-8 text")?;
            n.insert("secret".into(), s.into());
            nonces = true;
        }
        let resource = config.try_get("rs_audience").ok().flatten().filter(|r| !r.is_empty()).unwrap_or(issuer.clone());
        policy.insert("role".into(), "as".into());
        let as_verifier = Verifier::from_json(&Value::Object(policy.clone()).to_string())
            .map_err(|e| format!("the policy was refused: {e}"))?;
        policy.insert("role".into(), "rs".into());
        policy.insert("audience".into(), resource.clone().into());
        let rs_verifier = Verifier::from_json(&Value::Object(policy).to_string())
            .map_err(|e| format!("the policy was refused (RS role): {e}"))?;
        let pop_cache = match config.try_get("replay_scope").ok().flatten().as_deref() {
            None | Some("") | Some("pop") => true,
            Some("instance") => false,
            Some(other) => return Err(format!("replay_scope must be \"pop\" or \"instance\", not {other:?}")),
        };
        let upstream = config.try_get("upstream_token_endpoint").ok().flatten().filter(|u| !u.is_empty());
        let token_key = match &upstream {
            Some(_) => Vec::new(),
            None => secret(&secrets, "token_secret", "the demo access tokens are HMAC-signed")?,
        };

        let mut as_metadata = Map::new();
        as_metadata.insert("issuer".into(), issuer.clone().into());
        as_metadata.insert("token_endpoint".into(), format!("{base}/token").into());
        if let Value::Object(m) = as_verifier.metadata() {
            as_metadata.extend(m);
        }
        let mut rs_metadata = Map::new();
        rs_metadata.insert("resource".into(), resource.clone().into());
        rs_metadata.insert("authorization_servers".into(), json!([issuer]));
        if let Value::Object(m) = rs_verifier.metadata() {
            rs_metadata.extend(m);
        }
        Ok(App {
            as_verifier,
            rs_verifier,
            replay: EdgeReplayStore { memory: MemoryReplayStore::new(REPLAY_CAPACITY), pop_cache },
            as_cache: AttestationCache::new(CACHE_CAPACITY),
            rs_cache: AttestationCache::new(CACHE_CAPACITY),
            token_key,
            upstream,
            issuer,
            resource,
            as_metadata: Value::Object(as_metadata).to_string(),
            rs_metadata: Value::Object(rs_metadata).to_string(),
            challenges,
            nonces,
        })
    }
}

// ---- HTTP helpers -----------------------------------------------------------------------------

fn json_response(status: u16, body: &Value) -> Response {
    Response::from_status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .with_header("Content-Type", "application/json")
        .with_header("Cache-Control", "no-store")
        .with_body(body.to_string())
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    json_response(status, &json!({ "error": error, "error_description": description }))
}

fn to_fastly(r: HttpResponse) -> Response {
    let mut out = Response::from_status(StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (name, value) in &r.headers {
        out.append_header(name.as_str(), value.as_str());
    }
    if let Some(body) = r.body {
        out.set_body(body);
    }
    out
}

fn random16() -> [u8; 16] {
    // getrandom on wasip1 is WASI random_get; it does not fail in practice. If it ever did, an
    // all-zero random part still yields valid (HMAC-authenticated) values.
    random_bytes16().unwrap_or([0; 16])
}

/// The request as the core sees it: every header line kept (duplicates visible).
fn core_request(req: &Request) -> HttpRequest {
    let mut headers = Vec::new();
    for name in req.get_header_names() {
        for value in req.get_header_all(name) {
            headers.push((name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()));
        }
    }
    HttpRequest { method: req.get_method_str().to_string(), url: req.get_url_str().to_string(), headers }
}

fn now() -> i64 {
    client_attestation::unix_now()
}

/// Form fields, in order.
type Form = Vec<(String, String)>;

/// Reads the body (at most MAX_BODY bytes) and its form fields (parsed by the core's
/// `httpmsg::form_fields`). `Err` is the error response: too large, or a malformed form.
fn read_form(req: &mut Request) -> Result<(Vec<u8>, Form), Box<Response>> {
    let too_large = || Box::new(oauth_error(413, "invalid_request", "the request body is too large"));
    if req.get_content_length().is_some_and(|n| n > MAX_BODY) {
        return Err(too_large());
    }
    let is_form = req
        .get_header_str("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let mut bytes = Vec::new();
    if req.has_body() {
        let body = req.take_body();
        body.take(MAX_BODY as u64 + 1).read_to_end(&mut bytes).map_err(|_| too_large())?;
    }
    if bytes.len() > MAX_BODY {
        return Err(too_large());
    }
    if !is_form {
        return Ok((bytes, Vec::new()));
    }
    let form = std::str::from_utf8(&bytes)
        .map_err(|_| "the form body is not UTF-8".to_string())
        .and_then(client_attestation::httpmsg::form_fields)
        .map_err(|e| Box::new(oauth_error(400, "invalid_request", &e)))?;
    Ok((bytes, form))
}

fn form_get<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

// ---- demo access tokens (HS256 JWT, RFC 9068 shape, cnf.jkt per RFC 9449 §6) ------------------

fn hs256(key: &[u8], input: &str) -> Vec<u8> {
    // HMAC accepts keys of any length.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn issue_token(app: &App, client_id: &str, jkt: &str, token_type: &str, now: i64) -> String {
    let claims = json!({
        "iss": app.issuer, "sub": client_id, "aud": app.resource, "client_id": client_id,
        "iat": now, "exp": now + TOKEN_LIFETIME, "jti": b64::encode(&random16()),
        "cnf": { "jkt": jkt }, "token_type": token_type,
    });
    let input = format!(
        "{}.{}",
        b64::encode(json!({ "typ": "at+jwt", "alg": "HS256" }).to_string().as_bytes()),
        b64::encode(claims.to_string().as_bytes())
    );
    let sig = hs256(&app.token_key, &input);
    format!("{input}.{}", b64::encode(&sig))
}

fn read_token(app: &App, token: &str, now: i64) -> Result<Map<String, Value>, &'static str> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, c, s] = parts.as_slice() else { return Err("the access token is malformed") };
    if token.len() > 4096 {
        return Err("the access token is malformed");
    }
    let header: Value =
        b64::decode(h).and_then(|b| serde_json::from_slice(&b).ok()).ok_or("the access token is malformed")?;
    let claims: Map<String, Value> =
        b64::decode(c).and_then(|b| serde_json::from_slice(&b).ok()).ok_or("the access token is malformed")?;
    let sig = b64::decode(s).ok_or("the access token is malformed")?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256")
        || header.get("typ").and_then(Value::as_str) != Some("at+jwt")
    {
        return Err("the access token is not one of ours");
    }
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(&app.token_key).map_err(|_| "the access token is not one of ours")?;
    mac.update(format!("{h}.{c}").as_bytes());
    mac.verify_slice(&sig).map_err(|_| "the access token is not one of ours")?;
    if claims.get("exp").and_then(Value::as_i64).is_none_or(|e| e <= now) {
        return Err("the access token has expired");
    }
    if claims.get("aud").and_then(Value::as_str) != Some(app.resource.as_str()) {
        return Err("the access token is for another resource");
    }
    if claims.get("cnf").and_then(|c| c.get("jkt")).and_then(Value::as_str).is_none() {
        return Err("the access token is not key-bound");
    }
    Ok(claims)
}

// ---- routes -----------------------------------------------------------------------------------

fn with_fresh_values(app: &App, verifier_is_rs: bool, mut resp: Response, now: i64) -> Response {
    let v = if verifier_is_rs { &app.rs_verifier } else { &app.as_verifier };
    if app.challenges
        && let Some(c) = v.issue_challenge(now, &random16())
    {
        resp.set_header("OAuth-Client-Attestation-Challenge", c);
    }
    if app.nonces
        && let Some(n) = v.issue_dpop_nonce(now, &random16())
    {
        resp.set_header("DPoP-Nonce", n);
    }
    resp
}

fn challenge(app: &App) -> Response {
    let now = now();
    match app.as_verifier.issue_challenge(now, &random16()) {
        Some(c) => {
            let nonce = app.as_verifier.issue_dpop_nonce(now, &random16());
            to_fastly(app.as_verifier.challenge_response(&c, nonce.as_deref()))
        }
        None => oauth_error(404, "invalid_request", "this server does not use challenges"),
    }
}

fn token(app: &mut App, mut req: Request) -> Response {
    let (body, form) = match read_form(&mut req) {
        Ok(x) => x,
        Err(response) => return *response,
    };
    let request = core_request(&req);
    let now = now();
    // The core takes client_id from the form body (and refuses a repeated one).
    let ctx =
        RequestContext { form_body: std::str::from_utf8(&body).ok().map(str::to_string), ..RequestContext::at(now) };
    let verdict = app.as_verifier.verify_cached(&request, &ctx, &mut app.replay, &mut app.as_cache);
    let accepted = match &verdict.outcome {
        Ok(a) => a,
        Err(_) => {
            return match app.as_verifier.respond(&verdict, now, &random16()) {
                Some(r) => to_fastly(r),
                None => oauth_error(500, "server_error", "internal error"),
            };
        }
    };
    if let Some(url) = &app.upstream {
        return forward(app, &req, body, accepted, url, now);
    }
    match form_get(&form, "grant_type") {
        None | Some("") => return oauth_error(400, "invalid_request", "grant_type is required"),
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "this demo issues tokens for grant_type=client_credentials only",
            );
        }
    }
    let (bound, token_type) = match &accepted.dpop_key {
        Some(k) => (k.thumbprint().to_string(), "DPoP"),
        None => (accepted.instance_key.thumbprint().to_string(), "Bearer"),
    };
    let access_token = issue_token(app, &accepted.client_id, &bound, token_type, now);
    let body = json!({ "access_token": access_token, "token_type": token_type, "expires_in": TOKEN_LIFETIME });
    with_fresh_values(app, false, json_response(200, &body), now)
}

/// Forwards an authenticated token request to the upstream AS; it learns who authenticated.
fn forward(
    app: &App,
    req: &Request,
    body: Vec<u8>,
    accepted: &client_attestation::Accepted,
    url: &str,
    now: i64,
) -> Response {
    let mut fwd = req.clone_without_body();
    fwd.set_url(url);
    fwd.remove_header("Host"); // taken from the URL
    for h in [
        "OAuth-Client-Attestation",
        "OAuth-Client-Attestation-PoP",
        "X-Client-Attestation-Client-Id",
        "X-Client-Attestation-Jkt",
        "X-Client-Attestation-Mechanism",
        "X-Client-Attestation-Dpop-Jkt",
    ] {
        fwd.remove_header(h);
    }
    fwd.set_header("X-Client-Attestation-Client-Id", accepted.client_id.as_str());
    fwd.set_header("X-Client-Attestation-Jkt", accepted.instance_key.thumbprint());
    fwd.set_header("X-Client-Attestation-Mechanism", accepted.mechanism.as_str());
    if let Some(k) = &accepted.dpop_key {
        fwd.set_header("X-Client-Attestation-Dpop-Jkt", k.thumbprint());
    }
    fwd.set_body(body);
    match fwd.send(UPSTREAM_BACKEND) {
        Ok(resp) => with_fresh_values(app, false, resp, now),
        Err(e) => {
            eprintln!("client-attestation: upstream {url} unreachable: {e}");
            oauth_error(502, "temporarily_unavailable", "the authorization server behind this gateway is unreachable")
        }
    }
}

fn resource(app: &mut App, req: Request) -> Response {
    let authorization = req.get_header_str("authorization").unwrap_or("").trim().to_string();
    let (scheme, token) = match authorization.split_once([' ', '\t']) {
        Some((s, t)) if s.eq_ignore_ascii_case("dpop") && !t.trim().is_empty() => ("DPoP", t.trim().to_string()),
        Some((s, t)) if s.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => ("Bearer", t.trim().to_string()),
        _ => {
            return oauth_error(401, "invalid_token", "an access token is required")
                .with_header("WWW-Authenticate", r#"DPoP algs="ES256 EdDSA", Bearer"#);
        }
    };
    let invalid = |d: &str| {
        oauth_error(401, "invalid_token", d)
            .with_header("WWW-Authenticate", format!(r#"{scheme} error="invalid_token", error_description="{d}""#))
    };
    let now = now();
    let claims = match read_token(app, &token, now) {
        Ok(c) => c,
        Err(e) => return invalid(e),
    };
    if claims.get("token_type").and_then(Value::as_str) == Some("DPoP") && scheme != "DPoP" {
        return invalid("a DPoP-bound access token must be presented with the DPoP scheme");
    }
    let jkt = claims.get("cnf").and_then(|c| c.get("jkt")).and_then(Value::as_str).unwrap_or("").to_string();
    let request = core_request(&req);
    let ctx = RequestContext {
        access_token: Some(token.clone()),
        access_token_jkt: Some(jkt.clone()),
        ..RequestContext::at(now)
    };
    let verdict = app.rs_verifier.verify_cached(&request, &ctx, &mut app.replay, &mut app.rs_cache);
    let accepted = match &verdict.outcome {
        Ok(a) => a,
        Err(_) => {
            return match app.rs_verifier.respond(&verdict, now, &random16()) {
                Some(r) => to_fastly(r),
                None => oauth_error(500, "server_error", "internal error"),
            };
        }
    };
    let presented = accepted.dpop_key.as_ref().unwrap_or(&accepted.instance_key).thumbprint().to_string();
    if !client_attestation::challenge::ct_str_eq(&presented, &jkt) {
        return invalid("the access token is bound to another key");
    }
    if claims.get("client_id").and_then(Value::as_str) != Some(accepted.client_id.as_str()) {
        return invalid("the access token was issued to another client");
    }
    let body = json!({
        "resource": "demo", "client_id": accepted.client_id,
        "mechanism": accepted.mechanism.as_str(), "jkt": presented,
    });
    with_fresh_values(app, true, json_response(200, &body), now)
}

fn metadata_response(body: &str) -> Response {
    Response::from_status(StatusCode::OK)
        .with_header("Content-Type", "application/json")
        .with_header("Cache-Control", "max-age=300")
        .with_body(body.to_string())
}

fn method_not_allowed(allow: &str) -> Response {
    oauth_error(405, "invalid_request", &format!("use {allow}")).with_header("Allow", allow)
}

fn handle(req: Request, state: &mut State) -> Response {
    let app = match state {
        State::Ready(app) => app,
        State::Broken => {
            return json_response(
                500,
                &json!({
                    "error": "server_error",
                    "error_description": "this server's client-attestation configuration is invalid; the operator must fix it (see the service log)",
                }),
            );
        }
    };
    let method = req.get_method().clone();
    let get = method == Method::GET || method == Method::HEAD;
    match req.get_path() {
        "/.well-known/oauth-authorization-server" if get => metadata_response(&app.as_metadata),
        "/.well-known/oauth-protected-resource" if get => metadata_response(&app.rs_metadata),
        "/.well-known/oauth-authorization-server" | "/.well-known/oauth-protected-resource" => {
            method_not_allowed("GET")
        }
        "/challenge" if method == Method::POST => challenge(app),
        "/challenge" => method_not_allowed("POST"),
        "/token" if method == Method::POST => token(app, req),
        "/token" => method_not_allowed("POST"),
        "/resource" if method == Method::GET || method == Method::POST => resource(app, req),
        "/resource" => method_not_allowed("GET, POST"),
        "/healthz" => json_response(200, &json!({ "status": "ok" })),
        _ => oauth_error(404, "invalid_request", "no such endpoint"),
    }
}
