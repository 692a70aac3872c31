//! Source files: reading them, parsing JSON and YAML into a [`tree::Value`], and finding where
//! a JSON Pointer sits in the text when a diagnostic needs it.
//!
//! Documents are parsed once with the fast parsers (serde_json, saphyr). Positions are only
//! needed for diagnostics, so they are found afterwards by re-parsing the one file with a
//! span-keeping parser (jsonc-parser's AST, saphyr's marked nodes) and walking the pointer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{self as cs_files, Files};
use codespan_reporting::term;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::diag::{Code, Diagnostic, Diagnostics, Location, Severity};
use crate::tree::{self, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Toml,
    Markdown,
}

impl Format {
    /// Decides by extension; an unknown extension is sniffed from the first character.
    pub fn detect(path: &Path, text: &str) -> Format {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => Format::Json,
            Some("yaml" | "yml") => Format::Yaml,
            Some("toml") => Format::Toml,
            Some("md" | "markdown") => Format::Markdown,
            _ if text.trim_start().starts_with(['{', '[']) => Format::Json,
            _ => Format::Yaml,
        }
    }
}

#[derive(Debug)]
pub struct SourceFile {
    /// The path used to open the file.
    pub path: PathBuf,
    /// The name diagnostics and the IR show: relative to the config or working directory.
    pub name: String,
    pub format: Format,
    text: Text,
    /// Where each line of the text starts, built on the first position lookup.
    lines: OnceLock<LineIndex>,
}

/// A file's text: held, or released once parsed and read again from disk when a diagnostic
/// needs it.
#[derive(Debug)]
enum Text {
    /// Text that did not come from disk (built-in meta-schemas, [`SourceDb::add`]), or a file
    /// not released (yet).
    Held { text: String, from_disk: bool },
    /// A file released after parsing ([`SourceFile::release`]): what it was, to check a re-read
    /// against, and the re-read once one was needed (`Err` says why it cannot be used).
    Released { fingerprint: Fingerprint, words: u8, reread: OnceLock<Result<String, String>> },
}

/// What a released text was: its length and a 64-bit hash of its bytes. A re-read with the same
/// fingerprint is taken to be the same text, so spans found in the first one hold in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fingerprint {
    len: usize,
    hash: u64,
}

impl Fingerprint {
    fn of(text: &str) -> Self {
        use std::hash::BuildHasher;
        Fingerprint {
            len: text.len(),
            hash: foldhash::quality::FixedState::with_seed(0x5eed).hash_one(text.as_bytes()),
        }
    }
}

/// Words whose presence in a text is noted before the text is released, so that
/// [`SourceFile::may_contain`] answers exactly for them without reading the file again: the
/// dynamic-scope keywords, which most documents never name (`jsonschema/scope.rs`).
const REMEMBERED_WORDS: [&str; 2] = ["dynamicAnchor", "recursiveAnchor"];

/// A file's text with its line index, for position lookups: see [`SourceFile::contents`].
#[derive(Clone, Copy)]
pub struct Contents<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub format: Format,
    lines: &'a OnceLock<LineIndex>,
}

impl<'a> Contents<'a> {
    /// The text's line index, built once: every lookup after the first is a binary search.
    pub fn lines(&self) -> &'a LineIndex {
        let text = self.text;
        self.lines.get_or_init(|| LineIndex::new(text))
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_column(&self, offset: usize) -> (u32, u32) {
        self.lines().line_column(self.text, offset)
    }

    /// The length in bytes of the line that holds a byte offset.
    pub fn line_length(&self, offset: usize) -> usize {
        let starts = &self.lines().0;
        let line = starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let end = starts.get(line + 1).copied().unwrap_or(self.text.len());
        end.saturating_sub(starts[line])
    }

    /// Byte offset of a 1-based line and 0-based character column, clamped to the text.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        self.lines().offset_of(self.text, line, column)
    }
}

impl SourceFile {
    /// Text that did not come from disk: held for the whole run.
    pub fn new(path: PathBuf, name: String, text: String) -> SourceFile {
        SourceFile::with_text(path, name, text, false)
    }

    /// The text of the file at `path`: [`SourceFile::release`] may drop it, to be read again
    /// from `path` when it is needed.
    pub fn from_disk(path: PathBuf, name: String, text: String) -> SourceFile {
        SourceFile::with_text(path, name, text, true)
    }

    fn with_text(path: PathBuf, name: String, text: String, from_disk: bool) -> SourceFile {
        let format = Format::detect(&path, &text);
        SourceFile { path, name, format, text: Text::Held { text, from_disk }, lines: OnceLock::new() }
    }

    /// Drops the text of a file read from disk, keeping its length and hash (and which of
    /// [`REMEMBERED_WORDS`] it names). The text is read again when something needs it, and used
    /// only if it is unchanged. Text that did not come from disk is kept.
    pub fn release(&mut self) {
        let Text::Held { text, from_disk: true } = &self.text else { return };
        let words =
            REMEMBERED_WORDS.iter().enumerate().filter(|(_, w)| text.contains(*w)).fold(0, |m, (i, _)| m | 1 << i);
        self.text = Text::Released { fingerprint: Fingerprint::of(text), words, reread: OnceLock::new() };
        self.lines = OnceLock::new();
    }

    /// Whether the text was released ([`SourceFile::release`]).
    pub fn is_released(&self) -> bool {
        matches!(self.text, Text::Released { .. })
    }

    /// The file's text. A released text is read again from disk (once; [`SourceDb::resolve`]
    /// lets go of it again) and is `None` when the file changed or cannot be read:
    /// [`SourceFile::unavailable`] says why.
    pub fn text(&self) -> Option<&str> {
        match &self.text {
            Text::Held { text, .. } => Some(text),
            Text::Released { fingerprint, reread, .. } => {
                reread.get_or_init(|| self.reread(*fingerprint)).as_ref().ok().map(String::as_str)
            }
        }
    }

    fn reread(&self, fingerprint: Fingerprint) -> Result<String, String> {
        let changed = || format!("`{}` changed while schemagen was running, so its text is not shown", self.name);
        match std::fs::read(&self.path).map(String::from_utf8) {
            Ok(Ok(text)) if Fingerprint::of(&text) == fingerprint => Ok(text),
            Ok(_) => Err(changed()),
            Err(err) => Err(format!("`{}` cannot be read again to show its text: {err}", self.name)),
        }
    }

    /// [`SourceFile::text`], or E001 saying why it cannot be had.
    pub fn require_text(&self) -> Result<&str, Diagnostic> {
        self.text().ok_or_else(|| unreadable(self))
    }

    /// Why the text of a released file could not be read again, once that was tried.
    pub fn unavailable(&self) -> Option<&str> {
        match &self.text {
            Text::Released { reread, .. } => reread.get().and_then(|r| r.as_ref().err()).map(String::as_str),
            Text::Held { .. } => None,
        }
    }

