//! Strict JSON for JOSE headers and claim sets.
//!
//! `serde_json` silently keeps the last of two members with the same name; RFC 7515 §4 and
//! RFC 8725 want such input rejected (digest §11.1 item 2). This module parses through a serde
//! visitor that refuses duplicate member names and bounds nesting depth, and reports which of
//! the two happened. Input must already be valid UTF-8 (checked by the caller for a clear
//! reason code).

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use zeroize::Zeroize;

/// Maximum nesting depth of a JOSE header or claim set (the attestation needs 3: `cnf.jwk.x`).
pub const MAX_DEPTH: usize = 16;

/// Why strict parsing failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonFault {
    /// Not JSON.
    Syntax,
    /// JSON, but not an object at the top.
    NotObject,
    /// A member name repeated within one object.
    DuplicateMember,
    /// Deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// Parses `text` as a JSON object, rejecting duplicate member names and deep nesting.
pub fn parse_object(text: &str) -> Result<Map<String, Value>, JsonFault> {
    parse_document(text).map_err(|(fault, _)| fault)
}

/// [`parse_object`] for documents people write (the policy): on failure also the parser's
/// error, which says where (line and column). `None` for [`JsonFault::NotObject`].
pub fn parse_document(text: &str) -> Result<Map<String, Value>, (JsonFault, Option<serde_json::Error>)> {
    let fault = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    // Held in a wiping guard until it is known to be the answer (trailing text or a
    // non-object wipes it: see [`wipe`]).
    let value = Seed { depth: 0, fault: &fault }.deserialize(&mut de).map(Wiped).and_then(|v| de.end().map(|()| v));
    match value {
        Ok(mut v) => match &mut v.0 {
            Value::Object(map) => Ok(core::mem::take(map)),
            _ => Err((JsonFault::NotObject, None)),
        },
        Err(e) => Err((fault.get().unwrap_or(JsonFault::Syntax), Some(e))),
    }
}

/// Overwrites every string in `v` (member values and array items, at any depth) with zeros
/// and empties it, so that a document which held a secret — a policy's HMAC secret, a private
/// JWK's `d` — leaves no copy in freed memory. Member names are kept (they are not secret).
pub fn wipe(v: &mut Value) {
    match v {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(members) => members.values_mut().for_each(wipe),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A JSON value that may hold a secret: [`wipe`]d when dropped. Deserializes as strictly as
/// [`parse_object`] (no repeated member, at most [`MAX_DEPTH`] deep), and what was read before
/// a failure is wiped too.
#[derive(Default)]
pub struct Wiped(pub Value);

impl Drop for Wiped {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

impl core::ops::Deref for Wiped {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Wiped {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fault = Cell::new(None);
        Seed { depth: 0, fault: &fault }.deserialize(d).map(Wiped)
    }
}

struct Seed<'f> {
    depth: usize,
    fault: &'f Cell<Option<JsonFault>>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl Seed<'_> {
    fn fail<E: serde::de::Error>(&self, f: JsonFault) -> E {
        self.fault.set(Some(f));
        E::custom(match f {
            JsonFault::DuplicateMember => "duplicate member name",
            JsonFault::TooDeep => "nesting too deep",
            _ => "invalid",
        })
    }
    fn child(&self) -> Seed<'_> {
        Seed { depth: self.depth + 1, fault: self.fault }
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(String::from(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(JsonFault::TooDeep));
        }
        // On failure the items read so far are wiped before they are freed (see [`wipe`]).
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self.child()).inspect_err(|_| out.iter_mut().for_each(wipe))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(JsonFault::TooDeep));
        }
        // On failure the members read so far are wiped before they are freed (a policy's
        // secret, a private JWK's `d`: see [`wipe`]).
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>().inspect_err(|_| out.values_mut().for_each(wipe))? {
            if out.contains_key(&key) {
                out.values_mut().for_each(wipe);
                return Err(self.fail(JsonFault::DuplicateMember));
            }
            let v = map.next_value_seed(self.child()).inspect_err(|_| out.values_mut().for_each(wipe))?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn strict_parsing() {
        assert!(parse_object(r#"{"a":1,"b":{"c":[1,2]}}"#).is_ok());
        assert_eq!(parse_object(r#"{"a":1,"a":2}"#), Err(JsonFault::DuplicateMember));
        assert_eq!(parse_object(r#"{"x":{"a":1,"a":1}}"#), Err(JsonFault::DuplicateMember));
        // Escaped and literal spellings of the same name are the same member.
        assert_eq!(parse_object(r#"{"alg":1,"\u0061lg":2}"#), Err(JsonFault::DuplicateMember));
        assert_eq!(parse_object("[1]"), Err(JsonFault::NotObject));
        assert_eq!(parse_object("{} x"), Err(JsonFault::Syntax));
        assert_eq!(parse_object("{"), Err(JsonFault::Syntax));
        let deep = format!("{}1{}", "{\"a\":".repeat(40), "}".repeat(40));
        assert_eq!(parse_object(&deep), Err(JsonFault::TooDeep));
        let ok = format!("{}1{}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(parse_object(&format!("{{\"a\":{ok}}}")).is_ok());
    }

    #[test]
    fn wiping() {
        let mut v: Value = serde_json::from_str(r#"{"d":"secret","k":["a",{"s":"b"}],"n":1}"#).unwrap();
        wipe(&mut v);
        assert_eq!(v, serde_json::json!({"d":"","k":["",{"s":""}],"n":1}));
        // `Wiped` deserializes as strictly as `parse_object`.
        let w: Wiped = serde_json::from_str(r#"{"d":"x","k":{"a":[1]}}"#).unwrap();
        assert_eq!(w["k"]["a"][0], 1);
        assert!(serde_json::from_str::<Wiped>(r#"{"d":"x","d":"y"}"#).is_err());
        let deep = format!("{}1{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(serde_json::from_str::<Wiped>(&deep).is_err());
    }
}
