//! The one place where source names become Rust identifiers.
//!
//! Every type, field and variant name passes through here: case conversion (heck), stripping of
//! characters Rust does not allow, a prefix for names that start with a digit, a `_` suffix for
//! keywords, and a [`Namespace`] that makes names unique after conversion.

use std::collections::HashSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Strict, reserved and edition-2024 keywords. A raw identifier (`r#type`) cannot spell `self`,
/// `Self`, `super` or `crate`, so every keyword gets a `_` suffix instead, uniformly.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "abstract", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

pub fn is_keyword(ident: &str) -> bool {
    KEYWORDS.contains(&ident)
}

/// Keeps ASCII letters and digits, turning everything else into word separators, so that
/// `x-api-key`, `x.api.key` and `x api key` all convert alike.
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out
}

fn finish(mut ident: String, digit_prefix: &str, fallback: &str) -> String {
    if ident.is_empty() || ident == "_" {
        return fallback.to_string();
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert_str(0, digit_prefix);
    }
    if is_keyword(&ident) {
        ident.push('_');
    }
    ident
}

/// `UpperCamelCase` for types and enum variants.
pub fn type_name(raw: &str) -> String {
    finish(words(raw).to_upper_camel_case(), "Type", "Unnamed")
}

/// `UpperCamelCase` for an enum variant; `fallback` names a variant whose value has no letters.
pub fn variant_name(raw: &str, fallback: &str) -> String {
    finish(words(raw).to_upper_camel_case(), "V", fallback)
}

/// `snake_case` for fields and modules.
pub fn field_name(raw: &str) -> String {
    finish(words(raw).to_snake_case(), "_", "field")
}

pub fn module_name(raw: &str) -> String {
    finish(words(raw).to_snake_case(), "m", "module")
}

/// A set of names in one scope (a module's types, a struct's fields, an enum's variants).
#[derive(Debug, Default)]
pub struct Namespace {
    taken: HashSet<String>,
}

impl Namespace {
    /// Returns `wanted` if it is free, otherwise the first free `wanted2`, `wanted3`, …; the
    /// second value says whether a rename happened.
    pub fn claim(&mut self, wanted: &str) -> (String, bool) {
        if self.taken.insert(wanted.to_string()) {
            return (wanted.to_string(), false);
        }
        let separator = if wanted.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        let name = (2..)
            .map(|n| format!("{wanted}{separator}{n}"))
            .find(|candidate| !self.taken.contains(candidate))
            .expect("an unbounded range always has a free name");
        self.taken.insert(name.clone());
        (name, true)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_case_and_escapes_keywords() {
        assert_eq!(field_name("providerWorkspaceRef"), "provider_workspace_ref");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("gen"), "gen_");
        assert_eq!(field_name("2fa"), "_2fa");
        assert_eq!(field_name("x-api-key"), "x_api_key");
        assert_eq!(field_name("$ref"), "ref_");
        assert_eq!(field_name("über"), "ber");
        assert_eq!(field_name("€"), "field");
        assert_eq!(type_name("Connection Request Body"), "ConnectionRequestBody");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(type_name("3d"), "Type3d");
        assert_eq!(variant_name("a-b", "Empty"), "AB");
        assert_eq!(variant_name("", "Empty"), "Empty");
        assert_eq!(variant_name("2024", "Empty"), "V2024");
    }

    #[test]
    fn namespaces_rename_collisions_deterministically() {
        let mut names = Namespace::default();
        assert_eq!(names.claim("api_key"), ("api_key".to_string(), false));
        assert_eq!(names.claim("api_key"), ("api_key2".to_string(), true));
        assert_eq!(names.claim("v1"), ("v1".to_string(), false));
        assert_eq!(names.claim("v1"), ("v1_2".to_string(), true));
    }
}
