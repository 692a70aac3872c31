//! `schemars` support (the `schemars` feature): what generated models' `JsonSchema` derives
//! refer to, so the schema of the Rust types says what the input schema says.

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::Secret;

/// A credential is a string; `format: password` marks it as one for tools that read the schema.
impl JsonSchema for Secret {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "password" })
    }
}

/// The schema of `T` for a field that must be present even though `T` is an `Option` (a required
/// field that may be `null`). schemars takes every `Option` field for an optional one; generated
/// code names this type in `#[schemars(with = "…")]` to keep the field in `required`.
pub struct Present<T: ?Sized>(PhantomData<T>);

impl<T: JsonSchema + ?Sized> JsonSchema for Present<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("schemagen_runtime::schema::Present<{}>", T::schema_id()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_a_password_string() {
        let schema = schemars::schema_for!(Secret);
        assert_eq!(schema.get("type"), Some(&serde_json::json!("string")));
        assert_eq!(schema.get("format"), Some(&serde_json::json!("password")));
    }

    #[test]
    fn present_keeps_null_but_is_not_optional() {
        assert!(!<Present<Option<i64>> as JsonSchema>::_schemars_private_is_option());
        let schema = schemars::schema_for!(Present<Option<i64>>);
        let types = schema.get("type").expect("a type");
        assert_eq!(types, &serde_json::json!(["integer", "null"]));
    }
}
