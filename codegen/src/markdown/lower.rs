//! Lowering Speakeasy markdown model docs into the same IR the JSON Schema reader fills.
//!
//! Each doc becomes one model, named by its title; links to other docs are followed relative
//! to the doc and become models of their own (once per file). Field names pass through the
//! module's [`WireNaming`], because SDK docs show SDK names, not always wire names.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;

use super::parse::{Doc, DocKind, parse_doc_lenient};
use super::types::{Primitive, TypeExpr};
use crate::config::{LinkPolicy, WireNaming};
use crate::diag::{Code, Diagnostic, Location};
use crate::ir::{self, DocText, Docs, ModelId, ModelKind, Origin, Type};
use crate::jsonschema::{Loc, Parsed, Reader, make_secret};
use crate::names::{self, Namespace};

impl Reader<'_> {
    /// Reads the model doc at `path` (once) and returns its model, or `None` when it has none.
    pub(crate) fn read_markdown(&mut self, path: &Path) -> Option<ModelId> {
        crate::deep(|| self.read_markdown_deep(path))
    }

    fn read_markdown_deep(&mut self, path: &Path) -> Option<ModelId> {
        let name: Rc<str> = self.config.display(path).into();
        let key = Loc::new(name.clone(), String::new());
        if let Some(&id) = self.memo.get(&key) {
            return Some(id);
        }
        let read = self.db.read(path, name.to_string()).and_then(|file| match self.ahead.remove(&*name) {
            Some(Parsed::Markdown(doc, errors)) => Ok((doc, errors)),
            _ => file.require_text().map(parse_doc_lenient),
        });
        let (doc, errors) = match read {
            Ok(parsed) => parsed,
            Err(diagnostic) => {
                self.push(diagnostic);
                return None;
            }
        };
        // Lowering needs only the parsed doc: a diagnostic that shows the text reads it again.
        self.db.release(&name);
        let at = |line: u32| Location { line: Some(line), ..Location::file(&*name) };
        if matches!(doc.kind, DocKind::Other) {
            self.push(
                Diagnostic::warning(Code::W006, format!("`{name}` describes no model"))
                    .at(at(doc.title_line.max(1)))
                    .label("no `## Fields`, `## Values` or `## Supported Types` section")
                    .hint("pass only model docs, or ignore this warning for docs of other things"),
            );
            return None;
        }
        let wanted = names::type_name(if doc.title.is_empty() { "Model" } else { &doc.title });
        let (model_name, _) = self.type_names[self.module].claim(&wanted);
        self.wanted.push(crate::merge::wanted_if_other(&wanted, &model_name));
        let id = ModelId(self.krate.models.len());
        let origin = Origin { file: self.origin_file(&name), pointer: None, line: Some(doc.title_line.max(1)) };
        self.krate.models.push(ir::Model::placeholder(model_name.clone(), self.module, origin));
        self.krate.modules[self.module].models.push(id);
        self.memo.insert(key, id);
        self.stack.push(id);
        for error in errors {
            let location = match error.span {
                Some(span) => Location { span: Some(span), ..Location::file(&*name) },
                None => at(error.line),
            };
            let mut diagnostic = Diagnostic::error(Code::E050, error.message).at(location).hint(error.hint);
            diagnostic.label = error.label;
            self.push(diagnostic);
        }
        let kind = self.markdown_kind(path, &name, &doc, &model_name);
        let docs = Docs::new(DocText {
            description: doc.description.as_deref().map(Into::into),
            deprecated: doc.deprecated,
            ..DocText::default()
        });
        self.krate.models[id.0].kind = kind;
        // After the kind is set: the example is read through the model's own fields.
        let example = self.example(path, &name, &doc, id);
        self.stack.pop();
        let model = &mut self.krate.models[id.0];
        model.docs = docs;
        if let Some(example) = example {
            model.docs.examples.push(example.to_string());
            model.rare_mut().test_example = Some(example.to_string());
        }
        Some(id)
    }

    fn markdown_kind(&mut self, path: &Path, name: &Rc<str>, doc: &Doc, model_name: &str) -> ModelKind {
        match &doc.kind {
            DocKind::Object { fields } => {
                let mut field_names = Namespace::default();
                let (additional_field, _) = field_names.claim("additional_properties");
                let mut out = Vec::with_capacity(fields.len());
                for (index, row) in fields.iter().enumerate() {
                    // A row listed twice is already an E050; its renaming needs no warning of its own.
                    let repeated = fields[..index].iter().any(|earlier| earlier.name == row.name);
                    let wire_name = self.wire_naming.apply(&row.name);
                    let cell = Location { span: Some(row.type_span.clone()), ..Location::file(&**name) };
                    let ty = self.markdown_type(path, &cell, &row.ty, &row.type_text);
                    let origin = Origin { file: self.origin_file(name), pointer: None, line: Some(row.line) };
                    let (ty, secret) = match self.secret_reason(model_name, &wire_name, &[]) {
                        Some(reason) => {
                            let secret_ty = make_secret(ty.clone());
                            if secret_ty == ty { (ty, None) } else { (secret_ty, Some(reason)) }
                        }
                        None => (ty, None),
                    };
                    let (rust_name, renamed) = field_names.claim(&names::field_name(&row.name));
                    if names::is_made_up(&row.name) {
                        self.push(
                            crate::jsonschema::made_up_name("field", &row.name, &rust_name)
                                .at(Location { span: Some(row.name_span.clone()), ..Location::file(&**name) }),
                        );
                    } else if renamed && !repeated {
                        self.push(
                            Diagnostic::warning(
                                Code::W002,
                                format!(
                                    "field `{}` becomes the Rust field `{}`, which another field already has; it is named `{rust_name}`",
                                    row.name,
                                    names::field_name(&row.name)
                                ),
                            )
                            .at(Location { span: Some(row.name_span.clone()), ..Location::file(&**name) })
                            .label(format!("`{}` is `{rust_name}` in Rust", row.name))
                            .hint("the wire name is unchanged; nothing needs fixing unless the field's Rust name matters to you"),
                        );
                    }
                    let docs = Docs::new(DocText {
                        description: row.description.as_deref().map(Into::into),
                        examples: row.example.iter().map(|e| example_literal(e, &ty)).collect(),
                        deprecated: row.deprecated,
                        ..DocText::default()
                    });
                    let source_name = (row.name != wire_name).then(|| row.name.clone());
                    out.push(ir::Field {
                        rust: ir::Field::own_rust_name(&wire_name, rust_name),
                        wire_name: wire_name.into(),
                        ty,
                        required: row.required,
                        boxed: false,
                        docs,
                        origin,
                        rare: ir::FieldRare::of(source_name, secret),
                    });
                }
                // A table with no rows (Panora's `RemoteData`) is a free-form object.
                let additional =
                    if fields.is_empty() { ir::Additional::Keep(Type::Any) } else { ir::Additional::Ignore };
                ModelKind::Struct(ir::Struct { fields: out, additional, additional_field })
            }
            DocKind::Enum { values, open } => {
                let mut variant_names = Namespace::default();
                if *open {
                    // The emitter's catch-all variant.
                    variant_names.claim("Unrecognized");
                }
                let mut variants = Vec::new();
                for value in values {
                    if variants.iter().any(|v: &ir::EnumVariant| *v.wire_value == *value.value) {
                        continue;
                    }
                    let raw = value.name.as_deref().unwrap_or(&value.value);
                    let wanted = names::variant_name(raw, if raw.is_empty() { "Empty" } else { "Value" });
                    let (rust_name, renamed) = variant_names.claim(&wanted);
                    if renamed {
                        let location = match &value.span {
                            Some(span) => Location { span: Some(span.clone()), ..Location::file(&**name) },
                            None => Location { line: Some(value.line), ..Location::file(&**name) },
                        };
                        self.push(
                            Diagnostic::warning(
                                Code::W002,
                                format!(
                                    "enum value `{}` becomes the variant `{wanted}`, which another value already has; it is named `{rust_name}`",
                                    value.value
                                ),
                            )
                            .at(location)
                            .label(format!("`{}` is `{rust_name}` in Rust", value.value))
                            .hint("the wire value is unchanged; nothing needs fixing unless the variant's Rust name matters to you"),
                        );
                    }
                    variants.push(ir::EnumVariant {
                        rust_name,
                        wire_value: value.value.as_str().into(),
                        docs: Docs::default(),
                    });
                }
                ModelKind::Enum(ir::Enum { variants, open: *open })
            }
            DocKind::Union { variants } => {
                let mut variant_names = Namespace::default();
                let mut out = Vec::new();
                for (i, variant) in variants.iter().enumerate() {
                    let heading = Location { line: Some(variant.line), ..Location::file(&**name) };
                    let ty = self.markdown_type(path, &heading, &variant.ty, &variant.heading);
                    let wanted = match &ty {
                        Type::Model(id) => self.krate.models[id.0].name.clone(),
                        _ if !variant.heading.is_empty() => names::type_name(&variant.heading),
                        _ => format!("Variant{i}"),
                    };
                    let (rust_name, _) = variant_names.claim(&wanted);
                    out.push(ir::UnionVariant { rust_name, ty, boxed: false, tag: None, docs: Docs::default() });
                }
                ModelKind::Union(ir::Union { variants: out, tagging: ir::Tagging::Untagged })
            }
            DocKind::Other => ModelKind::Alias { target: Type::Any },
        }
    }

    /// The IR type of a Type cell. Presence comes from the Required column, so `Optional[…]`
    /// only unwraps; `Nullable[…]` makes `null` a value.
    fn markdown_type(&mut self, path: &Path, cell: &Location, ty: &Result<TypeExpr, String>, text: &str) -> Type {
        match ty {
            Ok(expr) => self.type_expr(path, cell, expr),
            Err(message) if message == super::types::TOO_DEEP => {
                self.push(
                    Diagnostic::error(Code::E006, "a Type cell nests types more than 32 levels deep")
                        .at(cell.clone())
                        .hint("SDK docs nest a few levels; describe the inner types in docs of their own and link to them"),
                );
                Type::Any
            }
            Err(message) => {
                self.push(
                    Diagnostic::error(
                        Code::E052,
                        if text.trim().is_empty() {
                            "the Type cell is empty".to_string()
                        } else {
                            format!("unknown type expression `{}`: {message}", text.trim())
                        },
                    )
                        .at(cell.clone())
                        .label("not a type schemagen can read")
                        .hint("type cells are SDK types such as *string*, *number*[], Record<string, *any*> or a link to a model doc"),
                );
                Type::Any
            }
        }
    }

    fn type_expr(&mut self, path: &Path, cell: &Location, expr: &TypeExpr) -> Type {
        match expr {
            TypeExpr::Primitive(p) => match p {
                Primitive::String => Type::String,
                Primitive::Integer | Primitive::BigInteger => Type::Integer,
                Primitive::Number | Primitive::Decimal => Type::Number,
                Primitive::Boolean => Type::Boolean,
                Primitive::Any => Type::Any,
                Primitive::Date => Type::Date,
                Primitive::DateTime => Type::DateTime,
            },
            TypeExpr::Array(inner) => Type::Array(Box::new(self.type_expr(path, cell, inner))),
            TypeExpr::Map(inner) => Type::Map(Box::new(self.type_expr(path, cell, inner))),
            TypeExpr::Optional(inner) => self.type_expr(path, cell, inner),
            TypeExpr::Nullable(inner) => match self.type_expr(path, cell, inner) {
                Type::Any => Type::Any,
                Type::Nullable(t) => Type::Nullable(t),
                other => Type::Nullable(Box::new(other)),
            },
            TypeExpr::Link { target, .. } => {
                let file = target.split('#').next().unwrap_or_default();
                let base = path.parent().unwrap_or(Path::new("."));
                let resolved = base.join(percent_encoding::percent_decode_str(file).decode_utf8_lossy().as_ref());
                match find_case_insensitive(&resolved) {
                    Some(found) => self.read_markdown(&found).map_or(Type::Any, Type::Model),
                    None => self.unresolved(cell, target, &resolved),
                }
            }
            TypeExpr::Named(qualified) => {
                // `operations.IntegrationField` → `integrationfield.md`, beside the doc or in the
                // qualifier's folder next to it.
                let short = qualified.rsplit(['.', ':', '\\']).next().unwrap_or(qualified);
                let file = format!("{}.md", short.to_ascii_lowercase());
                let base = path.parent().unwrap_or(Path::new("."));
                let qualifier = qualified.split(['.', ':']).next().unwrap_or_default().to_ascii_lowercase();
                let candidates = [base.join(&file), base.join("..").join(&qualifier).join(&file)];
                match candidates.iter().find_map(|c| find_case_insensitive(c)) {
                    Some(found) => self.read_markdown(&found).map_or(Type::Any, Type::Model),
                    None => self.unresolved(cell, qualified, &candidates[0]),
                }
            }
        }
    }

    fn unresolved(&mut self, location: &Location, target: &str, looked: &Path) -> Type {
        let location = location.clone();
        let looked = self.config.display(looked);
        match self.link_policy {
            LinkPolicy::Error => self.push(
                Diagnostic::error(Code::E051, format!("the link to `{target}` names no model doc"))
                    .at(location)
                    .label(format!("looked for {looked}"))
                    .hint("add the linked doc beside the others, or set `unresolved-links = \"any\"` for this module to accept any JSON value there"),
            ),
            LinkPolicy::Any => self.push(
                Diagnostic::warning(Code::W008, format!("the link to `{target}` names no model doc; the field accepts any JSON value"))
                    .at(location)
                    .label(format!("looked for {looked}"))
                    .hint("add the linked doc where the link points to get a typed field"),
            ),
        }
        Type::Any
    }

    /// The `## Example Usage` object literal as wire JSON, for docs and a generated test.
    fn example(&mut self, path: &Path, name: &Rc<str>, doc: &Doc, id: ModelId) -> Option<Value> {
        let block = doc.example_usage.as_ref()?;
        if !matches!(doc.kind, DocKind::Object { .. }) {
            return None;
        }
        let _ = path;
        // "// No examples available for this model": the SDK says there is none.
        if !block.code.contains('=') {
            return None;
        }
        let read = typescript_literal(&block.code)
            .and_then(|value| to_wire(&self.krate, self.wire_naming, &value, &Type::Model(id)))
            .and_then(|value| conforms(&self.krate, &value, &Type::Model(id), "").map(|()| value));
        match read {
            Ok(value) => Some(value),
            Err(message) => {
                self.push(
                    Diagnostic::warning(Code::W007, format!("the example usage could not be read: {message}"))
                        .at(Location { line: Some(block.line), ..Location::file(&**name) })
                        .hint("correct the example so that it is a document the API could send; the model is generated without it"),
                );
                None
            }
        }
    }
}

