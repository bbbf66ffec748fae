//! `client-attestation`: inspect tokens, verify a request against a policy, build keys,
//! attestations, PoPs and DPoP proofs for testing, and print the reason table.
//!
//! ```text
//! client-attestation inspect <token | ->
//! client-attestation verify --policy policy.json --request request.json [--explain]
//! client-attestation build key --alg ES256|EdDSA
//! client-attestation build attestation --issuer-key k.json --client-id X --instance-key i.json
//! client-attestation build pop --key i.json --audience URL
//! client-attestation build dpop --key i.json --method POST --url URL
//! client-attestation reasons
//! ```
//!
//! Exit codes: 0 success / accepted, 1 rejected, 2 usage or input error.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use client_attestation::builder::{
    AttestationSpec, DpopSpec, LegacyPopClaims, PopSpec, SigningKey, create_attestation, create_dpop_proof, create_pop,
    random_jti,
};
use client_attestation::jose::json::Wiped;
use client_attestation::{
    Algorithm, Audit, CheckResult, HttpRequest, HttpResponse, MemoryReplayStore, PublicKey, Reason, RequestContext,
    Verifier,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use zeroize::Zeroizing;

const NAME: &str = "client-attestation";

/// Largest input read from a file or stdin (policies, requests, tokens).
const MAX_INPUT: u64 = 4 * 1024 * 1024;

const USAGE: &str = "\
client-attestation: OAuth 2.0 Attestation-Based Client Authentication (draft -11)

Usage:
  client-attestation inspect <token | ->
      Decode a Client Attestation, PoP or DPoP JWT without verifying it
      (`-` reads the token from stdin) and print it as JSON.
  client-attestation verify --policy <policy.json> --request <request.json> [--explain]
      Verify a request against a policy and print the verdict as JSON.
      request.json: { \"method\", \"url\", \"headers\": [[name, value], ...],
                      \"clientId\"?, \"now\"?, \"expectedChallenge\"?, \"accessToken\"? }
      --explain evaluates every check, even after one failed.
      `-` as a path reads that file from stdin.
  client-attestation build key --alg <ES256 | EdDSA> [--kid <kid>]
      Generate a key pair and print { \"alg\", \"privateJwk\", \"publicJwk\", \"thumbprint\" }.
      The private key is printed: keep the output secret.
  client-attestation build attestation --issuer-key <key.json> [--kid <kid>]
          --client-id <client_id> --instance-key <key.json> [--iat <time>]
          [--exp <time> | --expires-in <seconds>] [--round-to <seconds>]
          [--claims <extra.json>]
      Issue a Client Attestation JWT signed by the attester's private key. The instance key
      may be public or private (only its public part goes into cnf.jwk). --expires-in
      defaults to 3600; --round-to 86400 rounds iat and exp down to midnight UTC.
  client-attestation build pop --key <instance.json> --audience <url> [--challenge <c>]
          [--iat <time>] [--jti <jti>]
          [--legacy-claims --client-id <client_id> [--legacy-lifetime <seconds>]]
      Create a Client Attestation PoP JWT. --legacy-claims adds the iss and exp claims that
      verifiers built for drafts up to -07 still require (exp = iat + 300 by default).
  client-attestation build dpop --key <instance.json> --method <method> --url <url>
          [--nonce <nonce>] [--access-token <token>] [--iat <time>] [--jti <jti>]
      Create a DPoP proof (RFC 9449) for combined mode; --access-token adds `ath`.
  client-attestation reasons
  client-attestation checks
      Print the rejection reason table (or the check list) as Markdown.
  client-attestation --help | -h
      Print this help.

Key files (<key.json>) hold a JWK, or the output of `build key`. Times are Unix seconds and
default to now; a random 128-bit jti is used unless --jti is given. `build` prints the
compact JWT on one line. `--flag=value` works as well as `--flag value`.

Exit status: 0 accepted / success, 1 rejected, 2 usage or input error.
";

/// Exit status of a rejected verification.
const EXIT_REJECTED: u8 = 1;
/// Exit status of a usage or input error.
const EXIT_USAGE: u8 = 2;

/// A failure that ends the program with status 2 and one line on stderr.
struct Failure(String);

impl Failure {
    fn usage(msg: impl Into<String>) -> Self {
        Failure(format!("{} (see `{NAME} --help`)", msg.into()))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = match std::env::args_os().skip(1).map(|a| a.into_string()).collect::<Result<_, _>>() {
        Ok(a) => a,
        Err(bad) => {
            return fail(&Failure::usage(format!("argument is not valid UTF-8: {}", bad.to_string_lossy())));
        }
    };
    match run(&args) {
        Ok(code) => code,
        Err(f) => fail(&f),
    }
}

fn fail(f: &Failure) -> ExitCode {
    let _ = writeln!(io::stderr().lock(), "{NAME}: {}", f.0);
    ExitCode::from(EXIT_USAGE)
}

fn run(args: &[String]) -> Result<ExitCode, Failure> {
    let Some((command, rest)) = args.split_first() else {
        let _ = io::stderr().lock().write_all(USAGE.as_bytes());
        return Ok(ExitCode::from(EXIT_USAGE));
    };
    match command.as_str() {
        "-h" | "--help" | "help" => {
            print(USAGE)?;
            Ok(ExitCode::SUCCESS)
        }
        "inspect" => inspect(rest),
        "verify" => verify(rest),
        "build" => build(rest),
        "reasons" => reasons(rest),
        "checks" => checks(rest),
        other => {
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "{NAME}: unknown command `{other}`\n");
            let _ = err.write_all(USAGE.as_bytes());
            Ok(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// Writes `text` to stdout (a closed stdout is an error, not a panic).
fn print(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure(format!("cannot write to stdout: {e}")))
}

fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let mut text =
        serde_json::to_string_pretty(value).map_err(|e| Failure(format!("cannot serialize the output: {e}")))?;
    text.push('\n');
    print(&text)
}

fn is_help(args: &[String]) -> bool {
    args.iter().any(|a| a == "-h" || a == "--help")
}

/// Reads a whole file, or stdin for `-`, as UTF-8 (bounded by `MAX_INPUT`).
fn read_input(path: &str, what: &str) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    let result = if path == "-" {
        io::stdin().lock().take(MAX_INPUT + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes))
    };
    let source = if path == "-" { "stdin" } else { path };
    result.map_err(|e| Failure(format!("cannot read {what} {source}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Failure(format!("{what} {source} is larger than {MAX_INPUT} bytes")));
    }
    String::from_utf8(bytes).map_err(|_| Failure(format!("{what} {source} is not valid UTF-8")))
}

// ---- inspect -----------------------------------------------------------------------------------

fn inspect(args: &[String]) -> Result<ExitCode, Failure> {
    if is_help(args) {
        print(USAGE)?;
        return Ok(ExitCode::SUCCESS);
    }
    let token = match args {
        [t] if t == "-" => read_input("-", "token from")?,
        [t] => t.clone(),
        [] => {
            return Err(Failure::usage("inspect: missing <token> (or `-` for stdin)"));
        }
        _ => return Err(Failure::usage("inspect: expects exactly one <token>")),
    };
    print_json(&client_attestation::inspect(&token))?;
    Ok(ExitCode::SUCCESS)
}

// ---- verify ------------------------------------------------------------------------------------

/// `request.json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RequestFile {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    now: Option<i64>,
    #[serde(default)]
    expected_challenge: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    access_token_jkt: Option<String>,
    #[serde(default)]
    expected_dpop_nonce: Option<String>,
}

/// What `verify` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requirement: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_key_thumbprint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mechanism: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<HttpResponse>,
    checks: &'a [CheckResult],
    audit: &'a Audit,
}

struct VerifyArgs {
    policy: String,
    request: String,
    explain: bool,
}

fn parse_verify_args(args: &[String]) -> Result<VerifyArgs, Failure> {
    let mut policy = None;
    let mut request = None;
    let mut explain = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let slot = match flag {
            "--policy" => &mut policy,
            "--request" => &mut request,
            "--explain" if inline.is_none() => {
                explain = true;
                continue;
            }
            _ => {
                return Err(Failure::usage(format!("verify: unexpected argument `{arg}`")));
            }
        };
        let value = match inline {
            Some(v) => v,
            None => it.next().cloned().ok_or_else(|| Failure::usage(format!("verify: {flag} needs a file path")))?,
        };
        if value.is_empty() {
            return Err(Failure::usage(format!("verify: {flag} needs a file path")));
        }
        if slot.replace(value).is_some() {
            return Err(Failure::usage(format!("verify: {flag} given twice")));
        }
    }
    let policy = policy.ok_or_else(|| Failure::usage("verify: missing --policy <policy.json>"))?;
    let request = request.ok_or_else(|| Failure::usage("verify: missing --request <request.json>"))?;
    if policy == "-" && request == "-" {
        return Err(Failure::usage("verify: only one of --policy and --request can read stdin"));
    }
    Ok(VerifyArgs { policy, request, explain })
}

fn verify(args: &[String]) -> Result<ExitCode, Failure> {
    if is_help(args) {
        print(USAGE)?;
        return Ok(ExitCode::SUCCESS);
    }
    let a = parse_verify_args(args)?;

    let policy_text = read_input(&a.policy, "policy")?;
    let verifier = Verifier::from_json(&policy_text).map_err(|e| Failure(e.to_string()))?;

    let request_text = read_input(&a.request, "request")?;
    let file: RequestFile =
        serde_json::from_str(&request_text).map_err(|e| Failure(format!("invalid request {}: {e}", a.request)))?;
    let req = HttpRequest { method: file.method, url: file.url, headers: file.headers };
    let ctx = RequestContext {
        now: file.now.unwrap_or_else(client_attestation::unix_now),
        client_id: file.client_id,
        expected_challenge: file.expected_challenge,
        expected_dpop_nonce: file.expected_dpop_nonce,
        access_token: file.access_token,
        access_token_jkt: file.access_token_jkt,
        explain: a.explain,
        form_body: None,
    };

    let verdict = verifier.verify(&req, &ctx, &mut MemoryReplayStore::default());

    let response = match (verdict.needs_challenge() || verdict.needs_dpop_nonce()).then(fresh_random).flatten() {
        Some(random) => verifier.respond(&verdict, ctx.now, &random),
        None => verifier.error_response(&verdict, None),
    };

    let rejection = verdict.rejection();
    let accepted = verdict.outcome.as_ref().ok();
    let report = Report {
        ok: verdict.is_accepted(),
        error: rejection.map(|r| r.error().as_str()),
        reason: rejection.map(|r| r.reason.code()),
        description: rejection.map(|r| r.description()),
        requirement: rejection.map(|r| r.reason.requirement()),
        client_id: accepted.map(|a| a.client_id.as_str()),
        instance_key_thumbprint: accepted.map(|a| a.instance_key.thumbprint()),
        mechanism: accepted.map(|a| a.mechanism.as_str()),
        response,
        checks: &verdict.checks,
        audit: &verdict.audit,
    };
    print_json(&report)?;
    Ok(if verdict.is_accepted() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_REJECTED) })
}

