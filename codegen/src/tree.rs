//! The parsed document: a compact JSON tree the readers walk.
//!
//! `serde_json::Value` (with `preserve_order`) took about seven times a document's size: each
//! object is an `IndexMap` with its own hash table, each member a 104-byte bucket, each key
//! and string its own allocation. Schemas are small objects looked up by a handful of keys, so
//! here an object is one boxed slice of members in document order, searched in order; only an
//! object with more than [`INDEXED`] members (`components/schemas`, big `properties`) also
//! keeps a sorted index for binary search. A [`Value`] is 24 bytes. Keys and strings are
//! `Arc<str>`, one allocation for all equal ones of a document ([`Builder`]): schemas repeat
//! `type`, `description`, `"string"` thousands of times. Numbers are `serde_json::Number`, so
//! [`Value`]'s `Display` writes exactly what serde_json writes for the same document (the
//! canonical JSON text of enum values, defaults and examples).
//!
//! The methods are named as serde_json's (`get`, `as_str`, `as_object`, `pointer`, …), so the
//! reader reads the same with either.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::Arc;

use serde::ser::{SerializeMap, SerializeSeq};

pub use serde_json::Number;

/// A JSON value. Objects keep their members in document order.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Arc<str>),
    Array(Box<[Value]>),
    Object(Object),
}

/// Objects with more members than this also keep a sorted index; smaller ones are searched in
/// order, which for a schema's handful of keywords is faster than hashing.
pub const INDEXED: usize = 16;

/// A JSON object: its members in document order, each key once. 16 bytes: a large object's
/// index is behind a second pointer, so the common small one is a bare slice.
#[derive(Clone)]
pub struct Object(Repr);

type Member = (Arc<str>, Value);

#[derive(Clone)]
enum Repr {
    /// At most [`INDEXED`] members.
    Small(Box<[Member]>),
    Large(Box<Large>),
}

#[derive(Clone)]
struct Large {
    members: Box<[Member]>,
    /// Positions of `members` sorted by key.
    index: Box<[u32]>,
}

impl Default for Object {
    fn default() -> Object {
        Object(Repr::Small(Box::default()))
    }
}

impl Object {
    /// An object of `members`, each key once: of a repeated key, the first position and the
    /// last value are kept (as serde_json does). Returns whether any key was repeated.
    pub fn from_members(mut members: Vec<(Arc<str>, Value)>) -> (Object, bool) {
        let mut repeated = false;
        if members.len() <= INDEXED {
            let mut i = 1;
            while i < members.len() {
                if let Some(first) = members[..i].iter().position(|(k, _)| *k == members[i].0) {
                    let (_, value) = members.remove(i);
                    members[first].1 = value;
                    repeated = true;
                } else {
                    i += 1;
                }
            }
            return (Object(Repr::Small(members.into_boxed_slice())), repeated);
        }
        let mut order = sorted(&members);
        if order.windows(2).any(|w| members[w[0] as usize].0 == members[w[1] as usize].0) {
            repeated = true;
            // Rare: fold each run of equal keys into its first position (the sort is stable,
            // so a run is in document order), then drop the repeats.
            let mut keep = vec![true; members.len()];
            let mut start = 0;
            while start < order.len() {
                let mut end = start + 1;
                while end < order.len() && members[order[end] as usize].0 == members[order[start] as usize].0 {
                    end += 1;
                }
                if end - start > 1 {
                    let first = order[start] as usize;
                    let last = order[end - 1] as usize;
                    let value = std::mem::take(&mut members[last].1);
                    members[first].1 = value;
                    order[start + 1..end].iter().for_each(|&i| keep[i as usize] = false);
                }
                start = end;
            }
            let mut keep = keep.into_iter();
            members.retain(|_| keep.next().unwrap_or(true));
            if members.len() <= INDEXED {
                return (Object(Repr::Small(members.into_boxed_slice())), repeated);
            }
            order = sorted(&members);
        }
        let large = Large { members: members.into_boxed_slice(), index: order.into_boxed_slice() };
        (Object(Repr::Large(Box::new(large))), repeated)
    }

