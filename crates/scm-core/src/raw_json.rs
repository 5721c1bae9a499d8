//! A provider's JSON answer, kept as the bytes it arrived as.
//!
//! Results carry the provider's raw answer next to the neutral data
//! ([`RawResponse::body`](crate::RawResponse)). Building a
//! `serde_json::Value` tree of every answer only to keep it — and then
//! mapping the typed schema from that tree — costs more than the mapping
//! itself on large list pages. [`RawJson`] keeps the answer's bytes
//! instead (the body buffer itself, no copy) and the typed schema is
//! decoded straight from them: one parse per answer, no intermediate
//! tree. Serialized, a `RawJson` is the JSON it holds, exactly as a
//! `Value` was, so no caller sees a change on the wire.
//!
//! A tree is only built for callers that browse the answer by key
//! ([`RawJson::value`], `raw["key"]`), once, on first use.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Index;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::de::{DeserializeOwned, DeserializeSeed, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::Error;

/// Valid JSON text, held as the bytes it came in.
///
/// Invariant: `bytes` is UTF-8 and one complete JSON value. Every
/// constructor checks it, so serializing never has to guess.
#[derive(Clone)]
pub struct RawJson {
    bytes: Bytes,
    /// Built on first browse only; the mapping path never needs it.
    tree: OnceLock<Value>,
}

impl RawJson {
    /// Keeps `bytes` after checking that they are one JSON value.
    pub fn new(bytes: Bytes) -> Result<Self, serde_json::Error> {
        serde_json::from_slice::<IgnoredAny>(&bytes)?;
        Self::checked_utf8(bytes)
    }

    /// Decodes `T` straight from `bytes` and keeps the bytes as the raw
    /// answer: the one parse an answer gets.
    ///
    /// A typed decode walks the whole input (skipped fields included) and
    /// refuses anything after the value, so its success proves the bytes
    /// are one JSON value; strings in skipped fields are not checked for
    /// UTF-8 by the decoder, hence the separate (much cheaper) UTF-8
    /// check.
    pub fn decode_with<T: DeserializeOwned>(bytes: Bytes) -> Result<(T, Self), serde_json::Error> {
        let typed = serde_json::from_slice::<T>(&bytes)?;
        Ok((typed, Self::checked_utf8(bytes)?))
    }

    /// [`RawJson::decode_with`] through a seed (a decoder that carries
    /// state, such as the name of the member to read).
    pub fn decode_seed_with<S, V>(bytes: Bytes, seed: S) -> Result<(V, Self), serde_json::Error>
    where
        S: for<'a> DeserializeSeed<'a, Value = V>,
    {
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let typed = seed.deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok((typed, Self::checked_utf8(bytes)?))
    }

    fn checked_utf8(bytes: Bytes) -> Result<Self, serde_json::Error> {
        std::str::from_utf8(&bytes).map_err(|_| {
            serde_json::Error::custom("the JSON text is not valid UTF-8 (RFC 8259 section 8.1)")
        })?;
        Ok(Self {
            bytes,
            tree: OnceLock::new(),
        })
    }

    /// The JSON of `value` (for answers assembled from several calls).
    pub fn from_value(value: &Value) -> Self {
        let bytes = serde_json::to_vec(value).expect("a Value always serializes");
        Self {
            bytes: Bytes::from(bytes),
            tree: OnceLock::new(),
        }
    }

    /// A JSON array of several answers (for actions made of several
    /// calls), their texts copied in as they are.
    pub fn array<'a>(items: impl IntoIterator<Item = &'a RawJson>) -> Self {
        let mut out = Vec::from(&b"["[..]);
        for (index, item) in items.into_iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&item.bytes);
        }
        out.push(b']');
        Self {
            bytes: Bytes::from(out),
            tree: OnceLock::new(),
        }
    }

    /// The JSON text, as it arrived.
    pub fn as_str(&self) -> &str {
        // Checked by every constructor.
        std::str::from_utf8(&self.bytes).expect("RawJson holds UTF-8")
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, shared (no copy).
    pub fn bytes(&self) -> Bytes {
        self.bytes.clone()
    }

    /// Decodes another typed view of the same answer.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.bytes)
            .map_err(|err| Error::malformed(format!("unexpected JSON shape: {err}")))
    }

    /// The answer as a tree, built on first use and kept. `Null` for the
    /// one kind of JSON text a tree cannot hold (a string with a lone UTF-16
    /// surrogate escape, which the decoder accepts where it skips).
    pub fn value(&self) -> &Value {
        self.tree
            .get_or_init(|| serde_json::from_slice(&self.bytes).unwrap_or(Value::Null))
    }

    /// The member `key` of an object answer.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.value().get(key)
    }
}

