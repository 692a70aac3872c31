//! Which JSON Schema and OpenAPI keywords the reader acts on, documents, or ignores.
//!
//! Every keyword of a schema object falls in exactly one group here, so a keyword can never be
//! dropped silently: what is neither handled, an annotation, nor a documented constraint gets a
//! `W001` warning at its location.

use crate::tree::Value;

/// Keywords that shape the generated Rust types.
const SHAPING: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "items",
    "prefixItems",
    "additionalItems",
    "enum",
    "const",
    "allOf",
    "oneOf",
    "anyOf",
    "$ref",
    "$defs",
    "definitions",
    "format",
    "nullable",
    "discriminator",
];

/// Keywords that only describe or identify; they never change what a document may contain.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "id",
    "$comment",
    "$anchor",
    "$dynamicAnchor",
    "$vocabulary",
    "title",
    "description",
    "examples",
    "example",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "xml",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
];

/// Validation keywords recorded in the generated documentation (and enforced by validators).
pub const CONSTRAINTS: &[&str] = &[
    "format",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "readOnly",
    "writeOnly",
];

/// Keywords a schema object may carry beside `$ref` without becoming a new shape.
pub fn is_annotation(keyword: &str) -> bool {
    ANNOTATIONS.contains(&keyword) || keyword.starts_with("x-")
}

/// Keywords the validators check that the Rust types cannot express.
const VALIDATION_ONLY: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "propertyNames",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
    "$recursiveRef",
    "$recursiveAnchor",
];

/// Why a keyword does not reach the generated code, with a hint, or `None` when it does.
pub fn unhandled(keyword: &str) -> Option<(String, String)> {
    if SHAPING.contains(&keyword)
        || ANNOTATIONS.contains(&keyword)
        || CONSTRAINTS.contains(&keyword)
        // OpenAPI specification extensions are meant for other tools.
        || keyword.starts_with("x-")
    {
        return None;
    }
    Some(if VALIDATION_ONLY.contains(&keyword) {
        (
            format!(
                "`{keyword}` is checked by the generated validators but not expressed in the generated types: documents it rejects still decode with serde alone"
            ),
            "decode with the generated `from_str` (or call `validate()`) to enforce it".to_string(),
        )
    } else {
        let hint = match suggestion(keyword) {
            Some(known) => format!("did you mean `{known}`? Prefix keywords meant for other tools with `x-`"),
            None => "fix the spelling if it is a typo; prefix keywords meant for other tools with `x-`".to_string(),
        };
        (format!("unknown keyword `{keyword}` is ignored"), hint)
    })
}

/// The known keyword an unknown one is most likely a typo of: equal but for case, or at most
/// two edits away (one for short keywords).
fn suggestion(keyword: &str) -> Option<&'static str> {
    let known = SHAPING.iter().chain(ANNOTATIONS).chain(CONSTRAINTS).chain(VALIDATION_ONLY);
    let length = keyword.chars().count();
    let limit = if length <= 4 { 1 } else { 2 };
    known
        // The distance is at least the difference in length (the keywords are ASCII), so only
        // keywords of about the same length are compared: a file with thousands of unknown
        // keywords costs a few comparisons each, not one per known keyword.
        .filter(|k| k.len().abs_diff(length) <= limit)
        .map(|k| (if k.eq_ignore_ascii_case(keyword) { 0 } else { crate::names::edit_distance(k, keyword) }, *k))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, k)| k)
}

/// Whether a keyword's value has the kind the keyword needs.
pub type KindCheck = fn(&Value) -> bool;

/// The kind of value a keyword must have, as a check and a phrase for the diagnostic, for the
/// keywords whose wrong value would otherwise be ignored without a word.
pub fn expected_kind(keyword: &str) -> Option<(KindCheck, &'static str)> {
    fn count(v: &Value) -> bool {
        v.as_u64().is_some() || v.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0)
    }
    fn string(v: &Value) -> bool {
        v.is_string()
    }
    fn number(v: &Value) -> bool {
        v.is_number()
    }
    fn positive(v: &Value) -> bool {
        v.as_f64().is_some_and(|f| f > 0.0)
    }
    fn boolean(v: &Value) -> bool {
        v.is_boolean()
    }
    fn number_or_boolean(v: &Value) -> bool {
        v.is_number() || v.is_boolean()
    }
    Some(match keyword {
        "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties" | "maxProperties" | "minContains"
        | "maxContains" => (count, "a non-negative integer, such as `1`"),
        "minimum" | "maximum" => (number, "a number, such as `0`"),
        // Draft 4 spells exclusive limits as booleans beside `minimum` and `maximum`.
        "exclusiveMinimum" | "exclusiveMaximum" => (number_or_boolean, "a number, such as `0`"),
        "multipleOf" => (positive, "a number greater than 0, such as `0.01`"),
        "pattern" | "format" | "$ref" | "$anchor" | "title" | "description" => (string, "a string"),
        "uniqueItems" | "nullable" | "deprecated" | "readOnly" | "writeOnly" => (boolean, "`true` or `false`"),
        _ => return None,
    })
}

/// A location that names a reusable definition: `$defs/X`, `definitions/X`,
/// `components/schemas/X`, or a document root.
pub fn is_definition(pointer: &str) -> bool {
    if pointer.is_empty() {
        return true;
    }
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    matches!(tokens.as_slice(), ["$defs" | "definitions", _] | ["components", "schemas", _])
}

/// Whether a document root describes a value, rather than only holding `$defs`.
pub fn has_shape(root: &Value) -> bool {
    match root {
        Value::Object(object) => object.keys().any(|k| !matches!(k, "$defs" | "definitions") && !is_annotation(k)),
        Value::Bool(_) => true,
        _ => false,
    }
}
