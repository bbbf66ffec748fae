//! `client-attestation`: inspect tokens, verify a request against a policy, and print the
//! reason table.
//!
//! ```text
//! client-attestation inspect <token | ->
//! client-attestation verify --policy policy.json --request request.json [--explain]
//! client-attestation reasons
//! ```
//!
//! Exit codes: 0 success / accepted, 1 rejected, 2 usage or input error.

#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use client_attestation::{
    Audit, CheckResult, HttpRequest, HttpResponse, MemoryReplayStore, Reason, RequestContext,
    Verifier,
};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::process::ExitCode;

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
  client-attestation reasons
  client-attestation checks
      Print the rejection reason table as Markdown.
  client-attestation --help | -h
      Print this help.

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
    let args: Vec<String> = match std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect::<Result<_, _>>()
    {
        Ok(a) => a,
        Err(bad) => {
            return fail(&Failure::usage(format!(
                "argument is not valid UTF-8: {}",
                bad.to_string_lossy()
            )));
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
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure(format!("cannot serialize the output: {e}")))?;
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
        io::stdin()
            .lock()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes))
    };
    let source = if path == "-" { "stdin" } else { path };
    result.map_err(|e| Failure(format!("cannot read {what} {source}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Failure(format!(
            "{what} {source} is larger than {MAX_INPUT} bytes"
        )));
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
            return Err(Failure::usage(
                "inspect: missing <token> (or `-` for stdin)",
            ));
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
                return Err(Failure::usage(format!(
                    "verify: unexpected argument `{arg}`"
                )));
            }
        };
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| Failure::usage(format!("verify: {flag} needs a file path")))?,
        };
        if value.is_empty() {
            return Err(Failure::usage(format!("verify: {flag} needs a file path")));
        }
        if slot.replace(value).is_some() {
            return Err(Failure::usage(format!("verify: {flag} given twice")));
        }
    }
    let policy = policy.ok_or_else(|| Failure::usage("verify: missing --policy <policy.json>"))?;
    let request =
        request.ok_or_else(|| Failure::usage("verify: missing --request <request.json>"))?;
    if policy == "-" && request == "-" {
        return Err(Failure::usage(
            "verify: only one of --policy and --request can read stdin",
        ));
    }
    Ok(VerifyArgs {
        policy,
        request,
        explain,
    })
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
    let file: RequestFile = serde_json::from_str(&request_text)
        .map_err(|e| Failure(format!("invalid request {}: {e}", a.request)))?;
    let req = HttpRequest {
        method: file.method,
        url: file.url,
        headers: file.headers,
    };
    let ctx = RequestContext {
        now: file.now.unwrap_or_else(client_attestation::unix_now),
        client_id: file.client_id,
        expected_challenge: file.expected_challenge,
        access_token: file.access_token,
        explain: a.explain,
    };

    let verdict = verifier.verify(&req, &ctx, &mut MemoryReplayStore::default());

    let challenge = if verdict.needs_challenge() {
        fresh_challenge(&verifier, ctx.now)
    } else {
        None
    };
    let response = verifier.error_response(&verdict, challenge.as_deref());

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
    Ok(if verdict.is_accepted() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

/// A fresh stateless challenge for a `use_attestation_challenge` response, if the policy can
/// issue one. A missing CSPRNG only loses the challenge header, with a warning.
fn fresh_challenge(verifier: &Verifier, now: i64) -> Option<String> {
    let mut random = [0u8; 16];
    match getrandom::fill(&mut random) {
        Ok(()) => verifier.issue_challenge(now, &random),
        Err(e) => {
            let _ = writeln!(
                io::stderr().lock(),
                "{NAME}: warning: no randomness for a fresh challenge: {e}"
            );
            None
        }
    }
}

// ---- reasons -----------------------------------------------------------------------------------

fn reasons(args: &[String]) -> Result<ExitCode, Failure> {
    if is_help(args) {
        print(USAGE)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(extra) = args.first() {
        return Err(Failure::usage(format!(
            "reasons: unexpected argument `{extra}`"
        )));
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
        return Err(Failure::usage(format!(
            "checks: unexpected argument `{extra}`"
        )));
    }
    let mut s = String::from("| requirement | check | what is checked |\n|---|---|---|\n");
    for c in client_attestation::Check::ALL {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            cell(c.requirement()),
            cell(c.id()),
            cell(c.title())
        );
    }
    print(&s)?;
    Ok(ExitCode::SUCCESS)
}

/// Escapes a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}
