//! Resolving `$ref`: within a document, to other files by relative path, to documents by their
//! `$id`, and, for standalone files cut out of a larger spec, against the module's bundle.

use std::path::Path;
use std::rc::Rc;

use serde_json::Value;

use super::{Loc, Reader};
use crate::diag::{Code, Diagnostic};
use crate::source::escape_token;

impl Reader<'_> {
    /// The location a `$ref` at `from` points to, or a diagnostic saying why there is none.
    pub(super) fn resolve_ref(&mut self, from: &Loc, reference: &str) -> Result<Loc, Diagnostic> {
        let site = from.child(&["$ref"]);
        let (resource, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let fragment = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into_owned();
        let file = if resource.is_empty() {
            from.file.clone()
        } else {
            self.resolve_resource(from, resource).map_err(|d| d.at(site.location()))?
        };
        let doc = self.doc(&file);
        let pointer = if fragment.is_empty() || fragment.starts_with('/') {
            fragment.clone()
        } else {
            match find_anchor(&doc, &fragment, String::new()) {
                Some(pointer) => pointer,
                None => {
                    return Err(Diagnostic::error(Code::E010, format!("`$ref` names the anchor `{fragment}`, which `{file}` does not define"))
                        .at(site.location())
                        .label(format!("`{reference}` is not defined"))
                        .hint("define it with `\"$anchor\": \"…\"` on the target schema, or use a JSON Pointer such as `#/$defs/Name`"));
                }
            }
        };
        if doc.pointer(&pointer).is_some() {
            return Ok(Loc { file, pointer });
        }
        // A file cut out of a larger spec keeps that spec's `#/components/schemas/…` refs.
        if resource.is_empty() {
            if let Some(bundle) = self.bundle.clone().filter(|b| *b != file) {
                if self.doc(&bundle).pointer(&pointer).is_some() {
                    return Ok(Loc { file: bundle, pointer });
                }
            }
        }
        let hint = if self.bundle.is_none() && pointer.starts_with("/components/") {
            "this file looks cut out of an OpenAPI document: name that document with `--bundle FILE` (or `bundle = \"…\"` in the config) so the ref resolves against it".to_string()
        } else {
            format!("`{file}` has no value at `#{pointer}`; check the spelling, or add the definition")
        };
        Err(Diagnostic::error(Code::E010, format!("unresolved `$ref`: `{reference}` points to nothing"))
            .at(site.location())
            .label(format!("no schema at `#{pointer}`"))
            .hint(hint))
    }

    /// The file a `$ref`'s resource part names, loading it if needed.
    fn resolve_resource(&mut self, from: &Loc, resource: &str) -> Result<Rc<str>, Diagnostic> {
        if let Some(file) = self.ids.get(resource.trim_end_matches('#')) {
            return Ok(file.clone());
        }
        // Relative to the referring document's base URI (its `$id`, or the URL it was loaded
        // for), when that names a loaded document or a mapped resource.
        let base = self.base_uri(&from.file);
        let absolute = match base.and_then(|base| url::Url::parse(&base).ok()?.join(resource).ok()) {
            Some(joined) => Some(joined.to_string()),
            None => url::Url::parse(resource).ok().map(|u| u.to_string()),
        };
        if let Some(absolute) = &absolute {
            let absolute = absolute.trim_end_matches('#');
            if let Some(file) = self.ids.get(absolute) {
                return Ok(file.clone());
            }
            if let Some(path) = self.config.resource_path(absolute) {
                if path.is_file() {
                    if let Some(file) = self.load(&path) {
                        self.ids.entry(absolute.to_string()).or_insert_with(|| file.clone());
                        self.urls.entry(file.clone()).or_insert_with(|| absolute.to_string());
                        return Ok(file);
                    }
                }
            }
        }
        if url::Url::parse(resource).is_ok_and(|u| !u.cannot_be_a_base() || u.scheme() == "urn") {
            return Err(Diagnostic::error(Code::E012, format!("`$ref` to the remote document `{resource}`"))
                .label("schemagen never fetches from the network")
                .hint("download the document and pass it as an input, or refer to it by a relative path"));
        }
        let relative = percent_encoding::percent_decode_str(resource).decode_utf8_lossy().into_owned();
        let from_path = self.db.get(&from.file).map(|f| f.path.clone()).unwrap_or_default();
        let mut candidates = vec![from_path.parent().unwrap_or(Path::new(".")).join(&relative)];
        if let Some(bundle) = self.bundle.as_ref().and_then(|b| self.db.get(b)) {
            candidates.push(bundle.path.parent().unwrap_or(Path::new(".")).join(&relative));
        }
        for candidate in &candidates {
            if candidate.is_file() {
                return self.load(candidate).ok_or_else(|| {
                    Diagnostic::error(Code::E011, format!("`$ref` names `{resource}`, which could not be loaded"))
                        .label("see the error for that file")
                });
            }
        }
        Err(Diagnostic::error(Code::E011, format!("`$ref` names the file `{resource}`, which does not exist"))
            .label(format!(
                "looked for {}",
                candidates.iter().map(|c| self.config.display(c)).collect::<Vec<_>>().join(" and ")
            ))
            .hint("paths in `$ref` are relative to the file that contains them"))
    }
}

impl Reader<'_> {
    /// The URI relative refs in `file` resolve against: its `$id`, else the URL it was loaded for.
    fn base_uri(&self, file: &str) -> Option<String> {
        let doc = self.doc(file);
        let id = doc.get("$id").or_else(|| doc.get("id")).and_then(Value::as_str).map(str::to_string);
        id.or_else(|| self.urls.get(file).cloned())
    }
}

/// The pointer of the schema whose `$anchor` (or `$dynamicAnchor`) is `name`.
fn find_anchor(value: &Value, name: &str, pointer: String) -> Option<String> {
    match value {
        Value::Object(object) => {
            if ["$anchor", "$dynamicAnchor"].iter().any(|k| object.get(*k).and_then(Value::as_str) == Some(name)) {
                return Some(pointer);
            }
            object.iter().find_map(|(key, child)| find_anchor(child, name, format!("{pointer}/{}", escape_token(key))))
        }
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, child)| find_anchor(child, name, format!("{pointer}/{i}")))
        }
        _ => None,
    }
}