/// A fresh stateless challenge for a `use_attestation_challenge` response, if the policy can
/// issue one. A missing CSPRNG only loses the challenge header, with a warning.
/// 16 random bytes for a fresh challenge or DPoP nonce (a warning and `None` if the system
/// has no randomness to give).
fn fresh_random() -> Option<[u8; 16]> {
    let mut random = [0u8; 16];
    match getrandom::fill(&mut random) {
        Ok(()) => Some(random),
        Err(e) => {
            let _ = writeln!(io::stderr().lock(), "{NAME}: warning: no randomness for a fresh challenge or nonce: {e}");
            None
        }
    }
}

// ---- build -------------------------------------------------------------------------------------

/// Default attestation lifetime for `build attestation` without --exp or --expires-in.
const DEFAULT_ATTESTATION_LIFETIME: i64 = 3600;

fn build(args: &[String]) -> Result<ExitCode, Failure> {
    let Some((what, rest)) = args.split_first() else {
        return Err(Failure::usage("build: missing what to build (key, attestation, pop or dpop)"));
    };
    if is_help(args) {
        print(USAGE)?;
        return Ok(ExitCode::SUCCESS);
    }
    let output = match what.as_str() {
        "key" => build_key(rest)?,
        "attestation" => build_attestation(rest)?,
        "pop" => build_pop(rest)?,
        "dpop" => build_dpop(rest)?,
        other => {
            return Err(Failure::usage(format!(
                "build: unknown artefact `{other}` (expected key, attestation, pop or dpop)"
            )));
        }
    };
    // The output may be a private key: no copy into a growing buffer, then the newline.
    print(&output)?;
    print("\n")?;
    Ok(ExitCode::SUCCESS)
}

