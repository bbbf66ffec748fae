//! Strict base64url (RFC 4648 §5) without padding, as JOSE requires (RFC 7515 §2).
//!
//! Rejects `=` padding, the standard alphabet's `+` and `/`, whitespace, and non-canonical
//! trailing bits, so every accepted string has exactly one byte sequence and vice versa.

use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

/// Decodes strict unpadded base64url.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    URL_SAFE_NO_PAD.decode_vec(s, &mut out).ok().map(|()| out)
}

/// Decodes into a fixed-size array; `None` on any length mismatch.
pub fn decode_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    // Upper bound before decoding: never allocate for oversized input.
    if s.len() > N.div_ceil(3) * 4 {
        return None;
    }
    // The decoded bytes may be a private key's `d`: decoded into a buffer that is wiped when
    // freed, even when decoding fails half-way (one allocation of the decoder's estimate, never
    // grown, so no other copy is left on the heap). `decode` shares the code.
    let mut buf = Zeroizing::new(Vec::new());
    URL_SAFE_NO_PAD.decode_vec(s, &mut buf).ok()?;
    let mut out = [0u8; N];
    if buf.len() != N {
        return None;
    }
    out.copy_from_slice(&buf);
    Some(out)
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
