//! Source files: reading them, parsing JSON and YAML into `serde_json::Value`, and finding where
//! a JSON Pointer sits in the text when a diagnostic needs it.
//!
//! Documents are parsed once with the fast parsers (serde_json, saphyr). Positions are only
//! needed for diagnostics, so they are found afterwards by re-parsing the one file with a
//! span-keeping parser (jsonc-parser's AST, saphyr's marked nodes) and walking the pointer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::Value;

use crate::diag::{Code, Diagnostic, Diagnostics, Location, Severity};

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
    pub text: String,
    pub format: Format,
}

/// Every file a run has read, by name. Diagnostics refer to files by name, so rendering and
/// position lookup happen here.
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
    by_name: HashMap<String, usize>,
}

impl SourceDb {
    /// Reads a file; a file read before (under the same name) is returned from memory.
    pub fn read(&mut self, path: &Path, name: String) -> Result<&SourceFile, Diagnostic> {
        if let Some(&index) = self.by_name.get(&name) {
            return Ok(&self.files[index]);
        }
        let text = std::fs::read_to_string(path).map_err(|err| {
            Diagnostic::error(Code::E001, format!("cannot read `{name}`: {err}"))
                .at(Location::file(&name))
                .hint("check that the path is right and the file is readable UTF-8 text")
        })?;
        Ok(self.add(path.to_path_buf(), name, text))
    }

    /// Adds text that did not come from disk (or was read elsewhere).
    pub fn add(&mut self, path: PathBuf, name: String, text: String) -> &SourceFile {
        let format = Format::detect(&path, &text);
        let index = *self.by_name.entry(name.clone()).or_insert(self.files.len());
        if index == self.files.len() {
            self.files.push(SourceFile { path, name, text, format });
        }
        &self.files[index]
    }

