//! Fuzz target for request verification.
//! PLACEHOLDER: the real body (feeding `data` to the verifier) is filled in later.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = core::str::from_utf8(data);
});
