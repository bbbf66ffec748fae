//! # client-attestation
//!
//! OAuth 2.0 Attestation-Based Client Authentication
//! (draft-ietf-oauth-attestation-based-client-auth-11) for servers that must decide, and
//! explain, whether a client instance proved what its attestation claims.
//!
//! A Client Attester vouches for a client instance with a **Client Attestation JWT** whose
//! `cnf.jwk` is the instance's key; on each request the instance proves possession of that key
//! with a **PoP JWT**. [`Verifier`] checks both — signature, attester trust, `typ`, `alg`,
//! expiry, audience, freshness, challenge, replay and key binding — and returns a [`Verdict`]
//! with every check in spec order, an [`Audit`] record and, on rejection, the exact HTTP
//! response to send.
//!
//! ## Design
//!
//! * **No I/O, no clock, no randomness** in the core (`#![no_std]` + `alloc`): the time, the
//!   trust anchors (in the [`Policy`]), the replay store and any random bytes come from the
//!   caller, as in rustls/webpki.
//! * **Two-phase verification**: [`Verifier::prepare`] runs every check that needs no
//!   signature result and lists the [`SignatureCheck`]s it needs; any [`SignatureBackend`]
//!   (the bundled [`RustCrypto`], or WebCrypto in the JS layer) answers them;
//!   [`Settled::complete`] consults the replay store last. [`Verifier::verify`] does all three.
//! * **One error table**: every rejection has a spec [`ErrorCode`] and a stable [`Reason`]
//!   (`attestation.expired`, `pop.aud_mismatch`, …) with the requirement id it enforces.
//! * **Strict JOSE**: exactly three base64url segments, no duplicate JSON members, bounded size
//!   and depth, `crit` honoured, `typ` compared per RFC 7515, an algorithm allow-list that the
//!   key type must fit (RFC 8725), and mutual `typ` exclusion between the three JWT kinds.
//!
//! ## Example
//!
//! ```
//! use client_attestation::{HttpRequest, MemoryReplayStore, RequestContext, Verifier};
//!
//! let policy = r#"{
//!   "audience": "https://as.example.com",
//!   "attesters": [{ "jwks": { "keys": [{ "kty": "EC", "crv": "P-256", "kid": "11",
//!     "x": "EVs_o5-uQbTjL3chynL4wXgUg2R9q9UU8I5mEovUf84",
//!     "y": "kGe5DgSIycKp8w9aJmoHhB1sB3QTugfnRWm5nU_TzsY" }] } }]
//! }"#;
//! let verifier = Verifier::from_json(policy)?;
//! let request = HttpRequest::new("POST", "https://as.example.com/token")
//!     .header("OAuth-Client-Attestation", include_str!("../tests/fixtures/draft/client-attestation.jwt").trim())
//!     .header("OAuth-Client-Attestation-PoP", include_str!("../tests/fixtures/draft/client-attestation-pop.as.jwt").trim());
//! let mut replay = MemoryReplayStore::default();
//!
//! let verdict = verifier.verify(&request, &RequestContext::at(1772487600), &mut replay);
//! let accepted = verdict.outcome.as_ref().expect("the draft example verifies");
//! assert_eq!(accepted.client_id, "https://client.example.com");
//! assert_eq!(accepted.instance_key.thumbprint(), "Ak20Cf62SpTybasujYXbaI-Ms655MyvOZCtnnf8y1QU");
//!
//! // The same PoP again is a replay.
//! let again = verifier.verify(&request, &RequestContext::at(1772487601), &mut replay);
//! assert_eq!(again.rejection().unwrap().reason.code(), "pop.replayed");
//! # Ok::<(), client_attestation::PolicyError>(())
//! ```
//!
//! ## Where things are
//!
//! | requirement | module |
//! |---|---|
//! | R-ATT-1, R-POP-1 (headers), mode | [`verifier`], [`http`] |
//! | R-ATT-2 … R-ATT-12 | [`attestation`] |
//! | R-POP-2 … R-POP-9 | [`pop`] |
//! | R-POP-7 replay | [`replay`] |
//! | verified-attestation cache | [`cache`] |
//! | R-POP-9 challenges | [`challenge`] |
//! | R-DPOP-2 … R-DPOP-10, RFC 9449 | [`dpop`], [`uri`] (htu) |
//! | error codes and reasons | [`error`] |
//! | the ordered check list | [`checks`] |
//! | policy model | [`policy`] |
//! | JOSE primitives | [`jose`] |
//! | decoding for people | [`mod@inspect`] |
//! | pasted HTTP requests and curl commands | [`httpmsg`] |
//! | building attestations and PoPs | [`builder`] |

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod attestation;
pub mod builder;
pub mod cache;
pub mod challenge;
pub mod checks;
pub mod dpop;
pub mod error;
pub mod http;
pub mod httpmsg;
pub mod inspect;
pub mod jose;
pub mod policy;
pub mod pop;
pub mod replay;
pub mod report;
pub mod typ;
pub mod uri;
pub mod verifier;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use cache::AttestationCache;
pub use checks::{Check, CheckResult, Status};
pub use error::{ErrorCode, PolicyError, Reason, Rejection};
pub use http::{HttpRequest, HttpResponse};
pub use inspect::{Inspection, inspect};
pub use jose::alg::Algorithm;
pub use jose::jwk::PublicKey;
pub use jose::sig::{RustCrypto, SignatureBackend, SignatureCheck, Signed};
pub use policy::{Policy, PolicyConfig, Role};
pub use replay::{MemoryReplayStore, ReplayOutcome, ReplayStore};
pub use verifier::{
    Accepted, Audit, ChallengeOutcome, Decoded, Mechanism, Prepared, ReplayEntry, RequestContext, Settled, Verdict,
    Verifier, check_grant_binding,
};

/// Seconds since the Unix epoch from the system clock (std only; the core never reads a clock).
#[cfg(feature = "std")]
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