/// Parsed `--flag value` / `--flag=value` options and `--switch`es of one subcommand.
struct Flags {
    command: &'static str,
    values: BTreeMap<&'static str, String>,
    switches: Vec<&'static str>,
}

impl Flags {
    fn parse(
        command: &'static str,
        args: &[String],
        valued: &[&'static str],
        switches: &[&'static str],
    ) -> Result<Flags, Failure> {
        let mut flags = Flags { command, values: BTreeMap::new(), switches: Vec::new() };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v)),
                _ => (arg.as_str(), None),
            };
            if let Some(&switch) = switches.iter().find(|s| **s == name)
                && inline.is_none()
            {
                if flags.switches.contains(&switch) {
                    return Err(Failure::usage(format!("{command}: {name} given twice")));
                }
                flags.switches.push(switch);
                continue;
            }
            let Some(&flag) = valued.iter().find(|v| **v == name) else {
                return Err(Failure::usage(format!("{command}: unexpected argument `{arg}`")));
            };
            let value = match inline {
                Some(v) => v.to_string(),
                None => it.next().cloned().ok_or_else(|| Failure::usage(format!("{command}: {flag} needs a value")))?,
            };
            if value.is_empty() {
                return Err(Failure::usage(format!("{command}: {flag} needs a value")));
            }
            if flags.values.insert(flag, value).is_some() {
                return Err(Failure::usage(format!("{command}: {flag} given twice")));
            }
        }
        Ok(flags)
    }

    fn get(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }

    fn required(&self, flag: &str, what: &str) -> Result<&str, Failure> {
        self.get(flag).ok_or_else(|| Failure::usage(format!("{}: missing {flag} <{what}>", self.command)))
    }

    fn switch(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }

    fn int(&self, flag: &str) -> Result<Option<i64>, Failure> {
        self.get(flag)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| Failure::usage(format!("{}: {flag} must be an integer, not `{v}`", self.command)))
            })
            .transpose()
    }

    fn seconds(&self, flag: &str) -> Result<Option<i64>, Failure> {
        match self.int(flag)? {
            Some(s) if s <= 0 => {
                Err(Failure::usage(format!("{}: {flag} must be a positive number of seconds", self.command)))
            }
            other => Ok(other),
        }
    }

    /// `--iat`, defaulting to the system clock.
    fn iat(&self) -> Result<i64, Failure> {
        Ok(self.int("--iat")?.unwrap_or_else(client_attestation::unix_now))
    }

    /// `--jti`, defaulting to 128 random bits.
    fn jti(&self) -> Result<String, Failure> {
        match self.get("--jti") {
            Some(j) => Ok(j.to_string()),
            None => random_jti().map_err(|e| Failure(format!("{}: {e}", self.command))),
        }
    }
}

