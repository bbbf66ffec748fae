//! Strict base64url (RFC 4648 §5) without padding, as JOSE requires (RFC 7515 §2).
//!
//! Rejects `=` padding, the standard alphabet's `+` and `/`, whitespace, and non-canonical
//! trailing bits, so every accepted string has exactly one byte sequence and vice versa.

use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Decodes strict unpadded base64url.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// Decodes into a fixed-size array; `None` on any length mismatch.
pub fn decode_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    // Upper bound before decoding: never allocate for oversized input.
    if s.len() > N.div_ceil(3) * 4 {
        return None;
    }
    decode(s)?.try_into().ok()
}

/// Encodes as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
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
    }
}
