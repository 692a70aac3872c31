//! The usage example in the generated crate's top-level docs, which runs as a doctest.
//!
//! It decodes a document with the crate's `from_str` (which validates first), validates the
//! value again as code that changed it would, and prints its `Debug`, asserting that no
//! credential in the document shows. The document is a model's example from its source (a
//! markdown doc's `## Example Usage`, which the reader only keeps when it fits the model);
//! models whose example holds credentials are preferred, so the example shows redaction. A
//! crate without any example gets the same code reading a file, compiled but not run.

use crate::ir::{Crate, ModelId, ModelKind, Type};

/// The lines of the `# Usage` section (each without its leading `//! `).
pub fn section(krate: &Crate, crate_name: &str, skipped: &[bool]) -> Vec<String> {
    let emitted = |id: &ModelId| !skipped.get(id.0).copied().unwrap_or(false) && krate.model(*id).merged_into.is_none();
    let path = |id: ModelId| {
        let model = krate.model(id);
        format!("{}::{}::{}", crate_name.replace('-', "_"), krate.modules[model.module].name, model.name)
    };
    let examples: Vec<(ModelId, serde_json::Value)> = krate
        .modules
        .iter()
        .flat_map(|module| module.models.iter().copied())
        .filter(emitted)
        .filter_map(|id| Some((id, serde_json::from_str(krate.model(id).test_example()?).ok()?)))
        .collect();
    let with_secrets = examples.iter().find(|(id, example)| !shown_secrets(krate, *id, example).is_empty());
    let crate_ident = crate_name.replace('-', "_");
    let mut lines = vec![
        String::new(),
        "# Usage".to_string(),
        String::new(),
        "[`from_str`] decodes a document and checks it against its schema first, so the error is a".into(),
        "syntax error, every violation with its JSON Pointer, or a decode error; [`Validate::validate`]".into(),
        "checks a value built or changed in code. `Debug` never prints a credential.".into(),
        String::new(),
    ];
    match with_secrets.or(examples.first()) {
        Some((id, example)) => {
            let model = krate.model(*id);
            let json = serde_json::to_string_pretty(example).unwrap_or_default();
            let hashes = "#".repeat((1..).find(|n| !json.contains(&format!("\"{}", "#".repeat(*n)))).unwrap_or(1));
            let variable = crate::names::field_name(&model.name);
            lines.push("```".into());
            lines.push(format!("use {crate_ident}::Validate;"));
            lines.push(String::new());
            let json = format!("let document = r{hashes}\"{json}\"{hashes};");
            lines.extend(json.lines().map(String::from));
            lines.push(format!("let {variable}: {} = {crate_ident}::from_str(document)?;", path(*id)));
            lines.push(format!("{variable}.validate()?;"));
            lines.push(format!("let debug = format!(\"{{{variable}:#?}}\");"));
            lines.push("println!(\"{debug}\");".into());
            let secrets = shown_secrets(krate, *id, example);
            if !secrets.is_empty() {
                lines.push("assert!(debug.contains(\"[REDACTED]\"));".into());
            }
            for secret in secrets {
                lines.push(format!("assert!(!debug.contains({secret:?}));"));
            }
            lines.push("# Ok::<(), Box<dyn std::error::Error>>(())".into());
            lines.push("```".into());
        }
        None => {
            let Some(root) = krate
                .roots
                .iter()
                .map(|r| r.model)
                .find(|id| emitted(id) && !matches!(krate.model(*id).kind, ModelKind::Alias { .. }))
            else {
                return Vec::new();
            };
            let variable = crate::names::field_name(&krate.model(root).name);
            lines.push("```no_run".into());
            lines.push(format!("use {crate_ident}::Validate;"));
            lines.push(String::new());
            lines.push("let document = std::fs::read_to_string(\"document.json\")?;".into());
            lines.push(format!("let {variable}: {} = {crate_ident}::from_str(&document)?;", path(root)));
            lines.push(format!("{variable}.validate()?;"));
            lines.push(format!("println!(\"{{{variable}:#?}}\");"));
            lines.push("# Ok::<(), Box<dyn std::error::Error>>(())".into());
            lines.push("```".into());
        }
    }
    lines
}

/// The credentials in `example` (a document of model `id`) that the `Debug` output can be
/// checked for: each secret string that is not part of any other string of the document.
fn shown_secrets(krate: &Crate, id: ModelId, example: &serde_json::Value) -> Vec<String> {
    let (mut secrets, mut others) = (Vec::new(), Vec::new());
    walk(krate, &Type::Model(id), example, &mut secrets, &mut others, 0);
    secrets.sort();
    secrets.dedup();
    secrets
        .into_iter()
        .filter(|s| s.len() >= 4 && !others.iter().any(|o| o.contains(s.as_str())))
        .filter(|s| !s.chars().any(|c| c.is_control() || c == '\\' || c == '"'))
        .collect()
}

/// Sorts the strings of `value`, a value of type `ty`, into secrets and the rest (object keys
/// included, since `Debug` shows field names).
fn walk(
    krate: &Crate,
    ty: &Type,
    value: &serde_json::Value,
    secrets: &mut Vec<String>,
    others: &mut Vec<String>,
    depth: usize,
) {
    use serde_json::Value;
    if depth > 64 {
        return;
    }
    match (ty, value) {
        (Type::Secret, Value::String(s)) => secrets.push(s.clone()),
        (Type::Nullable(inner), value) => walk(krate, inner, value, secrets, others, depth + 1),
        (Type::Array(inner), Value::Array(items)) => {
            items.iter().for_each(|item| walk(krate, inner, item, secrets, others, depth + 1))
        }
        (Type::Map(inner), Value::Object(map)) => map.iter().for_each(|(key, item)| {
            others.push(key.clone());
            walk(krate, inner, item, secrets, others, depth + 1)
        }),
        (Type::Model(id), value) => match (&krate.model(*id).kind, value) {
            (ModelKind::Struct(s), Value::Object(map)) => {
                for (key, item) in map {
                    others.push(key.clone());
                    match s.fields.iter().find(|f| *f.wire_name == **key) {
                        Some(field) => {
                            others.push(field.rust_name().to_string());
                            walk(krate, &field.ty, item, secrets, others, depth + 1)
                        }
                        None => collect_strings(item, others),
                    }
                }
            }
            (ModelKind::Alias { target } | ModelKind::Newtype { target, .. }, value) => {
                walk(krate, target, value, secrets, others, depth + 1)
            }
            (_, value) => collect_strings(value, others),
        },
        (_, value) => collect_strings(value, others),
    }
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        serde_json::Value::Object(map) => map.iter().for_each(|(key, item)| {
            out.push(key.clone());
            collect_strings(item, out)
        }),
        _ => {}
    }
}
