//! The HTTP view of a request and of the response the server sends back.
//!
//! Header names compare case-insensitively and values case-sensitively (R-ATT-15). The request
//! carries its header *lines* as name/value pairs, so duplicates stay visible: exactly one
//! `OAuth-Client-Attestation` and one `OAuth-Client-Attestation-PoP` line are allowed, and a
//! comma inside a value means a proxy folded two lines into one (R-ATT-1, R-POP-1).

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// `OAuth-Client-Attestation` (draft §6).
pub const ATTESTATION_HEADER: &str = "OAuth-Client-Attestation";
/// `OAuth-Client-Attestation-PoP` (draft §6).
pub const POP_HEADER: &str = "OAuth-Client-Attestation-PoP";
/// `OAuth-Client-Attestation-Challenge` (draft §7).
pub const CHALLENGE_HEADER: &str = "OAuth-Client-Attestation-Challenge";
/// `DPoP` (RFC 9449).
pub const DPOP_HEADER: &str = "DPoP";
/// `DPoP-Nonce` (RFC 9449).
pub const DPOP_NONCE_HEADER: &str = "DPoP-Nonce";

/// At most this many header lines are looked at; more is refused as `request.invalid`.
pub const MAX_HEADER_LINES: usize = 256;
/// At most this many bytes of header names and values in total.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// A request as the verifier sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The absolute request URL.
    pub url: String,
    /// Header lines in order, as `[name, value]` pairs.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

/// The result of looking for a header that must appear at most once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Single<'a> {
    /// No line with that name.
    Missing,
    /// Exactly one line; the value with surrounding spaces and tabs removed.
    One(&'a str),
    /// Several lines, or a comma-folded value.
    Duplicated,
}

impl HttpRequest {
    /// A request from parts.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        HttpRequest { method: method.into(), url: url.into(), headers: Vec::new() }
    }

    /// Adds a header line (builder style).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Whether the request is within the size limits.
    pub fn within_limits(&self) -> bool {
        self.headers.len() <= MAX_HEADER_LINES
            && self.headers.iter().map(|(n, v)| n.len() + v.len()).sum::<usize>() <= MAX_HEADER_BYTES
    }

    /// All values of a header, case-insensitively.
    pub fn all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A header that must appear at most once and cannot legitimately contain a comma.
    pub fn single(&self, name: &str) -> Single<'_> {
        let mut it = self.all(name);
        match (it.next(), it.next()) {
            (None, _) => Single::Missing,
            (Some(_), Some(_)) => Single::Duplicated,
            (Some(v), None) if v.contains(',') => Single::Duplicated,
            (Some(v), None) => Single::One(v.trim_matches([' ', '\t'])),
        }
    }

    /// The scheme of the `Authorization` header (`Bearer`, `DPoP`, …), if any.
    pub fn auth_scheme(&self) -> Option<&str> {
        let v = self.all("authorization").next()?;
        v.split([' ', '\t']).next().filter(|s| !s.is_empty())
    }
}

/// A response the server should send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header lines.
    pub headers: Vec<(String, String)>,
    /// Body (JSON text), if any.
    pub body: Option<String>,
}

impl HttpResponse {
    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_header() {
        let r = HttpRequest::new("POST", "https://as.example.com/token")
            .header("oauth-client-attestation", " a.b.c\t")
            .header("OAuth-Client-Attestation-PoP", "x")
            .header("OAUTH-CLIENT-ATTESTATION-POP", "y")
            .header("DPoP", "a,b")
            .header("Authorization", "DPoP tok");
        assert_eq!(r.single(ATTESTATION_HEADER), Single::One("a.b.c"));
        assert_eq!(r.single(POP_HEADER), Single::Duplicated);
        assert_eq!(r.single(DPOP_HEADER), Single::Duplicated);
        assert_eq!(r.single("x"), Single::Missing);
        assert_eq!(r.auth_scheme(), Some("DPoP"));
    }
}