    /// The paths of every file read, in reading order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    pub fn get(&self, name: &str) -> Option<&SourceFile> {
        self.by_name.get(name).map(|&i| &self.files[i])
    }

    /// Fills in line, column and span for every diagnostic that names a pointer in a known file.
    /// Each file is parsed for positions at most once.
    pub fn resolve(&self, diagnostics: &mut Diagnostics) {
        let mut wanted: HashMap<String, Vec<String>> = HashMap::new();
        for diagnostic in diagnostics.iter() {
            if let Some(Location { file, pointer: Some(pointer), span: None, .. }) = &diagnostic.location {
                wanted.entry(file.clone()).or_default().push(pointer.clone());
            }
        }
        let mut spans: HashMap<(String, String), std::ops::Range<usize>> = HashMap::new();
        for (name, pointers) in wanted {
            let Some(file) = self.get(&name) else { continue };
            let refs: Vec<&str> = pointers.iter().map(String::as_str).collect();
            for (pointer, span) in pointers.iter().zip(locate_many(file, &refs)) {
                if let Some(span) = span {
                    spans.insert((name.clone(), pointer.clone()), span);
                }
            }
        }
        for diagnostic in diagnostics.iter_mut() {
            let Some(location) = diagnostic.location.as_mut() else { continue };
            let Some(file) = self.get(&location.file) else { continue };
            if location.span.is_none() {
                location.span = match (&location.pointer, location.line) {
                    (Some(pointer), _) => spans.get(&(location.file.clone(), pointer.clone())).cloned(),
                    (None, Some(line)) => line_span(&file.text, line),
                    (None, None) => None,
                };
            }
            if let Some(span) = &mut location.span {
                // Underline the first line only: a whole object under a label is noise.
                if let Some(newline) = file.text.get(span.clone()).and_then(|t| t.find('\n')) {
                    span.end = span.start + newline;
                }
                let (line, column) = line_column(&file.text, span.start);
                location.line = Some(line);
                location.column = Some(column);
            }
        }
    }

    /// Line and column of many pointers in one file (for reports), parsing the file once.
    pub fn positions(&self, name: &str, pointers: &[&str]) -> Vec<Option<(u32, u32)>> {
        let Some(file) = self.get(name) else { return vec![None; pointers.len()] };
        let lines = LineIndex::new(&file.text);
        locate_many(file, pointers)
            .into_iter()
            .map(|span| span.map(|s| lines.line_column(&file.text, s.start)))
            .collect()
    }

    /// Renders a diagnostic with its source snippet, label and hint.
    pub fn render(&self, diagnostic: &Diagnostic) -> String {
        let mut files = SimpleFiles::new();
        let mut rendered = match diagnostic.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        }
        .with_code(diagnostic.code.to_string())
        .with_message(&diagnostic.message);
        let mut notes = Vec::new();
        if let Some(location) = &diagnostic.location {
            match (self.get(&location.file), &location.span) {
                (Some(file), Some(span)) => {
                    let id = files.add(file.name.clone(), file.text.clone());
                    let label = diagnostic.label.clone().unwrap_or_default();
                    rendered = rendered.with_labels(vec![cs::Label::primary(id, span.clone()).with_message(label)]);
                }
                _ => notes.push(format!("in {}", location.file)),
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

/// Parses a JSON or YAML document. Errors carry the file, line and column.
pub fn parse_document(file: &SourceFile) -> Result<Value, Diagnostic> {
    match file.format {
        Format::Yaml => parse_yaml(file),
        _ => serde_json::from_str(&file.text).map_err(|err| {
            let offset = offset_of(&file.text, err.line(), err.column().saturating_sub(1));
            let message = err.to_string();
            // serde_json appends " at line L column C"; the location is shown separately.
            let message = message.split(" at line ").next().unwrap_or(&message).to_string();
            Diagnostic::error(Code::E002, format!("invalid JSON in `{}`: {message}", file.name))
                .at(Location { span: Some(offset..offset), ..Location::file(&file.name) })
                .label(message)
                .hint("fix the JSON syntax; a validator such as `python3 -m json.tool FILE` shows the same spot")
        }),
    }
}

fn parse_yaml(file: &SourceFile) -> Result<Value, Diagnostic> {
    let yaml_error = |message: String, span: Option<std::ops::Range<usize>>| {
        Diagnostic::error(Code::E003, format!("invalid YAML in `{}`: {message}", file.name))
            .at(Location { span, ..Location::file(&file.name) })
            .label(message)
    };
    let documents = MarkedYaml::load_from_str(&file.text).map_err(|err| {
        let marker = err.marker();
        let offset = offset_of(&file.text, marker.line(), marker.col());
        yaml_error(err.info().to_string(), Some(offset..offset))
    })?;
    let Some(document) = documents.into_iter().next() else {
        return Ok(Value::Null);
    };
    yaml_to_json(&document).map_err(|(message, marker)| {
        let start = offset_of(&file.text, marker.line(), marker.col());
        yaml_error(message, Some(start..start))
    })
}

type YamlError = (String, saphyr::Marker);

fn yaml_to_json(node: &MarkedYaml<'_>) -> Result<Value, YamlError> {
    Ok(match &node.data {
        YamlData::Value(scalar) => scalar_to_json(scalar, node.span.start)?,
        YamlData::Sequence(items) => Value::Array(items.iter().map(yaml_to_json).collect::<Result<_, _>>()?),
        YamlData::Mapping(entries) => {
            let mut map = serde_json::Map::with_capacity(entries.len());
            for (key, value) in entries.iter() {
                let key = match &key.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(Scalar::Integer(i)) => i.to_string(),
                    YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
                    YamlData::Value(Scalar::FloatingPoint(f)) => f.to_string(),
                    YamlData::Value(Scalar::Null) => "null".to_string(),
                    _ => {
                        return Err((
                            "a mapping key must be a scalar to have a JSON equivalent".into(),
                            key.span.start,
                        ));
                    }
                };
                map.insert(key, yaml_to_json(value)?);
            }
            Value::Object(map)
        }
        YamlData::Tagged(_, inner) => yaml_to_json(inner)?,
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Alias(_) => return Err(("unresolved YAML alias".into(), node.span.start)),
        YamlData::BadValue => return Err(("value has no JSON equivalent".into(), node.span.start)),
    })
}

fn scalar_to_json(scalar: &Scalar<'_>, span: saphyr::Marker) -> Result<Value, YamlError> {
    Ok(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::from(*i),
        Scalar::FloatingPoint(f) => serde_json::Number::from_f64(f.into_inner())
            .map(Value::Number)
            .ok_or_else(|| ("NaN and infinities have no JSON equivalent".to_string(), span))?,
        Scalar::String(s) => Value::String(s.to_string()),
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
    match file.format {
        Format::Yaml => locate_yaml(&file.text, pointers),
        _ => locate_json(&file.text, pointers),
    }
}

fn locate_json(text: &str, pointers: &[&str]) -> Vec<Option<std::ops::Range<usize>>> {
    use jsonc_parser::ast::Value as Node;
    let Ok(parsed) = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default()) else {
        return vec![None; pointers.len()];
    };
    let Some(root) = parsed.value.as_ref() else { return vec![None; pointers.len()] };
    pointers
        .iter()
        .map(|pointer| {
            let mut node = root;
            for token in pointer_tokens(pointer) {
                let next = match node {
                    Node::Object(object) => {
                        object.properties.iter().find(|p| p.name.as_str() == token).map(|p| &p.value)
                    }
                    Node::Array(array) => token.parse::<usize>().ok().and_then(|i| array.elements.get(i)),
                    _ => None,
                };
                match next {
                    Some(next) => node = next,
                    None => break,
                }
            }
            let range = jsonc_parser::common::Ranged::range(node);
            Some(range.start..range.end)
        })
        .collect()
}

fn locate_yaml(text: &str, pointers: &[&str]) -> Vec<Option<std::ops::Range<usize>>> {
    let Ok(documents) = MarkedYaml::load_from_str(text) else { return vec![None; pointers.len()] };
    let Some(root) = documents.first() else { return vec![None; pointers.len()] };
    pointers
        .iter()
        .map(|pointer| {
            let mut node = root;
            for token in pointer_tokens(pointer) {
                let next = match &node.data {
                    YamlData::Mapping(entries) => entries.iter().find_map(|(key, value)| {
                        let matches = match &key.data {
                            YamlData::Value(Scalar::String(s)) => *s == token,
                            YamlData::Value(Scalar::Integer(i)) => i.to_string() == token,
                            _ => false,
                        };
                        matches.then_some(value)
                    }),
                    YamlData::Sequence(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                    _ => None,
                };
                match next {
                    Some(next) => node = next,
                    None => break,
                }
            }
            let start = offset_of(text, node.span.start.line(), node.span.start.col());
            let end = offset_of(text, node.span.end.line(), node.span.end.col()).max(start);
            Some(start..end)
        })
        .collect()
}

/// Byte offset of a 1-based line and 0-based character column, clamped to the text.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start =
        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>().min(text.len());
    let rest = &text[line_start..];
    let line_text = rest.split('\n').next().unwrap_or("");
    line_start + line_text.char_indices().nth(column).map_or(line_text.len(), |(i, _)| i)
}

/// 1-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    LineIndex::new(text).line_column(text, offset)
}

