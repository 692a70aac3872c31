//! `schemars::JsonSchema` derives on generated models, with the attributes that make the
//! schema of the Rust types say what the input schema says: serde's renames and optional
//! fields carry wire names and `required`; formats and the other keywords a field's type does
//! not express (`minLength`, `pattern`, `maximum`, …) are copied from its check with
//! `#[schemars(extend(…))]`. An optional field is described by its inner type (absent is not
//! `null`), and a required field that may be `null` by `schemagen_runtime::schema::Present`, so
//! it stays required.

use std::collections::HashMap;

use crate::config::JsonSchemaDerive;
use crate::ir::{CheckId, Crate, Rule};

/// The attributes that derive `JsonSchema` on a model, or nothing.
pub fn derive(mode: JsonSchemaDerive) -> &'static str {
    match mode {
        JsonSchemaDerive::Feature => {
            "#[cfg_attr(feature = \"schemars\", derive(::schemagen_runtime::schemars::JsonSchema), schemars(crate = \"::schemagen_runtime::schemars\"))]\n"
        }
        JsonSchemaDerive::Always => {
            "#[derive(::schemagen_runtime::schemars::JsonSchema)]\n#[schemars(crate = \"::schemagen_runtime::schemars\")]\n"
        }
        JsonSchemaDerive::Off => "",
    }
}

/// `#[schemars(…)]` with `inner`, behind the feature when derives are.
pub fn attr(mode: JsonSchemaDerive, inner: &str) -> String {
    match mode {
        JsonSchemaDerive::Feature => format!("#[cfg_attr(feature = \"schemars\", schemars({inner}))]\n"),
        JsonSchemaDerive::Always => format!("#[schemars({inner})]\n"),
        JsonSchemaDerive::Off => String::new(),
    }
}

/// An item (a hand-written `impl JsonSchema`) that exists when derives do.
pub fn item(mode: JsonSchemaDerive, item: String) -> String {
    match mode {
        JsonSchemaDerive::Feature => format!("#[cfg(feature = \"schemars\")]\n{item}"),
        JsonSchemaDerive::Always => item,
        JsonSchemaDerive::Off => String::new(),
    }
}

/// The attributes of a struct field: `with`, the type whose schema is the field's when that is
/// not its Rust type's (an optional field's `Option` means absent, not `null`), and the keywords
/// its type does not express.
pub fn field(mode: JsonSchemaDerive, with: Option<&str>, keywords: &[(String, String)]) -> String {
    if mode == JsonSchemaDerive::Off {
        return String::new();
    }
    let mut attrs = String::new();
    if let Some(with) = with {
        attrs.push_str(&attr(mode, &format!("with = {}", super::text::lit(with))));
    }
    if !keywords.is_empty() {
        // Each value is a JSON scalar, which is also a Rust literal.
        let pairs: Vec<String> = keywords.iter().map(|(keyword, value)| format!("{keyword:?} = {value}")).collect();
        attrs.push_str(&attr(mode, &format!("extend({})", pairs.join(", "))));
    }
    attrs
}

/// The checks of a struct's properties by wire name: those of `check` and of the checks it
/// includes through `$ref` and `allOf`.
pub fn property_checks(krate: &Crate, check: Option<CheckId>) -> HashMap<String, Vec<CheckId>> {
    let mut out: HashMap<String, Vec<CheckId>> = HashMap::new();
    for rule in included_rules(krate, check.into_iter().collect()) {
        if let Rule::Properties { properties } = rule {
            for (name, check) in properties {
                out.entry(name.clone()).or_default().push(*check);
            }
        }
    }
    out
}

/// The keywords of `checks` (and what they include through `$ref` and `allOf`) that a field's
/// Rust type does not express, as `(keyword, JSON literal)`, first occurrence first.
pub fn keywords(krate: &Crate, checks: &[CheckId]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |keyword: &str, value: String| {
        if !out.iter().any(|(k, _)| k == keyword) {
            out.push((keyword.to_string(), value));
        }
    };
    for rule in included_rules(krate, checks.to_vec()) {
        match rule {
            Rule::Format { format } => push("format", string(format)),
            Rule::MinLength { limit } => push("minLength", limit.to_string()),
            Rule::MaxLength { limit } => push("maxLength", limit.to_string()),
            Rule::Pattern { pattern } => push("pattern", string(pattern)),
            Rule::Minimum { limit, exclusive } => {
                push(if *exclusive { "exclusiveMinimum" } else { "minimum" }, number(*limit))
            }
            Rule::Maximum { limit, exclusive } => {
                push(if *exclusive { "exclusiveMaximum" } else { "maximum" }, number(*limit))
            }
            Rule::MultipleOf { factor } => push("multipleOf", number(*factor)),
            Rule::MinItems { limit } => push("minItems", limit.to_string()),
            Rule::MaxItems { limit } => push("maxItems", limit.to_string()),
            Rule::UniqueItems => push("uniqueItems", "true".into()),
            Rule::MinProperties { limit } => push("minProperties", limit.to_string()),
            Rule::MaxProperties { limit } => push("maxProperties", limit.to_string()),
            _ => {}
        }
    }
    out
}

/// The rules of `checks` and of every check they include through `$ref` and `allOf`, each
/// check once, depth first in document order.
fn included_rules(krate: &Crate, mut stack: Vec<CheckId>) -> Vec<&Rule> {
    stack.reverse();
    let mut seen = vec![false; krate.checks.len()];
    let mut out = Vec::new();
    while let Some(check) = stack.pop() {
        if std::mem::replace(&mut seen[check.0], true) {
            continue;
        }
        let rules = &krate.checks[check.0].rules;
        out.extend(rules.iter());
        for rule in rules.iter().rev() {
            match rule {
                Rule::Ref { check } => stack.push(*check),
                Rule::AllOf { checks } => stack.extend(checks.iter().rev()),
                _ => {}
            }
        }
    }
    out
}

fn string(s: &str) -> String {
    // A Rust string literal: `{:?}` escapes quotes, backslashes and control characters.
    format!("{s:?}")
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 { format!("{}", n as i64) } else { format!("{n:?}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_json_literals() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-2.0), "-2");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(string("a\"b\\"), r#""a\"b\\""#);
    }
}
