//! `time` types that encode as a JSON Schema `date-time` or `date` (RFC 3339), for crates
//! generated with `[types] date-time = "time"` (the `time` feature). `time`'s own serde
//! encoding is not RFC 3339, so generated fields hold these transparent wrappers; each derefs to
//! the `time` value and converts from and into it.
//!
//! ```
//! use schemagen_runtime::rfc3339;
//!
//! let at: rfc3339::DateTime = serde_json::from_str("\"2024-04-22T20:55:28.5+02:00\"").unwrap();
//! assert_eq!(at.offset().whole_hours(), 2, "the offset is kept");
//! assert_eq!(serde_json::to_string(&at).unwrap(), "\"2024-04-22T20:55:28.5+02:00\"");
//! let day: rfc3339::Date = serde_json::from_str("\"2024-02-29\"").unwrap();
//! assert_eq!(day.month(), time::Month::February);
//! assert!(serde_json::from_str::<rfc3339::Date>("\"2023-02-29\"").is_err());
//! ```

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// A `time::OffsetDateTime` that encodes as an RFC 3339 date-time and keeps its offset.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(pub time::OffsetDateTime);

/// A `time::Date` that encodes as an RFC 3339 full-date (`2024-04-22`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(pub time::Date);

const FULL_DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

macro_rules! wrapper {
    ($name:ident, $inner:ty, $what:literal, |$f:ident| $format:expr, |$text:ident| $parse:expr) => {
        impl std::ops::Deref for $name {
            type Target = $inner;

            fn deref(&self) -> &$inner {
                &self.0
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                $name(value)
            }
        }

        impl From<$name> for $inner {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let $f = &self.0;
                f.write_str(&$format.map_err(|_| fmt::Error)?)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let $f = &self.0;
                let text = $format.map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Expecting;

                impl Visitor<'_> for Expecting {
                    type Value = $name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }

                    fn visit_str<E: de::Error>(self, $text: &str) -> Result<$name, E> {
                        $parse.map($name).map_err(|_| E::invalid_value(de::Unexpected::Str($text), &self))
                    }
                }

                deserializer.deserialize_str(Expecting)
            }
        }
    };
}

wrapper!(DateTime, time::OffsetDateTime, "an RFC 3339 date-time", |value| value.format(&Rfc3339), |text| {
    time::OffsetDateTime::parse(text, &Rfc3339)
});
wrapper!(Date, time::Date, "an RFC 3339 full-date (YYYY-MM-DD)", |value| value.format(FULL_DATE), |text| {
    time::Date::parse(text, FULL_DATE)
});

#[cfg(feature = "schemars")]
mod schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    impl JsonSchema for super::DateTime {
        fn inline_schema() -> bool {
            true
        }

        fn schema_name() -> Cow<'static, str> {
            "DateTime".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "format": "date-time" })
        }
    }

    impl JsonSchema for super::Date {
        fn inline_schema() -> bool {
            true
        }

        fn schema_name() -> Cow<'static, str> {
            "Date".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "format": "date" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_round_trip_with_their_offset() {
        for text in ["2024-10-22T18:55:28.456076Z", "2024-04-22T20:55:28+02:00", "2023-07-13T21:34:44.816-07:30"] {
            let json = format!("\"{text}\"");
            let value: DateTime = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
            assert_eq!(value.to_string(), text);
        }
    }

    #[test]
    fn bad_values_are_named_not_quoted_wrongly() {
        let error = serde_json::from_str::<DateTime>("\"2024-04-22\"").unwrap_err().to_string();
        assert!(error.contains("an RFC 3339 date-time"), "{error}");
        assert!(serde_json::from_str::<DateTime>("17").is_err());
        assert!(serde_json::from_str::<Date>("\"2024-4-2\"").is_err());
        assert_eq!(
            serde_json::to_string(&serde_json::from_str::<Date>("\"0999-01-31\"").unwrap()).unwrap(),
            "\"0999-01-31\""
        );
    }
}