/// Reads a key file (a JWK, or the output of `build key`) into zeroizing buffers.
fn read_key_file(path: &str, what: &str) -> Result<Wiped, Failure> {
    let text = Zeroizing::new(read_input(path, what)?);
    match serde_json::from_str::<Wiped>(&text) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(Failure(format!("{what} {path} is not a JSON object"))),
        Err(e) => Err(Failure(format!("{what} {path} is not valid JSON: {e}"))),
    }
}

/// The private JWK of a key file: the file itself, or its `privateJwk` member.
fn private_jwk<'a>(file: &'a Wiped, path: &str, what: &str) -> Result<&'a Map<String, Value>, Failure> {
    match file.get("privateJwk").unwrap_or(&file.0) {
        Value::Object(m) if m.contains_key("d") => Ok(m),
        _ => Err(Failure(format!("{what} {path} is not a private JWK (no `d` member)"))),
    }
}

/// Loads a private signing key from a key file.
fn load_signing_key(path: &str, what: &str) -> Result<SigningKey, Failure> {
    let file = read_key_file(path, what)?;
    let jwk = private_jwk(&file, path, what)?;
    SigningKey::from_jwk(jwk).map_err(|e| Failure(format!("{what} {path}: {e}")))
}

/// Loads a public key from a key file: a public JWK, a private JWK (only its public part is
/// used), or the output of `build key`.
fn load_public_key(path: &str, what: &str) -> Result<PublicKey, Failure> {
    let file = read_key_file(path, what)?;
    let bad = |e: client_attestation::jose::jwk::JwkError| Failure(format!("{what} {path}: {e}"));
    if let Some(public) = file.get("publicJwk") {
        return PublicKey::from_value(public).map_err(bad);
    }
    match &*file {
        Value::Object(m) if m.contains_key("d") => SigningKey::from_jwk(m).map(|k| k.public_key().clone()).map_err(bad),
        v => PublicKey::from_value(v).map_err(bad),
    }
}

