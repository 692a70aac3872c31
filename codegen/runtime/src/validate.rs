//! Validation: the [`Validate`] trait every generated model implements, the errors it reports,
//! and [`from_str`]/[`from_value`], which decode and validate in one call.
//!
//! A validator reports every violation, each with the RFC 6901 JSON Pointer of the offending
//! value and the schema keyword that failed. Messages describe the rule, never the value, so a
//! credential that breaks a rule is not echoed into logs.

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// One violation: where, which keyword, and what the rule is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    pointer: String,
    keyword: &'static str,
    message: Cow<'static, str>,
}

impl ValidationError {
    pub fn new(pointer: String, keyword: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self { pointer, keyword, message: message.into() }
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
///
/// Generated models implement [`Validate::json_check`] and [`Validate::validate_at`]; the
/// other methods have defaults built on those two. A hand-written implementation must
/// implement `validate` or `validate_at` (each default calls the other).
pub trait Validate {
    /// Checks a value built in code against every rule of the schema.
    fn validate(&self) -> Result<(), ValidationErrors> {
        support::run_typed(self)
    }

    /// Checks a JSON document against the model's schema, reporting every violation.
    fn validate_json(value: &Value) -> Result<(), ValidationErrors>
    where
        Self: Sized,
    {
        support::run_json(value, Self::json_check())
    }

    /// The check function of the model's schema, which [`Validate::validate_json`] runs.
    #[doc(hidden)]
    fn json_check() -> support::JsonCheck
    where
        Self: Sized;

    /// Whether [`from_str`] may decode this model straight from the text and check it with
    /// [`Validate::validate`]: true when every type it holds decodes without buffering and its
    /// typed validator checks dates, times and UUIDs for their format only, so an exact decode
    /// (see the `exact` module) re-encodes to the document. Generated models say so.
    #[doc(hidden)]
    fn exact_decode() -> bool
    where
        Self: Sized,
    {
        Self::exact_decode_valid()
    }

    /// Whether a model that [`from_str`] decoded exactly is valid without its typed check:
    /// the check could only fail on what the exact decode refused (its body, and those of the
    /// models it calls, test nothing but the `type` and `format` of dates, which the exact
    /// deserializer checked on the text). Implies [`Validate::exact_decode`]. Generated models
    /// say so.
    #[doc(hidden)]
    fn exact_decode_valid() -> bool
    where
        Self: Sized,
    {
        false
    }

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

/// Decodes and validates a document; the result is always what [`from_value`] gives for the
/// parsed text: the model, a syntax error, every violation, or a decode error.
///
/// A model whose types allow it ([`Validate::exact_decode`]) is first decoded straight from the
/// text through a deserializer that notices each of serde's leniencies (`null` for an absent
/// optional property, an array for a struct, an object for an enum, a dropped unknown property,
/// a date spelled the way chrono accepts but the schema does not, …), then checked with the
/// typed validator (unless the model says an exact decode is valid: [`Validate::exact_decode_valid`]).
/// An exact decode re-encodes to the document, so a model that passes is exactly the one
/// `from_value` would return. Anything else (a leniency, a violation, a decode error) takes the
/// general path: parse, check the document, then decode.
pub fn from_str<T: DeserializeOwned + Validate>(text: &str) -> Result<T, Error> {
    if T::exact_decode() {
        let passes = |model: &T| T::exact_decode_valid() || support::exact_decode_passes(model);
        return crate::exact::decode::<T>(text, passes).or_else(|_| parse_then_decode(text));
    }
    parse_then_decode(text)
}

/// `from_str`'s general path: [`from_value`] of the parsed text.
fn parse_then_decode<T: DeserializeOwned + Validate>(text: &str) -> Result<T, Error> {
    let value: Value = serde_json::from_str(text).map_err(Error::Syntax)?;
    from_value(value)
}

/// Validates a document, then decodes it. A float that equals an integer (`1.0`) is an integer
/// to JSON Schema, and decodes where the model holds one (see the `integral` module).
pub fn from_value<T: DeserializeOwned + Validate>(mut value: Value) -> Result<T, Error> {
    T::validate_json(&value).map_err(Error::Invalid)?;
    if crate::integral::has_integral_float(&value) {
        if let Ok(model) = <T as serde::Deserialize>::deserialize(&value) {
            return Ok(model);
        }
        crate::integral::integral_floats_as_integers(&mut value);
    }
    serde_json::from_value(value).map_err(Error::Decode)
}

/// `required_names!["a", "b"]`: the names of a `required` keyword, each with its message
/// ("`a` is required"), made at compile time, for `Sink::required` and `Sink::missing`.
#[doc(hidden)]
#[macro_export]
macro_rules! required_names {
    ($($name:literal),* $(,)?) => {
        &[$(($name, concat!("`", $name, "` is required"))),*]
    };
}

/// Support for generated validators. Not a stable API.
#[doc(hidden)]
pub mod support {
    use std::borrow::Cow;

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
        /// How many keys and indexes lead here from the root.
        pub fn depth(&self) -> usize {
            let mut depth = 0;
            let mut at = self;
            while let Path::Key(parent, _) | Path::Index(parent, _) = at {
                depth += 1;
                at = parent;
            }
            depth
        }

        pub fn render(&self) -> String {
            let mut length = 0;
            let mut at = self;
            loop {
                at = match at {
                    Path::Root => break,
                    Path::Key(parent, key) => {
                        length += 1 + key.len();
                        parent
                    }
                    Path::Index(parent, index) => {
                        length += 2 + index.checked_ilog10().unwrap_or(0) as usize;
                        parent
                    }
                };
            }
            let mut out = String::with_capacity(length);
            self.write(&mut out);
            out
        }

        fn write(&self, out: &mut String) {
            match self {
                Path::Root => {}
                Path::Key(parent, key) => {
                    parent.write(out);
                    out.push('/');
                    if needs_escape(key.as_bytes()) {
                        out.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    } else {
                        out.push_str(key);
                    }
                }
                Path::Index(parent, index) => {
                    parent.write(out);
                    out.push('/');
                    let mut digits = [0u8; 20];
                    let mut at = digits.len();
                    let mut n = *index;
                    loop {
                        at -= 1;
                        digits[at] = b'0' + (n % 10) as u8;
                        n /= 10;
                        if n == 0 {
                            break;
                        }
                    }
                    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
                }
            }
        }
    }

    /// Whether `key` holds a `~` or a `/`, which a JSON Pointer escapes: checked 8 bytes at a
    /// time, as rendering the pointers of many violations reads every key of each.
    fn needs_escape(key: &[u8]) -> bool {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        // A byte of `word` equal to `byte` leaves a zero byte in `x`, which sets its high bit
        // after the subtraction (a borrow only ever comes from a lower zero byte).
        let holds = |word: u64, byte: u8| {
            let x = word ^ (ONES * u64::from(byte));
            x.wrapping_sub(ONES) & !x & HIGHS != 0
        };
        let word_holds = |word: u64| holds(word, b'~') | holds(word, b'/');
        let n = key.len();
        if n >= 8 {
            // Whole words, then the last 8 bytes (overlapping the word before).
            let word = |at: usize| u64::from_le_bytes(key[at..at + 8].try_into().unwrap_or_default());
            return (0..n / 8).any(|i| word_holds(word(8 * i))) || (n % 8 != 0 && word_holds(word(n - 8)));
        }
        // A shorter key is loaded whole into one word (bytes may repeat; the rest are zero, which
        // is neither `~` nor `/`), never through a buffer: a load of bytes just stored one by
        // one stalls.
        let half = |at: usize| u64::from(u32::from_le_bytes(key[at..at + 4].try_into().unwrap_or_default()));
        let word = match n {
            0 => return false,
            1..=3 => u64::from(key[0]) | u64::from(key[n / 2]) << 8 | u64::from(key[n - 1]) << 16,
            _ => half(0) | half(n - 4) << 32,
        };
        word_holds(word)
    }

    /// `Validate::validate` of a generated model: its typed check from the root.
    pub fn run_typed<T: super::Validate + ?Sized>(value: &T) -> Result<(), ValidationErrors> {
        let mut sink = Sink::new();
        value.validate_at(&Path::Root, &mut sink);
        sink.finish()
    }

    /// How deeply a document given to `validate_json` may nest arrays and objects: what
    /// `serde_json::from_str` (and so `from_str`) accepts. The check functions recurse once per
    /// level, so a deeper document built in code could otherwise exhaust the stack.
    pub const MAX_DEPTH: usize = 128;

    /// How deep a typed check goes before [`Sink::nest`] measures the value it nests into. The
    /// typed checks of one model, with the models inlined into it, look at most a few levels
    /// below it without nesting again (the generator measures a model whose fields could nest
    /// deeper, or hold a `serde_json::Value`), so a value nesting past [`MAX_DEPTH`] is always
    /// measured on its way down.
    pub const MEASURE_FROM: usize = MAX_DEPTH / 2;

    /// Whether `value` nests arrays and objects deeper than [`MAX_DEPTH`]. The walk recurses at
    /// most `MAX_DEPTH + 1` levels, however deep the value, and allocates nothing.
    pub fn too_deep(value: &serde_json::Value) -> bool {
        // The value itself is the first level.
        deeper_than(value, MAX_DEPTH - 1)
    }

    /// Whether the members or items of `value` nest non-empty arrays and objects more than
    /// `levels` deep (a non-empty one is a level; scalars and empty ones are none).
    fn deeper_than(value: &serde_json::Value, levels: usize) -> bool {
        use serde_json::Value;
        let nested = |item: &Value| match item {
            Value::Array(items) if !items.is_empty() => levels == 0 || deeper_than(item, levels - 1),
            Value::Object(map) if !map.is_empty() => levels == 0 || deeper_than(item, levels - 1),
            _ => false,
        };
        match value {
            Value::Array(items) => items.iter().any(nested),
            Value::Object(map) => map.values().any(nested),
            _ => false,
        }
    }

    /// `Validate::validate_json` of a generated model: its check function from the root.
    #[inline]
    pub fn run(value: &serde_json::Value, check: Check) -> Result<(), ValidationErrors> {
        if too_deep(value) {
            return too_deep_error();
        }
        let mut sink = Sink::new();
        check(value, &Path::Root, &mut sink);
        sink.finish()
    }

    /// A model's check function over a JSON document, as [`Validate::json_check`] gives it.
    ///
    /// [`Validate::json_check`]: super::Validate::json_check
    #[derive(Clone, Copy)]
    pub enum JsonCheck {
        /// Run by [`run`]: the document's depth is walked first.
        Walk(Check),
        /// Run by [`run_covering`]: the check covers what it passes.
        Covering(Check),
    }

    /// `Validate::validate_json`'s default: [`run`] or [`run_covering`] as `check` says.
    #[inline]
    pub fn run_json(value: &serde_json::Value, check: JsonCheck) -> Result<(), ValidationErrors> {
        match check {
            JsonCheck::Walk(check) => run(value, check),
            JsonCheck::Covering(check) => run_covering(value, check),
        }
    }

    /// [`run`] for a model whose check covers what it passes (the generator decided it): the
    /// check looks at every array and object of a document it passes, each by a check of its
    /// own or by [`Sink::shallow`], and recurses a bounded number of levels by itself. So a
    /// document it passes is not too deep, and the depth walk is needed only to report a
    /// failing document that is too deep as that alone, as `run` does.
    #[inline]
    pub fn run_covering(value: &serde_json::Value, check: Check) -> Result<(), ValidationErrors> {
        let mut sink = Sink::new();
        if check(value, &Path::Root, &mut sink) && !sink.failed {
            return Ok(());
        }
        covering_failed(value, sink)
    }

    /// [`run_covering`] of a document its check failed.
    #[cold]
    fn covering_failed(value: &serde_json::Value, sink: Sink) -> Result<(), ValidationErrors> {
        if too_deep(value) {
            return too_deep_error();
        }
        sink.finish()
    }

    fn too_deep_error() -> Result<(), ValidationErrors> {
        let mut sink = Sink::new();
        sink.record(String::new, "depth", depth_message);
        sink.finish()
    }

    fn depth_message() -> String {
        format!("the document nests arrays and objects more than {MAX_DEPTH} levels deep")
    }

    /// `must be {expected}, not {kind}` for the single types, written out so that reporting one
    /// allocates nothing.
    fn type_message(expected: &str, kind: &str) -> Option<&'static str> {
        macro_rules! table {
            ($($expected:literal => [$($kind:literal),*]),* $(,)?) => {
                match (expected, kind) {
                    $($(($expected, $kind) => Some(concat!("must be ", $expected, ", not ", $kind)),)*)*
                    _ => None,
                }
            };
        }
        table!(
            "a string" => ["null", "a boolean", "an integer", "a number", "an array", "an object"],
            "an object" => ["null", "a boolean", "an integer", "a number", "a string", "an array"],
            "an array" => ["null", "a boolean", "an integer", "a number", "a string", "an object"],
            "an integer" => ["null", "a boolean", "a number", "a string", "an array", "an object"],
            "a number" => ["null", "a boolean", "a string", "an array", "an object"],
            "a boolean" => ["null", "an integer", "a number", "a string", "an array", "an object"],
            "null" => ["a boolean", "an integer", "a number", "a string", "an array", "an object"],
        )
    }

    /// A check function of a generated crate's `__checks` module.
    pub type Check = fn(&serde_json::Value, &Path<'_>, &mut Sink) -> bool;

    /// Checks a typed value by its encoding: encodes it as JSON and runs `check` on that. The
    /// value's depth is measured first ([`Sink::within`]): a value built in code can nest as deep
    /// as memory allows, and encoding it, or checking its encoding, would recurse that deep.
    pub fn encoded<T: serde::Serialize + ?Sized>(value: &T, path: &Path<'_>, sink: &mut Sink, check: Check) -> bool {
        if !sink.within(value, path) {
            return false;
        }
        match serde_json::to_value(value) {
            Ok(json) => check(&json, path, sink),
            // Generated types always encode; should one not, it is reported, not hidden.
            Err(_) => sink.fail(path, "type", || "cannot be encoded as JSON"),
        }
    }

    /// Checks a date or date-time whose rules are its `type` and `format`: its encoding is
    /// written on the stack and checked; only one that fails is encoded as JSON for `check`,
    /// so the violations are exactly those of the encoding.
    pub fn date<T: serde::Serialize + ?Sized>(
        value: &T,
        format: &str,
        path: &Path<'_>,
        sink: &mut Sink,
        check: Check,
    ) -> bool {
        sink.dates_decoded
            || crate::validate::rules::encodes_as(value, format) == Some(true)
            || encoded(value, path, sink, check)
    }

    /// Whether a model that `from_str`'s fast path decoded exactly passes its typed check. Its
    /// dates came from strings the exact decode found well-formed, so their `type` and `format`
    /// hold in the document and are not checked again on their encoding.
    pub(crate) fn exact_decode_passes<T: super::Validate + ?Sized>(value: &T) -> bool {
        // Decoded from a document, which `serde_json` reads at most `MAX_DEPTH` levels deep, so
        // its encoding keeps within the limit too.
        let mut sink = Sink { dates_decoded: true, measured: true, ..Sink::new() };
        value.validate_at(&Path::Root, &mut sink) && sink.finish().is_ok()
    }

    /// Collects violations, or only counts them while an `anyOf` branch or a `not` is probed.
    pub struct Sink {
        errors: Vec<ValidationError>,
        probing: u32,
        failed: bool,
        /// The value checked was decoded exactly from a document whose dates were well-formed
        /// (`from_str`'s fast path): a date checked only for its `type` and `format` passes.
        dates_decoded: bool,
        /// The document nests deeper than [`MAX_DEPTH`]: that is the one violation reported.
        depth_exceeded: bool,
        /// The typed value being checked is known to keep within [`MAX_DEPTH`] (it was measured,
        /// [`Sink::measured`], or decoded from a document): nothing below needs measuring.
        measured: bool,
    }

    impl Default for Sink {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Sink {
        #[inline]
        pub fn new() -> Self {
            Sink {
                errors: Vec::new(),
                probing: 0,
                failed: false,
                dates_decoded: false,
                depth_exceeded: false,
                measured: false,
            }
        }

        /// Records a violation; returns `false` so checks can `return sink.fail(…)`. The message
        /// is made only when it is kept.
        #[cold]
        pub fn fail<M: Into<Cow<'static, str>>>(
            &mut self,
            path: &Path<'_>,
            keyword: &'static str,
            message: impl FnOnce() -> M,
        ) -> bool {
            self.record(|| path.render(), keyword, message)
        }

        /// Records a `type` violation: the value should be `expected` ("a string", …).
        #[cold]
        pub fn type_mismatch(&mut self, path: &Path<'_>, expected: &'static str, value: &serde_json::Value) -> bool {
            self.fail(path, "type", || -> Cow<'static, str> {
                // An integer the generated `i64` cannot hold, where an integer is expected
                // (`rules::is_i64`): JSON Schema would take it, the types cannot.
                if expected.contains("an integer") && crate::validate::rules::is_integer(value) {
                    return Cow::Borrowed(crate::validate::rules::I64_RANGE);
                }
                let kind = crate::validate::rules::kind(value);
                if let Some(message) = type_message(expected, kind) {
                    return Cow::Borrowed(message);
                }
                let mut message = String::with_capacity(14 + expected.len() + kind.len());
                message.push_str("must be ");
                message.push_str(expected);
                message.push_str(", not ");
                message.push_str(kind);
                Cow::Owned(message)
            })
        }

        /// Checks `required` (`(name, message)` pairs, from [`required_names!`]): each name
        /// `object` lacks is a violation.
        pub fn required(
            &mut self,
            path: &Path<'_>,
            object: &serde_json::Map<String, serde_json::Value>,
            required: &[(&str, &'static str)],
        ) -> bool {
            let mut ok = true;
            for (name, message) in required {
                if !crate::validate::rules::has(object, name) {
                    ok = self.fail(path, "required", || *message);
                }
            }
            ok
        }

        /// Where the next violation will go, for [`Sink::missing`].
        #[inline]
        pub fn mark(&self) -> usize {
            self.errors.len()
        }

        /// Reports the `required` names (`(name, message)` pairs, from [`required_names!`])
        /// whose bits in `seen` are clear, in their order, at `mark`: the place the `required`
        /// keyword had among the violations, though its members were found during the walk
        /// that came after it.
        #[cold]
        pub fn missing(&mut self, mark: usize, path: &Path<'_>, seen: u64, names: &[(&str, &'static str)]) -> bool {
            self.failed = true;
            if self.probing == 0 {
                let mut at = mark.min(self.errors.len());
                for (i, (_, message)) in names.iter().enumerate() {
                    if seen & (1 << i) == 0 {
                        self.errors.insert(at, ValidationError::new(path.render(), "required", *message));
                        at += 1;
                    }
                }
            }
            false
        }

        fn record<M: Into<Cow<'static, str>>>(
            &mut self,
            pointer: impl FnOnce() -> String,
            keyword: &'static str,
            message: impl FnOnce() -> M,
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

        /// Whether `item`, a member of the object at `path` that no check descends into, keeps
        /// within [`MAX_DEPTH`]; if not, the whole result is the one depth violation (as in
        /// [`Sink::nest`]).
        #[inline]
        pub fn shallow(&mut self, path: &Path<'_>, item: &serde_json::Value) -> bool {
            use serde_json::Value;
            match item {
                Value::Array(items) if !items.is_empty() => self.nested(path, item),
                Value::Object(map) if !map.is_empty() => self.nested(path, item),
                _ => true,
            }
        }

        /// [`Sink::shallow`] of a non-empty array or object.
        #[inline(never)]
        fn nested(&mut self, path: &Path<'_>, item: &serde_json::Value) -> bool {
            // The root is the first level, so a member of the value at depth d is level d + 2.
            let level = path.depth() + 2;
            if level <= MAX_DEPTH && !deeper_than(item, MAX_DEPTH - level) {
                return true;
            }
            self.depth_exceeded = true;
            self.failed = true;
            false
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

        /// A nested model's typed check (`validate_at`) of a value at `path`, the one place
        /// typed checks recurse. A value built in code can nest deeper than [`MAX_DEPTH`] (a
        /// recursive model 10,000 levels deep through its `Box`es), and checking it would recurse
        /// until the stack overflows; so once a check is [`MEASURE_FROM`] levels deep, the value
        /// is measured ([`Sink::measured`]), and one whose encoding nests too deeply makes the
        /// whole check one `depth` violation, as `validate_json` reports for the encoding.
        #[inline]
        pub fn nest<T: super::Validate + serde::Serialize + ?Sized>(&mut self, value: &T, path: &Path<'_>) -> bool {
            if self.measured || path.depth() < MEASURE_FROM {
                return value.validate_at(path, self);
            }
            self.measured(value, path, |s| value.validate_at(path, s))
        }

        /// Whether the encoding of `value`, placed at `path`, keeps within [`MAX_DEPTH`] levels;
        /// if not, the whole result is the one depth violation (as in [`Sink::nest`]). The value
        /// is measured without being encoded, recursing at most [`MAX_DEPTH`] levels.
        pub fn within<T: serde::Serialize + ?Sized>(&mut self, value: &T, path: &Path<'_>) -> bool {
            if self.measured {
                return true;
            }
            match crate::depth::measure(value, path.depth()) {
                Err(crate::depth::Stop::TooDeep) => {
                    self.depth_exceeded = true;
                    self.failed = true;
                    false
                }
                // A value that cannot be encoded has no depth; `encoded` reports it.
                Ok(()) | Err(crate::depth::Stop::Failed) => true,
            }
        }

        /// `check` of a typed value at `path` whose encoding could nest past [`MAX_DEPTH`] where
        /// the typed checks do not look (a `serde_json::Value`, arrays within arrays): run only
        /// when the value keeps [`Sink::within`] the limit, and then with everything below known
        /// to keep within it, so nothing below is measured again.
        pub fn measured<T: serde::Serialize + ?Sized>(
            &mut self,
            value: &T,
            path: &Path<'_>,
            check: impl FnOnce(&mut Sink) -> bool,
        ) -> bool {
            if self.measured {
                return check(self);
            }
            if !self.within(value, path) {
                return false;
            }
            self.measured = true;
            let ok = check(self);
            self.measured = false;
            ok
        }

        #[inline]
        pub fn finish(self) -> Result<(), ValidationErrors> {
            if self.depth_exceeded {
                return too_deep_error();
            }
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
        #[inline]
        pub fn active() -> Self {
            Ev { active: true, ..Ev::default() }
        }

        /// A fresh record for a subschema whose annotations count only if it passes.
        #[inline]
        pub fn child(&self) -> Self {
            Ev { active: self.active, ..Ev::default() }
        }

        #[inline]
        pub fn prop(&mut self, name: &str) {
            if self.active {
                self.props.push(name.to_string());
            }
        }

        #[inline]
        pub fn has_prop(&self, name: &str) -> bool {
            self.props.iter().any(|p| p == name)
        }

        #[inline]
        pub fn items_up_to(&mut self, len: usize) {
            if self.active {
                self.items = self.items.max(len);
            }
        }

        #[inline]
        pub fn all_items(&mut self) {
            if self.active {
                self.all_items = true;
            }
        }

        #[inline]
        pub fn item(&mut self, index: usize) {
            if self.active {
                self.item_set.push(index);
            }
        }

        #[inline]
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

    /// What an integer the generated `i64` cannot hold breaks (see [`is_i64`]).
    pub const I64_RANGE: &str =
        "must be an integer from -9223372036854775808 to 9223372036854775807, the range of the generated type `i64`";

    /// Whether `v` is an integer (by value: `1.0` is one) that the generated `i64` holds: what
    /// `type: integer` checks. JSON Schema's integers have no bounds, but a model decodes an
    /// `integer` into an `i64`, and every document `validate_json` accepts must decode, so an
    /// integer beyond the `i64` range (`9223372036854775808`, `1e19`, `1e300`) is a `type`
    /// violation with its own message ([`I64_RANGE`]) rather than a decode error later.
    #[inline]
    pub fn is_i64(v: &Value) -> bool {
        match v {
            Value::Number(n) => {
                n.is_i64()
                    || n.as_f64().is_some_and(|f| {
                        // -2^63 and 2^63 are exact as floats; an integral float in between is an
                        // integer `integral.rs` reads into an `i64`.
                        !n.is_u64()
                            && f.fract() == 0.0
                            && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f)
                    })
            }
            _ => false,
        }
    }

    /// An integer by value: `1.0` is one.
    #[inline]
    pub fn is_integer(v: &Value) -> bool {
        match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.is_finite())
            }
            _ => false,
        }
    }

