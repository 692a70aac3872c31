//! Dynamic scope, for `$dynamicRef` (2020-12) and `$recursiveRef` (2019-09), settled at
//! generation time.
//!
//! Where a dynamic reference goes depends on the path evaluation took to reach it: the
//! specification sends it to the outermost schema resource in the dynamic scope (the resources
//! evaluation entered, from the root on) that declares the anchor it names. Only the first
//! resource to declare each name matters, and only names some resource declares can change the
//! answer, so the part of the dynamic scope that matters is small and finite: for each
//! dynamic anchor name, the first declaration entered, if any. That is a [`Scope`].
//!
//! Checks are memoized by location *and* scope ([`Reader::check`]): a schema reached under two
//! scopes that differ gets two checks, each with its dynamic references resolved to a fixed
//! target, so the generated validators need no run-time scope at all. A document without any
//! `$dynamicAnchor` (or `"$recursiveAnchor": true`) only ever has the empty scope, and its checks
//! are exactly those of plain location memoization. Specialized copies that end up identical are
//! merged by `dedupe::checks`.

use std::collections::HashMap;
use std::rc::Rc;

use crate::tree::Value;

use super::checks::Draft;
use super::{Loc, Reader};
use crate::source::escape_token;

/// The name under which a 2019-09 `"$recursiveAnchor": true` is kept in a [`Scope`]; no
/// `$dynamicAnchor` can be spelled so (anchor names start with a letter or `_`).
pub(super) const RECURSIVE: &str = "$recursiveAnchor";

/// Dynamic anchor names, each with where it is declared.
type Anchors = Rc<[(Rc<str>, Loc)]>;

/// For each dynamic anchor name, the declaration in the first (outermost) schema resource that
/// evaluation entered and that declares it; sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Scope(Anchors);

impl Scope {
    /// Whether no dynamic anchor is in scope, as everywhere in a document without any.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Where the outermost resource in scope declares the dynamic anchor `name`.
    pub(super) fn get(&self, name: &str) -> Option<&Loc> {
        self.0.iter().find(|(n, _)| &**n == name).map(|(_, loc)| loc)
    }

    /// The scope after entering a resource that declares `anchors`: names not in scope yet
    /// are added, the ones already there stay (the outermost declaration wins).
    fn enter(&self, anchors: &[(Rc<str>, Loc)]) -> Scope {
        let new: Vec<&(Rc<str>, Loc)> = anchors.iter().filter(|(name, _)| self.get(name).is_none()).collect();
        if new.is_empty() {
            return self.clone();
        }
        let mut all: Vec<(Rc<str>, Loc)> = self.0.iter().cloned().chain(new.into_iter().cloned()).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        Scope(all.into())
    }
}

/// The schema resources of one document that declare dynamic anchors.
#[derive(Default)]
pub(super) struct FileResources {
    /// The pointer of every schema resource root in the document (the root, and each embedded
    /// `$id`), longest first; empty when the document declares no dynamic anchor at all.
    roots: Vec<String>,
    /// The dynamic anchors each resource root declares (not those of resources embedded in it).
    anchors: HashMap<String, Anchors>,
}

impl FileResources {
    /// The anchors declared by the innermost resource that holds `pointer`.
    fn anchors_at(&self, pointer: &str) -> Option<&Anchors> {
        let root = self.roots.iter().find(|root| {
            pointer.strip_prefix(root.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })?;
        self.anchors.get(root)
    }
}

/// Keywords whose values are data, not schemas: nothing inside them declares anything.
const DATA_KEYWORDS: [&str; 5] = ["enum", "const", "examples", "example", "default"];

impl Reader<'_> {
    /// The scope evaluation is in once it reaches the schema at `loc`: the current one, having
    /// entered the schema resource that holds `loc`.
    pub(super) fn scope_at(&mut self, loc: &Loc) -> Scope {
        if !self.scope_files.contains_key(&loc.file) {
            let resources = self.file_resources(&loc.file);
            self.scope_files.insert(loc.file.clone(), Rc::new(resources));
        }
        let resources = &self.scope_files[&loc.file];
        match resources.anchors_at(&loc.pointer) {
            Some(anchors) if !anchors.is_empty() => self.scope.enter(anchors),
            _ => self.scope.clone(),
        }
    }

    /// Finds the resources of `file` and the dynamic anchors each declares: `$dynamicAnchor`s
    /// in a 2020-12 document, a resource root's `"$recursiveAnchor": true` in a 2019-09 one.
    fn file_resources(&self, file: &Rc<str>) -> FileResources {
        let keyword = match self.draft(file) {
            Draft::Draft2020 => "$dynamicAnchor",
            Draft::Draft2019 => RECURSIVE,
            _ => return FileResources::default(),
        };
        // Most documents never name the keyword: skip the walk (and its allocations) for them.
        if self.db.get(file).is_some_and(|source| !source.may_contain(keyword.trim_start_matches('$'))) {
            return FileResources::default();
        }
        let doc = self.doc(file);
        let mut roots = vec![String::new()];
        // (anchor name, where it is declared, the resource root that declares it)
        let mut declared: Vec<(Rc<str>, String, String)> = Vec::new();
        let mut stack: Vec<(String, &Value, String)> = vec![(String::new(), &*doc, String::new())];
        while let Some((pointer, value, resource)) = stack.pop() {
            match value {
                Value::Object(object) => {
                    let mut resource = resource;
                    if !pointer.is_empty()
                        && object.get("$id").and_then(Value::as_str).is_some_and(|id| !id.starts_with('#'))
                    {
                        resource = pointer.clone();
                        roots.push(pointer.clone());
                    }
                    if keyword == RECURSIVE {
                        if resource == pointer && object.get(RECURSIVE) == Some(&Value::Bool(true)) {
                            declared.push((RECURSIVE.into(), pointer.clone(), resource.clone()));
                        }
                    } else if let Some(name) = object.get(keyword).and_then(Value::as_str) {
                        declared.push((name.into(), pointer.clone(), resource.clone()));
                    }
                    for (key, child) in object {
                        if DATA_KEYWORDS.contains(&key) || !(child.is_object() || child.is_array()) {
                            continue;
                        }
                        stack.push((format!("{pointer}/{}", escape_token(key)), child, resource.clone()));
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        stack.push((format!("{pointer}/{i}"), child, resource.clone()));
                    }
                }
                _ => {}
            }
        }
        if declared.is_empty() {
            return FileResources::default();
        }
        let mut anchors: HashMap<String, Vec<(Rc<str>, Loc)>> = HashMap::new();
        for (name, pointer, resource) in declared {
            let list = anchors.entry(resource).or_default();
            if !list.iter().any(|(n, _)| *n == name) {
                list.push((name, Loc::new(file.clone(), pointer)));
            }
        }
        // Longest first, so the first root that holds a pointer is the innermost.
        roots.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        FileResources { roots, anchors: anchors.into_iter().map(|(root, list)| (root, list.into())).collect() }
    }