    /// The text with its line index, for position lookups; `None` as for [`SourceFile::text`].
    pub fn contents(&self) -> Option<Contents<'_>> {
        let text = self.text()?;
        Some(Contents { name: &self.name, text, format: self.format, lines: &self.lines })
    }

    /// Whether the text may contain `word`, without reading a released file again: exact while
    /// the text is held, and for a released text exact for the words in [`REMEMBERED_WORDS`]
    /// (noted before it was released) and `true` for any other word.
    pub fn may_contain(&self, word: &str) -> bool {
        match &self.text {
            Text::Held { text, .. } => text.contains(word),
            Text::Released { words, .. } => match REMEMBERED_WORDS.iter().position(|w| *w == word) {
                Some(i) => words & (1 << i) != 0,
                None => true,
            },
        }
    }

    /// Lets go of a text read again, keeping the fingerprint (and a failed re-read's reason).
    fn forget_reread(&mut self) {
        if let Text::Released { reread, .. } = &mut self.text
            && reread.get().is_some_and(Result::is_ok)
        {
            *reread = OnceLock::new();
            self.lines = OnceLock::new();
        }
    }
}

/// A file read ahead of time, until its first [`SourceDb::read`].
#[derive(Debug)]
enum Ahead {
    /// Its bytes, or why it could not be read: checked and added by `read`.
    Contents(std::io::Result<Vec<u8>>),
    /// Read and parsed already (its text possibly released).
    File(SourceFile),
}

/// Every file a run has read, by name. Diagnostics refer to files by name, so rendering and
/// position lookup happen here.
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
    by_name: HashMap<String, usize>,
    /// Files that are not UTF-8, with the offset of their first bad byte: kept (lossily) for
    /// rendering, but every read of them fails.
    not_utf8: HashMap<String, usize>,
    /// Files read ahead (in parallel, [`SourceDb::read_ahead`]) and not yet asked for, by
    /// name: `read` takes them from here instead of from disk, so a file is still added when
    /// it is first read and errors are reported there, as without reading ahead.
    ahead: HashMap<String, Ahead>,
}

impl SourceDb {
    /// Reads a file; a file read before (under the same name) is returned from memory.
    pub fn read(&mut self, path: &Path, name: String) -> Result<&SourceFile, Diagnostic> {
        if let Some(&at) = self.not_utf8.get(&name) {
            return Err(not_utf8(&name, at));
        }
        if let Some(&index) = self.by_name.get(&name) {
            return Ok(&self.files[index]);
        }
        let bytes = match self.ahead.remove(&name) {
            Some(Ahead::File(file)) => return Ok(self.push(file)),
            Some(Ahead::Contents(contents)) => contents,
            None => std::fs::read(path),
        };
        let bytes = bytes.map_err(|err| {
            Diagnostic::error(Code::E001, format!("cannot read `{name}`: {err}"))
                .at(Location::file(&name))
                .hint("check that the path is right and the file is readable")
        })?;
        match String::from_utf8(bytes) {
            Ok(text) => Ok(self.push(SourceFile::from_disk(path.to_path_buf(), name, text))),
            Err(err) => {
                // Kept with the bad bytes replaced, so the diagnostic can show where they are.
                let at = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                self.add(path.to_path_buf(), name.clone(), text);
                self.not_utf8.insert(name.clone(), at);
                Err(not_utf8(&name, at))
            }
        }
    }

    /// Keeps the contents of a file read ahead of time (on another thread) for the first
    /// [`SourceDb::read`] of `name`; a file already read or read ahead keeps what it has.
    pub fn read_ahead(&mut self, name: String, contents: std::io::Result<Vec<u8>>) {
        if !self.by_name.contains_key(&name) && !self.not_utf8.contains_key(&name) {
            self.ahead.entry(name).or_insert(Ahead::Contents(contents));
        }
    }

    /// [`SourceDb::read_ahead`] for a file read and parsed already (made with
    /// [`SourceFile::from_disk`], its text possibly released): the first `read` of its name
    /// adds it as it is.
    pub fn read_ahead_file(&mut self, file: SourceFile) {
        if !self.by_name.contains_key(&file.name) && !self.not_utf8.contains_key(&file.name) {
            self.ahead.entry(file.name.clone()).or_insert(Ahead::File(file));
        }
    }

    /// Adds text that did not come from disk (or was read elsewhere); it is never released.
    pub fn add(&mut self, path: PathBuf, name: String, text: String) -> &SourceFile {
        match self.by_name.get(&name) {
            Some(&index) => &self.files[index],
            None => self.push(SourceFile::new(path, name, text)),
        }
    }

    fn push(&mut self, file: SourceFile) -> &SourceFile {
        let index = self.files.len();
        self.by_name.insert(file.name.clone(), index);
        self.files.push(file);
        &self.files[index]
    }

    /// Releases the text of a file read from disk once it is parsed ([`SourceFile::release`]):
    /// a diagnostic that needs it reads it again.
    pub fn release(&mut self, name: &str) {
        if let Some(&index) = self.by_name.get(name) {
            self.files[index].release();
        }
    }

