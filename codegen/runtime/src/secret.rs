//! [`Secret`]: the type of every generated field that carries a credential.
//!
//! It wraps `secrecy::SecretString`, which zeroes the memory on drop and never prints its
//! content, and adds what generated models need and `secrecy` deliberately leaves out: it
//! serializes the real value (the API needs it), compares, and keeps its value out of decode
//! errors too.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A credential: an API key, a password, a token. `Debug` and `Display` print `[REDACTED]`;
/// serialization sends the real value; [`Secret::expose_secret`] reads it.
///
/// ```
/// use schemagen_runtime::Secret;
///
/// let key = Secret::from("sk_live_123");
/// assert_eq!(format!("{key:?}"), "[REDACTED]");
/// assert_eq!(key.expose_secret(), "sk_live_123");
/// assert_eq!(serde_json::to_string(&key).unwrap(), "\"sk_live_123\"");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The credential itself. Every read of it is visible in the code as this call.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Compares in time that depends only on the lengths, so comparing a guess with a credential
/// does not reveal how much of it matched.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.expose_secret().as_bytes(), other.expose_secret().as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `deserialize_any`, not `deserialize_string`: serde_json answers a wrong type for
        // `deserialize_string` itself, quoting the value, before the visitor could hide it.
        deserializer.deserialize_any(SecretVisitor)
    }
}

/// Accepts strings only, and names a wrong value by its kind, never by its content: serde's
/// default messages quote the value ("invalid type: integer `12345`").
struct SecretVisitor;

impl SecretVisitor {
    fn wrong<E: de::Error>(&self, kind: &'static str) -> E {
        E::invalid_type(Unexpected::Other(kind), self)
    }
}

impl<'de> Visitor<'de> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (a credential; its value is not shown)")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Secret, E> {
        Ok(Secret::new(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Secret, E> {
        Ok(Secret::new(value))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Secret, E> {
        Err(self.wrong("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Secret, E> {
        Err(self.wrong("an integer"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Secret, E> {
        Err(self.wrong("an integer"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Secret, E> {
        Err(self.wrong("a number"))
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Secret, E> {
        Err(self.wrong("bytes"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Secret, E> {
        Err(self.wrong("null"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Err(self.wrong("an array"))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Err(self.wrong("an object"))
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_prints_and_round_trips() {
        let secret: Secret = serde_json::from_str("\"hunter2\"").unwrap();
        assert_eq!(format!("{secret:?} {secret}"), "[REDACTED] [REDACTED]");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2\"");
        assert_eq!(secret, Secret::from("hunter2"));
        assert_ne!(secret, Secret::from("hunter3"));
    }

    #[test]
    fn decode_errors_do_not_quote_the_value() {
        for json in ["12345", "123.5", "true", "[\"hunter2\"]", "{\"k\": \"hunter2\"}"] {
            let err = serde_json::from_str::<Secret>(json).unwrap_err().to_string();
            assert!(!err.contains("12345") && !err.contains("123.5") && !err.contains("hunter2"), "{err}");
            assert!(err.contains("its value is not shown"), "{err}");
        }
    }
}
