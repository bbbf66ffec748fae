//! Reading a request a developer pasted: a raw HTTP/1.1 request (as printed in the draft's
//! examples) or a `curl` command line. Used by the inspector page and tools; the verifier itself
//! takes an [`crate::HttpRequest`].
//!
//! Raw requests in origin form (`POST /token HTTP/1.1` + `Host:`) become `https://host/path`;
//! curl commands understand `-X/--request`, `-H/--header`, `-d/--data*`, `--json`, `--url` and
//! shell quoting (single, double, backslash, line continuations). The form body's `client_id`
//! and the `Authorization` header's token are extracted for R-ATT-8 and DPoP `ath`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::Serialize;

/// Largest message accepted, bytes.
pub const MAX_MESSAGE_LEN: usize = 256 * 1024;
/// Most header lines accepted.
pub const MAX_LINES: usize = 512;

/// A parsed request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Method.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Header lines in order.
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<String>,
    /// `client_id` from an `application/x-www-form-urlencoded` body.
    pub client_id: Option<String>,
    /// The token of a `Bearer` or `DPoP` `Authorization` header.
    pub access_token: Option<String>,
    /// `"http"` or `"curl"`.
    pub format: &'static str,
}

/// Parses a raw HTTP/1.1 request or a curl command line.
pub fn parse(text: &str) -> Result<Message, String> {
    if text.len() > MAX_MESSAGE_LEN {
        return Err(format!("the message is larger than {} KiB", MAX_MESSAGE_LEN / 1024));
    }
    let trimmed = text.trim_start();
    let mut m = if trimmed.starts_with("curl ") || trimmed.starts_with("curl\t") || trimmed.starts_with("curl\\") {
        parse_curl(trimmed)?
    } else {
        parse_raw(trimmed)?
    };
    m.client_id = form_client_id(&m.headers, m.body.as_deref())?;
    m.access_token = access_token(&m.headers);
    Ok(m)
}

fn parse_raw(text: &str) -> Result<Message, String> {
    let (head, body) = match text.find("\r\n\r\n") {
        Some(i) => (text.get(..i).unwrap_or(""), text.get(i + 4..)),
        None => match text.find("\n\n") {
            Some(i) => (text.get(..i).unwrap_or(""), text.get(i + 2..)),
            None => (text, None),
        },
    };
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or("").trim();
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(String::from("the first line must be a request line such as `POST /token HTTP/1.1`"));
    };
    if !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!("`{}` is not an HTTP method", crate::jose::jwk::truncate(method)));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if headers.len() >= MAX_LINES {
            return Err(format!("more than {MAX_LINES} header lines"));
        }
        if line.starts_with([' ', '\t']) {
            // obs-fold (RFC 9112 §5.2): a continuation of the previous line.
            match headers.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                None => return Err(String::from("a continuation line before any header")),
            }
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("`{}` is not a header line (name: value)", crate::jose::jwk::truncate(line)));
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("`{}` is not a header name", crate::jose::jwk::truncate(name)));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let url = if target.starts_with("http://") || target.starts_with("https://") {
        target.to_string()
    } else {
        let host = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| String::from("an origin-form request target needs a Host header"))?;
        format!("https://{host}{target}")
    };
    let body = body.map(|b| b.trim_end_matches(['\r', '\n']).to_string()).filter(|b| !b.is_empty());
    Ok(Message { method: method.to_string(), url, headers, body, format: "http", ..Default::default() })
}

/// Splits a shell command line into words (POSIX-ish quoting, `\`-newline continuations).
fn shell_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err(String::from("unterminated single quote")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x @ ('"' | '\\' | '$' | '`')) => cur.push(x),
                            Some('\n') => {}
                            Some(x) => {
                                cur.push('\\');
                                cur.push(x);
                            }
                            None => return Err(String::from("unterminated double quote")),
                        },
                        Some(x) => cur.push(x),
                        None => return Err(String::from("unterminated double quote")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                }
                Some(x) => {
                    in_word = true;
                    cur.push(x);
                }
                None => {}
            },
            c if c.is_whitespace() => {
                if in_word {
                    words.push(core::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
        if words.len() > 4 * MAX_LINES {
            return Err(String::from("too many arguments"));
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

fn parse_curl(text: &str) -> Result<Message, String> {
    let words = shell_words(text)?;
    let mut it = words.into_iter().skip(1);
    let (mut method, mut url, mut headers, mut body) = (None::<String>, None::<String>, Vec::new(), None::<String>);
    let mut json = false;
    while let Some(w) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match w.as_str() {
            "-X" | "--request" => method = Some(value(&w)?),
            "-H" | "--header" => {
                let h = value(&w)?;
                let (n, v) = h.split_once(':').ok_or_else(|| format!("header `{h}` has no colon"))?;
                if headers.len() >= MAX_LINES {
                    return Err(format!("more than {MAX_LINES} header lines"));
                }
                headers.push((n.trim().to_string(), v.trim().to_string()));
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" | "--data-urlencode" => {
                let d = value(&w)?;
                body = Some(match body {
                    Some(b) => format!("{b}&{d}"),
                    None => d,
                });
            }
            "--json" => {
                body = Some(value(&w)?);
                json = true;
            }
            "--url" => url = Some(value(&w)?),
            // Options with a value that do not matter here.
            "-u" | "--user" | "-o" | "--output" | "-A" | "--user-agent" | "-e" | "--referer" | "-b" | "--cookie"
            | "-m" | "--max-time" | "--connect-timeout" | "-w" | "--write-out" | "--resolve" | "--cacert"
            | "--cert" | "--key" => {
                value(&w)?;
            }
            s if s.starts_with('-') => {} // flags such as -s, -v, -i, --compressed
            s => {
                if url.is_none() {
                    url = Some(s.to_string());
                }
            }
        }
    }
    let mut url = url.ok_or_else(|| String::from("the curl command has no URL"))?;
    if !url.contains("://") {
        url = format!("http://{url}");
    }
    if json {
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
    } else if body.is_some() && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
    }
    let method = method.unwrap_or_else(|| String::from(if body.is_some() { "POST" } else { "GET" }));
    Ok(Message { method, url, headers, body, format: "curl", ..Default::default() })
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The fields of an `application/x-www-form-urlencoded` body, in order; an error names a
/// malformed percent-encoding or a field that is not UTF-8.
pub fn form_fields(body: &str) -> Result<Vec<(String, String)>, String> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match (percent_decode(k), percent_decode(v)) {
                (Some(k), Some(v)) => Ok((k, v)),
                _ => Err(format!(
                    "the form field `{}` is not valid percent-encoded UTF-8",
                    crate::jose::jwk::truncate(pair)
                )),
            }
        })
        .collect()
}

