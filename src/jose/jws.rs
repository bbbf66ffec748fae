//! JWS compact serialization (RFC 7515 §7.1), strictly: exactly three non-empty segments,
//! strict base64url, UTF-8 JSON objects without duplicate members, bounded size and depth,
//! `crit` per RFC 7515 §4.1.11, and `typ` compared per RFC 7515 §4.1.9.

use crate::jose::JoseError;
use crate::jose::b64;
use crate::jose::json::{self, JsonFault};
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// Largest token accepted, in bytes (R-ATT-2 / R-POP-2 size limit).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// A parsed, not yet verified, compact JWS.
#[derive(Clone, Debug)]
pub struct Jws {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The payload as a JSON object (a JWT claim set).
    pub claims: Map<String, Value>,
    /// `BASE64URL(header) . BASE64URL(payload)`: what the signature covers.
    pub signing_input: Vec<u8>,
    /// The decoded signature bytes.
    pub signature: Vec<u8>,
    /// The decoded header and payload JSON texts, exactly as sent.
    pub raw: RawJson,
}

/// The decoded JSON texts of a JWS's header and payload, exactly as sent (member order and
/// formatting kept). Each is a strictly valid JSON object (no duplicates, bounded depth), so a
/// result can embed it verbatim instead of serializing the parsed value again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawJson {
    /// The protected header.
    pub header: String,
    /// The payload (claim set).
    pub claims: String,
}

fn json_fault(f: JsonFault) -> JoseError {
    match f {
        JsonFault::Syntax => JoseError::BadJson,
        JsonFault::NotObject => JoseError::NotObject,
        JsonFault::DuplicateMember => JoseError::DuplicateMember,
        JsonFault::TooDeep => JoseError::TooDeep,
    }
}

fn decode_object(segment: &str) -> Result<(Map<String, Value>, String), JoseError> {
    let bytes = b64::decode(segment).ok_or(JoseError::BadBase64)?;
    let text = String::from_utf8(bytes).map_err(|_| JoseError::NotUtf8)?;
    let object = json::parse_object(&text).map_err(json_fault)?;
    Ok((object, text))
}

/// Parses a compact JWS. Does not verify anything beyond syntax and `crit`.
pub fn parse(token: &str) -> Result<Jws, JoseError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JoseError::TooLarge);
    }
    let mut parts = [""; 3];
    let mut count = 0usize;
    for part in token.split('.') {
        if let Some(slot) = parts.get_mut(count) {
            *slot = part;
        }
        count += 1;
    }
    match count {
        3 => {}
        5 => return Err(JoseError::Encrypted),
        _ => return Err(JoseError::Malformed),
    }
    let [h, p, s] = parts;
    if h.is_empty() || p.is_empty() {
        return Err(JoseError::Malformed);
    }
    let (header, raw_header) = decode_object(h)?;
    if s.is_empty() {
        // An Unsecured JWS (RFC 7515 §A.5) has an empty signature: name the real problem.
        return Err(if header.get("alg").and_then(Value::as_str) == Some("none") {
            JoseError::AlgNone
        } else {
            JoseError::Malformed
        });
    }
    check_crit(&header)?;
    let (claims, raw_claims) = decode_object(p)?;
    let signature = b64::decode(s).ok_or(JoseError::BadBase64)?;
    let mut signing_input = Vec::with_capacity(h.len() + 1 + p.len());
    signing_input.extend_from_slice(h.as_bytes());
    signing_input.push(b'.');
    signing_input.extend_from_slice(p.as_bytes());
    Ok(Jws { header, claims, signing_input, signature, raw: RawJson { header: raw_header, claims: raw_claims } })
}

/// Header parameters defined by RFC 7515/7518 that must not appear in `crit`.
const REGISTERED: [&str; 16] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc", "zip", "epk", "apu",
    "apv",
];

/// RFC 7515 §4.1.11: `crit`, if present, is a non-empty array of extension names that are not
/// registered parameters and are present in the header; since this verifier understands no
/// extension, any well-formed `crit` still means reject.
fn check_crit(header: &Map<String, Value>) -> Result<(), JoseError> {
    match header.get("crit") {
        None => Ok(()),
        Some(Value::Array(names)) if !names.is_empty() => {
            for n in names {
                let n = n.as_str().ok_or(JoseError::CritUnsupported)?;
                if REGISTERED.contains(&n) || !header.contains_key(n) {
                    return Err(JoseError::CritUnsupported);
                }
            }
            // Well-formed, but no extension is understood here (e.g. RFC 7797 `b64`).
            Err(JoseError::CritUnsupported)
        }
        Some(_) => Err(JoseError::CritUnsupported),
    }
}

