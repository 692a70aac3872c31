//! How deeply a typed value's JSON encoding nests, found without encoding it.
//!
//! `validate_json` reports a document that nests arrays and objects more than
//! [`MAX_DEPTH`] levels deep as one `depth` violation, and typed `validate()` must report the
//! same for the encoding of a value built in code. A value can nest as deep as memory allows (a
//! recursive model through its `Box`es, a `serde_json::Value`), so its depth is measured by
//! serializing it into [`Measure`], a serializer that writes nothing and stops, with an error,
//! as soon as a non-empty array or object sits past the limit: the walk recurses at most
//! [`MAX_DEPTH`] levels, however deep the value, and allocates nothing.
//!
//! Levels are counted as `too_deep` counts them in a document: a non-empty array or object is a
//! level, scalars and empty arrays and objects are none.

use serde::ser::{self, Serialize};

use crate::validate::support::MAX_DEPTH;

/// How many `Some`s and newtype structs may wrap one another, with no array or object between
/// them, along one path of the value (each is a call on the stack, though not a level of the
/// encoding). Generated types never come near it; past it the value counts as too deep.
const MAX_WRAPPERS: usize = 4 * MAX_DEPTH;

/// Why [`measure`] stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A non-empty array or object sits more than [`MAX_DEPTH`] levels deep.
    TooDeep,
    /// The value's `Serialize` failed (it would not encode as JSON either).
    Failed,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::TooDeep => "the value nests too deeply",
            Stop::Failed => "the value cannot be encoded",
        })
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop::Failed
    }
}

/// Whether `value`'s JSON encoding, placed inside `level` non-empty arrays and objects (the
/// length of its JSON Pointer), keeps within [`MAX_DEPTH`] levels.
pub(crate) fn measure<T: Serialize + ?Sized>(value: &T, level: usize) -> Result<(), Stop> {
    if level > MAX_DEPTH {
        return Err(Stop::TooDeep);
    }
    value.serialize(Measure { level, wrappers: 0 })
}

/// A serializer that only counts levels: `level` is how many non-empty arrays and objects hold
/// the value being serialized.
#[derive(Clone, Copy)]
pub(crate) struct Measure {
    level: usize,
    wrappers: usize,
}

impl Measure {
    /// The measure of an item of a non-empty array or object that this value is: one level
    /// deeper, which must keep within the limit.
    fn enter(self) -> Result<Measure, Stop> {
        let level = self.level + 1;
        if level > MAX_DEPTH {
            return Err(Stop::TooDeep);
        }
        Ok(Measure { level, wrappers: 0 })
    }

    /// The measure of a value wrapped in this one without a level between (`Some`, a newtype).
    fn wrap(self) -> Result<Measure, Stop> {
        let wrappers = self.wrappers + 1;
        if wrappers > MAX_WRAPPERS {
            return Err(Stop::TooDeep);
        }
        Ok(Measure { level: self.level, wrappers })
    }
}

macro_rules! scalars {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {$(
        fn $method(self $(, _: $arg)*) -> Result<(), Stop> {
            Ok(())
        }
    )*};
}

impl ser::Serializer for Measure {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = Items;
    type SerializeMap = Items;
    type SerializeStruct = Items;
    type SerializeStructVariant = Items;

