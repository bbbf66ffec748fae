//! The JSON shape of a verification result, shared by the JS package and tools:
//!
//! ```text
//! accepted: { ok: true,  clientId, mechanism, instanceKey: { jwk, thumbprint }, dpopKey?, attestation: { header, claims },
//!             proof: { header, claims }, audit, checks? }
//! rejected: { ok: false, error, reason, requirement, check, description, status, response: { status, headers, body }, audit, checks? }
//! ```
//!
//! `checks` (every check in spec order) is included only when asked for (`explain`): it is most
//! of the result's size and of its cost, and servers log the audit record instead.

use crate::checks::CheckResult;
use crate::http::HttpResponse;
use crate::jose::jwk::PublicKey;
use crate::verifier::{Audit, Decoded, Verdict};
use alloc::string::String;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
struct KeyOut<'a> {
    jwk: Value,
    thumbprint: &'a str,
}

impl<'a> KeyOut<'a> {
    fn new(k: &'a PublicKey) -> Self {
        KeyOut { jwk: k.to_jwk(), thumbprint: k.thumbprint() }
    }
}

/// The HTTP response: `{ status, headers: [[name, value], …], body }`.
#[derive(Serialize)]
pub struct ResponseOut<'a> {
    status: u16,
    headers: &'a [(String, String)],
    body: Option<&'a str>,
}

impl<'a> ResponseOut<'a> {
    /// Borrows a response.
    pub fn new(r: &'a HttpResponse) -> Self {
        ResponseOut { status: r.status, headers: &r.headers, body: r.body.as_deref() }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AcceptedOut<'a> {
    ok: bool,
    client_id: &'a str,
    mechanism: &'static str,
    instance_key: KeyOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dpop_key: Option<KeyOut<'a>>,
    attestation: &'a Decoded,
    proof: &'a Decoded,
    audit: &'a Audit,
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<&'a [CheckResult]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RejectedOut<'a> {
    ok: bool,
    error: &'static str,
    reason: &'static str,
    requirement: &'static str,
    check: Option<&'static str>,
    description: String,
    status: Option<u16>,
    response: Option<ResponseOut<'a>>,
    audit: &'a Audit,
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<&'a [CheckResult]>,
}

/// The result as JSON text; `response` is the error response to send, if rejected; `checks`
/// adds every check in spec order.
pub fn verdict_json(verdict: &Verdict, response: Option<&HttpResponse>, checks: bool) -> String {
    let checks = checks.then_some(verdict.checks.as_slice());
    let out = match &verdict.outcome {
        Ok(a) => serde_json::to_string(&AcceptedOut {
            ok: true,
            client_id: &a.client_id,
            mechanism: a.mechanism.as_str(),
            instance_key: KeyOut::new(&a.instance_key),
            dpop_key: a.dpop_key.as_ref().map(KeyOut::new),
            attestation: &a.attestation,
            proof: &a.proof,
            audit: &verdict.audit,
            checks,
        }),
        Err(r) => serde_json::to_string(&RejectedOut {
            ok: false,
            error: r.error().as_str(),
            reason: r.reason.code(),
            requirement: r.reason.requirement(),
            check: verdict
                .checks
                .iter()
                .find(|c| matches!(&c.status, crate::Status::Fail(x) if x == r))
                .map(|c| c.check.id()),
            description: r.description(),
            status: response.map(|x| x.status),
            response: response.map(ResponseOut::new),
            audit: &verdict.audit,
            checks,
        }),
    };
    // Serializing these borrowed structs cannot fail (string keys, finite numbers only).
    out.unwrap_or_else(|_| String::from(r#"{"ok":false,"error":"temporarily_unavailable","reason":"internal"}"#))
}

/// The HTTP response as JSON text.
pub fn response_json(r: &HttpResponse) -> String {
    serde_json::to_string(&ResponseOut::new(r)).unwrap_or_default()
}