/// RFC 7515 §4.1.9: media types compare case-insensitively and `application/` may be omitted.
pub fn typ_matches(typ: &str, expected: &str) -> bool {
    let bare = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => typ.get(12..).unwrap_or(typ),
        _ => typ,
    };
    bare.eq_ignore_ascii_case(expected)
}

/// A claim that should be a NumericDate but is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotNumericDate;

/// A NumericDate claim: absent → `Ok(None)`; a JSON number in `0..=253402300799`
/// (year 9999) → its integer part; anything else (strings, negatives, huge) → `Err`.
pub fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, NotNumericDate> {
    const MAX: f64 = 253_402_300_799.0;
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return if (0..=MAX as i64).contains(&i) { Ok(Some(i)) } else { Err(NotNumericDate) };
            }
            match n.as_f64() {
                // `as` truncates toward zero; the value is finite, non-negative and bounded.
                Some(f) if (0.0..=MAX).contains(&f) => Ok(Some(f as i64)),
                _ => Err(NotNumericDate),
            }
        }
        Some(_) => Err(NotNumericDate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn tok(h: &str, p: &str) -> String {
        format!("{}.{}.AAAA", b64::encode(h.as_bytes()), b64::encode(p.as_bytes()))
    }

    #[test]
    fn segments() {
        assert_eq!(parse("a.b").unwrap_err(), JoseError::Malformed);
        assert_eq!(parse("a.b.c.d").unwrap_err(), JoseError::Malformed);
        assert_eq!(parse("a.b.c.d.e").unwrap_err(), JoseError::Encrypted);
        assert_eq!(parse(".b.c").unwrap_err(), JoseError::Malformed);
        assert_eq!(parse(&"a".repeat(MAX_TOKEN_LEN + 1)).unwrap_err(), JoseError::TooLarge);
        assert_eq!(parse("e30=.e30.AAAA").unwrap_err(), JoseError::BadBase64);
        let none = format!("{}.{}.", b64::encode(br#"{"alg":"none"}"#), b64::encode(b"{}"));
        assert_eq!(parse(&none).unwrap_err(), JoseError::AlgNone);
        assert!(parse(&tok(r#"{"alg":"ES256"}"#, "{}")).is_ok());
    }

    #[test]
    fn content() {
        let bad_utf8 = format!("{}.e30.AAAA", b64::encode(&[0x7b, 0xff, 0x7d]));
        assert_eq!(parse(&bad_utf8).unwrap_err(), JoseError::NotUtf8);
        assert_eq!(parse(&tok("[]", "{}")).unwrap_err(), JoseError::NotObject);
        assert_eq!(parse(&tok(r#"{"a":1,"a":1}"#, "{}")).unwrap_err(), JoseError::DuplicateMember);
        assert_eq!(parse(&tok("{}", r#"{"a":1,"a":1}"#)).unwrap_err(), JoseError::DuplicateMember);
        assert_eq!(parse(&tok("{", "{}")).unwrap_err(), JoseError::BadJson);
    }

    #[test]
    fn crit() {
        for h in [
            r#"{"crit":[]}"#,
            r#"{"crit":"b64"}"#,
            r#"{"crit":["alg"],"alg":"ES256"}"#,
            r#"{"crit":["b64"]}"#,
            r#"{"crit":["b64"],"b64":false}"#,
        ] {
            assert_eq!(parse(&tok(h, "{}")).unwrap_err(), JoseError::CritUnsupported, "{h}");
        }
    }

    #[test]
    fn typ() {
        assert!(typ_matches("oauth-client-attestation+jwt", "oauth-client-attestation+jwt"));
        assert!(typ_matches("Application/OAuth-Client-Attestation+JWT", "oauth-client-attestation+jwt"));
        assert!(!typ_matches("oauth-client-attestation-pop+jwt", "oauth-client-attestation+jwt"));
        assert!(!typ_matches("application/", "oauth-client-attestation+jwt"));
        assert!(!typ_matches("é", "x"));
    }

    #[test]
    fn numeric_dates() {
        let m: Map<String, Value> =
            serde_json::from_str(r#"{"a":1,"b":1.9,"c":"1","d":-1,"e":1e300,"f":253402300799,"g":253402300800}"#)
                .unwrap();
        assert_eq!(numeric_date(&m, "a"), Ok(Some(1)));
        assert_eq!(numeric_date(&m, "b"), Ok(Some(1)));
        assert_eq!(numeric_date(&m, "c"), Err(NotNumericDate));
        assert_eq!(numeric_date(&m, "d"), Err(NotNumericDate));
        assert_eq!(numeric_date(&m, "e"), Err(NotNumericDate));
        assert_eq!(numeric_date(&m, "f"), Ok(Some(253402300799)));
        assert_eq!(numeric_date(&m, "g"), Err(NotNumericDate));
        assert_eq!(numeric_date(&m, "zz"), Ok(None));
    }
}