    /// The paths of every file read, in reading order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    pub fn get(&self, name: &str) -> Option<&SourceFile> {
        self.by_name.get(name).map(|&i| &self.files[i])
    }

    /// Fills in line, column and span for every diagnostic that names a pointer in a known file.
    /// Each file is parsed for positions at most once. A released file is read again for this
    /// and let go of afterwards; if it changed meanwhile, its diagnostics get no position (and
    /// [`SourceDb::render`] says why) rather than a wrong one.
    pub fn resolve(&mut self, diagnostics: &mut Diagnostics) {
        self.resolve_positions(diagnostics);
        self.files.iter_mut().for_each(SourceFile::forget_reread);
    }

    fn resolve_positions(&self, diagnostics: &mut Diagnostics) {
        let mut wanted: HashMap<String, Vec<String>> = HashMap::new();
        for diagnostic in diagnostics.iter() {
            if let Some(Location { file, pointer: Some(pointer), span: None, .. }) = &diagnostic.location {
                wanted.entry(file.clone()).or_default().push(pointer.clone());
            }
        }
        let mut spans: HashMap<(String, String), Located> = HashMap::new();
        for (name, pointers) in wanted {
            let Some(file) = self.get(&name).and_then(SourceFile::contents) else { continue };
            let refs: Vec<&str> = pointers.iter().map(String::as_str).collect();
            for (pointer, span) in pointers.iter().zip(locate_spans(file, &refs)) {
                if let Some(span) = span {
                    spans.insert((name.clone(), pointer.clone()), span);
                }
            }
        }
        for diagnostic in diagnostics.iter_mut() {
            let Some(location) = diagnostic.location.as_mut() else { continue };
            if location.span.is_none() && location.pointer.is_none() && location.line.is_none() {
                continue;
            }
            let Some(file) = self.get(&location.file).and_then(SourceFile::contents) else { continue };
            if location.span.is_none() {
                location.span = match (&location.pointer, location.line) {
                    (Some(pointer), _) => spans.get(&(location.file.clone(), pointer.clone())).map(|found| {
                        match (&found.key, location.key) {
                            (Some(key), true) => key.clone(),
                            _ => found.value.clone(),
                        }
                    }),
                    (None, Some(line)) => line_span(file, line),
                    (None, None) => None,
                };
            }
            if let Some(span) = &mut location.span {
                // Underline the first line only: a whole object under a label is noise.
                if let Some(newline) = file.text.get(span.clone()).and_then(|t| t.find('\n')) {
                    span.end = span.start + newline;
                }
                let (line, column) = file.line_column(span.start);
                location.line = Some(line);
                location.column = Some(column);
            }
        }
    }

    /// Line and column of many pointers in one file (for reports), parsing the file once.
    pub fn positions(&self, name: &str, pointers: &[&str]) -> Vec<Option<(u32, u32)>> {
        let Some(file) = self.get(name).and_then(SourceFile::contents) else { return vec![None; pointers.len()] };
        let spans = locate_spans(file, pointers).into_iter();
        spans.map(|found| found.map(|f| file.line_column(f.value.start))).collect()
    }

    /// Renders a diagnostic with its source snippet, label and hint.
    pub fn render(&self, diagnostic: &Diagnostic) -> String {
        let files = RenderFiles(self);
        let mut rendered = match diagnostic.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        }
        .with_code(diagnostic.code.to_string())
        .with_message(&diagnostic.message);
        let mut notes = Vec::new();
        if let Some(location) = &diagnostic.location {
            let file = self.get(&location.file);
            let contents = file.filter(|_| location.span.is_some()).and_then(SourceFile::contents);
            match (contents, &location.span) {
                (Some(file), Some(span)) if file.line_length(span.start) > MAX_SHOWN_LINE => {
                    let (line, column) = file.line_column(span.start);
                    let length = file.line_length(span.start);
                    notes.push(format!(
                        "at {}:{line}:{column} (line not shown: it is {length} bytes long)",
                        location.file
                    ));
                    notes.extend(diagnostic.label.clone());
                }
                (Some(file), Some(span)) => {
                    let id = self.by_name[file.name];
                    let label = diagnostic.label.clone().unwrap_or_default();
                    rendered = rendered.with_labels(vec![cs::Label::primary(id, span.clone()).with_message(label)]);
                }
                // Positions found before a released file changed still hold: they were found in
                // the text as it was read.
                _ => match (location.line, location.column) {
                    (Some(line), Some(column)) => notes.push(format!("at {}:{line}:{column}", location.file)),
                    _ => notes.push(format!("in {}", location.file)),
                },
            }
            if let Some(reason) = file.and_then(SourceFile::unavailable) {
                notes.push(format!("note: {reason}"));
            }
            if let Some(pointer) = &location.pointer {
                notes.push(format!("at JSON Pointer #{pointer}"));
            }
        }
        if let Some(hint) = &diagnostic.hint {
            notes.push(format!("hint: {hint}"));
        }
        rendered = rendered.with_notes(notes);
        term::emit_into_string(&term::Config::default(), &files, &rendered)
            .unwrap_or_else(|_| format!("{diagnostic}\n"))
    }
}

/// The longest source line [`SourceDb::render`] shows under a diagnostic, in bytes. A minified
/// document is one long line, and drawing all of it under each of its diagnostics made a few
/// thousand warnings take minutes; such a diagnostic names its line and column instead.
pub const MAX_SHOWN_LINE: usize = 1000;

/// How deeply a JSON or YAML document may nest arrays and objects: serde_json's own limit,
/// which keeps every walk over a document well inside a thread's stack.
pub const MAX_DEPTH: usize = 128;

fn too_deep(file: Contents<'_>, offset: usize) -> Diagnostic {
    Diagnostic::error(Code::E005, format!("`{}` nests arrays and objects more than {MAX_DEPTH} levels deep", file.name))
        .at(Location { span: Some(offset..offset), ..Location::file(file.name) })
        .label(format!("level {} starts here", MAX_DEPTH + 1))
        .hint("a schema this deep is not one a person wrote; move nested schemas into `$defs` and refer to them with `$ref`")
}

/// E001 for a released file that cannot be parsed again because it changed or vanished.
fn unreadable(file: &SourceFile) -> Diagnostic {
    let reason = file.unavailable().unwrap_or("it cannot be read again");
    Diagnostic::error(Code::E001, format!("cannot read `{}` again: {reason}", file.name))
        .at(Location::file(&file.name))
        .hint("run again once nothing is writing to the file")
}

/// E001 for a file that is not UTF-8, at its first bad byte.
fn not_utf8(name: &str, at: usize) -> Diagnostic {
    Diagnostic::error(Code::E001, format!("`{name}` is not UTF-8 text"))
        .at(Location { span: Some(at..at), ..Location::file(name) })
        .label("the first byte that is not UTF-8")
        .hint("save the file as UTF-8; schemas and model docs are read as UTF-8 text")
}

/// Parses a JSON or YAML document. A syntax error is the `Err`; problems that still leave a
/// document (keys repeated in one JSON object, E060) come with it. Errors carry the file, line
/// and column.
pub fn parse_document(file: &SourceFile) -> Result<(Value, Vec<Diagnostic>), Diagnostic> {
    let Some(file) = file.contents() else { return Err(unreadable(file)) };
    match file.format {
        Format::Yaml => parse_yaml(file).map(|value| (value, Vec::new())),
        _ => {
            let builder = tree::Builder::default();
            let mut deserializer = serde_json::Deserializer::from_str(file.text);
            let value = serde::de::DeserializeSeed::deserialize(builder.seed(), &mut deserializer)
                .and_then(|value| deserializer.end().map(|()| value))
                .map_err(|err| json_error(file, &err))?;
            // Finding where the repeats are takes a second, span-keeping parse: only for the
            // rare file that has them.
            let repeats = if builder.repeated() { repeated_keys(file) } else { Vec::new() };
            Ok((value, repeats))
        }
    }
}

