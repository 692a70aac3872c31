//! Resolving `$ref`: within a document, to other files by relative path, to documents by their
//! `$id`, and, for standalone files cut out of a larger spec, against the module's bundle.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use crate::tree::Value;
use url::Url;

use super::checks::Draft;
use super::{Loc, Reader};
use crate::diag::{Code, Diagnostic};
use crate::source::escape_token;

impl Reader<'_> {
    /// The location a `$ref` at `from` points to, or a diagnostic saying why there is none.
    pub(super) fn resolve_ref(&mut self, from: &Loc, reference: &str) -> Result<Loc, Diagnostic> {
        let site = from.child(&["$ref"]);
        if let Some(target) = self.resolve_by_uri(from, reference) {
            return Ok(target);
        }
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
            return Ok(Loc::new(file, pointer));
        }
        // A file cut out of a larger spec keeps that spec's `#/components/schemas/…` refs.
        if resource.is_empty() {
            if let Some(bundle) = self.bundle.clone().filter(|b| *b != file) {
                if self.doc(&bundle).pointer(&pointer).is_some() {
                    return Ok(Loc::new(bundle, pointer));
                }
            }
        }
        // A misspelt definition (`#/$defs/Ownr`, `#/components/schema/Pet`) is named.
        let definitions: Vec<String> = ["/$defs", "/definitions", "/components/schemas"]
            .iter()
            .filter_map(|container| Some((container, doc.pointer(container)?.as_object()?)))
            .flat_map(|(container, defs)| defs.keys().map(move |key| format!("{container}/{}", escape_token(key))))
            .collect();
        let meant = crate::names::closest(&pointer, definitions.iter().map(String::as_str));
        let hint = if let Some(meant) = meant {
            format!("did you mean `#{meant}`?")
        } else if self.bundle.is_none() && pointer.starts_with("/components/") {
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
    pub(super) fn resolve_resource(&mut self, from: &Loc, resource: &str) -> Result<Rc<str>, Diagnostic> {
        if let Some(file) = self.ids.get(resource.trim_end_matches('#')) {
            return Ok(file.clone());
        }
        // Relative to the referring document's base URI (its `$id`, or the URL it was loaded
        // for), when that names a loaded document or a mapped resource.
        // The base URI in effect where the `$ref` is (embedded `$id`s change it); a base that is
        // only the file's own path is left to the relative-path lookup below.
        let base =
            self.base_at(from).filter(|b| b.scheme() != "file").map(String::from).or_else(|| self.base_uri(&from.file));
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
                        self.inherit_dialect(from, &file);
                        self.ids.entry(absolute.to_string()).or_insert_with(|| file.clone());
                        self.urls.entry(file.clone()).or_insert_with(|| absolute.to_string());
                        return Ok(file);
                    }
                }
            }
        }
        if let Some((uri, text)) = absolute.as_deref().and_then(super::meta::builtin) {
            if let Some(file) = self.load_meta_schema(uri, text) {
                return Ok(file);
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
                let loaded = self.load(candidate);
                if let Some(file) = &loaded {
                    self.inherit_dialect(from, file);
                }
                return loaded.ok_or_else(|| {
                    Diagnostic::error(Code::E011, format!("`$ref` names `{resource}`, which could not be loaded"))
                        .label("see the error for that file")
                        .hint("fix the error reported for that file; this `$ref` then resolves")
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
    /// A document reached by a `$ref` that does not say its dialect (`$schema`) is read in the
    /// dialect of the document that first refers to it, as a reference keeps the dialect it is
    /// evaluated in: a draft 4 document's remote ref is read as draft 4 (`id`, boolean
    /// `exclusiveMinimum`).
    fn inherit_dialect(&mut self, from: &Loc, file: &Rc<str>) {
        if self.doc(file).get("$schema").is_none() && !self.dialects.contains_key(file) {
            let draft = self.draft(&from.file);
            self.dialects.insert(file.clone(), draft);
        }
    }
}

/// Where the schema resources and anchors of the loaded documents are, by absolute URI.
///
/// A schema resource is a document root or a subschema with an `$id` (`id` in draft 4); each
/// `$id` is resolved against the enclosing resource's base URI, as the specification says, so a
/// `$ref` finds an embedded resource by the URI it declares. Anchors (`$anchor`,
/// `$dynamicAnchor`, and draft 7's `"$id": "#name"`) are keyed `resource-uri#name`.
#[derive(Default)]
pub(super) struct Resources {
    by_uri: HashMap<String, Loc>,
    indexed: HashSet<Rc<str>>,
}

/// Keywords whose values are data, not schemas: an `$id` inside them identifies nothing.
const DATA_KEYWORDS: [&str; 5] = ["enum", "const", "examples", "example", "default"];

impl Reader<'_> {
    /// Resolves `reference` by URI against the base URI in effect at `from`: a `$ref` to a
    /// resource that an `$id` (embedded ones too) declares, or to an anchor in one. `None`
    /// leaves it to the document-and-path resolution of `resolve_ref`.
    fn resolve_by_uri(&mut self, from: &Loc, reference: &str) -> Option<Loc> {
        self.index_resources();
        let base = self.base_at(from)?;
        let absolute = base.join(reference).ok()?;
        let fragment = absolute.fragment().unwrap_or("");
        let fragment = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into_owned();
        let mut resource = absolute.clone();
        resource.set_fragment(None);
        let resource = resource.as_str();
        if fragment.is_empty() || fragment.starts_with('/') {
            let root = self.resources.by_uri.get(resource)?;
            let pointer = format!("{}{fragment}", root.pointer);
            let target = Loc::new(root.file.clone(), pointer);
            self.doc(&target.file).pointer(&target.pointer).is_some().then_some(target)
        } else {
            self.resources.by_uri.get(&format!("{resource}#{fragment}")).cloned()
        }
    }

    /// Indexes the resources and anchors of every loaded document not indexed yet.
    fn index_resources(&mut self) {
        let pending: Vec<Rc<str>> = self
            .docs
            .iter()
            .filter(|(file, doc)| doc.is_some() && !self.resources.indexed.contains(*file))
            .map(|(file, _)| file.clone())
            .collect();
        let mut pending = pending;
        pending.sort();
        for file in pending {
            self.resources.indexed.insert(file.clone());
            let Some(root_base) = self.loaded_base(&file) else { continue };
            let doc = self.doc(&file);
            let (id_key, ref_hides_id) = self.id_keyword(&file);
            let mut stack: Vec<(String, &Value, Url)> = vec![(String::new(), &*doc, root_base)];
            while let Some((pointer, value, base)) = stack.pop() {
                let loc = |pointer: &str| Loc::new(file.clone(), pointer.to_string());
                match value {
                    Value::Object(object) => {
                        let mut base = base;
                        let id = object.get(id_key).and_then(Value::as_str);
                        let id = id.filter(|_| !(ref_hides_id && object.contains_key("$ref")));
                        if let Some(id) = id {
                            if let Some(anchor) = id.strip_prefix('#') {
                                self.add_anchor(&base, anchor, loc(&pointer));
                            } else if let Ok(joined) = base.join(id) {
                                base = joined;
                                let mut resource = base.clone();
                                resource.set_fragment(None);
                                self.resources.by_uri.entry(resource.to_string()).or_insert_with(|| loc(&pointer));
                                if let Some(anchor) = base.fragment().filter(|f| !f.is_empty()).map(str::to_string) {
                                    self.add_anchor(&base, &anchor, loc(&pointer));
                                }
                            }
                        } else if pointer.is_empty() {
                            let mut resource = base.clone();
                            resource.set_fragment(None);
                            self.resources.by_uri.entry(resource.to_string()).or_insert_with(|| loc(&pointer));
                        }
                        for keyword in ["$anchor", "$dynamicAnchor"] {
                            if let Some(anchor) = object.get(keyword).and_then(Value::as_str) {
                                self.add_anchor(&base, anchor, loc(&pointer));
                            }
                        }
                        for (key, child) in object.iter().rev() {
                            if DATA_KEYWORDS.contains(&key) || !(child.is_object() || child.is_array()) {
                                continue;
                            }
                            stack.push((format!("{pointer}/{}", escape_token(key)), child, base.clone()));
                        }
                    }
                    Value::Array(items) => {
                        for (i, child) in items.iter().enumerate().rev() {
                            stack.push((format!("{pointer}/{i}"), child, base.clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn add_anchor(&mut self, base: &Url, anchor: &str, at: Loc) {
        let mut resource = base.clone();
        resource.set_fragment(None);
        self.resources.by_uri.entry(format!("{resource}#{anchor}")).or_insert(at);
    }

    /// The keyword that declares a resource in `file` (`id` in draft 4, else `$id`), and whether a
    /// sibling `$ref` makes it ignored (draft 7 and earlier).
    fn id_keyword(&self, file: &str) -> (&'static str, bool) {
        let draft = self.draft(file);
        let openapi = self.doc(file).get("openapi").is_some();
        let id_key = if draft == Draft::Draft4 && !openapi { "id" } else { "$id" };
        (id_key, draft <= Draft::Draft7)
    }

    /// The URI a document was retrieved from: the URL a mapped resource was loaded for, else its
    /// path as a `file:` URL.
    fn loaded_base(&self, file: &str) -> Option<Url> {
        if let Some(url) = self.urls.get(file).and_then(|u| Url::parse(u).ok()) {
            return Some(url);
        }
        let path = self.db.get(file).map(|f| f.path.clone())?;
        Url::from_file_path(std::path::absolute(&path).ok()?).ok()
    }

    /// The base URI of a document's root: its `$id` resolved against where it was loaded from.
    fn document_base(&self, file: &str) -> Option<Url> {
        let loaded_as = self.loaded_base(file)?;
        let (id_key, _) = self.id_keyword(file);
        let id = self.doc(file).get(id_key).and_then(Value::as_str).map(str::to_string);
        Some(id.and_then(|id| loaded_as.join(&id).ok()).unwrap_or(loaded_as))
    }

    /// The base URI in effect at `loc`: the document's, changed by every `$id` on the way down.
    fn base_at(&self, loc: &Loc) -> Option<Url> {
        let mut base = self.document_base(&loc.file)?;
        let doc = self.doc(&loc.file);
        let (id_key, ref_hides_id) = self.id_keyword(&loc.file);
        let mut value: &Value = &doc;
        let tokens = loc.pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~"));
        for token in tokens {
            value = match value {
                Value::Object(object) => object.get(&token)?,
                Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
            let Value::Object(object) = value else { continue };
            if ref_hides_id && object.contains_key("$ref") {
                continue;
            }
            if let Some(id) = object.get(id_key).and_then(Value::as_str).filter(|id| !id.starts_with('#')) {
                base = base.join(id).ok()?;
            }
        }
        Some(base)
    }

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
            if ["$anchor", "$dynamicAnchor"].iter().any(|k| object.get(k).and_then(Value::as_str) == Some(name)) {
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