/// A decoder for one member of a JSON object (`{"total_count": 3,
/// "check_runs": [...]}` → the `check_runs` list), every other member
/// skipped without being built. `None` when the object has no such member.
pub struct Member<T> {
    key: &'static str,
    item: PhantomData<fn() -> T>,
}

impl<T> Member<T> {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            item: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Member<T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Member<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` member", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut found = None;
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            if name == self.key && found.is_none() {
                found = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

impl From<Value> for RawJson {
    fn from(value: Value) -> Self {
        let raw = Self::from_value(&value);
        let _ = raw.tree.set(value);
        raw
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The same JSON, whatever the spacing or member order of either text.
impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes || self.value() == other.value()
    }
}

impl<'a> Index<&'a str> for RawJson {
    type Output = Value;

    /// `raw["key"]`, as on a `Value`: `Null` when absent.
    fn index(&self, key: &'a str) -> &Value {
        &self.value()[key]
    }
}

impl Index<usize> for RawJson {
    type Output = Value;

    fn index(&self, index: usize) -> &Value {
        &self.value()[index]
    }
}

impl Serialize for RawJson {
    /// Writes the JSON text as it is (serde_json copies it through; other
    /// serializers, such as `serde_json::to_value`, read it as a value).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue =
            serde_json::from_str(self.as_str()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    /// Read through a `Value`, so that it works behind every deserializer
    /// (including serde's buffering of internally tagged enums, which a
    /// `RawValue` does not survive). Only clients reading results back
    /// take this path; providers build `RawJson` from the answer's bytes.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for RawJson {
    fn is_referenceable() -> bool {
        Value::is_referenceable()
    }

    fn schema_name() -> String {
        Value::schema_name()
    }

    fn json_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        Value::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_as_the_json_it_holds() {
        let text = r#"{"b": 1, "a": [true, null, "x"]}"#;
        let raw = RawJson::new(Bytes::from_static(text.as_bytes())).unwrap();
        assert_eq!(serde_json::to_string(&raw).unwrap(), text);
        assert_eq!(
            serde_json::to_value(&raw).unwrap(),
            json!({"a": [true, null, "x"], "b": 1})
        );
        let back: RawJson = serde_json::from_str(text).unwrap();
        assert_eq!(back, raw);
        assert_eq!(raw["a"][2], "x");
        assert_eq!(raw["missing"], Value::Null);
    }

    #[test]
    fn only_json_text_is_kept() {
        assert!(RawJson::new(Bytes::from_static(b"{")).is_err());
        assert!(RawJson::new(Bytes::from_static(b"1 2")).is_err());
        assert!(RawJson::new(Bytes::from_static(b"\"\xff\"")).is_err());
        // A skipped string is not UTF-8-checked by the typed decoder; the
        // raw answer still refuses it.
        let bytes = Bytes::from_static(b"{\"skipped\": \"\xff\", \"n\": 1}");
        #[derive(Deserialize)]
        struct N {
            #[allow(dead_code)]
            n: u32,
        }
        assert!(RawJson::decode_with::<N>(bytes).is_err());
    }

    #[test]
    fn decodes_and_keeps_the_bytes() {
        #[derive(Deserialize)]
        struct Item {
            id: u32,
        }
        let bytes = Bytes::from_static(br#"[{"id": 1, "x": {"deep": [1, 2]}}, {"id": 2}]"#);
        let (items, raw) = RawJson::decode_with::<Vec<Item>>(bytes.clone()).unwrap();
        assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(raw.as_bytes(), &bytes[..]);
        assert_eq!(raw[0]["x"]["deep"][1], 2);
        let both = RawJson::array([&raw, &raw]);
        assert_eq!(both[1][1]["id"], 2);
        assert_eq!(RawJson::array([]).as_str(), "[]");
    }
}
