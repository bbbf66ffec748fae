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
use crate::verifier::{Accepted, Audit, Decoded, Verdict};
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
        Ok(a) => accepted_json(a, &verdict.audit, checks),
        Err(r) => rejected_json(verdict, r, response, checks),
    };
    // Serializing these borrowed structs cannot fail (string keys, finite numbers only).
    out.unwrap_or_else(|_| String::from(r#"{"ok":false,"error":"temporarily_unavailable","reason":"internal"}"#))
}

/// The rejected result. Out of line: of the two result shapes, a wasm engine that compiles on
/// first call compiles only the one it meets.
#[inline(never)]
fn rejected_json(
    verdict: &Verdict,
    r: &crate::Rejection,
    response: Option<&HttpResponse>,
    checks: Option<&[CheckResult]>,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&RejectedOut {
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
    })
}

/// `{"header":…,"claims":…}`: the texts that were sent, verbatim (each was strictly parsed as
/// a JSON object, so it is valid JSON; member order is the sender's).
fn push_decoded(out: &mut String, d: &Decoded) -> Result<(), serde_json::Error> {
    if d.raw.header.is_empty() || d.raw.claims.is_empty() {
        out.push_str(&serde_json::to_string(d)?);
    } else {
        out.push_str("{\"header\":");
        out.push_str(&d.raw.header);
        out.push_str(",\"claims\":");
        out.push_str(&d.raw.claims);
        out.push('}');
    }
    Ok(())
}

/// The accepted result, written member by member so the decoded tokens are embedded as sent
/// rather than serialized again (most of the result's size).
fn accepted_json(a: &Accepted, audit: &Audit, checks: Option<&[CheckResult]>) -> Result<String, serde_json::Error> {
    let mut o = String::with_capacity(
        512 + a.attestation.raw.header.len()
            + a.attestation.raw.claims.len()
            + a.proof.raw.header.len()
            + a.proof.raw.claims.len(),
    );
    o.push_str("{\"ok\":true,\"clientId\":");
    o.push_str(&serde_json::to_string(&a.client_id)?);
    o.push_str(",\"mechanism\":\"");
    o.push_str(a.mechanism.as_str());
    o.push_str("\",\"instanceKey\":");
    o.push_str(&serde_json::to_string(&KeyOut::new(&a.instance_key))?);
    if let Some(k) = &a.dpop_key {
        o.push_str(",\"dpopKey\":");
        o.push_str(&serde_json::to_string(&KeyOut::new(k))?);
    }
    o.push_str(",\"attestation\":");
    push_decoded(&mut o, &a.attestation)?;
    o.push_str(",\"proof\":");
    push_decoded(&mut o, &a.proof)?;
    o.push_str(",\"audit\":");
    o.push_str(&serde_json::to_string(audit)?);
    if let Some(c) = checks {
        o.push_str(",\"checks\":");
        o.push_str(&serde_json::to_string(c)?);
    }
    o.push('}');
    Ok(o)
}

/// The HTTP response as JSON text.
pub fn response_json(r: &HttpResponse) -> String {
    serde_json::to_string(&ResponseOut::new(r)).unwrap_or_default()
}
