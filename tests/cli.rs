//! Integration tests of the `client-attestation` binary (run with `--features cli`).

#![cfg(feature = "cli")]

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_client-attestation");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const NOW: i64 = 1772487600;
const INSTANCE_THUMBPRINT: &str = "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap()
}

/// A temp file removed on drop; the name is unique per process and call.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, contents: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("client-attestation-cli-{}-{n}-{tag}.json", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
    fn json(tag: &str, value: &Value) -> Self {
        TempFile::new(tag, &serde_json::to_string_pretty(value).unwrap())
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn verify(policy: &str, request: &str) -> Output {
    run(&["verify", "--policy", policy, "--request", request])
}

/// Verifies `request` (a JSON value) with the fixture policy `policy`.
fn verify_value(policy: &str, request: &Value) -> Output {
    let req = TempFile::json("request", request);
    verify(&fixture(policy), req.path())
}

fn assert_rejected(o: &Output, reason: &str) -> Value {
    assert_eq!(code(o), 1, "stderr: {}", stderr(o));
    let v = stdout_json(o);
    assert_eq!(v["ok"], false);
    assert_eq!(v["reason"], reason, "{v:#}");
    assert_eq!(v["audit"]["decision"], "reject");
    assert_eq!(v["audit"]["reason"], reason);
    v
}

// ---- verify: accepted -------------------------------------------------------------------------

#[test]
fn verify_accepts_the_draft_token_request() {
    let o = verify(&fixture("policy.as.json"), &fixture("request.token.json"));
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let v = stdout_json(&o);
    assert_eq!(v["ok"], true);
    assert_eq!(v["clientId"], "https://client.example.com");
    assert_eq!(v["instanceKeyThumbprint"], INSTANCE_THUMBPRINT);
    assert_eq!(v["mechanism"], "attestation_pop_jwt");
    // Absent members are omitted, not null.
    for absent in ["error", "reason", "description", "requirement", "response"] {
        assert!(v.get(absent).is_none(), "{absent} should be omitted: {v:#}");
    }
    let checks = v["checks"].as_array().unwrap();
    assert!(!checks.is_empty());
    assert!(checks.iter().all(|c| c["status"] == "pass" || c["status"] == "not_applicable"), "{v:#}");
    // The replay check is the last one that applies (DPoP checks after it are not applicable).
    let last_applicable = checks.iter().rev().find(|c| c["status"] != "not_applicable").unwrap();
    assert_eq!(last_applicable["id"], "pop.replay", "{v:#}");
    assert_eq!(v["audit"]["decision"], "accept");
    assert_eq!(v["audit"]["time"], NOW);
    assert_eq!(v["audit"]["instanceKeyThumbprint"], INSTANCE_THUMBPRINT);
}

#[test]
fn verify_accepts_the_rs_request() {
    let o = verify(&fixture("policy.rs.json"), &fixture("request.rs.json"));
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let v = stdout_json(&o);
    assert_eq!(v["ok"], true);
    assert_eq!(v["clientId"], "https://client.example.com");
    assert_eq!(v["instanceKeyThumbprint"], INSTANCE_THUMBPRINT);
    assert_eq!(v["audit"]["role"], "rs");
}

#[test]
fn verify_reads_the_request_from_stdin() {
    let o = run_stdin(
        &["verify", "--policy", &fixture("policy.as.json"), "--request=-"],
        &fixture_text("request.token.json"),
    );
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert_eq!(stdout_json(&o)["ok"], true);
}

// ---- verify: rejected -------------------------------------------------------------------------

#[test]
fn verify_rejects_an_old_pop() {
    let mut req = fixture_json("request.rs.json");
    req["now"] = json!(NOW + 3600);
    let o = verify_value("policy.rs.json", &req);
    let v = assert_rejected(&o, "pop.too_old");
    assert_eq!(v["error"], "invalid_client_attestation");
    assert_eq!(v["requirement"], "R-POP-8");
    assert!(v["description"].as_str().unwrap().contains("maxPopAge"));
    for absent in ["clientId", "instanceKeyThumbprint", "mechanism"] {
        assert!(v.get(absent).is_none(), "{absent} should be omitted: {v:#}");
    }
    // RS role: 401 with WWW-Authenticate in the scheme of the access token.
    let resp = &v["response"];
    assert_eq!(resp["status"], 401);
    let www = resp["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "WWW-Authenticate")
        .unwrap_or_else(|| panic!("no WWW-Authenticate: {resp:#}"));
    assert!(www[1].as_str().unwrap().starts_with(r#"Bearer error="invalid_client_attestation""#), "{www}");
    let body: Value = serde_json::from_str(resp["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"], "invalid_client_attestation");
    let iat = v["checks"].as_array().unwrap().iter().find(|c| c["id"] == "pop.iat").unwrap();
    assert_eq!(iat["status"], "fail");
    assert_eq!(iat["reason"], "pop.too_old");
}

#[test]
fn verify_rejects_a_request_without_pop() {
    let mut req = fixture_json("request.token.json");
    req["headers"].as_array_mut().unwrap().retain(|h| h[0] != "OAuth-Client-Attestation-PoP");
    let o = verify_value("policy.as.json", &req);
    let v = assert_rejected(&o, "pop.missing");
    assert_eq!(v["requirement"], "R-POP-1");
    assert_eq!(v["response"]["status"], 400);
}

#[test]
fn verify_explain_evaluates_signatures_after_a_failure() {
    let mut req = fixture_json("request.token.json");
    req["clientId"] = json!("https://other.example.com");
    let req = TempFile::json("explain", &req);
    let policy = fixture("policy.as.json");
    let status = |args: &[&str]| {
        let o = run(args);
        assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
        let v = stdout_json(&o);
        assert_eq!(v["reason"], "attestation.client_id_mismatch");
        assert_eq!(v["response"]["status"], 401);
        v["checks"].as_array().unwrap().iter().find(|c| c["id"] == "pop.signature").unwrap()["status"].clone()
    };
    let plain = status(&["verify", "--policy", &policy, "--request", req.path()]);
    let explained = status(&["verify", "--explain", "--policy", &policy, "--request", req.path()]);
    assert_eq!(plain, "not_evaluated");
    assert_eq!(explained, "pass");
}

#[test]
fn verify_issues_a_fresh_challenge_when_one_is_needed() {
    let mut policy = fixture_json("policy.as.json");
    policy["challenge"] = json!({
        "secret": "a test secret that is at least thirty-two bytes long",
        "required": true
    });
    let policy = TempFile::json("challenge-policy", &policy);
    let o = verify(policy.path(), &fixture("request.token.json"));
    let v = assert_rejected(&o, "challenge.invalid");
    assert_eq!(v["error"], "use_attestation_challenge");
    let resp = &v["response"];
    assert_eq!(resp["status"], 400);
    let challenge = resp["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "OAuth-Client-Attestation-Challenge")
        .unwrap_or_else(|| panic!("no challenge header: {resp:#}"));
    assert!(!challenge[1].as_str().unwrap().is_empty());
}

// ---- verify: input errors (exit 2) ------------------------------------------------------------

fn assert_input_error(o: &Output, needle: &str) {
    assert_eq!(code(o), 2, "stdout: {}", String::from_utf8_lossy(&o.stdout));
    assert!(o.stdout.is_empty(), "nothing on stdout on an input error");
    let err = stderr(o);
    assert!(err.starts_with("client-attestation: "), "stderr should name the program: {err:?}");
    assert!(err.contains(needle), "stderr {err:?} should mention {needle:?}");
}

#[test]
fn verify_refuses_a_policy_with_a_private_key() {
    let mut policy = fixture_json("policy.as.json");
    policy["attesters"][0]["jwks"]["keys"][0]["d"] = json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    let policy = TempFile::json("private-policy", &policy);
    let o = verify(policy.path(), &fixture("request.token.json"));
    assert_input_error(&o, "invalid policy at attesters[0].jwks.keys[0]: ");
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn verify_refuses_a_policy_allowing_alg_none() {
    let mut policy = fixture_json("policy.as.json");
    policy["algorithms"] = json!(["none"]);
    let policy = TempFile::json("none-policy", &policy);
    let o = verify(policy.path(), &fixture("request.token.json"));
    assert_input_error(&o, "invalid policy at algorithms: ");
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn verify_refuses_a_malformed_request() {
    let policy = fixture("policy.as.json");
    let not_json = TempFile::new("not-json", "{ \"method\": \"POST\", ");
    assert_input_error(&verify(&policy, not_json.path()), "invalid request");

    let unknown = TempFile::json(
        "unknown-member",
        &json!({ "method": "POST", "url": "https://as.example.com/token", "headers": [], "nonce": 1 }),
    );
    assert_input_error(&verify(&policy, unknown.path()), "unknown field `nonce`");

    let bad_headers = TempFile::json(
        "bad-headers",
        &json!({ "method": "POST", "url": "https://as.example.com/token", "headers": [["a"]] }),
    );
    assert_input_error(&verify(&policy, bad_headers.path()), "invalid request");

    let bad_now = TempFile::json("bad-now", &json!({ "method": "POST", "url": "u", "headers": [], "now": "soon" }));
    assert_input_error(&verify(&policy, bad_now.path()), "invalid request");
}

#[test]
fn verify_refuses_missing_files_and_bad_arguments() {
    let policy = fixture("policy.as.json");
    let request = fixture("request.token.json");
    let missing =
        std::env::temp_dir().join(format!("client-attestation-cli-{}-does-not-exist.json", std::process::id()));
    let missing = missing.to_str().unwrap();
    assert!(!Path::new(missing).exists());
    assert_input_error(&verify(missing, &request), "cannot read policy");
    assert_input_error(&verify(&policy, missing), "cannot read request");
    assert_input_error(&run(&["verify", "--policy", &policy]), "missing --request");
    assert_input_error(&run(&["verify", "--request", &request, "--policy"]), "--policy needs a file path");
    assert_input_error(
        &run(&["verify", "--policy", &policy, "--policy", &policy, "--request", &request]),
        "given twice",
    );
    assert_input_error(
        &run(&["verify", "--policy", &policy, "--request", &request, "--bogus"]),
        "unexpected argument `--bogus`",
    );
}

// ---- inspect ----------------------------------------------------------------------------------

#[test]
fn inspect_the_draft_attestation() {
    let token = fixture_text("draft/client-attestation.jwt");
    let o = run(&["inspect", token.trim()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let v = stdout_json(&o);
    assert_eq!(v["kind"], "attestation");
    assert_eq!(v["kindFromTyp"], true);
    assert_eq!(v["thumbprint"], INSTANCE_THUMBPRINT);
    assert_eq!(v["claims"]["sub"], "https://client.example.com");
}

#[test]
fn inspect_reads_stdin() {
    let o = run_stdin(&["inspect", "-"], &fixture_text("draft/client-attestation-pop.as.jwt"));
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let v = stdout_json(&o);
    assert_eq!(v["kind"], "pop");
    assert_eq!(v["claims"]["aud"], "https://as.example.com");
}

#[test]
fn inspect_garbage_is_unknown() {
    for garbage in ["not a token", "", "a.b.c", "....", "~~~", "\u{1F600}.x"] {
        let o = run(&["inspect", garbage]);
        assert_eq!(code(&o), 0, "input {garbage:?}, stderr: {}", stderr(&o));
        assert_eq!(stdout_json(&o)["kind"], "unknown", "input {garbage:?}");
    }
}

#[test]
fn inspect_needs_exactly_one_token() {
    assert_input_error(&run(&["inspect"]), "missing <token>");
    assert_input_error(&run(&["inspect", "a", "b"]), "exactly one");
}

// ---- reasons, help, usage ---------------------------------------------------------------------

#[test]
fn reasons_prints_the_table() {
    let o = run(&["reasons"]);
    assert_eq!(code(&o), 0);
    let out = String::from_utf8(o.stdout).unwrap();
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("| reason | error | requirement | description |"));
    assert_eq!(lines.next(), Some("|---|---|---|---|"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), client_attestation::Reason::ALL.len());
    assert!(rows.iter().any(|r| r.starts_with("| pop.replayed | invalid_client_attestation | R-POP-7 | ")), "{out}");
    assert!(out.contains("| pop.replayed |"));
    assert!(out.contains("| attestation.missing | invalid_client | R-ATT-1 |"));
}

#[test]
fn help_and_usage() {
    for flag in ["--help", "-h"] {
        let o = run(&[flag]);
        assert_eq!(code(&o), 0);
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(out.contains("client-attestation verify --policy"), "{out}");
        assert!(o.stderr.is_empty());
    }
    let o = run(&[]);
    assert_eq!(code(&o), 2);
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("Usage:"));

    let o = run(&["frobnicate"]);
    assert_eq!(code(&o), 2);
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(err.contains("unknown command `frobnicate`"), "{err}");
    assert!(err.contains("Usage:"), "{err}");
}

// ---- build ------------------------------------------------------------------------------------

/// Runs `build …`, expects success, returns stdout without the final newline.
fn build(args: &[&str]) -> String {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert_eq!(code(&o), 0, "build {args:?}: stderr: {}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.ends_with('\n'), "{out:?}");
    out.trim_end_matches('\n').to_string()
}

fn build_key(alg: &str, extra: &[&str]) -> Value {
    let mut args = vec!["key", "--alg", alg];
    args.extend_from_slice(extra);
    serde_json::from_str(&build(&args)).unwrap()
}

fn inspect_token(token: &str) -> Value {
    let o = run(&["inspect", token]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    stdout_json(&o)
}

#[test]
fn build_key_prints_both_jwks_and_the_thumbprint() {
    for (alg, kty) in [("ES256", "EC"), ("EdDSA", "OKP")] {
        let k = build_key(alg, &["--kid", "k-1"]);
        assert_eq!(k["alg"], alg);
        assert_eq!(k["privateJwk"]["kty"], kty);
        assert!(k["privateJwk"]["d"].is_string());
        assert!(k["publicJwk"].get("d").is_none(), "{k:#}");
        assert_eq!(k["publicJwk"]["kid"], "k-1");
        let public = client_attestation::PublicKey::from_value(&k["publicJwk"]).unwrap();
        assert_eq!(k["thumbprint"], public.thumbprint());
        assert_ne!(build_key(alg, &[])["thumbprint"], k["thumbprint"], "fresh keys each call");
    }
    assert_input_error(&run(&["build", "key", "--alg", "HS256"]), "--alg must be ES256 or EdDSA");
    assert_input_error(&run(&["build", "key"]), "missing --alg");
}

/// build key (attester, instance) → build attestation → build pop → verify with a policy that
/// trusts the generated attester key.
fn build_and_verify(alg: &str) {
    let attester = build_key(alg, &["--kid", "gen-attester"]);
    let instance = build_key(alg, &[]);
    let attester_private = TempFile::json("attester-private", &attester["privateJwk"]);
    // The instance key file is the whole `build key` output: only its public part is used.
    let instance_file = TempFile::json("instance-key", &instance);
    let instance_private = TempFile::json("instance-private", &instance["privateJwk"]);

    let att = build(&[
        "attestation",
        "--issuer-key",
        attester_private.path(),
        "--client-id",
        "https://client.example.com",
        "--instance-key",
        instance_file.path(),
    ]);
    let decoded = inspect_token(&att);
    assert_eq!(decoded["kind"], "attestation");
    assert_eq!(decoded["header"]["alg"], alg);
    assert_eq!(decoded["header"]["kid"], "gen-attester");
    assert_eq!(decoded["thumbprint"], instance["thumbprint"]);
    assert!(decoded["claims"]["cnf"]["jwk"].get("d").is_none());
    let iat = decoded["claims"]["iat"].as_i64().unwrap();
    assert_eq!(decoded["claims"]["exp"].as_i64().unwrap(), iat + 3600);

    let pop = build(&["pop", "--key", instance_private.path(), "--audience=https://as.example.com"]);
    let decoded = inspect_token(&pop);
    assert_eq!(decoded["kind"], "pop");
    assert_eq!(decoded["claims"]["aud"], "https://as.example.com");
    assert!(decoded["claims"]["jti"].as_str().unwrap().len() >= 22, "random jti: {decoded:#}");
    assert!(decoded["claims"].get("iss").is_none() && decoded["claims"].get("exp").is_none());

    let policy = TempFile::json(
        "gen-policy",
        &json!({
            "audience": "https://as.example.com",
            "attesters": [{ "jwks": { "keys": [attester["publicJwk"]] } }]
        }),
    );
    let request = TempFile::json(
        "gen-request",
        &json!({
            "method": "POST",
            "url": "https://as.example.com/token",
            "headers": [["OAuth-Client-Attestation", att], ["OAuth-Client-Attestation-PoP", pop]]
        }),
    );
    let o = verify(policy.path(), request.path());
    assert_eq!(code(&o), 0, "stdout: {}\nstderr: {}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    let v = stdout_json(&o);
    assert_eq!(v["ok"], true);
    assert_eq!(v["clientId"], "https://client.example.com");
    assert_eq!(v["instanceKeyThumbprint"], instance["thumbprint"]);

    // Combined mode: the same attestation with a DPoP proof instead of the PoP.
    let dpop =
        build(&["dpop", "--key", instance_private.path(), "--method", "POST", "--url", "https://as.example.com/token"]);
    let combined_request = TempFile::json(
        "gen-combined-request",
        &json!({
            "method": "POST",
            "url": "https://as.example.com/token",
            "headers": [["OAuth-Client-Attestation", att], ["DPoP", dpop]]
        }),
    );
    // Not enabled in this policy: rejected.
    assert_rejected(&verify(policy.path(), combined_request.path()), "pop.combined_mode_not_enabled");
    let combined_policy = TempFile::json(
        "gen-combined-policy",
        &json!({
            "audience": "https://as.example.com",
            "attesters": [{ "jwks": { "keys": [attester["publicJwk"]] } }],
            "dpop": { "combined": true }
        }),
    );
    let o = verify(combined_policy.path(), combined_request.path());
    assert_eq!(code(&o), 0, "stdout: {}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(stdout_json(&o)["mechanism"], "dpop_combined");
    // With server nonces required: use_dpop_nonce, and the response carries a fresh DPoP-Nonce.
    let nonce_policy = TempFile::json(
        "gen-nonce-policy",
        &json!({
            "audience": "https://as.example.com",
            "attesters": [{ "jwks": { "keys": [attester["publicJwk"]] } }],
            "dpop": { "combined": true, "nonce": { "secret": "cli-test-dpop-nonce-secret-0123456789" } }
        }),
    );
    let v = assert_rejected(&verify(nonce_policy.path(), combined_request.path()), "dpop.nonce_missing");
    assert_eq!(v["error"], "use_dpop_nonce");
    let headers = v["response"]["headers"].as_array().unwrap();
    assert!(headers.iter().any(|h| h[0] == "DPoP-Nonce"), "{v:#}");
}

#[test]
fn verify_legacy_mode_on_the_draft_09_pop() {
    let request = json!({
        "method": "POST",
        "url": "https://as.example.com/token",
        "headers": [
            ["OAuth-Client-Attestation", fixture_text("draft/client-attestation.jwt").trim()],
            ["OAuth-Client-Attestation-PoP", fixture_text("legacy/draft-09.client-attestation-pop.as.jwt").trim()]
        ],
        "now": 1772487600,
        "expectedChallenge": "5c1a9e10-29ff-4c2b-ae73-57c0957c09c4"
    });
    assert_rejected(&verify_value("policy.as.json", &request), "pop.iat_missing");
    let mut legacy = fixture_json("policy.as.json");
    legacy["legacy"] = json!(true);
    let legacy_policy = TempFile::json("legacy-policy", &legacy);
    let request_file = TempFile::json("legacy-request", &request);
    let o = verify(legacy_policy.path(), request_file.path());
    assert_eq!(code(&o), 0, "stdout: {}", String::from_utf8_lossy(&o.stdout));
    let v = stdout_json(&o);
    assert!(v["audit"]["shape"].as_array().unwrap().iter().any(|h| h == "pop.nonce"), "{v:#}");
}

#[test]
fn build_then_verify_es256() {
    build_and_verify("ES256");
}

#[test]
fn build_then_verify_eddsa() {
    build_and_verify("EdDSA");
}

#[test]
fn build_attestation_options() {
    let attester = TempFile::json("att-opt-attester", &build_key("ES256", &[])["privateJwk"]);
    // A plain public JWK as the instance key; a private one works too.
    let instance = TempFile::new("att-opt-instance", &fixture_text("keys/client-instance-key.public.jwk.json"));
    let instance_private = fixture("keys/client-instance-key.private.jwk.json");
    let extra = TempFile::json("att-opt-claims", &json!({"wallet_name": "Example", "sub": "ignored"}));
    let midnight = NOW - NOW.rem_euclid(86_400);
    for instance_path in [instance.path(), instance_private.as_str()] {
        let now = NOW.to_string();
        let att = build(&[
            "attestation",
            "--issuer-key",
            attester.path(),
            "--kid",
            "11",
            "--client-id",
            "https://client.example.com",
            "--instance-key",
            instance_path,
            "--iat",
            &now,
            "--expires-in",
            "172800",
            "--round-to",
            "86400",
            "--claims",
            extra.path(),
        ]);
        let d = inspect_token(&att);
        assert_eq!(d["header"]["kid"], "11");
        assert_eq!(d["claims"]["iat"], midnight);
        assert_eq!(d["claims"]["exp"], midnight + 2 * 86_400);
        assert_eq!(d["claims"]["wallet_name"], "Example");
        assert_eq!(d["claims"]["sub"], "https://client.example.com");
        assert_eq!(d["thumbprint"], INSTANCE_THUMBPRINT);
    }
    let exp = (NOW + 10).to_string();
    let att = build(&[
        "attestation",
        "--issuer-key",
        attester.path(),
        "--client-id",
        "c",
        "--instance-key",
        instance.path(),
        "--iat",
        &NOW.to_string(),
        "--exp",
        &exp,
    ]);
    assert_eq!(inspect_token(&att)["claims"]["exp"], NOW + 10);

    let base = ["build", "attestation", "--issuer-key", attester.path(), "--client-id", "c"];
    let with = |more: &[&str]| -> Output {
        let mut args = base.to_vec();
        args.extend_from_slice(more);
        run(&args)
    };
    assert_input_error(&with(&[]), "missing --instance-key");
    assert_input_error(&with(&["--instance-key", instance.path(), "--exp", "5", "--expires-in", "5"]), "not both");
    // Rounding an hour-long attestation down to midnight would make it expire at once.
    assert_input_error(
        &with(&["--instance-key", instance.path(), "--iat", &NOW.to_string(), "--round-to", "86400"]),
        "give a longer --expires-in",
    );
    assert_input_error(&with(&["--instance-key", instance.path(), "--iat", "soon"]), "--iat must be an integer");
    assert_input_error(&with(&["--instance-key", instance.path(), "--round-to", "0"]), "positive");
    // The issuer key must be private.
    assert_input_error(
        &run(&[
            "build",
            "attestation",
            "--issuer-key",
            instance.path(),
            "--client-id",
            "c",
            "--instance-key",
            instance.path(),
        ]),
        "not a private JWK",
    );
}

#[test]
fn build_pop_options_and_legacy_claims() {
    let key = fixture("keys/client-instance-key.private.jwk.json");
    let now = NOW.to_string();
    let pop = build(&[
        "pop",
        "--key",
        &key,
        "--audience",
        "https://as.example.com",
        "--challenge",
        "c-1",
        "--iat",
        &now,
        "--jti",
        "jti-1",
    ]);
    let d = inspect_token(&pop);
    assert_eq!(d["claims"], json!({"aud": "https://as.example.com", "jti": "jti-1", "iat": NOW, "challenge": "c-1"}));
    assert_eq!(d["header"], json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "ES256"}));

    let legacy = build(&[
        "pop",
        "--key",
        &key,
        "--audience",
        "https://as.example.com",
        "--iat",
        &now,
        "--legacy-claims",
        "--client-id",
        "https://client.example.com",
    ]);
    let c = &inspect_token(&legacy)["claims"];
    assert_eq!(c["iss"], "https://client.example.com");
    assert_eq!(c["exp"], NOW + 300);
    let legacy = build(&[
        "pop",
        "--key",
        &key,
        "--audience",
        "https://as.example.com",
        "--iat",
        &now,
        "--legacy-claims",
        "--client-id=x",
        "--legacy-lifetime=60",
    ]);
    assert_eq!(inspect_token(&legacy)["claims"]["exp"], NOW + 60);

    let base = ["build", "pop", "--key", key.as_str(), "--audience", "https://as.example.com"];
    let with = |more: &[&str]| -> Output {
        let mut args = base.to_vec();
        args.extend_from_slice(more);
        run(&args)
    };
    assert_input_error(&with(&["--legacy-claims"]), "--legacy-claims needs --client-id");
    assert_input_error(&with(&["--client-id", "x"]), "only go with --legacy-claims");
    assert_input_error(&with(&["--jti", "a", "--jti", "b"]), "--jti given twice");
    assert_input_error(&with(&["--bogus"]), "unexpected argument `--bogus`");
    assert_input_error(&run(&["build", "pop", "--key", &key]), "missing --audience");
    assert_input_error(&with(&["--jti"]), "--jti needs a value");
}

#[test]
fn build_dpop_decodes_as_a_dpop_proof() {
    let k = build_key("ES256", &["--kid", "not-in-the-proof"]);
    let key = TempFile::json("dpop-key", &k["privateJwk"]);
    let now = NOW.to_string();
    let proof = build(&[
        "dpop",
        "--key",
        key.path(),
        "--method",
        "POST",
        "--url",
        "https://rs.example.com/resource?query=1",
        "--nonce",
        "n-1",
        "--access-token",
        "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU",
        "--iat",
        &now,
        "--jti",
        "dpop-jti",
    ]);
    let d = inspect_token(&proof);
    assert_eq!(d["kind"], "dpop");
    assert_eq!(d["kindFromTyp"], true);
    assert_eq!(d["header"]["typ"], "dpop+jwt");
    assert_eq!(d["thumbprint"], k["thumbprint"]);
    let jwk = d["header"]["jwk"].as_object().unwrap();
    assert!(!jwk.contains_key("d") && !jwk.contains_key("kid"), "{jwk:?}");
    assert_eq!(
        d["claims"],
        json!({
            "jti": "dpop-jti",
            "htm": "POST",
            "htu": "https://rs.example.com/resource",
            "iat": NOW,
            "nonce": "n-1",
            "ath": "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        })
    );

    // Defaults: random jti, current time, no nonce or ath.
    let d =
        inspect_token(&build(&["dpop", "--key", key.path(), "--method", "GET", "--url", "https://as.example.com/x"]));
    assert_eq!(d["kind"], "dpop");
    assert!(d["claims"]["jti"].as_str().unwrap().len() >= 22);
    assert!(d["claims"]["iat"].as_i64().unwrap() > NOW);
    assert!(d["claims"].get("nonce").is_none() && d["claims"].get("ath").is_none());

    assert_input_error(&run(&["build", "dpop", "--key", key.path(), "--url", "u"]), "missing --method");
}

#[test]
fn build_usage_errors() {
    assert_input_error(&run(&["build"]), "missing what to build");
    assert_input_error(&run(&["build", "token"]), "unknown artefact `token`");
    let missing = std::env::temp_dir().join(format!("client-attestation-cli-{}-no-key.json", std::process::id()));
    assert_input_error(
        &run(&["build", "pop", "--key", missing.to_str().unwrap(), "--audience", "a"]),
        "cannot read instance key",
    );
    let not_json = TempFile::new("not-a-key", "{ nope");
    assert_input_error(&run(&["build", "pop", "--key", not_json.path(), "--audience", "a"]), "not valid JSON");
    let o = run(&["build", "--help"]);
    assert_eq!(code(&o), 0);
    let out = String::from_utf8(o.stdout).unwrap();
    for needle in ["build key --alg", "build attestation --issuer-key", "build pop --key", "build dpop --key"] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
}