    /// Whether `value` (a date or date-time type) encodes as a JSON string of the `format`;
    /// `None` when it encodes as something else. The encoding is written into a buffer on the
    /// stack, so typed validators check dates without building a `serde_json::Value`.
    pub fn encodes_as<T: serde::Serialize + ?Sized>(value: &T, format: &str) -> Option<bool> {
        let mut text = Text { buffer: [0; 64], len: 0, spilled: None };
        value.serialize(TextSerializer(&mut text)).ok()?;
        Some(self::format(format, text.as_str()?))
    }

    /// A string written on the stack, or on the heap once it outgrows 64 bytes.
    struct Text {
        buffer: [u8; 64],
        len: usize,
        spilled: Option<String>,
    }

    impl Text {
        fn as_str(&self) -> Option<&str> {
            match &self.spilled {
                Some(text) => Some(text),
                None => std::str::from_utf8(&self.buffer[..self.len]).ok(),
            }
        }
    }

    impl std::fmt::Write for Text {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            if let Some(text) = &mut self.spilled {
                text.push_str(s);
            } else if self.len + s.len() <= self.buffer.len() {
                self.buffer[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
                self.len += s.len();
            } else {
                let mut text = String::from_utf8_lossy(&self.buffer[..self.len]).into_owned();
                text.push_str(s);
                self.spilled = Some(text);
            }
            Ok(())
        }
    }