fn build_key(args: &[String]) -> Result<Zeroizing<String>, Failure> {
    let f = Flags::parse("build key", args, &["--alg", "--kid"], &[])?;
    let alg = match f.required("--alg", "ES256 | EdDSA")? {
        "ES256" => Algorithm::Es256,
        "EdDSA" => Algorithm::EdDsa,
        other => {
            return Err(Failure::usage(format!("build key: --alg must be ES256 or EdDSA, not `{other}`")));
        }
    };
    let mut key = SigningKey::generate(alg).map_err(|e| Failure(format!("build key: {e}")))?;
    if let Some(kid) = f.get("--kid") {
        key = key.with_kid(kid);
    }
    Ok(key.to_key_json())
}

fn build_attestation(args: &[String]) -> Result<Zeroizing<String>, Failure> {
    let f = Flags::parse(
        "build attestation",
        args,
        &[
            "--issuer-key",
            "--kid",
            "--client-id",
            "--instance-key",
            "--iat",
            "--exp",
            "--expires-in",
            "--round-to",
            "--claims",
        ],
        &[],
    )?;
    let issuer_path = f.required("--issuer-key", "key.json")?;
    let client_id = f.required("--client-id", "client_id")?.to_string();
    let instance_path = f.required("--instance-key", "key.json")?;
    let iat = f.iat()?;
    let exp = match (f.int("--exp")?, f.seconds("--expires-in")?) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage("build attestation: give --exp or --expires-in, not both"));
        }
        (Some(exp), None) => exp,
        (None, lifetime) => iat
            .checked_add(lifetime.unwrap_or(DEFAULT_ATTESTATION_LIFETIME))
            .ok_or_else(|| Failure::usage("build attestation: exp overflows"))?,
    };
    let extra = match f.get("--claims") {
        None => Map::new(),
        Some(path) => match serde_json::from_str(&read_input(path, "claims")?) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(Failure(format!("claims {path} is not a JSON object"))),
            Err(e) => return Err(Failure(format!("claims {path} is not valid JSON: {e}"))),
        },
    };
    let mut issuer = load_signing_key(issuer_path, "issuer key")?;
    if let Some(kid) = f.get("--kid") {
        issuer = issuer.with_kid(kid);
    }
    let spec = AttestationSpec {
        client_id,
        instance_key: load_public_key(instance_path, "instance key")?,
        iat,
        exp,
        round_to: f.seconds("--round-to")?,
        extra,
    };
    let (rounded_iat, rounded_exp) = spec.rounded_times();
    if rounded_exp <= rounded_iat || rounded_exp <= iat {
        return Err(Failure::usage(format!(
            "build attestation: exp {rounded_exp} is not after iat {iat}{}",
            if spec.round_to.is_some() { " once rounded; give a longer --expires-in" } else { "" }
        )));
    }
    Ok(Zeroizing::new(create_attestation(&issuer, &spec)))
}

