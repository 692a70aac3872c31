//! Validation: the [`Validate`] trait every generated model implements, the errors it reports,
//! and [`from_str`]/[`from_value`], which decode and validate in one call.
//!
//! A validator reports every violation, each with the RFC 6901 JSON Pointer of the offending
//! value and the schema keyword that failed. Messages describe the rule, never the value, so a
//! credential that breaks a rule is not echoed into logs.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// One violation: where, which keyword, and what the rule is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    pointer: String,
    keyword: &'static str,
    message: String,
}

impl ValidationError {
    pub fn new(pointer: String, keyword: &'static str, message: String) -> Self {
        Self { pointer, keyword, message }
    }

    /// The RFC 6901 JSON Pointer of the offending value in the document (`""` is the root).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The schema keyword that failed: `required`, `pattern`, `type`, …
    pub fn keyword(&self) -> &str {
        self.keyword
    }

    /// What the rule is, without the value.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() { "(root)" } else { &self.pointer };
        write!(f, "{at}: {} [{}]", self.message, self.keyword)
    }
}

/// Every violation of a document, in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationErrors(Vec<ValidationError>);

impl ValidationErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for ValidationErrors {
    type Item = ValidationError;
    type IntoIter = std::vec::IntoIter<ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(f, "{count} violation{}", if count == 1 { "" } else { "s" })?;
        for error in &self.0 {
            write!(f, "\n  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A generated model that can check itself and check JSON documents against its schema.
pub trait Validate {
    /// Checks a value built in code against every rule of the schema.
    fn validate(&self) -> Result<(), ValidationErrors>;

    /// Checks a JSON document against the model's schema, reporting every violation.
    fn validate_json(value: &Value) -> Result<(), ValidationErrors>
    where
        Self: Sized;

    /// Checks the value as the part of a larger document at `path`, recording violations in
    /// `sink`; returns whether it passed. Generated models check their fields directly; this
    /// default reports [`Validate::validate`]'s violations under `path`.
    #[doc(hidden)]
    fn validate_at(&self, path: &support::Path<'_>, sink: &mut support::Sink) -> bool {
        match self.validate() {
            Ok(()) => true,
            Err(errors) => {
                sink.extend(path, errors);
                false
            }
        }
    }
}

/// Why [`from_str`] or [`from_value`] returned no model.
#[derive(Debug)]
pub enum Error {
    /// The text is not JSON; the error has the line and column.
    Syntax(serde_json::Error),
    /// The document is JSON but breaks the schema: every violation.
    Invalid(ValidationErrors),
    /// The document fits the schema but not the generated types (a shape the generator could
    /// only approximate); the error says where.
    Decode(serde_json::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax(e) => write!(f, "invalid JSON: {e}"),
            Error::Invalid(errors) => write!(f, "the document breaks its schema: {errors}"),
            Error::Decode(e) => write!(f, "the document does not fit the generated types: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Syntax(e) | Error::Decode(e) => Some(e),
            Error::Invalid(errors) => Some(errors),
        }
    }
}

/// Decodes and validates a document: the text is parsed once, checked against the schema
/// (every violation is reported), and only a valid document is decoded into `T`.
///
/// Decoding straight into `T` first would be faster but is not sound: serde accepts more than
/// the schema does (`null` for an absent optional property, an array for a struct, a map for an
/// enum, the last of duplicate keys), so the typed value would hide those violations.
pub fn from_str<T: DeserializeOwned + Validate>(text: &str) -> Result<T, Error> {
    let value: Value = serde_json::from_str(text).map_err(Error::Syntax)?;
    from_value(value)
}

/// Validates a document, then decodes it.
pub fn from_value<T: DeserializeOwned + Validate>(value: Value) -> Result<T, Error> {
    T::validate_json(&value).map_err(Error::Invalid)?;
    serde_json::from_value(value).map_err(Error::Decode)
}

/// Support for generated validators. Not a stable API.
#[doc(hidden)]
pub mod support {
    use super::{ValidationError, ValidationErrors};

    /// Where a validator is in the document, as a linked list on the stack: rendering the
    /// pointer costs nothing until an error needs it.
    #[derive(Clone, Copy)]
    pub enum Path<'a> {
        Root,
        Key(&'a Path<'a>, &'a str),
        Index(&'a Path<'a>, usize),
    }

    impl Path<'_> {
        pub fn render(&self) -> String {
            let mut segments = Vec::new();
            let mut at = self;
            loop {
                match at {
                    Path::Root => break,
                    Path::Key(parent, key) => {
                        segments.push(key.replace('~', "~0").replace('/', "~1"));
                        at = parent;
                    }
                    Path::Index(parent, index) => {
                        segments.push(index.to_string());
                        at = parent;
                    }
                }
            }
            segments.iter().rev().fold(String::new(), |mut out, s| {
                out.push('/');
                out.push_str(s);
                out
            })
        }
    }

    /// Collects violations, or only counts them while an `anyOf` branch or a `not` is probed.
    pub struct Sink {
        errors: Vec<ValidationError>,
        probing: u32,
        failed: bool,
    }

    impl Default for Sink {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Sink {
        pub fn new() -> Self {
            Sink { errors: Vec::new(), probing: 0, failed: false }
        }

        /// Records a violation; returns `false` so checks can `return sink.fail(…)`.
        #[cold]
        pub fn fail(&mut self, path: &Path<'_>, keyword: &'static str, message: impl FnOnce() -> String) -> bool {
            self.record(|| path.render(), keyword, message)
        }

        fn record(
            &mut self,
            pointer: impl FnOnce() -> String,
            keyword: &'static str,
            message: impl FnOnce() -> String,
        ) -> bool {
            self.failed = true;
            if self.probing == 0 {
                self.errors.push(ValidationError::new(pointer(), keyword, message()));
            }
            false
        }

        /// Runs `check` without recording what it finds; returns whether it passed.
        pub fn probe(&mut self, check: impl FnOnce(&mut Sink) -> bool) -> bool {
            self.probing += 1;
            let was_failed = std::mem::replace(&mut self.failed, false);
            let ok = check(self) && !self.failed;
            self.failed = was_failed;
            self.probing -= 1;
            ok
        }

        /// Records violations found below `path`, their pointers prefixed with it.
        #[cold]
        pub fn extend(&mut self, path: &Path<'_>, errors: ValidationErrors) {
            self.failed = true;
            let prefix = path.render();
            for error in errors {
                self.record(|| format!("{prefix}{}", error.pointer), error.keyword, || error.message);
            }
        }

        pub fn finish(self) -> Result<(), ValidationErrors> {
            if self.errors.is_empty() && !self.failed { Ok(()) } else { Err(ValidationErrors(self.errors)) }
        }
    }
}

/// Helpers the generated checks call. Not a stable API.
#[doc(hidden)]
pub mod rules {
    use serde_json::Value;

    /// Annotations a schema's keywords leave for `unevaluatedProperties` and `unevaluatedItems`:
    /// which properties and items something evaluated. Only recorded when `active`, so schemas
    /// without those keywords pay nothing.
    #[derive(Default)]
    pub struct Ev {
        pub active: bool,
        props: Vec<String>,
        /// Items `0..items` were evaluated.
        items: usize,
        all_items: bool,
        item_set: Vec<usize>,
    }

    impl Ev {
        pub fn active() -> Self {
            Ev { active: true, ..Ev::default() }
        }

        /// A fresh record for a subschema whose annotations count only if it passes.
        pub fn child(&self) -> Self {
            Ev { active: self.active, ..Ev::default() }
        }

        pub fn prop(&mut self, name: &str) {
            if self.active {
                self.props.push(name.to_string());
            }
        }

        pub fn has_prop(&self, name: &str) -> bool {
            self.props.iter().any(|p| p == name)
        }

        pub fn items_up_to(&mut self, len: usize) {
            if self.active {
                self.items = self.items.max(len);
            }
        }

        pub fn all_items(&mut self) {
            if self.active {
                self.all_items = true;
            }
        }

        pub fn item(&mut self, index: usize) {
            if self.active {
                self.item_set.push(index);
            }
        }

        pub fn has_item(&self, index: usize) -> bool {
            self.all_items || index < self.items || self.item_set.contains(&index)
        }

        pub fn merge(&mut self, other: Ev) {
            if self.active {
                self.props.extend(other.props);
                self.items = self.items.max(other.items);
                self.all_items |= other.all_items;
                self.item_set.extend(other.item_set);
            }
        }
    }

    /// JSON equality, with numbers compared by value (`1` equals `1.0`).
    pub fn json_eq(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
            }
            _ => a == b,
        }
    }

    pub fn unique(items: &[Value]) -> bool {
        items.iter().enumerate().all(|(i, a)| items[i + 1..].iter().all(|b| !json_eq(a, b)))
    }

    /// An integer by value: `1.0` is one.
    pub fn is_integer(v: &Value) -> bool {
        match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.is_finite())
            }
            _ => false,
        }
    }

    /// String length in Unicode code points, as JSON Schema counts it.
    pub fn length(s: &str) -> u64 {
        s.chars().count() as u64
    }

    pub fn multiple_of(value: f64, factor: f64) -> bool {
        if let (true, true) = (value.fract() == 0.0, factor.fract() == 0.0) {
            if value.abs() < 9.0e15 && factor.abs() < 9.0e15 {
                return (value as i64) % (factor as i64) == 0;
            }
        }
        let quotient = value / factor;
        quotient.is_finite() && (quotient - quotient.round()).abs() < 1e-9
    }

    /// Whether `text` is a valid value of `format`; unknown formats pass, as the specification
    /// says they must.
    pub fn format(format: &str, text: &str) -> bool {
        match format {
            "date-time" => date_time(text),
            "date" => date(text),
            "time" => time(text),
            "email" | "idn-email" => email(text),
            "uuid" => uuid::Uuid::try_parse(text).is_ok() && text.len() == 36,
            "uri" => crate::formats::uri(text),
            "iri" => crate::formats::iri(text),
            "uri-reference" => crate::formats::uri_reference(text),
            "iri-reference" => crate::formats::iri_reference(text),
            "uri-template" => crate::formats::uri_template(text),
            "json-pointer" => crate::formats::json_pointer(text),
            "relative-json-pointer" => crate::formats::relative_json_pointer(text),
            "duration" => crate::formats::duration(text),
            "ipv4" => ipv4(text),
            "ipv6" => text.parse::<std::net::Ipv6Addr>().is_ok() && !text.contains('%'),
            "hostname" => crate::formats::hostname(text, false),
            "idn-hostname" => crate::formats::hostname(text, true),
            "regex" => regress::Regex::new(text).is_ok(),
            _ => true,
        }
    }

    fn digits(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
    }

    fn date(s: &str) -> bool {
        s.is_ascii()
            && s.len() == 10
            && digits(&s[..4])
            && &s[4..5] == "-"
            && digits(&s[5..7])
            && &s[7..8] == "-"
            && digits(&s[8..])
            && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
    }

    fn time(s: &str) -> bool {
        // full-time = hh:mm:ss[.frac](Z|±hh:mm), RFC 3339 section 5.6.
        let b = s.as_bytes();
        // Only ASCII digits count (a Bengali digit is a digit to `char::is_numeric`), and slicing
        // below assumes one byte per character.
        if !s.is_ascii()
            || b.len() < 9
            || !s.is_char_boundary(8)
            || !digits(&s[..2])
            || b[2] != b':'
            || !digits(&s[3..5])
            || b[5] != b':'
            || !digits(&s[6..8])
        {
            return false;
        }
        let (h, m, sec): (u32, u32, u32) =
            (s[..2].parse().unwrap_or(99), s[3..5].parse().unwrap_or(99), s[6..8].parse().unwrap_or(99));
        let mut rest = &s[8..];
        if let Some(frac) = rest.strip_prefix('.') {
            let end = frac.find(|c: char| !c.is_ascii_digit()).unwrap_or(frac.len());
            if end == 0 {
                return false;
            }
            rest = &frac[end..];
        }
        let offset_minutes: i32 = match rest {
            "Z" | "z" => 0,
            _ if rest.len() == 6
                && (rest.starts_with('+') || rest.starts_with('-'))
                && &rest[3..4] == ":"
                && digits(&rest[1..3])
                && digits(&rest[4..]) =>
            {
                let (oh, om): (i32, i32) = (rest[1..3].parse().unwrap_or(99), rest[4..].parse().unwrap_or(99));
                if oh > 23 || om > 59 {
                    return false;
                }
                let sign = if rest.starts_with('-') { -1 } else { 1 };
                sign * (oh * 60 + om)
            }
            _ => return false,
        };
        if h > 23 || m > 59 || sec > 60 {
            return false;
        }
        if sec == 60 {
            // A leap second happens at 23:59:60 UTC only.
            let utc = (h as i32 * 60 + m as i32 - offset_minutes).rem_euclid(24 * 60);
            return utc == 23 * 60 + 59;
        }
        true
    }

    fn date_time(s: &str) -> bool {
        if !s.is_ascii() {
            return false;
        }
        match s.find(['T', 't']) {
            Some(10) => date(&s[..10]) && time(&s[11..]),
            _ => false,
        }
    }

    fn email(s: &str) -> bool {
        let Some((local, domain)) = s.rsplit_once('@') else { return false };
        // A quoted local part may hold dots anywhere, spaces and `@` (RFC 5321 section 4.1.2).
        let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
        let local_ok = quoted
            || !local.is_empty()
                && !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..")
                && !local.contains(['@', ' ', '"']);
        let domain_ok = if let Some(ip) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
            match ip.strip_prefix("IPv6:") {
                Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
                None => ipv4(ip),
            }
        } else {
            hostname(domain)
        };
        local_ok && domain_ok
    }

    fn ipv4(s: &str) -> bool {
        s.split('.').count() == 4
            && s.split('.').all(|part| digits(part) && (part == "0" || !part.starts_with('0')))
            && s.parse::<std::net::Ipv4Addr>().is_ok()
    }

    fn hostname(s: &str) -> bool {
        let s = s.strip_suffix('.').unwrap_or(s);
        !s.is_empty()
            && s.len() <= 253
            && s.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
            })
    }

    /// A description of a value's JSON type, for messages that must not show the value.
    pub fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::support::{Path, Sink};

    #[test]
    fn pointers_escape_and_nest() {
        let root = Path::Root;
        let a = Path::Key(&root, "basic/Auth");
        let b = Path::Index(&a, 2);
        let c = Path::Key(&b, "x~y");
        assert_eq!(c.render(), "/basic~1Auth/2/x~0y");
        assert_eq!(root.render(), "");
    }

    #[test]
    fn probes_record_nothing() {
        let mut sink = Sink::new();
        let root = Path::Root;
        assert!(!sink.probe(|s| s.fail(&root, "type", || "must be a string".into())));
        assert!(sink.probe(|_| true));
        assert!(sink.finish().is_ok());
        let mut sink = Sink::new();
        sink.fail(&root, "required", || "`a` is required".into());
        let errors = sink.finish().unwrap_err();
        assert_eq!(errors.to_string(), "1 violation\n  (root): `a` is required [required]");
    }
}