/// The path as given, or a file in the same folder whose name differs only in case (SDK docs
/// link `../../Models/Shared/Enum.md` to `enum.md`).
fn find_case_insensitive(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let parent = path.parent()?;
    let wanted = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    std::fs::read_dir(parent)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().to_ascii_lowercase() == wanted))
}

/// An Example cell as JSON text: strings stay strings unless the field is a number or boolean.
fn example_literal(text: &str, ty: &Type) -> String {
    let inner = match ty {
        Type::Nullable(inner) => inner.as_ref(),
        other => other,
    };
    let parsed = match inner {
        Type::Integer | Type::Number | Type::Boolean | Type::Array(_) | Type::Map(_) | Type::Any => {
            serde_json::from_str::<Value>(text).ok()
        }
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_string())).to_string()
}

/// Reads `let value: T = { … };` from a TypeScript example: object literal syntax (unquoted
/// keys, trailing commas) with `new Date("…")` standing for its string.
pub fn typescript_literal(code: &str) -> Result<Value, String> {
    let body: String = code.lines().filter(|l| !l.trim_start().starts_with("import ")).collect::<Vec<_>>().join("\n");
    let start = body.find('=').ok_or("no `=` assignment")? + 1;
    let literal = body[start..].trim().trim_end_matches(';').trim();
    let mut cleaned = String::with_capacity(literal.len());
    let mut rest = literal;
    while let Some(at) = rest.find("new Date(") {
        cleaned.push_str(&rest[..at]);
        let after = &rest[at + "new Date(".len()..];
        let end = after.find(')').ok_or("an unclosed `new Date(`")?;
        cleaned.push_str(after[..end].trim());
        rest = &after[end + 1..];
    }
    cleaned.push_str(rest);
    let cleaned = mark_enum_members(&cleaned);
    jsonc_parser::parse_to_serde_value::<Value>(&cleaned, &Default::default()).map_err(|e| e.to_string())
}