fn build_pop(args: &[String]) -> Result<Zeroizing<String>, Failure> {
    let f = Flags::parse(
        "build pop",
        args,
        &["--key", "--audience", "--challenge", "--iat", "--jti", "--client-id", "--legacy-lifetime"],
        &["--legacy-claims"],
    )?;
    let key_path = f.required("--key", "instance.json")?;
    let audience = f.required("--audience", "url")?.to_string();
    let legacy = match (f.switch("--legacy-claims"), f.get("--client-id")) {
        (true, Some(client_id)) => Some(LegacyPopClaims {
            client_id: client_id.to_string(),
            lifetime: f.seconds("--legacy-lifetime")?.unwrap_or(LegacyPopClaims::DEFAULT_LIFETIME),
        }),
        (true, None) => {
            return Err(Failure::usage("build pop: --legacy-claims needs --client-id <client_id> (the legacy iss)"));
        }
        (false, _) if f.get("--client-id").is_some() || f.get("--legacy-lifetime").is_some() => {
            return Err(Failure::usage("build pop: --client-id and --legacy-lifetime only go with --legacy-claims"));
        }
        (false, _) => None,
    };
    let mut spec = PopSpec::new(audience, f.jti()?, f.iat()?);
    spec.challenge = f.get("--challenge").map(str::to_string);
    if let Some(legacy) = &legacy {
        spec = spec.with_legacy_claims(legacy);
    }
    let key = load_signing_key(key_path, "instance key")?;
    Ok(Zeroizing::new(create_pop(&key, &spec)))
}

fn build_dpop(args: &[String]) -> Result<Zeroizing<String>, Failure> {
    let f = Flags::parse(
        "build dpop",
        args,
        &["--key", "--method", "--url", "--nonce", "--access-token", "--iat", "--jti"],
        &[],
    )?;
    let key_path = f.required("--key", "instance.json")?;
    let method = f.required("--method", "method")?.to_string();
    let url = f.required("--url", "url")?.to_string();
    let mut spec = DpopSpec::new(method, url, f.jti()?, f.iat()?);
    spec.nonce = f.get("--nonce").map(str::to_string);
    spec.access_token = f.get("--access-token").map(str::to_string);
    let key = load_signing_key(key_path, "key")?;
    Ok(Zeroizing::new(create_dpop_proof(&key, &spec)))
}

// ---- reasons -----------------------------------------------------------------------------------

fn reasons(args: &[String]) -> Result<ExitCode, Failure> {
    if is_help(args) {
        print(USAGE)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(extra) = args.first() {
        return Err(Failure::usage(format!("reasons: unexpected argument `{extra}`")));
    }
    print(&reason_table())?;
    Ok(ExitCode::SUCCESS)
}

/// The reason table as Markdown, one row per `Reason::ALL` entry, in table order.
fn reason_table() -> String {
    let mut s = String::from("| reason | error | requirement | description |\n|---|---|---|---|\n");
    for r in Reason::ALL {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            cell(r.code()),
            cell(r.error().as_str()),
            cell(r.requirement()),
            cell(r.description())
        );
    }
    s
}

fn checks(args: &[String]) -> Result<ExitCode, Failure> {
    if let Some(extra) = args.first() {
        return Err(Failure::usage(format!("checks: unexpected argument `{extra}`")));
    }
    let mut s = String::from("| requirement | check | what is checked |\n|---|---|---|\n");
    for c in client_attestation::Check::ALL {
        let _ = writeln!(s, "| {} | {} | {} |", cell(c.requirement()), cell(c.id()), cell(c.title()));
    }
    print(&s)?;
    Ok(ExitCode::SUCCESS)
}

/// Escapes a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}
