//! The derives `[types] derives` adds to every model (`Eq`, `Hash`, `PartialOrd`, `Ord`), and
//! which models cannot have them.
//!
//! A derive applies to a model when every type it holds implements the trait. Some never do:
//! `serde_json::Number` and `serde_json::Value` have no order, a `Secret` is neither hashed nor
//! ordered (that would leak its value through timing and collections), and `IndexMap` is neither
//! hashed nor ordered. A model that holds another model needs that model's derive, so the answer
//! is a fixpoint: every model starts with every derive, and a model loses one when something it
//! holds lacks it, until nothing changes (recursive models keep what they can). Each model that
//! loses a requested derive gets a W020 warning naming it and the field that stopped it.

use crate::config::{Derive, Types};
use crate::diag::{Code, Diagnostic};
use crate::ir::{Additional, Crate, ModelId, ModelKind, Type};

/// The derives each model gets beyond the ones the emitter always writes, indexed like
/// [`Crate::models`], and a W020 warning for every model that cannot take a requested one.
pub fn plan(krate: &Crate, types: &Types, skipped: &[bool]) -> (Vec<Vec<Derive>>, Vec<Diagnostic>) {
    let requested = Derive::closure(&types.derives);
    let count = krate.models.len();
    if requested.is_empty() {
        return (vec![Vec::new(); count], Vec::new());
    }
    // `why[model][derive]`: why the model cannot have it, once it cannot.
    let mut why: Vec<Vec<Option<Blocker>>> = vec![vec![None; Derive::ALL.len()]; count];
    let emitted = |id: usize| !skipped.get(id).copied().unwrap_or(false) && krate.models[id].merged_into.is_none();
    let mut changed = true;
    while changed {
        changed = false;
        for id in (0..count).filter(|&id| emitted(id)) {
            for &derive in &requested {
                if why[id][derive as usize].is_some() {
                    continue;
                }
                let blocker = model_blocker(krate, ModelId(id), derive, &why).or_else(|| {
                    derive
                        .requires()
                        .iter()
                        .find(|r| why[id][**r as usize].is_some())
                        .map(|r| Blocker { field: None, what: format!("it cannot derive `{}`", r.name()) })
                });
                if blocker.is_some() {
                    why[id][derive as usize] = blocker;
                    changed = true;
                }
            }
        }
    }

    let mut derives = vec![Vec::new(); count];
    let mut diagnostics = Vec::new();
    for id in (0..count).filter(|&id| emitted(id)) {
        let model = &krate.models[id];
        // Enums derive all of these already; aliases are not types of their own.
        if matches!(model.kind, ModelKind::Enum(_) | ModelKind::Alias { .. }) {
            continue;
        }
        let (have, lack): (Vec<Derive>, Vec<Derive>) = requested.iter().partition(|d| why[id][**d as usize].is_none());
        derives[id] = have;
        if lack.is_empty() {
            continue;
        }
        let reasons: Vec<String> = lack
            .iter()
            .map(|d| {
                let blocker = why[id][*d as usize].as_ref().expect("a lacking derive has a reason");
                match &blocker.field {
                    Some(field) => format!("`{}`: field `{field}` holds {}", d.name(), blocker.what),
                    None => format!("`{}`: {}", d.name(), blocker.what),
                }
            })
            .collect();
        let names: Vec<String> = lack.iter().map(|d| format!("`{}`", d.name())).collect();
        let first = why[id][lack[0] as usize].as_ref().expect("a lacking derive has a reason");
        let (origin, label) = match first.field.as_deref().and_then(|f| field_origin(krate, ModelId(id), f)) {
            Some(origin) => (origin, format!("holds {}", first.what)),
            None => (&model.origin, reasons[0].clone()),
        };
        diagnostics.push(
            Diagnostic::warning(
                Code::W020,
                format!(
                    "`{}::{}` is generated without {}: {}",
                    krate.modules[model.module].name,
                    model.name,
                    names.join(", "),
                    reasons.join("; ")
                ),
            )
            .at_origin(origin)
            .label(label)
            .hint("the other models still get every derive in `[types] derives`; implement the trait by hand for this one, or change the field's type in the schema"),
        );
    }
    (derives, diagnostics)
}