/// Marks the start of an enum member reference (`TokenType.Oauth2`) turned into a string, so
/// [`to_wire`] can replace it by the member's wire value once it knows the field's enum.
const ENUM_MEMBER: char = '\u{1}';

/// Turns `Name.Member` outside string literals into `"\u{1}Member"`.
fn mark_enum_members(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            // Copy the string literal as it is, escapes included.
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                }
                out.push(chars[i]);
                i += 1;
            }
            if i < chars.len() {
                out.push(chars[i]);
                i += 1;
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && ident(chars[i]) {
                i += 1;
            }
            if i + 1 < chars.len() && chars[i] == '.' && (chars[i + 1].is_ascii_alphabetic() || chars[i + 1] == '_') {
                let member_start = i + 1;
                i = member_start;
                while i < chars.len() && ident(chars[i]) {
                    i += 1;
                }
                let member: String = chars[member_start..i].iter().collect();
                out.push('"');
                out.push(ENUM_MEMBER);
                out.push_str(&member);
                out.push('"');
            } else {
                out.extend(&chars[start..i]);
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Renames the SDK's keys to wire names, following the model's fields (map keys stay as they
/// are), and replaces enum member references by their wire values.
fn to_wire(krate: &ir::Crate, naming: WireNaming, value: &Value, ty: &Type) -> Result<Value, String> {
    Ok(match (value, ty) {
        (_, Type::Nullable(inner)) => to_wire(krate, naming, value, inner)?,
        (Value::Array(items), Type::Array(inner)) => {
            Value::Array(items.iter().map(|v| to_wire(krate, naming, v, inner)).collect::<Result<_, _>>()?)
        }
        (Value::Object(map), Type::Map(inner)) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), to_wire(krate, naming, v, inner)?)))
                .collect::<Result<_, String>>()?,
        ),
        (Value::Object(map), Type::Model(id)) => match &krate.model(*id).kind {
            ModelKind::Struct(s) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (key, v) in map {
                    let wire = naming.apply(key);
                    let v = match s.fields.iter().find(|f| *f.wire_name == *wire) {
                        Some(field) => to_wire(krate, naming, v, &field.ty)?,
                        None => v.clone(),
                    };
                    out.insert(wire, v);
                }
                Value::Object(out)
            }
            _ => value.clone(),
        },
        (Value::String(text), Type::Model(id)) if text.starts_with(ENUM_MEMBER) => {
            let member = &text[ENUM_MEMBER.len_utf8()..];
            let model = krate.model(*id);
            let ModelKind::Enum(e) = &model.kind else {
                return Err(format!("`{member}` is an enum member, but `{}` is not an enum", model.name));
            };
            let variant = e.variants.iter().find(|v| v.rust_name == names::variant_name(member, "Empty"));
            let variant = variant.ok_or_else(|| format!("`{}` has no member `{member}`", model.name))?;
            Value::String(variant.wire_value.to_string())
        }
        (Value::String(text), _) if text.starts_with(ENUM_MEMBER) => {
            return Err(format!("`{}` is an enum member where no enum is expected", &text[ENUM_MEMBER.len_utf8()..]));
        }
        _ => value.clone(),
    })
}