    /// Accepts a string (`serialize_str` or `collect_str`), refuses anything else.
    struct TextSerializer<'t>(&'t mut Text);

    #[derive(Debug)]
    struct NotText;

    impl std::fmt::Display for NotText {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("not a string")
        }
    }

    impl std::error::Error for NotText {}

    impl serde::ser::Error for NotText {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            NotText
        }
    }

    macro_rules! refuse {
        ($($method:ident($($arg:ty),*)),* $(,)?) => {$(
            fn $method(self $(, _: $arg)*) -> Result<(), NotText> {
                Err(NotText)
            }
        )*};
    }

    impl serde::Serializer for TextSerializer<'_> {
        type Ok = ();
        type Error = NotText;
        type SerializeSeq = serde::ser::Impossible<(), NotText>;
        type SerializeTuple = serde::ser::Impossible<(), NotText>;
        type SerializeTupleStruct = serde::ser::Impossible<(), NotText>;
        type SerializeTupleVariant = serde::ser::Impossible<(), NotText>;
        type SerializeMap = serde::ser::Impossible<(), NotText>;
        type SerializeStruct = serde::ser::Impossible<(), NotText>;
        type SerializeStructVariant = serde::ser::Impossible<(), NotText>;

        fn serialize_str(self, v: &str) -> Result<(), NotText> {
            std::fmt::Write::write_str(self.0, v).map_err(|_| NotText)
        }

        fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<(), NotText> {
            std::fmt::Write::write_fmt(self.0, format_args!("{value}")).map_err(|_| NotText)
        }

        fn serialize_char(self, v: char) -> Result<(), NotText> {
            self.serialize_str(v.encode_utf8(&mut [0; 4]))
        }

        refuse!(
            serialize_bool(bool),
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_f32(f32),
            serialize_f64(f64),
            serialize_bytes(&[u8]),
            serialize_none(),
            serialize_unit(),
            serialize_unit_struct(&'static str),
            serialize_unit_variant(&'static str, u32, &'static str),
        );

        fn serialize_some<T: serde::Serialize + ?Sized>(self, value: &T) -> Result<(), NotText> {
            value.serialize(self)
        }

        fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
            self,
            _: &'static str,
            value: &T,
        ) -> Result<(), NotText> {
            value.serialize(self)
        }

        fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), NotText> {
            Err(NotText)
        }

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotText> {
            Err(NotText)
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotText> {
            Err(NotText)
        }

        fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, NotText> {
            Err(NotText)
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, NotText> {
            Err(NotText)
        }

        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotText> {
            Err(NotText)
        }

        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, NotText> {
            Err(NotText)
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, NotText> {
            Err(NotText)
        }
    }

    /// Whether `object` has the member `name`: small objects are scanned, which is faster than
    /// hashing the name.
    #[inline]
    pub fn has(object: &serde_json::Map<String, Value>, name: &str) -> bool {
        if object.len() <= 8 { object.keys().any(|key| key == name) } else { object.contains_key(name) }
    }

    /// String length in Unicode code points, as JSON Schema counts it.
    #[inline]
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
    /// says they must. Inlined, so a call with a literal format goes straight to its test.
    #[inline]
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
            "regex" => crate::formats::regex(text),
            _ => true,
        }
    }

    fn digits(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
    }

    /// The layout of 8 bytes of an RFC 3339 text, checked in one go (SWAR): `d` is an ASCII
    /// digit, `T` is `T` or `t`, any other byte is itself.
    struct Shape {
        /// 0xFF in each digit's byte.
        digits: u64,
        /// The other bytes as they must be (`t` for `T`), after `fold`.
        fixed: u64,
        /// 0x20 in the byte of a `T`, so `T` and `t` compare alike.
        fold: u64,
    }

    const fn shape(pattern: &[u8; 8]) -> Shape {
        let (mut digits, mut fixed, mut fold, mut i) = (0u64, 0u64, 0u64, 0);
        while i < 8 {
            match pattern[i] {
                b'd' => digits |= 0xFF << (8 * i),
                b'T' => {
                    fixed |= (b't' as u64) << (8 * i);
                    fold |= 0x20 << (8 * i);
                }
                byte => fixed |= (byte as u64) << (8 * i),
            }
            i += 1;
        }
        Shape { digits, fixed, fold }
    }

    const YEAR_MONTH: Shape = shape(b"dddd-dd-");
    const DAY_HOUR_MINUTE: Shape = shape(b"ddTdd:dd");
    const HOUR_MINUTE_SECOND: Shape = shape(b"dd:dd:dd");

    /// Whether the 8 bytes of `b` at `at` have the `shape` (`b` holds them).
    #[inline(always)]
    fn fits(b: &[u8], at: usize, shape: &Shape) -> bool {
        let Some(bytes) = b.get(at..at + 8) else { return false };
        let word = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
        let high = 0xF0F0_F0F0_F0F0_F0F0 & shape.digits;
        let three = 0x3030_3030_3030_3030 & shape.digits;
        let six = 0x0606_0606_0606_0606 & shape.digits;
        let digits = word & shape.digits;
        // A byte is a digit when its high nibble is 3 and adding 6 keeps it so (no byte
        // carries into the next once every high nibble is 3).
        ((word | shape.fold) & !shape.digits == shape.fixed)
            & (digits & high == three)
            & (digits.wrapping_add(six) & high == three)
    }

    /// The number of the two digits at `at` (checked to be digits).
    #[inline(always)]
    fn two(b: &[u8], at: usize) -> u32 {
        u32::from(b[at].wrapping_sub(b'0')) * 10 + u32::from(b[at + 1].wrapping_sub(b'0'))
    }

    /// Whether `day` is a day of `month` in `year`.
    #[inline]
    fn in_month(year: u32, month: u32, day: u32) -> bool {
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            _ => return false,
        };
        (1..=days).contains(&day)
    }

    /// full-date = yyyy-mm-dd, RFC 3339 section 5.6, with the day within its month.
    pub(crate) fn date(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 10
            && fits(b, 0, &YEAR_MONTH)
            && b[8].is_ascii_digit()
            && b[9].is_ascii_digit()
            && in_month(two(b, 0) * 100 + two(b, 2), two(b, 5), two(b, 8))
    }

    /// full-time = hh:mm:ss[.frac](Z|±hh:mm), RFC 3339 section 5.6.
    fn time(s: &str) -> bool {
        let b = s.as_bytes();
        fits(b, 0, &HOUR_MINUTE_SECOND) && time_rest(two(b, 0), two(b, 3), two(b, 6), &b[8..])
    }

    /// The rest of a full-time after its seconds: the fraction and the offset; and whether the
    /// hour, minute and second are in range (second 60 only at 23:59 UTC).
    #[inline]
    fn time_rest(h: u32, m: u32, sec: u32, mut rest: &[u8]) -> bool {
        if (h > 23) | (m > 59) | (sec > 60) {
            return false;
        }
        if let Some((b'.', frac)) = rest.split_first() {
            let end = frac.iter().position(|c| !c.is_ascii_digit()).unwrap_or(frac.len());
            if end == 0 {
                return false;
            }
            rest = &frac[end..];
        }
        let offset_minutes: i32 = match rest {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
                if h1.is_ascii_digit() && h2.is_ascii_digit() && m1.is_ascii_digit() && m2.is_ascii_digit() =>
            {
                let (oh, om) = (two(rest, 1), two(rest, 4));
                if oh > 23 || om > 59 {
                    return false;
                }
                let minutes = (oh * 60 + om) as i32;
                if *sign == b'-' { -minutes } else { minutes }
            }
            _ => return false,
        };
        if sec == 60 {
            // A leap second happens at 23:59:60 UTC only.
            let utc = (h as i32 * 60 + m as i32 - offset_minutes).rem_euclid(24 * 60);
            return utc == 23 * 60 + 59;
        }
        true
    }

    /// date-time = full-date (T|t) full-time, RFC 3339 section 5.6: the first 16 bytes are
    /// checked as two words.
    pub(crate) fn date_time(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() >= 20
            && fits(b, 0, &YEAR_MONTH) & fits(b, 8, &DAY_HOUR_MINUTE)
            && b[16] == b':'
            && b[17].is_ascii_digit()
            && b[18].is_ascii_digit()
            && in_month(two(b, 0) * 100 + two(b, 2), two(b, 5), two(b, 8))
            && time_rest(two(b, 11), two(b, 14), two(b, 17), &b[19..])
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
    fn keys_needing_escape_are_found_anywhere() {
        let root = Path::Root;
        for key in ["", "a", "abcdefgh", "abcdefghijklmnopq", "ü~", "\u{7e}\u{2f}"] {
            let expected = key.replace('~', "~0").replace('/', "~1");
            assert_eq!(Path::Key(&root, key).render(), format!("/{expected}"), "{key:?}");
        }
        for length in 1..=20 {
            for at in 0..length {
                for special in ['~', '/'] {
                    let mut key: Vec<char> = "abcdefghijklmnopqrst".chars().take(length).collect();
                    key[at] = special;
                    let key: String = key.into_iter().collect();
                    let rendered = Path::Key(&root, &key).render();
                    let expected = key.replace('~', "~0").replace('/', "~1");
                    assert_eq!(rendered, format!("/{expected}"), "{key:?}");
                }
            }
        }
        // Bytes next to `~` (0x7e) and `/` (0x2f) are not escaped.
        assert_eq!(Path::Key(&root, "\u{7d}\u{7f}.0\u{ff}").render(), "/}\u{7f}.0\u{ff}");
    }

    #[test]
    fn pointers_escape_and_nest() {
        let root = Path::Root;
        let a = Path::Key(&root, "basic/Auth");
        let b = Path::Index(&a, 2);
        let c = Path::Key(&b, "x~y");
        assert_eq!(c.render(), "/basic~1Auth/2/x~0y");
        assert_eq!(Path::Index(&c, 120).render(), "/basic~1Auth/2/x~0y/120");
        assert_eq!(Path::Index(&root, 0).render(), "/0");
        assert_eq!(root.render(), "");
    }

    /// The word-at-a-time date and time checks decide exactly as the byte-by-byte reading of
    /// RFC 3339 below, on valid texts and on every one-byte change and truncation of them.
    #[test]
    fn word_checks_agree_with_a_plain_reading_of_rfc_3339() {
        fn two(b: &[u8], at: usize) -> Option<u32> {
            match (b.get(at), b.get(at + 1)) {
                (Some(&h), Some(&l)) if h.is_ascii_digit() && l.is_ascii_digit() => {
                    Some(u32::from(h - b'0') * 10 + u32::from(l - b'0'))
                }
                _ => None,
            }
        }
        fn date(b: &[u8]) -> bool {
            if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
                return false;
            }
            let (Some(c), Some(y), Some(m), Some(d)) = (two(b, 0), two(b, 2), two(b, 5), two(b, 8)) else {
                return false;
            };
            let year = c * 100 + y;
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let days = match m {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                _ => return false,
            };
            (1..=days).contains(&d)
        }
        fn time(b: &[u8]) -> bool {
            if b.len() < 9 || b[2] != b':' || b[5] != b':' {
                return false;
            }
            let (Some(h), Some(m), Some(sec)) = (two(b, 0), two(b, 3), two(b, 6)) else { return false };
            let mut rest = &b[8..];
            if let Some((b'.', frac)) = rest.split_first() {
                let end = frac.iter().position(|c| !c.is_ascii_digit()).unwrap_or(frac.len());
                if end == 0 {
                    return false;
                }
                rest = &frac[end..];
            }
            let offset: i32 = match rest {
                b"Z" | b"z" => 0,
                [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                    let (Some(oh), Some(om)) = (two(rest, 1), two(rest, 4)) else { return false };
                    if oh > 23 || om > 59 {
                        return false;
                    }
                    let minutes = (oh * 60 + om) as i32;
                    if *sign == b'-' { -minutes } else { minutes }
                }
                _ => return false,
            };
            if h > 23 || m > 59 || sec > 60 {
                return false;
            }
            sec != 60 || (h as i32 * 60 + m as i32 - offset).rem_euclid(24 * 60) == 23 * 60 + 59
        }
        fn date_time(b: &[u8]) -> bool {
            b.len() > 11 && matches!(b[10], b'T' | b't') && date(&b[..10]) && time(&b[11..])
        }

        use super::rules::format;
        let seeds = [
            ("date", "2024-02-29"),
            ("date", "1900-12-31"),
            ("time", "23:59:60Z"),
            ("time", "08:30:06.283185+05:30"),
            ("date-time", "2023-07-13T21:34:44.816354Z"),
            ("date-time", "1998-12-31T15:59:60-08:00"),
            ("date-time", "2024-02-29t22:59:59.5-05:00"),
            ("date-time", "2000-01-01T00:00:00z"),
        ];
        let replacements = b"0123456789-:+.TtZz /\x2f\x3a\x40\x5b\x60\x7b\xff\x00\x39\x30\x9a";
        let mut checked = 0;
        for (name, seed) in seeds {
            let reference = match name {
                "date" => date,
                "time" => time,
                _ => date_time,
            };
            let mut variants: Vec<Vec<u8>> = (0..=seed.len()).map(|n| seed.as_bytes()[..n].to_vec()).collect();
            for at in 0..seed.len() {
                for &byte in replacements {
                    let mut bytes = seed.as_bytes().to_vec();
                    bytes[at] = byte;
                    variants.push(bytes.clone());
                    bytes.insert(at, b'1');
                    variants.push(bytes);
                }
            }
            // Every month and day of a leap and a common year, and every leap-second offset.
            for (year, month, day) in (1..=13).flat_map(|m| (0..=32).flat_map(move |d| [(2024, m, d), (2100, m, d)])) {
                variants.push(format!("{year}-{month:02}-{day:02}").into_bytes());
            }
            for offset in ["+00:00", "-08:00", "+23:59", "-00:01", "+01:00"] {
                variants.push(format!("1998-12-31T23:59:60{offset}").into_bytes());
                variants.push(format!("1999-01-01T07:59:60{offset}").into_bytes());
            }
            for bytes in variants {
                let Ok(text) = std::str::from_utf8(&bytes) else { continue };
                assert_eq!(format(name, text), reference(&bytes), "{name} {text:?}");
                checked += 1;
            }
        }
        assert!(checked > 2000, "only {checked} texts");
    }

    #[test]
    fn dates_and_times_follow_rfc_3339() {
        use super::rules::format;
        for valid in ["2024-02-29", "2000-02-29", "0000-01-01", "1999-12-31"] {
            assert!(format("date", valid), "{valid}");
        }
        for invalid in
            ["2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01", "２０２４-01-01"]
        {
            assert!(!format("date", invalid), "{invalid}");
        }
        for valid in [
            "2023-07-13T21:34:44.816354Z",
            "2023-07-13t21:34:44z",
            "2024-02-29T22:59:59.5-05:00",
            "1998-12-31T23:59:60Z",
            "1998-12-31T15:59:60-08:00",
        ] {
            assert!(format("date-time", valid), "{valid}");
        }
        for invalid in [
            "2023-07-13 21:34:44Z",
            "2023-07-13T21:34:44",
            "2023-07-13T24:00:00Z",
            "2023-07-13T21:34:44.Z",
            "2023-07-13T21:34:44+24:00",
            "2023-07-13T21:34:60Z",
            "2023-07-13T21:34:44é",
            "2023-07-13T",
        ] {
            assert!(!format("date-time", invalid), "{invalid}");
        }
    }

    #[test]
    fn documents_nest_at_most_128_levels() {
        use super::support::{MAX_DEPTH, too_deep};
        let nested = |levels: usize, inner: serde_json::Value| {
            (0..levels).fold(inner, |value, level| {
                if level % 2 == 0 { serde_json::json!([value]) } else { serde_json::json!({ "a": value }) }
            })
        };
        assert!(!too_deep(&nested(MAX_DEPTH, serde_json::json!(1))));
        assert!(too_deep(&nested(MAX_DEPTH + 1, serde_json::json!(1))));
        // Empty arrays and objects are no level.
        assert!(!too_deep(&nested(MAX_DEPTH, serde_json::json!([]))));
        assert!(!too_deep(&nested(MAX_DEPTH, serde_json::json!({}))));
        assert!(too_deep(&nested(MAX_DEPTH, serde_json::json!([[]]))));
        // The deep branch need not be the first.
        let wide = serde_json::json!([1, {"a": []}, nested(MAX_DEPTH, serde_json::json!(1))]);
        assert!(too_deep(&wide));
        assert!(!too_deep(&serde_json::json!([1, {"a": []}, nested(MAX_DEPTH - 1, serde_json::json!(1))])));
    }

    #[test]
    fn covering_checks_report_a_too_deep_document_as_that_alone() {
        use super::support::{MAX_DEPTH, Path, Sink, run_covering};
        // A check as the generator writes one: members it knows are checked for `type: string`,
        // the others only for their depth.
        fn check(v: &serde_json::Value, p: &Path<'_>, s: &mut Sink) -> bool {
            let mut ok = true;
            for (key, item) in v.as_object().into_iter().flatten() {
                match key.as_str() {
                    "name" if !item.is_string() => ok = s.type_mismatch(&Path::Key(p, "name"), "a string", item),
                    "name" => {}
                    _ => ok &= s.shallow(p, item),
                }
            }
            ok
        }
        let member = |levels: usize| {
            let inner = (0..levels).fold(serde_json::json!(1), |value, _| serde_json::json!([value]));
            serde_json::json!({ "name": "n", "extra": inner })
        };
        // The object is the first level, so its member may nest 127 more.
        assert!(run_covering(&member(MAX_DEPTH - 1), check).is_ok());
        let errors = run_covering(&member(MAX_DEPTH), check).unwrap_err();
        let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer(), e.keyword())).collect();
        assert_eq!(found, [("", "depth")]);
        // Other violations of a too-deep document are not reported, as `run` reports none.
        let mut document = member(MAX_DEPTH);
        document["name"] = serde_json::json!(7);
        let errors = run_covering(&document, check).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.keyword()).collect::<Vec<_>>(), ["depth"]);
        let errors = run_covering(&serde_json::json!({ "name": 7 }), check).unwrap_err();
        assert_eq!(errors.iter().map(|e| (e.pointer(), e.keyword())).collect::<Vec<_>>(), [("/name", "type")]);
    }

    #[test]
    fn probes_record_nothing() {
        let mut sink = Sink::new();
        let root = Path::Root;
        assert!(!sink.probe(|s| s.fail(&root, "type", || "must be a string")));
        assert!(sink.probe(|_| true));
        assert!(sink.finish().is_ok());
        let mut sink = Sink::new();
        sink.fail(&root, "required", || "`a` is required");
        let errors = sink.finish().unwrap_err();
        assert_eq!(errors.to_string(), "1 violation\n  (root): `a` is required [required]");
    }
}
