//! Strict base64url (RFC 4648 §5) without padding, as JOSE requires (RFC 7515 §2).
//!
//! Rejects `=` padding, the standard alphabet's `+` and `/`, whitespace, and non-canonical
//! trailing bits, so every accepted string has exactly one byte sequence and vice versa.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use base64ct::{Base64UrlUnpadded, Encoding};
use zeroize::Zeroize;

/// The exact decoded length of `len` unpadded base64url characters (a remainder of one
/// character is invalid and decodes to nothing).
const fn decoded_len(len: usize) -> usize {
    len / 4 * 3 + len % 4 * 3 / 4
}

/// Decodes strict unpadded base64url.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let mut out = vec![0u8; decoded_len(s.len())];
    let n = Base64UrlUnpadded::decode(s, &mut out).ok()?.len();
    out.truncate(n);
    Some(out)
}

/// Decodes into a fixed-size array; `None` on any length mismatch.
pub fn decode_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    // Checked before decoding: the length decides, so nothing oversized is touched.
    if decoded_len(s.len()) != N {
        return None;
    }
    // The decoded bytes may be a private key's `d`: decoded in place, never on the heap, in
    // constant time (base64ct), and wiped if decoding fails half-way.
    let mut out = [0u8; N];
    if Base64UrlUnpadded::decode(s, &mut out).is_err() {
        out.zeroize();
        return None;
    }
    Some(out)
}

/// Encodes as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
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
        assert!(decode_array::<3>("AQI=").is_none(), "padding");
        assert!(decode_array::<2>("AR").is_none() && decode_array::<1>("AR").is_none());
        assert!(decode("A").is_none(), "one character left over");
        assert_eq!(decode("").as_deref(), Some(&[][..]));
    }
}
