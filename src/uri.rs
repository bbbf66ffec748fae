//! The `htu` comparison of RFC 9449 §4.3 item 9: the request's target URI without query and
//! fragment, after RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based normalisation — scheme
//! and host lower-cased, the default port dropped, an empty path made `/`, percent-encodings
//! upper-cased and decoded where they encode unreserved characters, dot segments removed.
//!
//! Only `http` and `https` URIs are accepted; userinfo is refused (it has no place in `htu`).

use alloc::string::String;
use alloc::vec::Vec;

/// Longest URI considered, bytes.
pub const MAX_URI_LEN: usize = 8 * 1024;

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Normalises percent-encodings in a path: `%7e` → `~`, `%2f` → `%2F`.
fn normalize_percent(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = hex(*bytes.get(i + 1)?)?;
            let lo = hex(*bytes.get(i + 2)?)?;
            let v = hi * 16 + lo;
            if is_unreserved(v) {
                out.push(char::from(v));
            } else {
                out.push('%');
                out.push(char::from_digit(u32::from(hi), 16)?.to_ascii_uppercase());
                out.push(char::from_digit(u32::from(lo), 16)?.to_ascii_uppercase());
            }
            i += 3;
        } else if b.is_ascii_graphic() {
            out.push(char::from(b));
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

/// RFC 3986 §5.2.4 remove_dot_segments, on a path that starts with `/`.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => trailing_slash = i == last,
            ".." => {
                out.pop();
                trailing_slash = i == last;
            }
            s => {
                out.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut s = String::with_capacity(path.len());
    for seg in &out {
        s.push('/');
        s.push_str(seg);
    }
    if trailing_slash || s.is_empty() {
        s.push('/');
    }
    s
}

/// The normalised form of an `http(s)` URI without query and fragment, or `None` if it is not
/// an absolute http(s) URI this comparison accepts.
pub fn normalize_htu(uri: &str) -> Option<String> {
    if uri.len() > MAX_URI_LEN {
        return None;
    }
    let uri = uri.split(['#', '?']).next()?;
    let (scheme, rest) = uri.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (alloc::format!("[{}]", h.to_ascii_lowercase()), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let port = match port {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            let p = p.trim_start_matches('0');
            let p = if p.is_empty() { "0" } else { p };
            if p == default_port { None } else { Some(p) }
        }
        Some("") | None => None,
        Some(_) => return None,
    };
    let path = if path.is_empty() { "/" } else { path };
    let path = remove_dot_segments(&normalize_percent(path)?);
    let mut out = scheme;
    out.push_str("://");
    out.push_str(&host);
    if let Some(p) = port {
        out.push(':');
        out.push_str(p);
    }
    out.push_str(&path);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::normalize_htu as n;

    #[test]
    fn normalisation() {
        let base = Some("https://as.example.com/token".into());
        for u in [
            "https://as.example.com/token",
            "HTTPS://AS.Example.COM/token",
            "https://as.example.com:443/token",
            "https://as.example.com/token?x=1",
            "https://as.example.com/token#frag",
            "https://as.example.com/a/../token",
            "https://as.example.com/./token",
            "https://as.example.com/%74oken",
        ] {
            assert_eq!(n(u), base, "{u}");
        }
        assert_eq!(n("https://as.example.com"), Some("https://as.example.com/".into()));
        assert_eq!(n("http://h:80/"), Some("http://h/".into()));
        assert_eq!(n("http://h:8080/"), Some("http://h:8080/".into()));
        assert_eq!(n("https://h/a%2fb"), Some("https://h/a%2Fb".into()));
        assert_eq!(n("https://[::1]:443/x"), Some("https://[::1]/x".into()));
        assert_ne!(n("https://as.example.com/Token"), base, "paths are case-sensitive");
        assert_ne!(n("https://as.example.com/token/"), base);
        for bad in
            ["ftp://h/", "https://user@h/", "https:///x", "h/x", "https://h:x/", "https://h/%zz", "https://h/a b"]
        {
            assert_eq!(n(bad), None, "{bad}");
        }
    }
}
