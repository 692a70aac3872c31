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
/// `x-api-key`, `x.api.key` and `x api key` all convert alike. Other letters are transliterated
/// first (`größe` → `grosse`, `名前` → `ming qian`), so a name in any script keeps its meaning.
fn words(raw: &str) -> String {
    let ascii = if raw.is_ascii() { std::borrow::Cow::Borrowed(raw) } else { transliterate(raw).into() };
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out
}

/// ASCII for every letter deunicode knows; symbols (`€`, `✓`, emoji) become separators, since
/// their English names (`EUR`, `check mark`) would be made-up words in an identifier.
fn transliterate(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if c.is_alphanumeric() {
            // deunicode ends the syllables of scripts without spaces (`名` → `Ming `) with one.
            out.push_str(deunicode::deunicode_char(c).unwrap_or(" "));
        } else {
            out.push(' ');
        }
    }
    out
}

/// Whether a name has no letters or digits in any script, so its Rust name is made up
/// (`field`, `Unnamed`) rather than derived from it.
pub fn is_made_up(raw: &str) -> bool {
    !words(raw).chars().any(|c| c.is_ascii_alphanumeric())
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

/// Levenshtein distance, in characters, with adjacent transpositions counting as one edit: how
/// far a misspelt keyword or option is from a known one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![(0..=b.len()).collect::<Vec<_>>()];
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (rows[i - 1][j] + 1).min(row[j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(rows[i - 2][j - 2] + 1);
            }
        }
        rows.push(row);
    }
    rows[a.len()][b.len()]
}

/// The candidate closest to `wanted` (ignoring case, `-` and `_`), if it is close enough to be
/// a misspelling of it.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let fold = |s: &str| s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_ascii_lowercase();
    let wanted_folded = fold(wanted);
    let limit = if wanted.chars().count() <= 4 { 1 } else { 2 };
    let length = wanted_folded.chars().count();
    candidates
        .into_iter()
        .filter_map(|c| {
            let folded = fold(c);
            // The distance is at least the difference in length: skip the quadratic comparison.
            (folded.chars().count().abs_diff(length) <= limit).then(|| (edit_distance(&folded, &wanted_folded), c))
        })
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, c)| c)
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
        // `v1` becomes `v1_2`, not `v12`; a type's keyword escape goes (`Self_` becomes `Self2`,
        // since `Self_2` is not UpperCamelCase).
        let is_type = wanted.starts_with(|c: char| c.is_ascii_uppercase());
        let stem = if is_type { wanted.trim_end_matches('_') } else { wanted };
        let separator = if stem.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        let name = (2..)
            .map(|n| format!("{stem}{separator}{n}"))
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
        assert_eq!(field_name("über"), "uber");
        assert_eq!(field_name("größe"), "grosse");
        assert_eq!(field_name("名前"), "ming_qian");
        assert_eq!(type_name("Ñandú"), "Nandu");
        assert_eq!(field_name("€"), "field");
        assert_eq!(field_name("emoji 🐶"), "emoji");
        assert!(is_made_up("") && is_made_up("$") && is_made_up("✓") && is_made_up("_"));
        assert!(!is_made_up("2fa") && !is_made_up("名前"));
        assert_eq!(type_name("Connection Request Body"), "ConnectionRequestBody");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(type_name("3d"), "Type3d");
        assert_eq!(variant_name("a-b", "Empty"), "AB");
        assert_eq!(variant_name("", "Empty"), "Empty");
        assert_eq!(variant_name("2024", "Empty"), "V2024");
    }

    #[test]
    fn finds_what_a_misspelling_meant() {
        assert_eq!(edit_distance("minLenght", "minLength"), 1);
        assert_eq!(closest("wire_naming", ["name", "wire-naming", "prefer"]), Some("wire-naming"));
        assert_eq!(closest("runtime-paht", ["runtime-path", "dir"]), Some("runtime-path"));
        assert_eq!(closest("frobnicate", ["runtime-path", "dir"]), None);
    }

    #[test]
    fn namespaces_rename_collisions_deterministically() {
        let mut names = Namespace::default();
        assert_eq!(names.claim("api_key"), ("api_key".to_string(), false));
        assert_eq!(names.claim("api_key"), ("api_key2".to_string(), true));
        assert_eq!(names.claim("v1"), ("v1".to_string(), false));
        assert_eq!(names.claim("v1"), ("v1_2".to_string(), true));
        assert_eq!(names.claim("Self_"), ("Self_".to_string(), false));
        assert_eq!(names.claim("Self_"), ("Self2".to_string(), true));
        assert_eq!(names.claim("self_"), ("self_".to_string(), false));
        assert_eq!(names.claim("self_"), ("self_2".to_string(), true));
    }
}