fn json_error(file: Contents<'_>, err: &serde_json::Error) -> Diagnostic {
    let text = file.text;
    let at = offset_of(text, err.line(), err.column().saturating_sub(1));
    let full = err.to_string();
    // serde_json appends " at line L column C"; the location is shown separately.
    let raw = full.split(" at line ").next().unwrap_or(&full);
    if raw.starts_with("recursion limit exceeded") {
        return too_deep(file, at);
    }
    let open = Unclosed::scan(&text[..at.min(text.len())]);
    let before = text[..at.min(text.len())].trim_end().len();
    let (offset, message, label, hint): (usize, String, String, &str) = match raw {
        _ if raw.starts_with("EOF") && text.trim().is_empty() => (
            0,
            "the file is empty".into(),
            "no JSON document here".into(),
            "a schema file holds one JSON document, such as `{ \"type\": \"object\" }`",
        ),
        _ if raw.starts_with("EOF") => match (open.string, open.brackets.last()) {
            (Some(quote), _) => (
                quote,
                "the file ends inside a string".into(),
                "this string is never closed".into(),
                "close the string with `\"`, or restore the end of the file if it was cut short",
            ),
            (None, Some(&(bracket, start))) => (
                start,
                "the file ends before the document is complete".into(),
                format!("this `{bracket}` is never closed"),
                "add the missing closing bracket, or restore the end of the file if it was cut short",
            ),
            (None, None) => {
                (at, "the file ends where a value was expected".into(), raw.into(), "complete the document")
            }
        },
        _ if raw.starts_with("control character") => (
            open.string.unwrap_or(at),
            "a string is not closed before the end of its line".into(),
            "this string has no closing `\"` on its line".into(),
            "close the string with `\"`; a line break inside a string is written `\\n`",
        ),
        "trailing comma" => (
            before.saturating_sub(1),
            "a comma after the last member".into(),
            "remove this comma".into(),
            "JSON, unlike JavaScript, allows no comma after the last member of an object or array",
        ),
        "expected `,` or `}`" | "expected `,` or `]`" => (
            at,
            format!("{raw} after the value that ends on line {}", line_column(text, before).0),
            "a `,` is missing before this, or a closing bracket".into(),
            "separate the members of objects and arrays with `,`",
        ),
        "key must be a string" => (
            at,
            "an object key that is not a string in double quotes".into(),
            "expected a key in double quotes".into(),
            "JSON keys and strings use double quotes: `\"type\"`, not `'type'` or `type`",
        ),
        "expected value" | "expected ident" => (
            at,
            "a JSON value was expected here".into(),
            "not a JSON value".into(),
            "JSON values are objects, arrays, strings in double quotes, numbers, `true`, `false` and `null`; comments are not allowed",
        ),
        "trailing characters" => (
            at,
            "more text after the end of the JSON document".into(),
            "the document ended before this".into(),
            "a file holds one JSON document: remove what follows it, or check for a `}` closed too early",
        ),
        _ => (at, raw.to_string(), raw.to_string(), "fix the JSON syntax at this spot"),
    };
    Diagnostic::error(Code::E002, format!("invalid JSON: {message}"))
        .at(Location { span: Some(offset..offset + char_len(text, offset)), ..Location::file(file.name) })
        .label(label)
        .hint(hint)
}

/// The length in bytes of the character at `offset`, 0 at the end.
fn char_len(text: &str, offset: usize) -> usize {
    text.get(offset..).and_then(|rest| rest.chars().next()).map_or(0, char::len_utf8)
}

/// What is open at the end of a JSON prefix: brackets, innermost last, and a string.
struct Unclosed {
    brackets: Vec<(char, usize)>,
    string: Option<usize>,
}

impl Unclosed {
    fn scan(prefix: &str) -> Unclosed {
        let mut brackets = Vec::new();
        let mut string = None;
        let mut escaped = false;
        for (i, c) in prefix.char_indices() {
            match (string, c) {
                (Some(_), _) if escaped => escaped = false,
                (Some(_), '\\') => escaped = true,
                (Some(_), '"') => string = None,
                (Some(_), _) => {}
                (None, '"') => string = Some(i),
                (None, '{' | '[') => brackets.push((c, i)),
                (None, '}' | ']') => {
                    brackets.pop();
                }
                (None, _) => {}
            }
        }
        Unclosed { brackets, string }
    }
}

