//! Strict base64url (RFC 4648 §5) without padding, as JOSE requires (RFC 7515 §2).
//!
//! Rejects `=` padding, the standard alphabet's `+` and `/`, whitespace, and non-canonical
//! trailing bits, so every accepted string has exactly one byte sequence and vice versa.
//!
//! Two decoders with the same strictness, each for its data: tokens and public keys go through
//! the `base64` crate (table lookups, the fast path of every request); a private key's `d`
//! goes through RustCrypto's `base64ct` ([`decode_secret`]), whose arithmetic has no
//! data-dependent branches or table lookups, so decoding a key leaks nothing through timing or
//! the cache. Encoding is always `base64ct`.

use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64ct::{Base64UrlUnpadded, Encoding as _};
use zeroize::{Zeroize, Zeroizing};

/// Decodes strict unpadded base64url.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    URL_SAFE_NO_PAD.decode_vec(s, &mut out).ok().map(|()| out)
}

/// Decodes public fixed-size values (a key's `x`/`y`, a challenge) into an array; `None` on any
/// length mismatch. A private key's `d` goes through [`decode_secret`] instead.
pub fn decode_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    // Upper bound before decoding: never allocate for oversized input.
    if s.len() > N.div_ceil(3) * 4 {
        return None;
    }
    decode(s)?.try_into().ok()
}

/// Encodes as unpadded base64url (`base64ct`, constant time: what is encoded here is a hash, a
/// JWS segment or, through [`encode_secret`], a private key; its encoder is also smaller than
/// the `base64` crate's, which matters for the wasm compiled before the first result).
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// The exact decoded length of `len` unpadded base64url characters.
const fn decoded_len(len: usize) -> usize {
    len / 4 * 3 + len % 4 * 3 / 4
}

/// Decodes secret key material (a private JWK's `d`) in constant time, straight into the array
/// (no heap copy); wiped if decoding fails half-way. `None` on any length mismatch.
pub fn decode_secret<const N: usize>(s: &str) -> Option<[u8; N]> {
    if decoded_len(s.len()) != N {
        return None;
    }
    let mut out = [0u8; N];
    if Base64UrlUnpadded::decode(s, &mut out).is_err() {
        out.zeroize();
        return None;
    }
    Some(out)
}

/// Encodes secret key material (constant time, as [`encode`]) into text wiped when dropped.
pub fn encode_secret(bytes: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictness() {
        assert_eq!(decode("AQID").as_deref(), Some(&[1u8, 2, 3][..]));
        assert!(decode("AQ==").is_none(), "padding");
        assert!(decode("AQ").is_some());
        assert!(decode("AR").is_none(), "non-canonical trailing bits");
        assert!(decode("a+b/").is_none(), "standard alphabet");
        assert!(decode("AQ ID").is_none(), "whitespace");
        assert!(decode_array::<2>("AQID").is_none());
        assert_eq!(decode_array::<3>("AQID"), Some([1, 2, 3]));
        assert_eq!(decode_secret::<3>("AQID"), Some([1, 2, 3]));
        assert!(decode_secret::<3>("AQI=").is_none(), "padding");
        assert!(decode_secret::<1>("AR").is_none(), "non-canonical trailing bits");
        assert!(decode_secret::<2>("AQID").is_none() && decode_secret::<4>("AQID").is_none());
        assert_eq!(encode_secret(&[1, 2, 3]).as_str(), "AQID");
    }
}
