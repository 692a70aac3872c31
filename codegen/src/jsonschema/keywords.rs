//! Which JSON Schema and OpenAPI keywords the reader acts on, documents, or ignores.
//!
//! Every keyword of a schema object falls in exactly one group here, so a keyword can never be
//! dropped silently: what is neither handled, an annotation, nor a documented constraint gets a
//! `W001` warning at its location.

use serde_json::Value;

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

/// Why a keyword does not reach the generated code, or `None` when it does.
pub fn unhandled(keyword: &str) -> Option<String> {
    if SHAPING.contains(&keyword)
        || ANNOTATIONS.contains(&keyword)
        || CONSTRAINTS.contains(&keyword)
        // OpenAPI specification extensions are meant for other tools.
        || keyword.starts_with("x-")
    {
        return None;
    }
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
    Some(if VALIDATION_ONLY.contains(&keyword) {
        format!(
            "`{keyword}` is checked by the generated validators but not expressed in the generated types: documents it rejects still decode with serde alone"
        )
    } else {
        format!("unknown keyword `{keyword}` is ignored")
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
        Value::Object(object) => {
            object.keys().any(|k| !matches!(k.as_str(), "$defs" | "definitions") && !is_annotation(k))
        }
        Value::Bool(_) => true,
        _ => false,
    }
}