/// E060 for every key that an object of a JSON file repeats, at the repeat.
fn repeated_keys(file: Contents<'_>) -> Vec<Diagnostic> {
    use jsonc_parser::ast::Value as Node;
    use jsonc_parser::common::Ranged;
    let Ok(parsed) = jsonc_parser::parse_to_ast(file.text, &Default::default(), &Default::default()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut work: Vec<(&Node, String)> = parsed.value.iter().map(|v| (v, String::new())).collect();
    while let Some((node, pointer)) = work.pop() {
        match node {
            Node::Object(object) => {
                let mut first: HashMap<&str, usize> = HashMap::new();
                for property in &object.properties {
                    let name = property.name.as_str();
                    let range = property.name.range();
                    match first.get(name) {
                        Some(&start) => {
                            let (line, _) = file.line_column(start);
                            out.push(
                                Diagnostic::error(Code::E060, format!("the key `{name}` appears twice in one object"))
                                    .at(Location {
                                        pointer: Some(pointer.clone()),
                                        span: Some(range.start..range.end),
                                        ..Location::file(file.name)
                                    })
                                    .label(format!("`{name}` again; the first is on line {line}"))
                                    .hint("JSON parsers keep only the last of repeated keys, so the first is silently lost; remove or rename one of them"),
                            );
                        }
                        None => {
                            first.insert(name, range.start);
                        }
                    }
                    work.push((&property.value, format!("{pointer}/{}", escape_token(name))));
                }
            }
            Node::Array(array) => {
                for (i, element) in array.elements.iter().enumerate() {
                    work.push((element, format!("{pointer}/{i}")));
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|d| d.location.as_ref().and_then(|l| l.span.as_ref()).map(|s| s.start));
    out
}

fn parse_yaml(file: Contents<'_>) -> Result<Value, Diagnostic> {
    let yaml_error = |message: String, offset: usize| {
        let (what, label, hint) = explain_yaml(&message, file.text, offset);
        Diagnostic::error(Code::E003, format!("invalid YAML: {what}"))
            .at(Location { span: Some(offset..offset + char_len(file.text, offset)), ..Location::file(file.name) })
            .label(label)
            .hint(hint)
    };
    let documents = MarkedYaml::load_from_str(file.text).map_err(|err| {
        let marker = err.marker();
        let at = file.offset_of(marker.line(), marker.col());
        if err.info() == "recursion limit exceeded" {
            return too_deep(file, at);
        }
        // The parser notices an unclosed `[` or `{` only lines later: point at the bracket.
        match unclosed_flow(&file.text[..at.min(file.text.len())]) {
            Some((bracket, start))
                if ["illegal placement", "expected ','", "flow", "end of stream"]
                    .iter()
                    .any(|m| err.info().contains(m)) =>
            {
                Diagnostic::error(Code::E003, format!("invalid YAML: this `{bracket}` is never closed"))
                    .at(Location { span: Some(start..start + 1), ..Location::file(file.name) })
                    .label(format!("`{bracket}` opened here; the parser stopped on line {}", marker.line()))
                    .hint(format!(
                        "close it with `{}` on the same line, or write the items as a block list",
                        if bracket == '[' { ']' } else { '}' }
                    ))
            }
            _ => yaml_error(err.info().to_string(), at),
        }
    })?;
    let Some(document) = documents.into_iter().next() else {
        return Ok(Value::Null);
    };
    if let Some(marker) = yaml_too_deep(&document) {
        return Err(too_deep(file, file.offset_of(marker.line(), marker.col())));
    }
    yaml_to_json(&tree::Builder::default(), &document)
        .map_err(|(message, marker)| yaml_error(message, file.offset_of(marker.line(), marker.col())))
}

/// The innermost flow collection (`[` or `{`) still open at the end of a YAML prefix, with its
/// offset; quoted strings and comments are skipped.
fn unclosed_flow(prefix: &str) -> Option<(char, usize)> {
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    for (i, c) in prefix.char_indices() {
        match (quote, c) {
            _ if comment => comment = c != '\n',
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '#') if previous.is_whitespace() => comment = true,
            (None, '"' | '\'') if !previous.is_alphanumeric() => quote = Some(c),
            (None, '[' | '{') => open.push((c, i)),
            (None, ']' | '}') => {
                open.pop();
            }
            _ => {}
        }
        previous = c;
    }
    open.pop()
}

/// A YAML parser message in words a user can act on: what is wrong, a label, a hint.
fn explain_yaml(message: &str, text: &str, offset: usize) -> (String, String, String) {
    let key = text.get(offset..).and_then(|rest| rest.split([':', '\n']).next()).map(str::trim).unwrap_or("");
    let (what, label, hint): (String, String, &str) = if message.contains("duplicated key") {
        (
            format!("the key `{key}` appears twice in one mapping"),
            format!("`{key}` again"),
            "a mapping cannot repeat a key, and parsers that allow it keep only the last; remove or rename one of them",
        )
    } else if message.contains("tabs disallowed") {
        ("a tab in the indentation".into(), "indented with a tab".into(), "indent YAML with spaces only")
    } else if message.contains("did not find expected key") || message.contains("mapping values are not allowed") {
        (
            "a line that does not line up with the keys of its mapping".into(),
            "this line does not line up with the keys above it".into(),
            "indent every key of one mapping by the same number of spaces, and quote values that contain `: `",
        )
    } else if message.contains("illegal placement of ':'")
        || message.contains("did not find expected ',' or ']'")
        || message.contains("did not find expected ',' or '}'")
    {
        (
            message.into(),
            "the parser stopped here".into(),
            "a `[` or `{` on a line above is probably never closed: close it with `]` or `}` on the same line",
        )
    } else if message.contains("indentation in quoted scalar") {
        (
            "a quoted string continues on a line that is not indented more than its key".into(),
            "the string starts here".into(),
            "indent the string's continuation lines more than the key it belongs to, or use a block scalar (`|` or `>`)",
        )
    } else if message.contains("mapping key") {
        (
            "a mapping key that is a list or a mapping has no JSON equivalent".into(),
            "not a plain key".into(),
            "JSON object keys are strings: write the key as a plain scalar such as `name:`",
        )
    } else if message.contains("NaN") {
        (
            "infinite and NaN numbers have no JSON equivalent".into(),
            "not a finite number".into(),
            "write a finite number, or leave the keyword out",
        )
    } else if message.contains("no JSON equivalent") {
        (
            message.into(),
            "has no JSON equivalent".into(),
            "use only YAML that maps onto JSON: string keys and finite numbers",
        )
    } else {
        (message.into(), message.into(), "fix the YAML syntax at this spot or just before it")
    };
    (what, label, hint.to_string())
}

/// Where a YAML document first nests deeper than [`MAX_DEPTH`], found without recursing.
fn yaml_too_deep(root: &MarkedYaml<'_>) -> Option<saphyr::Marker> {
    let mut stack = vec![(root, 0)];
    while let Some((node, depth)) = stack.pop() {
        let mut children: Vec<&MarkedYaml<'_>> = Vec::new();
        match &node.data {
            YamlData::Sequence(items) => children.extend(items.iter()),
            YamlData::Mapping(entries) => children.extend(entries.iter().flat_map(|(k, v)| [k, v])),
            YamlData::Tagged(_, inner) => stack.push((inner, depth)),
            _ => {}
        }
        if !children.is_empty() && depth >= MAX_DEPTH {
            return Some(node.span.start);
        }
        stack.extend(children.into_iter().map(|child| (child, depth + 1)));
    }
    None
}

type YamlError = (String, saphyr::Marker);

fn yaml_to_json(builder: &tree::Builder, node: &MarkedYaml<'_>) -> Result<Value, YamlError> {
    Ok(match &node.data {
        YamlData::Value(scalar) => scalar_to_json(builder, scalar, node.span.start)?,
        YamlData::Sequence(items) => {
            Value::Array(items.iter().map(|item| yaml_to_json(builder, item)).collect::<Result<_, _>>()?)
        }
        YamlData::Mapping(entries) => {
            let mut members = Vec::with_capacity(entries.len());
            for (key, value) in entries.iter() {
                let key = match &key.data {
                    YamlData::Value(Scalar::String(s)) => builder.str(s),
                    YamlData::Value(Scalar::Integer(i)) => builder.str(&i.to_string()),
                    YamlData::Value(Scalar::Boolean(b)) => builder.str(&b.to_string()),
                    YamlData::Value(Scalar::FloatingPoint(f)) => builder.str(&f.to_string()),
                    YamlData::Value(Scalar::Null) => builder.str("null"),
                    _ => {
                        return Err((
                            "a mapping key must be a scalar to have a JSON equivalent".into(),
                            key.span.start,
                        ));
                    }
                };
                members.push((key, yaml_to_json(builder, value)?));
            }
            // Keys that differ in YAML can be equal as JSON (`1` and `"1"`): the last wins.
            builder.object(members)
        }
        YamlData::Tagged(_, inner) => yaml_to_json(builder, inner)?,
        YamlData::Representation(text, _, _) => Value::String(builder.str(text)),
        YamlData::Alias(_) => return Err(("unresolved YAML alias".into(), node.span.start)),
        YamlData::BadValue => return Err(("value has no JSON equivalent".into(), node.span.start)),
    })
}

fn scalar_to_json(builder: &tree::Builder, scalar: &Scalar<'_>, span: saphyr::Marker) -> Result<Value, YamlError> {
    Ok(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::from(*i),
        Scalar::FloatingPoint(f) => serde_json::Number::from_f64(f.into_inner())
            .map(Value::Number)
            .ok_or_else(|| ("NaN and infinities have no JSON equivalent".to_string(), span))?,
        Scalar::String(s) => Value::String(builder.str(s)),
    })
}

/// Splits an RFC 6901 pointer into unescaped tokens.
pub fn pointer_tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~"))
}

/// Escapes one token for use in a JSON Pointer.
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The byte span of the value at `pointer`, or of its deepest existing ancestor.
pub fn locate(file: &SourceFile, pointer: &str) -> Option<std::ops::Range<usize>> {
    locate_many(file, &[pointer]).pop().flatten()
}

/// [`locate`] for many pointers into one file, parsing the file once.
pub fn locate_many(file: &SourceFile, pointers: &[&str]) -> Vec<Option<std::ops::Range<usize>>> {
    let Some(file) = file.contents() else { return vec![None; pointers.len()] };
    locate_spans(file, pointers).into_iter().map(|found| found.map(|f| f.value)).collect()
}

/// Where a pointer leads: the value (or its deepest existing ancestor) and, when the pointer
/// resolved to an object member, that member's key.
#[derive(Clone, Debug)]
struct Located {
    value: std::ops::Range<usize>,
    key: Option<std::ops::Range<usize>>,
}

fn locate_spans(file: Contents<'_>, pointers: &[&str]) -> Vec<Option<Located>> {
    match file.format {
        Format::Yaml => locate_yaml(file, pointers),
        _ => locate_json(file.text, pointers),
    }
}

fn locate_json(text: &str, pointers: &[&str]) -> Vec<Option<Located>> {
    use jsonc_parser::ast::Value as Node;
    let Ok(parsed) = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default()) else {
        return vec![None; pointers.len()];
    };
    let Some(root) = parsed.value.as_ref() else { return vec![None; pointers.len()] };
    let mut members = MemberIndex::new();
    pointers
        .iter()
        .map(|pointer| {
            use jsonc_parser::common::Ranged;
            let mut node = root;
            let mut key = None;
            for token in pointer_tokens(pointer) {
                let next = match node {
                    Node::Object(object) => {
                        let properties = || object.properties.iter().map(|p| (p.name.as_str(), p));
                        let address = std::ptr::from_ref(object).addr();
                        members.find(address, object.properties.len(), properties, &token).map(|p| {
                            let range = p.name.range();
                            (&p.value, Some(range.start..range.end))
                        })
                    }
                    Node::Array(array) => {
                        token.parse::<usize>().ok().and_then(|i| array.elements.get(i)).map(|element| (element, None))
                    }
                    _ => None,
                };
                match next {
                    Some((next, next_key)) => (node, key) = (next, next_key),
                    None => {
                        key = None;
                        break;
                    }
                }
            }
            let range = node.range();
            Some(Located { value: range.start..range.end, key })
        })
        .collect()
}

