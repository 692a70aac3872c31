//! Exact decoding: `from_str`'s fast path decodes the text straight into the model through a
//! deserializer that notices every place where serde would accept more than the schema says, or
//! would keep less than the document holds. A decode that hit none of them gives a model whose
//! encoding is the document itself (up to key order, whitespace and number spelling), so its
//! typed `validate()` reports exactly what `validate_json` reports for the document.
//!
//! What makes a decode inexact (and sends `from_str` down the validate-then-decode path):
//!
//! - `null` taken as an absent `Option` (`null` for an optional property that is not nullable);
//! - a JSON array decoded as a struct, or an object as an enum;
//! - a property the struct does not keep (it would be dropped unchecked);
//! - a value decoded by `deserialize_any` that is not a string, number or boolean (a
//!   `serde_json::Value`, or a union buffering the value: the decoder could be lenient after);
//! - a string parsed by its type (`deserialize_str`: dates, times, UUIDs) that is not a valid
//!   `date-time`, `date` or hyphenated `uuid`: chrono and uuid accept other spellings;
//! - floats, bytes: no generated type decodes them, so they are not trusted.
//!
//! Generated code only takes this path for models whose types decode without buffering (no
//! unions, flattened maps or untyped values) and whose typed validator never re-checks a date,
//! time or UUID against rules beyond `type` and `format` (`Validate::exact_decode`).

use std::cell::Cell;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// `text` decoded into `T` when it decodes exactly and the model `passes`; otherwise an empty
/// [`Error::Invalid`](crate::Error::Invalid) that only says "take the general path" (the text
/// may not be JSON, may not fit `T`, may have decoded only through one of serde's leniencies, or
/// the model failed). The result has `from_str`'s own type, so the model is built where
/// `from_str` returns it rather than copied there through an `Option` (the model of a large
/// schema is hundreds of bytes, and each copy was a noticeable part of a decode).
pub(crate) fn decode<T: DeserializeOwned>(text: &str, passes: impl FnOnce(&T) -> bool) -> Result<T, crate::Error> {
    let inexact = Cell::new(false);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = T::deserialize(Exact { de: &mut deserializer, inexact: &inexact });
    if let Ok(model) = &result
        && deserializer.end().is_ok()
        && !inexact.get()
        && passes(model)
    {
        return result.map_err(crate::Error::Syntax);
    }
    Err(crate::Error::Invalid(crate::ValidationErrors::default()))
}

/// Whether a string that a type parses itself is in the form the schema's format requires.
fn well_formed(text: &str) -> bool {
    use crate::validate::rules;
    rules::date_time(text) || rules::date(text) || (text.len() == 36 && rules::format("uuid", text))
}

struct Exact<'a, D> {
    de: D,
    inexact: &'a Cell<bool>,
}

/// Wraps a visitor, a seed or an access so that what it reaches is decoded exactly too.
struct Wrap<'a, T> {
    inner: T,
    inexact: &'a Cell<bool>,
}

impl<'a, T> Wrap<'a, T> {
    #[inline]
    fn new(inner: T, inexact: &'a Cell<bool>) -> Self {
        Wrap { inner, inexact }
    }

    #[inline]
    fn taint(&self) {
        self.inexact.set(true);
    }
}

macro_rules! forward {
    ($($method:ident),*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.de.$method(visitor)
        }
    )*};
}

macro_rules! distrust {
    ($($method:ident),*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.inexact.set(true);
            self.de.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Exact<'_, D> {
    type Error = D::Error;

    forward!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_char,
        deserialize_string,
        deserialize_unit,
        deserialize_identifier
    );
    distrust!(deserialize_f32, deserialize_f64, deserialize_bytes, deserialize_byte_buf, deserialize_ignored_any);

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_any(Wrap::new(Scalar(visitor), self.inexact))
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_str(Wrap::new(Parsed(visitor), self.inexact))
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_option(Wrap::new(Optional(visitor), self.inexact))
    }

    #[inline]
    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_unit_struct(name, visitor)
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de.deserialize_newtype_struct(name, Wrap::new(Newtype(visitor), self.inexact))
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_seq(Wrap::new(Container(visitor), self.inexact))
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_tuple(len, Wrap::new(Container(visitor), self.inexact))
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de.deserialize_tuple_struct(name, len, Wrap::new(Container(visitor), self.inexact))
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_map(Wrap::new(Container(visitor), self.inexact))
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de.deserialize_struct(name, fields, Wrap::new(Structure(visitor), self.inexact))
    }

    /// Only a string names a variant: serde would also take `{"variant": …}`.
    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.de.deserialize_any(Wrap::new(Variant(visitor), self.inexact))
    }

    #[inline]
    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<'_, S> {
    type Value = S::Value;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.deserialize(Exact { de: deserializer, inexact: self.inexact })
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(Wrap::new(seed, self.inexact))
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(Wrap::new(seed, self.inexact))
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.inner.next_element_seed(Wrap::new(seed, self.inexact))
    }

    #[inline]
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// The visitors: each passes on what it trusts, marks what it does not.
struct Scalar<V>(V);
struct Parsed<V>(V);
struct Optional<V>(V);
struct Newtype<V>(V);
struct Container<V>(V);
struct Structure<V>(V);
struct Variant<V>(V);

