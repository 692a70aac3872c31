//! The official meta-schemas of drafts 4, 7, 2019-09 and 2020-12, built in, so that a `$ref` to
//! one (a field that holds a JSON Schema, say) resolves without fetching anything.
//!
//! The files under `meta/` were written for schemagen from the JSON Schema specifications
//! (json-schema.org: draft-04 and draft-07 Validation, 2019-09 and 2020-12 Core and Validation)
//! to match the meta-schemas published at the URIs below in their `$id`s, vocabularies,
//! keywords, constraints and `$ref` / `$recursiveRef` / `$dynamicRef` links; the `$comment`s are
//! our own wording. They are not copies of the published files.

/// Every built-in meta-schema: its URI (without the empty fragment), and its text.
const META_SCHEMAS: [(&str, &str); 17] = [
    ("http://json-schema.org/draft-04/schema", include_str!("meta/draft-04.json")),
    ("http://json-schema.org/draft-07/schema", include_str!("meta/draft-07.json")),
    ("https://json-schema.org/draft/2019-09/schema", include_str!("meta/2019-09/schema.json")),
    ("https://json-schema.org/draft/2019-09/meta/core", include_str!("meta/2019-09/meta/core.json")),
    ("https://json-schema.org/draft/2019-09/meta/applicator", include_str!("meta/2019-09/meta/applicator.json")),
    ("https://json-schema.org/draft/2019-09/meta/validation", include_str!("meta/2019-09/meta/validation.json")),
    ("https://json-schema.org/draft/2019-09/meta/meta-data", include_str!("meta/2019-09/meta/meta-data.json")),
    ("https://json-schema.org/draft/2019-09/meta/format", include_str!("meta/2019-09/meta/format.json")),
    ("https://json-schema.org/draft/2019-09/meta/content", include_str!("meta/2019-09/meta/content.json")),
    ("https://json-schema.org/draft/2020-12/schema", include_str!("meta/2020-12/schema.json")),
    ("https://json-schema.org/draft/2020-12/meta/core", include_str!("meta/2020-12/meta/core.json")),
    ("https://json-schema.org/draft/2020-12/meta/applicator", include_str!("meta/2020-12/meta/applicator.json")),
    ("https://json-schema.org/draft/2020-12/meta/unevaluated", include_str!("meta/2020-12/meta/unevaluated.json")),
    ("https://json-schema.org/draft/2020-12/meta/validation", include_str!("meta/2020-12/meta/validation.json")),
    ("https://json-schema.org/draft/2020-12/meta/meta-data", include_str!("meta/2020-12/meta/meta-data.json")),
    (
        "https://json-schema.org/draft/2020-12/meta/format-annotation",
        include_str!("meta/2020-12/meta/format-annotation.json"),
    ),
    ("https://json-schema.org/draft/2020-12/meta/content", include_str!("meta/2020-12/meta/content.json")),
];

/// The built-in meta-schema an absolute URI names, as `(its canonical URI, its text)`. The
/// empty fragment and the scheme (`http` or `https`) do not matter.
pub(super) fn builtin(uri: &str) -> Option<(&'static str, &'static str)> {
    let uri = uri.trim_end_matches('#');
    let rest = uri.strip_prefix("https://").or_else(|| uri.strip_prefix("http://"))?;
    META_SCHEMAS.iter().copied().find(|(known, _)| known.split_once("://").is_some_and(|(_, r)| r == rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_meta_schema_parses_and_declares_its_own_uri() {
        for (uri, text) in META_SCHEMAS {
            let doc = crate::tree::from_str(text).unwrap_or_else(|e| panic!("{uri}: {e}"));
            let id = doc.get("$id").or_else(|| doc.get("id")).and_then(|id| id.as_str());
            assert_eq!(id.map(|id| id.trim_end_matches('#')), Some(uri), "{uri}");
        }
    }

    #[test]
    fn lookup_ignores_the_scheme_and_the_empty_fragment() {
        assert_eq!(builtin("http://json-schema.org/draft-07/schema#").map(|m| m.0), Some(META_SCHEMAS[1].0));
        assert_eq!(builtin("https://json-schema.org/draft-07/schema").map(|m| m.0), Some(META_SCHEMAS[1].0));
        assert_eq!(builtin("http://json-schema.org/draft/2020-12/schema").map(|m| m.0), Some(META_SCHEMAS[9].0));
        assert_eq!(builtin("https://json-schema.org/draft/2020-12/links"), None);
        assert_eq!(builtin("https://example.com/draft-07/schema"), None);
    }
}