fn locate_yaml(file: Contents<'_>, pointers: &[&str]) -> Vec<Option<Located>> {
    let Ok(documents) = MarkedYaml::load_from_str(file.text) else { return vec![None; pointers.len()] };
    let Some(root) = documents.first() else { return vec![None; pointers.len()] };
    let mut members = MemberIndex::new();
    pointers
        .iter()
        .map(|pointer| {
            let span = |node: &MarkedYaml<'_>| {
                let start = file.offset_of(node.span.start.line(), node.span.start.col());
                start..file.offset_of(node.span.end.line(), node.span.end.col()).max(start)
            };
            let mut node = root;
            let mut key = None;
            for token in pointer_tokens(pointer) {
                let next = match &node.data {
                    YamlData::Mapping(entries) => {
                        // A key that is neither a string nor an integer is no pointer token.
                        let named = || {
                            entries.iter().filter_map(|(key, value)| match &key.data {
                                YamlData::Value(Scalar::String(s)) => Some((s.to_string(), (key, value))),
                                YamlData::Value(Scalar::Integer(i)) => Some((i.to_string(), (key, value))),
                                _ => None,
                            })
                        };
                        let address = std::ptr::from_ref(node).addr();
                        members.find(address, entries.len(), named, &token).map(|(key, value)| (value, Some(span(key))))
                    }
                    YamlData::Sequence(items) => {
                        token.parse::<usize>().ok().and_then(|i| items.get(i)).map(|i| (i, None))
                    }
                    _ => None,
                };
                match next {
                    Some((next, next_key)) => (node, key) = (next, next_key),
                    None => {
                        key = None;
                        break;
                    }
                }
            }
            Some(Located { value: span(node), key })
        })
        .collect()
}

/// Finds object members by name while many pointers are walked through one parsed document: a
/// wide object (a `definitions` of 10,000 entries) gets a name index on its first lookup, so each
/// later lookup is a hash probe instead of a scan. The first member of a repeated name wins, as
/// a scan would find it.
struct MemberIndex<T>(HashMap<usize, HashMap<String, T>>);

impl<T: Copy> MemberIndex<T> {
    /// Objects with fewer members than this are scanned.
    const WIDE: usize = 16;

    fn new() -> Self {
        MemberIndex(HashMap::new())
    }

    /// The member named `token` of the object at address `object`, which has `len` members.
    fn find<K: AsRef<str>, I: Iterator<Item = (K, T)>>(
        &mut self,
        object: usize,
        len: usize,
        members: impl FnOnce() -> I,
        token: &str,
    ) -> Option<T> {
        if len < Self::WIDE {
            return members().find(|(name, _)| name.as_ref() == token).map(|(_, member)| member);
        }
        let index = self.0.entry(object).or_insert_with(|| {
            let mut index = HashMap::with_capacity(len);
            for (name, member) in members() {
                index.entry(name.as_ref().to_string()).or_insert(member);
            }
            index
        });
        index.get(token).copied()
    }
}

/// Byte offset of a 1-based line and 0-based character column, clamped to the text. For one
/// lookup; many lookups in one file go through [`SourceFile::offset_of`].
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    LineIndex::new(text).offset_of(text, line, column)
}

/// 1-based line and character column of a byte offset. For one lookup; many lookups in one file
/// go through [`SourceFile::line_column`].
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    LineIndex::new(text).line_column(text, offset)
}

/// Where each line starts, for many position lookups in one text: building it is one pass over
/// the text, and each lookup after that is a binary search plus a walk along one line. In ASCII
/// text (the second field) a column is a byte count, found without that walk: a minified
/// document is one line of megabytes, and walking it once per diagnostic was quadratic.
#[derive(Debug)]
pub struct LineIndex(Vec<usize>, bool);

impl LineIndex {
    pub fn new(text: &str) -> Self {
        Self(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect(), text.is_ascii())
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.0.partition_point(|&start| start <= offset).max(1);
        let start = self.0[line - 1];
        let column = match self.1 {
            true => offset - start + 1,
            false => text.get(start..offset).map_or(1, |s| s.chars().count() + 1),
        };
        (line as u32, column as u32)
    }

    /// The byte range of a 1-based line, without its line break; `None` past the last line.
    pub fn line_range(&self, text: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.0.get(line.checked_sub(1)?)?;
        let end = self.0.get(line).map_or(text.len(), |&next| next - 1);
        Some(start..end)
    }