    scalars!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    /// A string: nothing to measure, and nothing to format.
    fn collect_str<T: std::fmt::Display + ?Sized>(self, _: &T) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self.wrap()?)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Stop> {
        value.serialize(self.wrap()?)
    }

    /// `{"Variant": value}`: an object holding the value.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self.enter()?)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Items, Stop> {
        Ok(Items(self))
    }

    fn serialize_tuple(self, _: usize) -> Result<Items, Stop> {
        Ok(Items(self))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Items, Stop> {
        Ok(Items(self))
    }

    /// `{"Variant": [items]}`: the object is a level whether or not the array is empty.
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Items, Stop> {
        Ok(Items(self.enter()?))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Items, Stop> {
        Ok(Items(self))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Items, Stop> {
        Ok(Items(self))
    }

    /// `{"Variant": {fields}}`, as [`Measure::serialize_tuple_variant`].
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Items, Stop> {
        Ok(Items(self.enter()?))
    }
}

/// The items of an array or the members of an object whose own measure is `.0`: each is one
/// level deeper (the container has an item, so it is a level).
pub(crate) struct Items(Measure);

impl Items {
    fn item<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Stop> {
        value.serialize(self.0.enter()?)
    }
}

impl ser::SerializeSeq for Items {
    type Ok = ();
    type Error = Stop;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.item(value)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeTuple for Items {
    type Ok = ();
    type Error = Stop;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.item(value)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Items {
    type Ok = ();
    type Error = Stop;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.item(value)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Items {
    type Ok = ();
    type Error = Stop;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.item(value)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeMap for Items {
    type Ok = ();
    type Error = Stop;
    /// A key is a string in JSON; it makes the object non-empty, so it is measured as a member.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        self.item(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.item(value)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStruct for Items {
    type Ok = ();
    type Error = Stop;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, value: &T) -> Result<(), Stop> {
        self.item(value)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Items {
    type Ok = ();
    type Error = Stop;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, value: &T) -> Result<(), Stop> {
        self.item(value)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::{Value, json};

    use super::{MAX_DEPTH, Stop, measure};
    use crate::validate::support::too_deep;

    /// `levels` arrays and objects, alternating, around `inner`.
    fn nested(levels: usize, inner: Value) -> Value {
        (0..levels).fold(inner, |value, level| if level % 2 == 0 { json!([value]) } else { json!({ "a": value }) })
    }

    #[test]
    fn a_value_measures_as_the_document_walk_counts() {
        for inner in [json!(1), json!([]), json!({}), json!([[]]), json!({"a": {}}), json!("s")] {
            for levels in [0, 1, MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1] {
                let value = nested(levels, inner.clone());
                assert_eq!(measure(&value, 0).is_err(), too_deep(&value), "{levels} around {inner}");
            }
        }
        // The deep branch need not be the first; a value placed deep has fewer levels to spare.
        let wide = json!([1, {"a": []}, nested(MAX_DEPTH - 1, json!(1))]);
        assert_eq!(measure(&wide, 0), Ok(()));
        assert_eq!(measure(&wide, 1), Err(Stop::TooDeep));
        assert_eq!(measure(&json!("scalar"), MAX_DEPTH), Ok(()));
        assert_eq!(measure(&json!([]), MAX_DEPTH), Ok(()));
        assert_eq!(measure(&json!([1]), MAX_DEPTH), Err(Stop::TooDeep));
    }

    /// Derived types measure as their encodings: fields skipped when `None` are no member, enum
    /// variants are objects, `Some` and newtypes are no level.
    #[test]
    fn typed_values_measure_as_their_encodings() {
        #[derive(Serialize)]
        struct Node {
            #[serde(skip_serializing_if = "Option::is_none")]
            child: Option<Box<Node>>,
        }
        #[derive(Serialize)]
        struct Wrapper(Option<Node>);
        #[derive(Serialize)]
        enum Variant {
            Unit,
            Newtype(Vec<u8>),
            Tuple(u8, u8),
            Empty(),
            Struct { a: Vec<u8> },
        }
        let chain = |levels: usize| {
            let mut node = Node { child: None };
            for _ in 0..levels {
                node = Node { child: Some(Box::new(node)) };
            }
            node
        };
        for levels in [0, 1, 5, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 2 * MAX_DEPTH] {
            let node = Wrapper(Some(chain(levels)));
            let encoded = serde_json::to_value(&node).unwrap();
            assert_eq!(measure(&node, 0).is_err(), too_deep(&encoded), "{levels}");
            assert_eq!(measure(&node, 3).is_err(), measure(&encoded, 3).is_err(), "{levels}");
        }
        for variant in [
            Variant::Unit,
            Variant::Newtype(vec![]),
            Variant::Newtype(vec![1]),
            Variant::Tuple(1, 2),
            Variant::Empty(),
            Variant::Struct { a: vec![] },
            Variant::Struct { a: vec![1] },
        ] {
            let encoded = serde_json::to_value(&variant).unwrap();
            for level in MAX_DEPTH - 3..=MAX_DEPTH {
                assert_eq!(measure(&variant, level), measure(&encoded, level), "{encoded} at {level}");
            }
        }
    }

    /// A value far deeper than the limit is measured without recursing through it: this runs on
    /// a 256 KiB stack, which a walk of 100,000 levels would overflow.
    #[test]
    fn a_very_deep_value_stops_at_the_limit() {
        let measured = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                let mut value = Value::Null;
                for _ in 0..100_000 {
                    value = Value::Array(vec![value]);
                }
                let measured = measure(&value, 0);
                // Taken apart one level at a time: dropping it whole would recurse.
                while let Value::Array(mut items) = value {
                    value = items.pop().unwrap_or_default();
                }
                measured
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(measured, Err(Stop::TooDeep));
    }
}