/// Whether the headers declare an `application/x-www-form-urlencoded` body.
pub fn is_form(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("content-type")
            && v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
    })
}

/// The `client_id` of a form body (R-ATT-8 input): `Ok(None)` when the body is not a form or has
/// none; an error when the form is malformed or repeats `client_id` (RFC 6749 §3.1: request
/// parameters must not be included more than once).
pub fn form_client_id(headers: &[(String, String)], body: Option<&str>) -> Result<Option<String>, String> {
    let Some(body) = body.filter(|_| is_form(headers)) else {
        return Ok(None);
    };
    let mut ids = form_fields(body)?.into_iter().filter(|(k, _)| k == "client_id").map(|(_, v)| v);
    let first = ids.next();
    if ids.next().is_some() {
        return Err(String::from("client_id appears more than once in the form body"));
    }
    Ok(first)
}

/// The token of a `Bearer` or `DPoP` `Authorization` header (RFC 6750, RFC 9449), if exactly one
/// such header carries exactly one token.
pub fn access_token(headers: &[(String, String)]) -> Option<String> {
    let mut auth = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("authorization"));
    let (Some((_, v)), None) = (auth.next(), auth.next()) else {
        return None;
    };
    let mut parts = v.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(s), Some(t), None) if s.eq_ignore_ascii_case("bearer") || s.eq_ignore_ascii_case("dpop") => {
            Some(t.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_request_from_the_draft() {
        let m = parse("POST /token HTTP/1.1\nHost: as.example.com\nContent-Type: application/x-www-form-urlencoded\nOAuth-Client-Attestation: a.b.c\n\ngrant_type=x&client_id=s6Bh%20d\n").unwrap();
        assert_eq!(m.method, "POST");
        assert_eq!(m.url, "https://as.example.com/token");
        assert_eq!(m.headers.len(), 3);
        assert_eq!(m.client_id.as_deref(), Some("s6Bh d"));
        assert_eq!(m.format, "http");
    }

    #[test]
    fn curl_commands() {
        let m = parse("curl -s -X POST 'https://as.example.com/token' \\\n  -H 'OAuth-Client-Attestation: a.b.c' \\\n  -H \"DPoP: d.e.f\" -H 'Authorization: DPoP tok' \\\n  --data-urlencode 'client_id=c1'").unwrap();
        assert_eq!(m.method, "POST");
        assert_eq!(m.url, "https://as.example.com/token");
        assert_eq!(m.headers[0], ("OAuth-Client-Attestation".into(), "a.b.c".into()));
        assert_eq!(m.headers[1], ("DPoP".into(), "d.e.f".into()));
        assert_eq!(m.client_id.as_deref(), Some("c1"));
        assert_eq!(m.access_token.as_deref(), Some("tok"));
        assert_eq!(parse("curl example.com/x").unwrap().url, "http://example.com/x");
        assert_eq!(parse("curl -d a=b https://h/").unwrap().method, "POST");
    }

    #[test]
    fn form_helpers() {
        let h = [("Content-Type".to_string(), "application/x-www-form-urlencoded; charset=utf-8".to_string())];
        assert_eq!(form_client_id(&h, Some("a=1&client_id=c%201")), Ok(Some("c 1".into())));
        assert_eq!(form_client_id(&h, Some("a=1")), Ok(None));
        assert!(form_client_id(&h, Some("client_id=a&client_id=b")).is_err(), "repeated");
        assert!(form_client_id(&h, Some("client_id=%zz")).is_err(), "malformed");
        assert_eq!(form_client_id(&[], Some("client_id=a")), Ok(None), "not a form");
        let auth = |v: &str| [("authorization".to_string(), v.to_string())];
        assert_eq!(access_token(&auth("DPoP tok")), Some("tok".into()));
        assert_eq!(access_token(&auth("Basic abc")), None);
        assert_eq!(access_token(&auth("Bearer a b")), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for g in ["", "hello", "curl", "curl 'x", "POST /x HTTP/1.1\n: v", "GET /x HTTP/1.1\n\n", "1 2 3", "curl -H"] {
            let _ = parse(g);
        }
        assert!(parse("GET /x HTTP/1.1\n\n").is_err(), "no Host");
        assert!(parse(&"a".repeat(MAX_MESSAGE_LEN + 1)).is_err());
    }
}
