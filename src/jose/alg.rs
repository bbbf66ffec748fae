//! JWS algorithms: what we implement, what we recognise, and which key each one fits.
//!
//! RFC 8725 §3.1: the key decides the algorithm family, never the token. `none` and every
//! symmetric algorithm are refused for all three JWT kinds of this crate (the PoP and DPoP
//! MUST be asymmetric, R-POP-4; MAC attestations need a shared key, which a trust store of
//! public keys cannot hold).

use crate::jose::jwk::KeyKind;

/// An algorithm this crate can verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4), raw `r‖s` signatures.
    Es256,
    /// EdDSA (RFC 8037), with an Ed25519 key.
    EdDsa,
    /// The fully-specified Ed25519 algorithm (RFC 9864).
    Ed25519,
}

/// What the `alg` header parameter says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgLookup<'a> {
    /// One we verify.
    Supported(Algorithm),
    /// `none`.
    None,
    /// A registered or unknown name we do not verify (HS256, RS256, ES384, …).
    Unsupported(&'a str),
}

impl Algorithm {
    /// Every algorithm this crate verifies.
    pub const ALL: [Algorithm; 3] = [Algorithm::Es256, Algorithm::EdDsa, Algorithm::Ed25519];

    /// The JOSE name (case-sensitive, RFC 7515 §4.1.1).
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::EdDsa => "EdDSA",
            Algorithm::Ed25519 => "Ed25519",
        }
    }

    /// Looks up a JOSE `alg` value. Names are case-sensitive.
    pub fn lookup(name: &str) -> AlgLookup<'_> {
        match name {
            "ES256" => AlgLookup::Supported(Algorithm::Es256),
            "EdDSA" => AlgLookup::Supported(Algorithm::EdDsa),
            "Ed25519" => AlgLookup::Supported(Algorithm::Ed25519),
            "none" => AlgLookup::None,
            other => AlgLookup::Unsupported(other),
        }
    }

    /// Length of a signature in the JWS encoding, bytes: ES256 is R ‖ S, 32 bytes each
    /// (RFC 7518 §3.4); Ed25519 is 64 bytes (RFC 8032 §5.1.6).
    pub fn signature_len(self) -> usize {
        64
    }

    /// Whether this algorithm may be used with a key of this kind (RFC 8725 §3.1).
    pub fn fits(self, key: KeyKind) -> bool {
        matches!(
            (self, key),
            (Algorithm::Es256, KeyKind::P256) | (Algorithm::EdDsa | Algorithm::Ed25519, KeyKind::Ed25519)
        )
    }
}

/// A set of algorithms (the policy's allow-list). Small and `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AlgSet(u8);

impl AlgSet {
    /// Every supported algorithm.
    pub const ALL: AlgSet = AlgSet(0b111);

    const fn bit(a: Algorithm) -> u8 {
        match a {
            Algorithm::Es256 => 1,
            Algorithm::EdDsa => 2,
            Algorithm::Ed25519 => 4,
        }
    }
    /// Adds an algorithm.
    pub fn insert(&mut self, a: Algorithm) {
        self.0 |= Self::bit(a);
    }
    /// Membership.
    pub const fn contains(self, a: Algorithm) -> bool {
        self.0 & Self::bit(a) != 0
    }
    /// Empty?
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The members, in [`Algorithm::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Algorithm> {
        Algorithm::ALL.into_iter().filter(move |a| self.contains(*a))
    }
}