/// Where each line starts, for many position lookups in one text.
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn new(text: &str) -> Self {
        Self(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    pub fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.0.partition_point(|&start| start <= offset).max(1);
        let start = self.0[line - 1];
        let column = text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (line as u32, column as u32)
    }
}

fn line_span(text: &str, line: u32) -> Option<std::ops::Range<usize>> {
    let start = offset_of(text, line as usize, 0);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(name),
            name: name.into(),
            text: text.into(),
            format: Format::detect(Path::new(name), text),
        }
    }

    #[test]
    fn locates_pointers_in_json_and_yaml() {
        let json = file("a.json", "{\n  \"properties\": {\n    \"a/b\": {\"$ref\": \"#/x\"}\n  }\n}");
        let span = locate(&json, "/properties/a~1b/$ref").unwrap();
        assert_eq!(&json.text[span.clone()], "\"#/x\"");
        assert_eq!(line_column(&json.text, span.start), (3, 21));

        let yaml = file("a.yaml", "properties:\n  id:\n    $ref: '#/x'\n");
        let span = locate(&yaml, "/properties/id/$ref").unwrap();
        assert_eq!(line_column(&yaml.text, span.start), (3, 11));
    }

    #[test]
    fn a_missing_key_points_at_its_parent() {
        let json = file("a.json", "{\"a\": {\"b\": 1}}");
        let span = locate(&json, "/a/zzz").unwrap();
        assert_eq!(&json.text[span], "{\"b\": 1}");
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
    fn yaml_keys_that_are_numbers_become_strings() {
        let yaml = file("a.yaml", "responses:\n  200:\n    description: ok\n");
        let value = parse_document(&yaml).unwrap();
        assert_eq!(value["responses"]["200"]["description"], "ok");
    }
}