/// Why a model cannot have a derive: the field (Rust name) and what it holds.
#[derive(Clone, Debug)]
struct Blocker {
    field: Option<String>,
    what: String,
}

fn field_origin<'k>(krate: &'k Crate, id: ModelId, rust_name: &str) -> Option<&'k crate::ir::Origin> {
    match &krate.model(id).kind {
        ModelKind::Struct(s) => s.fields.iter().find(|f| f.rust_name() == rust_name).map(|f| &f.origin),
        _ => None,
    }
}

fn model_blocker(krate: &Crate, id: ModelId, derive: Derive, why: &[Vec<Option<Blocker>>]) -> Option<Blocker> {
    let at = |field: &str, what: String| Blocker { field: Some(field.to_string()), what };
    match &krate.model(id).kind {
        ModelKind::Struct(s) => {
            let fields = s
                .fields
                .iter()
                .find_map(|f| type_blocker(krate, &f.ty, derive, why, 0).map(|what| at(f.rust_name(), what)));
            fields.or_else(|| match &s.additional {
                Additional::Keep(ty) => type_blocker(krate, &Type::Map(Box::new(ty.clone())), derive, why, 0)
                    .map(|what| at(&s.additional_field, what)),
                _ => None,
            })
        }
        ModelKind::Union(u) => u.variants.iter().find_map(|v| {
            type_blocker(krate, &v.ty, derive, why, 0)
                .map(|what| Blocker { field: None, what: format!("variant `{}` holds {what}", v.rust_name) })
        }),
        ModelKind::Newtype { target, .. } => type_blocker(krate, target, derive, why, 0)
            .map(|what| Blocker { field: None, what: format!("it holds {what}") }),
        ModelKind::Enum(_) | ModelKind::Alias { .. } => None,
    }
}

/// What in `ty` does not implement `derive`, described for a message, or `None`.
fn type_blocker(
    krate: &Crate,
    ty: &Type,
    derive: Derive,
    why: &[Vec<Option<Blocker>>],
    depth: usize,
) -> Option<String> {
    let ordered = matches!(derive, Derive::PartialOrd | Derive::Ord);
    match ty {
        Type::String | Type::Boolean | Type::Integer | Type::Null | Type::Uuid | Type::DateTime | Type::Date => None,
        Type::Number => ordered.then(|| "`serde_json::Number`, which has no order".to_string()),
        Type::Any => ordered.then(|| "`serde_json::Value`, which has no order".to_string()),
        Type::Secret => (derive != Derive::Eq).then(|| "a `Secret`, which is never hashed or ordered".to_string()),
        Type::Map(inner) => match derive {
            Derive::Eq => type_blocker(krate, inner, derive, why, depth),
            _ => Some("a map (`IndexMap`), which is neither hashed nor ordered".to_string()),
        },
        Type::Array(inner) | Type::Nullable(inner) => type_blocker(krate, inner, derive, why, depth),
        Type::Tuple(items) => items.iter().find_map(|item| type_blocker(krate, item, derive, why, depth)),
        Type::Model(id) => {
            let model = krate.model(*id);
            match &model.kind {
                // Alias chains are finite (cycles became newtypes); the bound is a safeguard.
                ModelKind::Alias { target } if depth < 32 => type_blocker(krate, target, derive, why, depth + 1),
                ModelKind::Alias { .. } => Some(format!("`{}`", model.name)),
                _ if why[id.0][derive as usize].is_some() => {
                    Some(format!("`{}`, which does not derive `{}`", model.name, derive.name()))
                }
                _ => None,
            }
        }
    }
}

/// The paths of `derives`, each followed by `, `, for a `#[derive(…)]` list.
pub fn paths(derives: &[Derive]) -> String {
    derives
        .iter()
        .map(|d| match d {
            Derive::Eq => "::std::cmp::Eq, ",
            Derive::Hash => "::std::hash::Hash, ",
            Derive::PartialOrd => "::std::cmp::PartialOrd, ",
            Derive::Ord => "::std::cmp::Ord, ",
        })
        .collect()
}
