//! The JSON shape of a verification result, shared by the JS package and tools:
//!
//! ```text
//! accepted: { ok: true,  clientId, mechanism, instanceKey: { jwk, thumbprint }, dpopKey?, attestation: { header, claims },
//!             proof: { header, claims }, audit, checks }
//! rejected: { ok: false, error, reason, requirement, description, status, response: { status, headers, body }, audit, checks }
//! ```

use crate::http::HttpResponse;
use crate::jose::jwk::PublicKey;
use crate::verifier::Verdict;
use alloc::string::ToString;
use serde_json::{Value, json};

fn key_json(k: &PublicKey) -> Value {
    json!({ "jwk": k.to_jwk(), "thumbprint": k.thumbprint() })
}

/// The HTTP response as JSON: `{ status, headers: [[name, value], …], body }`.
pub fn response_json(r: &HttpResponse) -> Value {
    json!({ "status": r.status, "headers": r.headers, "body": r.body })
}

/// The result object for a verdict; `response` is the error response to send, if rejected.
pub fn verdict_json(verdict: &Verdict, response: Option<&HttpResponse>) -> Value {
    let audit = serde_json::to_value(&verdict.audit).unwrap_or(Value::Null);
    let checks = serde_json::to_value(&verdict.checks).unwrap_or(Value::Null);
    match &verdict.outcome {
        Ok(a) => {
            let mut v = json!({
                "ok": true,
                "clientId": a.client_id,
                "mechanism": a.mechanism.as_str(),
                "instanceKey": key_json(&a.instance_key),
                "attestation": { "header": a.attestation.header, "claims": a.attestation.claims },
                "proof": { "header": a.proof.header, "claims": a.proof.claims },
                "audit": audit,
                "checks": checks,
            });
            if let (Some(k), Value::Object(m)) = (&a.dpop_key, &mut v) {
                m.insert("dpopKey".to_string(), key_json(k));
            }
            v
        }
        Err(r) => json!({
            "ok": false,
            "error": r.error().as_str(),
            "reason": r.reason.code(),
            "requirement": r.reason.requirement(),
            "description": r.description(),
            "status": response.map(|x| x.status),
            "response": response.map(response_json),
            "audit": audit,
            "checks": checks,
        }),
    }
}
