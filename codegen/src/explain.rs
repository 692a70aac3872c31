//! `schemagen explain MODEL`: one model of the IR in words, with where each part came from.

use std::fmt::Write as _;

use crate::Generation;
use crate::config::{DateType, Types};
use crate::ir::{Additional, Crate, ModelKind, Origin, Tagging, Type};

/// The model at `index`: kind, docs, every field (or variant) with its wire name, Rust type,
/// required-ness, constraints, secret reason, and source position. Dates are shown as the
/// `[types]` options in `types` generate them.
pub fn explain(generation: &Generation, index: usize, types: &Types) -> String {
    let type_name = |krate: &Crate, ty: &Type| render(krate, ty, types);
    let krate = &generation.krate;
    let model = &krate.models[index];
    let module = &krate.modules[model.module].name;
    let kind = match &model.kind {
        ModelKind::Struct(_) => "struct",
        ModelKind::Enum(_) => "enum",
        ModelKind::Union(_) => "union",
        ModelKind::Alias { .. } => "type alias",
        ModelKind::Newtype { .. } => "newtype",
    };
    let mut out = String::new();
    let _ = writeln!(out, "{module}::{} ({kind})", model.name);
    let _ = writeln!(out, "  from {}", position(generation, &model.origin));
    if generation.skipped[index] {
        let _ = writeln!(out, "  skipped: it has errors, or uses a model that has (see the diagnostics above)");
    }
    if let Some(text) = model.docs.description.as_deref().or(model.docs.title.as_deref()) {
        for line in text.lines() {
            let _ = writeln!(out, "  | {line}");
        }
    }
    let _ = writeln!(out);
    match &model.kind {
        ModelKind::Struct(s) => {
            for field in &s.fields {
                let required = if field.required { "required" } else { "optional" };
                let _ = writeln!(
                    out,
                    "  {} -> {}: {} ({required})",
                    field.wire_name,
                    field.rust_name(),
                    type_name(krate, &field.ty)
                );
                if let Some(shown) = field.source_name() {
                    let _ = writeln!(
                        out,
                        "      the source calls it `{shown}`; `{}` is the name on the wire",
                        field.wire_name
                    );
                }
                if let Some(reason) = field.secret() {
                    let _ = writeln!(out, "      secret: {reason}");
                }
                if !field.docs.constraints.is_empty() {
                    let _ = writeln!(out, "      constraints: {}", field.docs.constraints.join(", "));
                }
                if let Some(default) = &field.docs.default {
                    let _ = writeln!(out, "      default: {default}");
                }
                if field.boxed {
                    let _ = writeln!(out, "      boxed: the type contains this model");
                }
                let _ = writeln!(out, "      from {}", position(generation, &field.origin));
            }
            match &s.additional {
                Additional::Ignore => {
                    let _ = writeln!(out, "  other properties: ignored when decoding");
                }
                Additional::Deny => {
                    let _ = writeln!(out, "  other properties: rejected (`additionalProperties: false`)");
                }
                Additional::Keep(ty) => {
                    let _ = writeln!(
                        out,
                        "  other properties: kept in `{}` as {}",
                        s.additional_field,
                        type_name(krate, ty)
                    );
                }
            }
        }
        ModelKind::Enum(e) => {
            for variant in &e.variants {
                let _ = writeln!(out, "  {:?} -> {}", variant.wire_value, variant.rust_name);
            }
        }
        ModelKind::Union(u) => {
            match &u.tagging {
                Tagging::Untagged => {
                    let _ = writeln!(out, "  decoded by shape: the first variant that accepts the value");
                }
                Tagging::Internal { property } => {
                    let _ = writeln!(out, "  decoded by the tag property `{property}`");
                }
            }
            for variant in &u.variants {
                let tag = variant.tag.as_deref().map(|t| format!(" when `{t}`")).unwrap_or_default();
                let _ = writeln!(out, "  {}({}){tag}", variant.rust_name, type_name(krate, &variant.ty));
            }
        }
        ModelKind::Alias { target } | ModelKind::Newtype { target, .. } => {
            let _ = writeln!(out, "  = {}", type_name(krate, target));
        }
    }
    out
}

fn position(generation: &Generation, origin: &Origin) -> String {
    let pointer = origin.pointer.as_deref().unwrap_or("");
    let at = generation.db.positions(&origin.file, &[pointer]).pop().flatten();
    match (at, &origin.pointer) {
        (Some((line, column)), Some(pointer)) => format!("{}:{line}:{column} (#{pointer})", origin.file),
        (_, None) if origin.line.is_some() => format!("{}:{}:1", origin.file, origin.line.unwrap_or(1)),
        (Some((line, column)), None) => format!("{}:{line}:{column}", origin.file),
        // A released file that changed since it was read: no position from its new text.
        _ => match generation.db.get(&origin.file).and_then(|file| file.unavailable()) {
            Some(reason) => format!("{origin} ({reason})"),
            None => origin.to_string(),
        },
    }
}

/// A type as a reader would write it, with models by their Rust names and dates as the default
/// `[types]` options generate them.
pub fn type_name(krate: &Crate, ty: &Type) -> String {
    render(krate, ty, &Types::default())
}

fn render(krate: &Crate, ty: &Type, types: &Types) -> String {
    let type_name = |krate: &Crate, ty: &Type| render(krate, ty, types);
    match ty {
        Type::String => "String".into(),
        Type::Secret => "Secret".into(),
        Type::Boolean => "bool".into(),
        Type::Integer => "i64".into(),
        Type::Number => "serde_json::Number".into(),
        Type::Null => "()".into(),
        Type::Any => "serde_json::Value".into(),
        Type::DateTime => match types.date_time {
            DateType::Chrono => "chrono::DateTime<FixedOffset>".into(),
            DateType::Time => "rfc3339::DateTime (time::OffsetDateTime)".into(),
            DateType::Jiff => "jiff::Timestamp".into(),
            DateType::String => "String (format date-time)".into(),
        },
        Type::Date => match types.date {
            DateType::Chrono => "chrono::NaiveDate".into(),
            DateType::Time => "rfc3339::Date (time::Date)".into(),
            DateType::Jiff => "jiff::civil::Date".into(),
            DateType::String => "String (format date)".into(),
        },
        Type::Uuid => "Uuid".into(),
        Type::Model(id) => krate.model(*id).name.clone(),
        Type::Array(inner) => format!("Vec<{}>", type_name(krate, inner)),
        Type::Map(inner) => format!("IndexMap<String, {}>", type_name(krate, inner)),
        Type::Tuple(items) => format!("({})", items.iter().map(|t| type_name(krate, t)).collect::<Vec<_>>().join(", ")),
        Type::Nullable(inner) => format!("Option<{}> (nullable)", type_name(krate, inner)),
    }
}
