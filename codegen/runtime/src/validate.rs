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

/// Decodes and validates a document. The fast path decodes straight into `T` and checks the
/// typed value; only when that decode fails is the text parsed as a `Value`, so that every
/// violation (not just serde's first) is reported.
pub fn from_str<T: DeserializeOwned + Validate>(text: &str) -> Result<T, Error> {
    match serde_json::from_str::<T>(text) {
        Ok(model) => match model.validate() {
            Ok(()) => Ok(model),
            Err(errors) => Err(Error::Invalid(errors)),
        },
        Err(error) if error.is_syntax() || error.is_eof() => Err(Error::Syntax(error)),
        Err(error) => {
            let value: Value = serde_json::from_str(text).map_err(Error::Syntax)?;
            match T::validate_json(&value) {
                Err(errors) => Err(Error::Invalid(errors)),
                Ok(()) => Err(Error::Decode(error)),
            }
        }
    }
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
            self.failed = true;
            if self.probing == 0 {
                self.errors.push(ValidationError::new(path.render(), keyword, message()));
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

        pub fn finish(self) -> Result<(), ValidationErrors> {
            if self.errors.is_empty() && !self.failed { Ok(()) } else { Err(ValidationErrors(self.errors)) }
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
