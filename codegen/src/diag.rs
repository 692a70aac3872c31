//! Diagnostics: one type for every error and warning, collected rather than thrown.
//!
//! Every phase pushes into a [`Diagnostics`] and carries on, so a run reports all of its problems
//! at once. A diagnostic names its file and a JSON Pointer (or line); [`crate::source::SourceDb`]
//! turns that into a line, a column and a byte span just before rendering, which keeps the
//! readers free of position bookkeeping and the happy path free of its cost.

use std::fmt;

use serde::Serialize;

use crate::ir::Origin;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable codes, one per kind of problem. `docs/diagnostics.md` explains each one; a code is
/// never reused for a different problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Code {
    /// A file could not be read.
    E001,
    /// A JSON document is not valid JSON.
    E002,
    /// A YAML document is not valid YAML, or uses YAML that has no JSON equivalent.
    E003,
    /// The config file is invalid: bad TOML, an unknown option, a missing input.
    E004,
    /// A JSON or YAML document nests arrays and objects more than 128 levels deep.
    E005,
    /// A Type cell of a markdown model doc nests types more than 32 levels deep.
    E006,
    /// A schema combines more than 64 schemas through `allOf` and `$ref`.
    E007,
    /// A `$ref` points at a place that does not exist.
    E010,
    /// A `$ref` names a file that does not exist or cannot be read.
    E011,
    /// A `$ref` to a remote URL: schemagen never fetches from the network.
    E012,
    /// `$ref`s that only point at each other and never define a shape.
    E013,
    /// A keyword has a value of the wrong kind (`"required": "id"`, `"properties": []`).
    E020,
    /// `allOf` members that cannot all hold (different types for one property, …).
    E021,
    /// A `pattern` (or a `patternProperties` key) is not a valid ECMA-262 regular expression.
    E022,
    /// The output directory exists but was not written by schemagen.
    E030,
    /// Writing the output failed.
    E031,
    /// A model was skipped by `--keep-going` because a model it uses has errors.
    E040,
    /// A markdown model doc does not fit the Speakeasy format (a missing column, a bad cell, a
    /// duplicate field).
    E050,
    /// A link in a markdown model doc names a doc that does not exist.
    E051,
    /// A Type cell of a markdown model doc is not a type expression schemagen knows.
    E052,
    /// A JSON object has the same key twice; parsers silently keep only the last.
    E060,
    /// Required fields that cannot be `null` lead back to their own struct: no finite value.
    E061,
    /// A keyword schemagen does not act on; it is ignored.
    W001,
    /// Two names became the same Rust identifier; one was renamed.
    W002,
    /// An `enum` or `const` mixes value types; the field accepts any JSON value.
    W003,
    /// A schema that is `false`, or cannot be satisfied, accepts no value at all.
    W004,
    /// A shape the generator cannot express exactly; a looser Rust type is used.
    W005,
    /// A markdown doc has no `## Fields`, `## Values` or `## Supported Types` section: no model.
    W006,
    /// A markdown doc's `## Example Usage` could not be read as data; it is left out.
    W007,
    /// An unresolvable link became an untyped JSON value, as the config allows.
    W008,
    /// A markdown doc and a schema describe one model differently; the preferred one is kept.
    W009,
    /// A name with no letters or digits (empty, or only symbols) got a made-up Rust name.
    W010,
    /// A derive that `[types] derives` asks for cannot apply to a model (a field's type does not
    /// implement it); the model is generated without it.
    W020,
    /// A `pattern` the linear-time engine cannot express (a backreference, lookaround): generated
    /// validators match it with a backtracking engine, which a hostile string can make slow.
    W040,
    /// A `pattern` read without ECMA-262's `u` flag (it is not valid with it) has a `\p{…}`,
    /// which there matches the text `p{…}`, not a Unicode property.
    W041,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Where a diagnostic points. `line`, `column` and `span` are filled in by
/// [`crate::source::SourceDb::resolve`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// Byte range in the file.
    #[serde(skip)]
    pub span: Option<std::ops::Range<usize>>,
    /// Point at the key the pointer's last token names rather than at its value: an unknown
    /// keyword is underlined as `"descripton"`, not as the text it holds.
    #[serde(skip)]
    pub key: bool,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Self { file: file.into(), pointer: None, line: None, column: None, span: None, key: false }
    }

    pub fn at(origin: &Origin) -> Self {
        Self { pointer: origin.pointer.as_deref().map(String::from), line: origin.line, ..Self::file(&*origin.file) }
    }

    /// This location, pointing at the key of its pointer's last token.
    pub fn key(mut self) -> Self {
        self.key = true;
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// A short text shown under the offending source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The model this problem belongs to, so `--keep-going` can skip just that model.
    #[serde(skip)]
    pub(crate) model: Option<usize>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Self { severity, code, message: message.into(), location: None, label: None, hint: None, model: None }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn at_origin(self, origin: &Origin) -> Self {
        self.at(Location::at(origin))
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders as `file:line:column: error[E010]: message`, the one-line form used in `--check`
/// output and test assertions; [`crate::render`] draws the full snippet.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            f.write_str(&location.file)?;
            if let (Some(line), Some(column)) = (location.line, location.column) {
                write!(f, ":{line}:{column}")?;
            }
            if let Some(pointer) = &location.pointer {
                write!(f, " (#{pointer})")?;
            }
            f.write_str(": ")?;
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}[{}]: {}", self.code, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// The collector every phase writes into.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Diagnostic> {
        self.items.iter_mut()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// Sorts errors before warnings, E040 after the other errors, then by file and position, so
    /// output is stable.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                let loc = d.location.as_ref();
                (
                    d.severity,
                    // Causes before consequences: a model skipped for another's errors (E040)
                    // reads best after the errors that caused it.
                    d.code == Code::E040,
                    loc.map(|l| l.file.clone()),
                    loc.and_then(|l| l.span.as_ref().map(|s| s.start)),
                    loc.and_then(|l| l.pointer.clone()),
                )
            };
            key(a).cmp(&key(b))
        });
        // A schema reached along several paths reports its problem once, whichever model
        // reached it (models were skipped before this runs).
        self.items.dedup_by(|a, b| Diagnostic { model: None, ..a.clone() } == Diagnostic { model: None, ..b.clone() });
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}