    fn members(&self) -> &[Member] {
        match &self.0 {
            Repr::Small(members) => members,
            Repr::Large(large) => &large.members,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.0 {
            Repr::Small(members) => members.iter().find(|(k, _)| **k == *key).map(|(_, v)| v),
            Repr::Large(large) => large
                .index
                .binary_search_by(|&i| (*large.members[i as usize].0).cmp(key))
                .ok()
                .map(|at| &large.members[large.index[at] as usize].1),
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.members().len()
    }

    pub fn is_empty(&self) -> bool {
        self.members().is_empty()
    }

    /// The members in document order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &Value)> + ExactSizeIterator {
        self.members().iter().map(|(k, v)| (&**k, v))
    }

    /// The keys, shared: for keeping one without a copy.
    pub fn shared_keys(&self) -> impl DoubleEndedIterator<Item = &Arc<str>> + ExactSizeIterator {
        self.members().iter().map(|(k, _)| k)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.members().iter().map(|(k, _)| &**k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.members().iter().map(|(_, v)| v)
    }
}

/// Positions of `members`, stably sorted by key.
fn sorted(members: &[Member]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..members.len() as u32).collect();
    order.sort_by(|&a, &b| members[a as usize].0.cmp(&members[b as usize].0));
    order
}

impl<'a> IntoIterator for &'a Object {
    type Item = (&'a str, &'a Value);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Member>, fn(&'a Member) -> (&'a str, &'a Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members().iter().map(|(k, v)| (&**k, v))
    }
}

/// Equal as JSON objects are: the same members, in any order.
impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Builds the values of one document, sharing one `Arc<str>` among its equal keys and strings,
/// and noting whether an object repeated a key.
#[derive(Default)]
pub struct Builder {
    strings: RefCell<foldhash::HashSet<Arc<str>>>,
    repeated: Cell<bool>,
}

impl Builder {
    /// `text` as a key or string of this document: the same allocation as every equal one.
    pub fn str(&self, text: &str) -> Arc<str> {
        let mut strings = self.strings.borrow_mut();
        if let Some(known) = strings.get(text) {
            return known.clone();
        }
        let new: Arc<str> = text.into();
        strings.insert(new.clone());
        new
    }

    /// An object of `members` (see [`Object::from_members`]).
    pub fn object(&self, members: Vec<(Arc<str>, Value)>) -> Value {
        let (object, repeated) = Object::from_members(members);
        if repeated {
            self.repeated.set(true);
        }
        Value::Object(object)
    }

    /// Whether an object built so far repeated a key.
    pub fn repeated(&self) -> bool {
        self.repeated.get()
    }

    /// Reads one JSON value with this builder.
    pub fn seed(&self) -> Seed<'_> {
        Seed(self)
    }
}

impl Value {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(object) => object.get(key),
            _ => None,
        }
    }

    /// The value a JSON Pointer (RFC 6901) names, as `serde_json::Value::pointer` finds it;
    /// a token is only copied when it has an escape to undo.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut value = self;
        for token in rest.split('/') {
            let unescaped;
            let token = if token.contains('~') {
                unescaped = token.replace("~1", "/").replace("~0", "~");
                &unescaped
            } else {
                token
            };
            value = match value {
                Value::Object(object) => object.get(token)?,
                Value::Array(items) => items.get(array_index(token)?)?,
                _ => return None,
            };
        }
        Some(value)
    }

    /// The string, shared: for keeping it without a copy.
    pub fn as_shared_str(&self) -> Option<&Arc<str>> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }
}

/// An RFC 6901 array index: digits, no leading zero, as serde_json reads them.
pub fn array_index(token: &str) -> Option<usize> {
    if token.is_empty() || token.starts_with('+') || (token.starts_with('0') && token.len() > 1) {
        return None;
    }
    token.parse().ok()
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.into())
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(n.into())
    }
}

/// A `serde_json::Value` (tests build documents with `json!`).
impl From<serde_json::Value> for Value {
    fn from(value: serde_json::Value) -> Value {
        match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s.into()),
            serde_json::Value::Array(items) => Value::Array(items.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(map) => {
                Value::Object(Object::from_members(map.into_iter().map(|(k, v)| (k.into(), v.into())).collect()).0)
            }
        }
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                items.iter().try_for_each(|item| seq.serialize_element(item))?;
                seq.end()
            }
            Value::Object(object) => {
                let mut map = serializer.serialize_map(Some(object.len()))?;
                object.iter().try_for_each(|(k, v)| map.serialize_entry(k, v))?;
                map.end()
            }
        }
    }
}

/// Compact JSON text, byte for byte what `serde_json::Value`'s `Display` writes (`{:#}`:
/// pretty-printed).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if f.alternate() { serde_json::to_string_pretty(self) } else { serde_json::to_string(self) };
        f.write_str(&text.map_err(|_| fmt::Error)?)
    }
}

/// Reads one JSON value into a [`Value`] with a [`Builder`]. The nesting limit is the
/// deserializer's own.
#[derive(Clone, Copy)]
pub struct Seed<'a>(&'a Builder);

impl<'de> serde::de::DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(self.0.str(v)))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items.into_boxed_slice()))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key_seed(KeySeed(self.0))? {
            members.push((key, map.next_value_seed(self)?));
        }
        Ok(self.0.object(members))
    }
}

/// An object key, read straight into the builder's shared strings.
struct KeySeed<'a>(&'a Builder);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Arc<str>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Arc<str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed<'_> {
    type Value = Arc<str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Arc<str>, E> {
        Ok(self.0.str(v))
    }
}

