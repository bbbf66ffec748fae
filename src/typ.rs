//! The three explicit `typ` values (RFC 8725 §3.11) and the mutual exclusion between them
//! (§3.12): each validator accepts only its own kind and names the kind it was given instead.

use crate::jose::jws::typ_matches;
use alloc::format;
use alloc::string::String;
use serde_json::{Map, Value};

/// Client Attestation JWT (draft §4, R-ATT-4).
pub const ATTESTATION_TYP: &str = "oauth-client-attestation+jwt";
/// Client Attestation PoP JWT (draft §5.1, R-POP-3).
pub const POP_TYP: &str = "oauth-client-attestation-pop+jwt";
/// DPoP proof (RFC 9449 §4.2).
pub const DPOP_TYP: &str = "dpop+jwt";

/// The kind a `typ` value names, if it is one of ours.
pub fn kind_of(typ: &str) -> Option<&'static str> {
    [(ATTESTATION_TYP, "a Client Attestation"), (POP_TYP, "a Client Attestation PoP"), (DPOP_TYP, "a DPoP proof")]
        .into_iter()
        .find(|(t, _)| typ_matches(typ, t))
        .map(|(_, k)| k)
}

/// `Ok` if the header's `typ` is `expected`; otherwise a detail for the rejection.
pub fn check(header: &Map<String, Value>, expected: &str) -> Result<(), String> {
    match header.get("typ") {
        None => Err(String::from("typ is missing")),
        Some(Value::String(t)) if typ_matches(t, expected) => Ok(()),
        Some(Value::String(t)) => Err(wrong(t, expected)),
        Some(_) => Err(String::from("typ is not a string")),
    }
}

/// The detail for a wrong `typ` (out of line: never on a valid request's path).
#[cold]
#[inline(never)]
fn wrong(t: &str, expected: &str) -> String {
    match kind_of(t) {
        Some(kind) => format!("typ {} marks {kind}, not the expected {expected}", crate::jose::jwk::truncate(t)),
        None => format!("typ is {}, expected {expected}", crate::jose::jwk::truncate(t)),
    }
}