    /// Where a `$dynamicRef` (2020-12) goes in the current scope, given the schema `target` its
    /// URI names: when that fragment is a `$dynamicAnchor` of the target, the declaration of the
    /// same name in the outermost resource in scope; otherwise, like `$ref`, the target itself.
    pub(super) fn dynamic_target(&self, reference: &str, target: Loc) -> Loc {
        let Some((_, name)) = reference.split_once('#') else { return target };
        if name.is_empty() || name.starts_with('/') {
            return target;
        }
        let declares = self.value(&target).get("$dynamicAnchor").and_then(Value::as_str) == Some(name);
        match self.scope.get(name) {
            Some(outermost) if declares => outermost.clone(),
            _ => target,
        }
    }

    /// Where a `$recursiveRef` (2019-09) goes in the current scope, given the root of its own
    /// resource (`target`): when that root has `"$recursiveAnchor": true`, the outermost
    /// resource in scope that has it too; otherwise the target itself.
    pub(super) fn recursive_target(&self, target: Loc) -> Loc {
        let anchored = self.value(&target).get(RECURSIVE) == Some(&Value::Bool(true));
        match self.scope.get(RECURSIVE) {
            Some(outermost) if anchored => outermost.clone(),
            _ => target,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::{Crate, Rule};
    use crate::jsonschema::test_support::lower;

    /// The `type` rules a `$dynamicRef` at `pointer` ends up checking, one list per check made
    /// for that location, sorted.
    fn resolved_types(krate: &Crate, pointer: &str) -> Vec<String> {
        let mut found: Vec<String> = krate
            .checks
            .iter()
            .filter(|c| c.origin.pointer.as_deref() == Some(pointer))
            .filter_map(|c| match c.rules.as_slice() {
                [Rule::Ref { check }] => Some(format!("{:?}", krate.checks[check.0].rules)),
                _ => None,
            })
            .collect();
        found.sort();
        found.dedup();
        found
    }

    #[test]
    fn a_dynamic_ref_resolves_per_path_to_the_outermost_anchor() {
        // The generic list's items go to whichever list resource evaluation came through.
        let krate = lower(
            "lists",
            serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://example.com/lists",
                "properties": {
                    "numbers": { "$ref": "numberList" },
                    "strings": { "$ref": "stringList" },
                    "plain": { "$ref": "genericList" }
                },
                "$defs": {
                    "genericList": {
                        "$id": "genericList",
                        "type": "array",
                        "items": { "$dynamicRef": "#itemType" },
                        "$defs": { "default": { "$dynamicAnchor": "itemType", "type": "boolean" } }
                    },
                    "numberList": {
                        "$id": "numberList",
                        "$ref": "genericList",
                        "$defs": { "itemType": { "$dynamicAnchor": "itemType", "type": "number" } }
                    },
                    "stringList": {
                        "$id": "stringList",
                        "$ref": "genericList",
                        "$defs": { "itemType": { "$dynamicAnchor": "itemType", "type": "string" } }
                    }
                }
            }),
        );
        assert_eq!(
            resolved_types(&krate, "/$defs/genericList/items"),
            ["[Type { types: [Boolean] }]", "[Type { types: [Number] }]", "[Type { types: [String] }]"]
        );
    }

    #[test]
    fn a_recursive_ref_goes_to_the_outermost_recursive_anchor() {
        // Through `strict`, the tree's children are strict trees; the tree alone recurses to itself.
        let krate = lower(
            "trees",
            serde_json::json!({
                "$schema": "https://json-schema.org/draft/2019-09/schema",
                "$id": "https://example.com/strict",
                "$recursiveAnchor": true,
                "$ref": "tree",
                "unevaluatedProperties": false,
                "$defs": {
                    "tree": {
                        "$id": "tree",
                        "$recursiveAnchor": true,
                        "type": "object",
                        "properties": { "children": { "type": "array", "items": { "$recursiveRef": "#" } } }
                    }
                }
            }),
        );
        let targets: Vec<Option<String>> = krate
            .checks
            .iter()
            .filter(|c| c.origin.pointer.as_deref() == Some("/$defs/tree/properties/children/items"))
            .filter_map(|c| match c.rules.as_slice() {
                [Rule::Ref { check }] => Some(krate.checks[check.0].origin.pointer.as_deref().map(String::from)),
                _ => None,
            })
            .collect();
        assert!(targets.contains(&Some(String::new())), "{targets:?}");
        assert!(targets.contains(&Some("/$defs/tree".to_string())), "{targets:?}");
    }
}