/// Whether an example fits the model, so a broken SDK example (`new Date("")`) becomes a
/// warning instead of a generated test that fails.
fn conforms(krate: &ir::Crate, value: &Value, ty: &Type, at: &str) -> Result<(), String> {
    let wrong = |what: &str| Err(format!("`{}` should be {what}", if at.is_empty() { "/" } else { at }));
    match (ty, value) {
        (Type::Nullable(_), Value::Null) | (Type::Any, _) => Ok(()),
        (Type::Nullable(inner), _) => conforms(krate, value, inner, at),
        (Type::String | Type::Secret | Type::Uuid, Value::String(_)) => Ok(()),
        (Type::DateTime, Value::String(s)) if looks_like_date(s) && s.len() > 10 => Ok(()),
        (Type::Date, Value::String(s)) if looks_like_date(s) && s.len() == 10 => Ok(()),
        (Type::DateTime, _) => wrong("an RFC 3339 date-time"),
        (Type::Date, _) => wrong("a date (YYYY-MM-DD)"),
        (Type::Boolean, Value::Bool(_)) => Ok(()),
        (Type::Integer, Value::Number(n)) if n.is_i64() => Ok(()),
        (Type::Number, Value::Number(_)) => Ok(()),
        (Type::Null, Value::Null) => Ok(()),
        (Type::Array(inner), Value::Array(items)) => {
            items.iter().enumerate().try_for_each(|(i, v)| conforms(krate, v, inner, &format!("{at}/{i}")))
        }
        (Type::Map(inner), Value::Object(map)) => {
            map.iter().try_for_each(|(k, v)| conforms(krate, v, inner, &format!("{at}/{k}")))
        }
        (Type::Model(id), _) => match (&krate.model(*id).kind, value) {
            (ModelKind::Struct(s), Value::Object(map)) => {
                for field in &s.fields {
                    match map.get(&*field.wire_name) {
                        Some(v) => conforms(krate, v, &field.ty, &format!("{at}/{}", field.wire_name))?,
                        None if field.required => return Err(format!("`{at}/{}` is required", field.wire_name)),
                        None => {}
                    }
                }
                Ok(())
            }
            (ModelKind::Enum(e), Value::String(v)) if e.open || e.variants.iter().any(|x| *x.wire_value == **v) => {
                Ok(())
            }
            (ModelKind::Enum(_), _) => wrong("one of the enum's values"),
            (ModelKind::Alias { target } | ModelKind::Newtype { target, .. }, _) => conforms(krate, value, target, at),
            (ModelKind::Union(_), _) => Ok(()),
            (ModelKind::Struct(_), _) => wrong("an object"),
        },
        _ => wrong(&format!("of type {}", crate::explain::type_name(krate, ty))),
    }
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-'
}

#[cfg(test)]
mod tests {
    use super::typescript_literal;

    #[test]
    fn reads_typescript_example_literals() {
        let code = "import { Connection } from \"x\";\n\nlet value: Connection = {\n  id: \"c-1\",\n  createTime: new Date(\"2023-07-13T21:34:44.816Z\"),\n  scopes: [\n    \"a\",\n  ],\n  n: 3,\n};\n";
        let value = typescript_literal(code).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"id": "c-1", "createTime": "2023-07-13T21:34:44.816Z", "scopes": ["a"], "n": 3})
        );
        // An enum member is marked, to be replaced once the field's enum is known.
        let member = typescript_literal("let value: X = { kind: TokenType.Oauth2, url: \"a.b\" };").unwrap();
        assert_eq!(member, serde_json::json!({"kind": "\u{1}Oauth2", "url": "a.b"}));
        assert!(typescript_literal("let value: X = { a: ").is_err());
    }
}