macro_rules! expecting {
    () => {
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.inner.0.expecting(f)
        }
    };
}

/// Strings, numbers and booleans pass through; anything else is marked.
impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, Scalar<V>> {
    type Value = V::Value;
    expecting!();

    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Value, E> {
        self.inner.0.visit_bool(v)
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.inner.0.visit_i64(v)
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.inner.0.visit_u64(v)
    }
    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.inner.0.visit_f64(v)
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.inner.0.visit_str(v)
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.inner.0.visit_borrowed_str(v)
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.inner.0.visit_string(v)
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.taint();
        self.inner.0.visit_unit()
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.taint();
        self.inner.0.visit_none()
    }
    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.taint();
        self.inner.0.visit_seq(seq)
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.taint();
        self.inner.0.visit_map(map)
    }
}

/// A string a type parses itself must be a well-formed date, date-time or UUID.
impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, Parsed<V>> {
    type Value = V::Value;
    expecting!();

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        if !well_formed(v) {
            self.taint();
        }
        self.inner.0.visit_str(v)
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        if !well_formed(v) {
            self.taint();
        }
        self.inner.0.visit_borrowed_str(v)
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        if !well_formed(&v) {
            self.taint();
        }
        self.inner.0.visit_string(v)
    }
}

/// `null` is marked: it is exact only where the field is nullable, which is not known here.
impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, Optional<V>> {
    type Value = V::Value;
    expecting!();

    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.taint();
        self.inner.0.visit_none()
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.taint();
        self.inner.0.visit_unit()
    }
    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.0.visit_some(Exact { de: deserializer, inexact: self.inexact })
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, Newtype<V>> {
    type Value = V::Value;
    expecting!();

    #[inline]
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.0.visit_newtype_struct(Exact { de: deserializer, inexact: self.inexact })
    }
}

/// Arrays and maps, their items decoded exactly.
impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, Container<V>> {
    type Value = V::Value;
    expecting!();

    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.0.visit_seq(Wrap::new(seq, self.inexact))
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.0.visit_map(Wrap::new(map, self.inexact))
    }
}

/// A struct from an object; an array is marked.
impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, Structure<V>> {
    type Value = V::Value;
    expecting!();

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.0.visit_map(Wrap::new(map, self.inexact))
    }
    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.taint();
        self.inner.0.visit_seq(seq)
    }
}

/// A variant named by a string; anything else is refused.
impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, Variant<V>> {
    type Value = V::Value;
    expecting!();

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.inner.0.visit_enum(StrDeserializer::<E>::new(v))
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.inner.0.visit_enum(BorrowedStrDeserializer::<E>::new(v))
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.inner.0.visit_enum(StringDeserializer::<E>::new(v))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset};
    use serde::Deserialize;

    use super::decode;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Probe {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        kind: Option<Kind>,
        #[serde(default)]
        when: Option<DateTime<FixedOffset>>,
        #[serde(default)]
        scopes: Option<Vec<String>>,
        #[serde(default)]
        key: Option<crate::Secret>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Kind {
        #[serde(rename = "input")]
        Input,
    }

    #[test]
    fn exact_documents_decode() {
        let probe: Probe = decode(
            r#"{"name": "n", "kind": "input", "when": "2023-07-13T21:34:44.816354Z", "scopes": ["a"], "key": "k"}"#,
            |_| true,
        )
        .expect("an exact document");
        assert_eq!(probe.kind, Some(Kind::Input));
        assert_eq!(probe.key.as_ref().map(|k| k.expose_secret()), Some("k"));
        assert!(decode::<Probe>("{}", |_| true).is_ok());
        // A model that decoded exactly but does not pass is not returned either.
        assert!(decode::<Probe>("{}", |_| false).is_err());
    }

    #[test]
    fn leniencies_are_noticed() {
        for text in [
            r#"{"name": null}"#,
            r#"["n"]"#,
            r#"{"kind": {"input": null}}"#,
            r#"{"unknown": 1}"#,
            r#"{"when": "2023-07-13 21:34:44Z"}"#,
            r#"{"name": "n"} trailing"#,
            r#"{"name": 7}"#,
        ] {
            assert!(decode::<Probe>(text, |_| true).is_err(), "{text} decoded exactly");
        }
        // serde itself takes each of these, which is why they are refused.
        assert!(serde_json::from_str::<Probe>(r#"{"name": null}"#).is_ok());
        assert!(serde_json::from_str::<Probe>(r#"["n"]"#).is_ok());
        assert!(serde_json::from_str::<Probe>(r#"{"kind": {"input": null}}"#).is_ok());
        assert!(serde_json::from_str::<Probe>(r#"{"when": "2023-07-13 21:34:44Z"}"#).is_ok());
    }
}