    /// Byte offset of a 1-based line and 0-based character column, clamped to the text: a line
    /// past the end is the end, a column past the line's end is the line's end.
    pub fn offset_of(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(range) = self.line_range(text, line.max(1)) else { return text.len() };
        if self.1 {
            return range.start + column.min(range.len());
        }
        let line_text = &text[range.clone()];
        range.start + line_text.char_indices().nth(column).map_or(line_text.len(), |(i, _)| i)
    }
}

fn line_span(file: Contents<'_>, line: u32) -> Option<std::ops::Range<usize>> {
    let start = file.offset_of(line as usize, 0);
    let end = file.text[start..].find('\n').map_or(file.text.len(), |i| start + i);
    Some(start..end)
}

/// The files of a [`SourceDb`] as codespan sees them, each with its cached [`LineIndex`], so
/// rendering a diagnostic neither copies the file nor scans it for line breaks again.
struct RenderFiles<'a>(&'a SourceDb);

impl<'a> Files<'a> for RenderFiles<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, cs_files::Error> {
        self.0.files.get(id).map(|f| f.name.as_str()).ok_or(cs_files::Error::FileMissing)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, cs_files::Error> {
        self.0.files.get(id).and_then(SourceFile::text).ok_or(cs_files::Error::FileMissing)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, cs_files::Error> {
        let file = self.0.files.get(id).and_then(SourceFile::contents).ok_or(cs_files::Error::FileMissing)?;
        Ok(file.lines().0.partition_point(|&start| start <= byte_index).saturating_sub(1))
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<std::ops::Range<usize>, cs_files::Error> {
        let file = self.0.files.get(id).and_then(SourceFile::contents).ok_or(cs_files::Error::FileMissing)?;
        let lines = &file.lines().0;
        // As codespan's `SimpleFile`: the line after the last starts at the end of the text.
        let start = |line: usize| match line.cmp(&lines.len()) {
            std::cmp::Ordering::Less => Ok(lines[line]),
            std::cmp::Ordering::Equal => Ok(file.text.len()),
            std::cmp::Ordering::Greater => Err(cs_files::Error::LineTooLarge { given: line, max: lines.len() - 1 }),
        };
        Ok(start(line_index)?..start(line_index + 1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from(name), name.into(), text.into())
    }

    #[test]
    fn locates_pointers_in_json_and_yaml() {
        let json = file("a.json", "{\n  \"properties\": {\n    \"a/b\": {\"$ref\": \"#/x\"}\n  }\n}");
        let span = locate(&json, "/properties/a~1b/$ref").unwrap();
        assert_eq!(&json.text().unwrap()[span.clone()], "\"#/x\"");
        assert_eq!(line_column(json.text().unwrap(), span.start), (3, 21));

        let yaml = file("a.yaml", "properties:\n  id:\n    $ref: '#/x'\n");
        let span = locate(&yaml, "/properties/id/$ref").unwrap();
        assert_eq!(line_column(yaml.text().unwrap(), span.start), (3, 11));
    }

    /// The line index agrees with a scan from the start of the text at every line and column,
    /// including past the end of a line and of the text, on multi-byte characters and CRLF.
    #[test]
    fn the_line_index_agrees_with_a_scan() {
        fn scanned_offset(text: &str, line: usize, column: usize) -> usize {
            let start = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>();
            let line_text = text[start..].split('\n').next().unwrap_or("");
            start + line_text.char_indices().nth(column).map_or(line_text.len(), |(i, _)| i)
        }
        fn scanned_position(text: &str, offset: usize) -> (u32, u32) {
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            (line as u32, column as u32)
        }
        for text in ["", "a", "\n", "ab\n\ncd\n", "größe: 1\r\n  ключ: [ü]\nlast"] {
            let file = file("t.yaml", text);
            let file = file.contents().unwrap();
            for line in 0..8 {
                for column in 0..12 {
                    assert_eq!(
                        file.offset_of(line, column),
                        scanned_offset(text, line, column),
                        "{text:?} {line}:{column}"
                    );
                }
            }
            for offset in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                assert_eq!(file.line_column(offset), scanned_position(text, offset), "{text:?} @{offset}");
            }
        }
    }

    #[test]
    fn a_missing_key_points_at_its_parent() {
        let json = file("a.json", "{\"a\": {\"b\": 1}}");
        let span = locate(&json, "/a/zzz").unwrap();
        assert_eq!(&json.text().unwrap()[span], "{\"b\": 1}");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let mut errors = Diagnostics::default();
        let mut db = SourceDb::default();
        for (name, text) in [("bad.json", "{\n  \"a\": 1,\n  \"b\" 2\n}"), ("bad.yaml", "a: [1, 2\nb: 3\n")] {
            db.add(PathBuf::from(name), name.into(), text.into());
            errors.push(parse_document(db.get(name).unwrap()).unwrap_err());
        }
        db.resolve(&mut errors);
        let lines: Vec<_> = errors
            .iter()
            .map(|d| {
                let l = d.location.as_ref().unwrap();
                (d.code, l.line.unwrap(), l.column.unwrap())
            })
            .collect();
        assert_eq!(lines[0], (Code::E002, 3, 7));
        assert_eq!(lines[1].0, Code::E003);
    }

    #[test]
    fn columns_count_characters_in_ascii_and_other_text() {
        for text in ["{\"a\": 1,\n  \"bc\": [true]}\n", "{\"é\": 1,\n  \"ü€\": [true]}\n"] {
            let index = LineIndex::new(text);
            for (offset, _) in text.char_indices() {
                let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
                let line = text[..offset].matches('\n').count() + 1;
                let column = text[line_start..offset].chars().count();
                assert_eq!(index.line_column(text, offset), (line as u32, column as u32 + 1), "{text:?} at {offset}");
                assert_eq!(index.offset_of(text, line, column), offset, "{text:?} at {offset}");
            }
        }
    }

    #[test]
    fn a_minified_line_is_named_not_drawn() {
        let mut db = SourceDb::default();
        let properties: Vec<String> = (0..200).map(|i| format!("\"p{i}\":{{\"type\":\"string\"}}")).collect();
        let text = format!("{{\"properties\":{{{}}},\"colour\":1}}", properties.join(","));
        db.add(PathBuf::from("min.json"), "min.json".into(), text.clone());
        db.add(PathBuf::from("short.json"), "short.json".into(), "{\"colour\": 1}".into());
        let mut diagnostics = Diagnostics::default();
        for file in ["min.json", "short.json"] {
            let warning = Diagnostic::warning(Code::W001, "unknown keyword `colour` is ignored")
                .at(Location::at(&crate::ir::Origin::pointer(file, "/colour")).key())
                .label("`colour` is ignored");
            diagnostics.push(warning);
        }
        db.resolve(&mut diagnostics);
        let rendered: Vec<String> = diagnostics.iter().map(|d| db.render(d)).collect();
        let long = rendered.iter().find(|r| r.contains("min.json")).unwrap();
        let column = text.find("\"colour\"").unwrap() + 1;
        assert!(long.contains(&format!("at min.json:1:{column} (line not shown: it is {} bytes long)", text.len())));
        assert!(long.contains("`colour` is ignored"));
        assert!(!long.contains("\"p7\""), "{long}");
        // A line of ordinary length is still drawn, with the label under it.
        let short = rendered.iter().find(|r| r.contains("short.json")).unwrap();
        assert!(short.contains("{\"colour\": 1}"), "{short}");
    }

    #[test]
    fn yaml_keys_that_are_numbers_become_strings() {
        let yaml = file("a.yaml", "responses:\n  200:\n    description: ok\n");
        let (value, _) = parse_document(&yaml).unwrap();
        assert_eq!(value.pointer("/responses/200/description").and_then(Value::as_str), Some("ok"));
    }

    /// A schema and a markdown doc with one warning each, in a temporary directory, with the
    /// config that reads them.
    fn released_inputs() -> (tempfile::TempDir, PathBuf, crate::config::Config) {
        let tmp = tempfile::tempdir().unwrap();
        let schema = tmp.path().join("a.json");
        std::fs::write(
            &schema,
            "{\n  \"type\": \"object\",\n  \"colour\": 1,\n  \"properties\": {\"id\": {\"type\": \"string\"}}\n}\n",
        )
        .unwrap();
        std::fs::write(tmp.path().join("notes.md"), "# Notes\n\nNothing to see.\n").unwrap();
        let inputs = vec![schema.clone(), tmp.path().join("notes.md")];
        let config = crate::tests::one_module(inputs, tmp.path());
        (tmp, schema, config)
    }

    fn rendered(db: &SourceDb, diagnostics: &Diagnostics, code: Code) -> (String, String) {
        let diagnostic = diagnostics.iter().find(|d| d.code == code).unwrap();
        (diagnostic.to_string(), db.render(diagnostic))
    }

    /// Inputs are released once parsed, and their diagnostics still name line and column and
    /// show the line, read again from disk.
    #[test]
    fn a_released_file_is_read_again_for_its_diagnostics() {
        let (_tmp, _, config) = released_inputs();
        let generation = crate::analyze(&config, &mut |_| {});
        for name in ["a.json", "notes.md"] {
            assert!(generation.db.get(name).unwrap().is_released(), "{name} is still held");
        }
        let (line, drawn) = rendered(&generation.db, &generation.diagnostics, Code::W001);
        assert!(line.starts_with("a.json:3:3 (#/colour): warning[W001]"), "{line}");
        assert!(drawn.contains("a.json:3:3") && drawn.contains("\"colour\": 1,"), "{drawn}");
        let (line, drawn) = rendered(&generation.db, &generation.diagnostics, Code::W006);
        assert!(line.starts_with("notes.md:1:1: warning[W006]"), "{line}");
        assert!(drawn.contains("notes.md:1:1") && drawn.contains("# Notes"), "{drawn}");
        assert!(!drawn.contains("changed"), "{drawn}");
        // Resolving let go of the texts it read again; rendering read them once more.
        assert!(generation.db.get("a.json").unwrap().text().is_some());
    }

    /// A file that changes after it was parsed is never shown with positions from its new text:
    /// its diagnostics name it without a snippet, and say it changed.
    #[test]
    fn a_file_changed_after_reading_is_named_with_a_note() {
        let (_tmp, schema, config) = released_inputs();
        let mut db = SourceDb::default();
        let mut diagnostics = Diagnostics::default();
        crate::jsonschema::read(&config, &mut db, &mut diagnostics);
        // Changed before positions are found: a same-length edit, which only the hash notices.
        let text = std::fs::read_to_string(&schema).unwrap();
        std::fs::write(&schema, text.replace("colour", "colout")).unwrap();
        db.resolve(&mut diagnostics);
        let (line, drawn) = rendered(&db, &diagnostics, Code::W001);
        assert!(line.starts_with("a.json (#/colour): warning[W001]"), "{line}");
        assert!(drawn.contains("in a.json"), "{drawn}");
        assert!(
            drawn.contains("note: `a.json` changed while schemagen was running, so its text is not shown"),
            "{drawn}"
        );
        assert!(!drawn.contains("\"colou") && !drawn.contains("│"), "no snippet, old or new: {drawn}");

        // Changed after positions were found and before rendering: the position holds (it was
        // found in the text that was read), the snippet is not drawn.
        let (_tmp, schema, config) = released_inputs();
        let mut db = SourceDb::default();
        let mut diagnostics = Diagnostics::default();
        crate::jsonschema::read(&config, &mut db, &mut diagnostics);
        db.resolve(&mut diagnostics);
        std::fs::write(&schema, "{}").unwrap();
        let (line, drawn) = rendered(&db, &diagnostics, Code::W001);
        assert!(line.starts_with("a.json:3:3 (#/colour)"), "{line}");
        assert!(drawn.contains("at a.json:3:3") && drawn.contains("changed while schemagen was running"), "{drawn}");
        assert!(!drawn.contains("\"colour\": 1") && !drawn.contains("│"), "{drawn}");

        // Removed: the same, saying why it cannot be read.
        let (_tmp, schema, config) = released_inputs();
        let mut db = SourceDb::default();
        let mut diagnostics = Diagnostics::default();
        crate::jsonschema::read(&config, &mut db, &mut diagnostics);
        std::fs::remove_file(&schema).unwrap();
        db.resolve(&mut diagnostics);
        let (line, drawn) = rendered(&db, &diagnostics, Code::W001);
        assert!(line.starts_with("a.json (#/colour)"), "{line}");
        assert!(drawn.contains("note: `a.json` cannot be read again to show its text"), "{drawn}");
    }

    /// Text that did not come from disk cannot be read again, so it is never released.
    #[test]
    fn text_not_from_disk_stays_held() {
        let mut db = SourceDb::default();
        db.add(PathBuf::from("memory.json"), "memory.json".into(), "{\"a\": 1}".into());
        db.release("memory.json");
        let file = db.get("memory.json").unwrap();
        assert!(!file.is_released());
        assert_eq!(file.text(), Some("{\"a\": 1}"));
        assert!(file.may_contain("\"a\"") && !file.may_contain("dynamicAnchor"));
    }

    /// A released file answers `may_contain` for the remembered words without reading the file.
    #[test]
    fn a_released_file_remembers_which_anchor_keywords_it_names() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("d.json");
        let text = "{\"$defs\": {\"a\": {\"$dynamicAnchor\": \"node\"}}}";
        let mut file = SourceFile::from_disk(path.clone(), "d.json".into(), text.into());
        file.release();
        std::fs::write(&path, "{}").unwrap();
        assert!(file.may_contain("dynamicAnchor") && !file.may_contain("recursiveAnchor"));
        assert!(file.unavailable().is_none(), "not read again");
        assert!(file.text().is_none() && file.unavailable().is_some_and(|r| r.contains("changed")));
    }
}