/// Parses JSON text that is known to be valid (the built-in meta-schemas, tests).
pub fn from_str(text: &str) -> Result<Value, serde_json::Error> {
    let builder = Builder::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde::de::DeserializeSeed::deserialize(builder.seed(), &mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str) -> (Value, serde_json::Value) {
        (from_str(text).unwrap(), serde_json::from_str(text).unwrap())
    }

    #[test]
    fn display_writes_what_serde_json_writes() {
        let text = r#"{"b": [1, -2, 3.5, 1e300, 0.1, 18446744073709551615, -9223372036854775808],
            "a": {"z": null, "y": true, "x": "é\"\\\n\u0001"}, "c": 30, "d": 30.0, "e": -0.0}"#;
        let (ours, theirs) = both(text);
        assert_eq!(ours.to_string(), theirs.to_string());
        assert_eq!(format!("{ours:#}"), format!("{theirs:#}"));
    }

    #[test]
    fn objects_keep_document_order_and_find_every_key() {
        for n in [0, 1, INDEXED, INDEXED + 1, 200] {
            let members: Vec<String> = (0..n).rev().map(|i| format!("\"k{i}\": {i}")).collect();
            let (ours, theirs) = both(&format!("{{{}}}", members.join(",")));
            let object = ours.as_object().unwrap();
            assert_eq!(object.keys().collect::<Vec<_>>(), theirs.as_object().unwrap().keys().collect::<Vec<_>>());
            for i in 0..n {
                assert_eq!(object.get(&format!("k{i}")).and_then(Value::as_u64), Some(i as u64), "{n} members");
            }
            assert_eq!(object.get("k"), None);
            assert_eq!(object.get(&format!("k{n}")), None);
        }
    }

    #[test]
    fn repeated_keys_keep_the_first_place_and_the_last_value_as_serde_json_does() {
        for n in [3, INDEXED + 5] {
            let mut members: Vec<String> = (0..n).map(|i| format!("\"k{i}\": {i}")).collect();
            members.insert(2, "\"k1\": \"again\"".into());
            members.push("\"k0\": \"last\"".into());
            members.push("\"k1\": \"last\"".into());
            let text = format!("{{{}}}", members.join(","));
            let builder = Builder::default();
            let mut deserializer = serde_json::Deserializer::from_str(&text);
            let ours = serde::de::DeserializeSeed::deserialize(builder.seed(), &mut deserializer).unwrap();
            let theirs: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(builder.repeated(), "{n} members");
            assert_eq!(ours.to_string(), theirs.to_string());
            assert_eq!(ours.get("k1"), Some(&Value::from("last")));
        }
        let builder = Builder::default();
        let mut deserializer = serde_json::Deserializer::from_str(r#"{"a": {"b": 1}, "b": {"b": 1}}"#);
        serde::de::DeserializeSeed::deserialize(builder.seed(), &mut deserializer).unwrap();
        assert!(!builder.repeated());
    }

    #[test]
    fn pointer_finds_what_serde_json_finds() {
        let (ours, theirs) = both(r#"{"a/b": {"m~n": [10, {"": 1}]}, "0": "zero", "items": [1, 2]}"#);
        for pointer in
            ["", "/a~1b", "/a~1b/m~0n/1/", "/a~1b/m~0n/0", "/0", "/items/01", "/items/1", "/items/+1", "x", "/nope"]
        {
            assert_eq!(
                ours.pointer(pointer).map(Value::to_string),
                theirs.pointer(pointer).map(|v| v.to_string()),
                "{pointer:?}"
            );
        }
    }

    #[test]
    fn equal_keys_and_strings_share_one_allocation() {
        let doc = from_str(r#"[{"type": "string"}, {"type": "string", "string": 1}]"#).unwrap();
        let items = doc.as_array().unwrap();
        let (Value::Object(a), Value::Object(b)) = (&items[0], &items[1]) else { panic!() };
        let (key_a, key_b) = (&a.members()[0].0, &b.members()[0].0);
        assert!(Arc::ptr_eq(key_a, key_b));
        let (Some(Value::String(s_a)), Some(Value::String(s_b))) = (a.get("type"), b.get("type")) else { panic!() };
        assert!(Arc::ptr_eq(s_a, s_b) && Arc::ptr_eq(s_a, &b.members()[1].0));
    }

    #[test]
    fn a_value_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Object>(), 16);
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn objects_compare_as_json_objects() {
        assert_eq!(from_str(r#"{"a": 1, "b": [true]}"#).unwrap(), from_str(r#"{"b": [true], "a": 1}"#).unwrap());
        assert_ne!(from_str(r#"{"a": 1}"#).unwrap(), from_str(r#"{"a": 1, "b": 2}"#).unwrap());
    }
}
