//! Merging the descriptions of one model from different kinds of source.
//!
//! An API often publishes the same object twice: as a schema in its OpenAPI spec and as a model
//! doc of its SDK (Ampersand's `Connection` is both). Within a module, a markdown model and a
//! schema model that asked for the same name are one model: the preferred source's model stays,
//! the other's fields are folded into it, nested models that both describe (a `group` field that
//! is `Group` on one side and `ListConnectionsGroup` on the other) merge the same way, and every
//! disagreement becomes a W009 warning naming both places.

use std::collections::{BTreeSet, HashMap};

use crate::config::Prefer;
use crate::diag::{Code, Diagnostic, Diagnostics, Location};
use crate::explain::type_name;
use crate::ir::{Crate, ModelId, ModelKind, Origin, Type};

/// Merges the models of `module` whose sources differ in kind but whose wanted names agree.
pub fn merge_module(
    krate: &mut Crate,
    module: usize,
    wanted: &[Option<Box<str>>],
    prefer: Prefer,
    diagnostics: &mut Diagnostics,
) {
    // Only a module with models of both kinds has anything to merge; the tables below would
    // otherwise be built for nothing at the peak of a large run, at the end of its reading.
    let models = &krate.modules[module].models;
    let markdown = models.iter().filter(|id| is_markdown(&krate.models[id.0].origin)).count();
    if markdown == 0 || markdown == models.len() {
        return;
    }
    let ids = models.clone();
    // The name each of the module's models asked for, before any is renamed below.
    let asked: HashMap<ModelId, String> = ids
        .iter()
        .filter_map(|&id| Some((id, wanted.get(id.0)?.as_deref().unwrap_or(&krate.models[id.0].name).to_string())))
        .collect();
    // The models that wanted each name, in module order: only these can pair up, so a module of
    // thousands of models is not compared pair by pair.
    let mut by_name: HashMap<Option<&String>, Vec<ModelId>> = HashMap::new();
    for &id in &ids {
        by_name.entry(asked.get(&id)).or_default().push(id);
    }
    // Pairs in the order of a pass over every pair of the module, which decides who merges first.
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    let position: HashMap<ModelId, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    for same in by_name.values() {
        for (i, &a) in same.iter().enumerate() {
            for &b in &same[i + 1..] {
                if is_markdown(&krate.models[a.0].origin) != is_markdown(&krate.models[b.0].origin) {
                    candidates.push((position[&a], position[&b]));
                }
            }
        }
    }
    candidates.sort_unstable();
    let mut pairs = Vec::new();
    for (a, b) in candidates {
        let (a, b) = (ids[a], ids[b]);
        let (schema, markdown) = if is_markdown(&krate.models[a.0].origin) { (b, a) } else { (a, b) };
        pairs.push(match prefer {
            Prefer::Schema => (schema, markdown),
            Prefer::Markdown => (markdown, schema),
        });
    }
    // Merged-away models, each with the model it was merged into.
    let mut merged: HashMap<ModelId, ModelId> = HashMap::new();
    for (winner, loser) in pairs {
        if merged.contains_key(&loser) || merged.contains_key(&winner) {
            continue;
        }
        // The merged model goes by the name both asked for, whichever of them got it.
        if let Some(name) = asked.get(&winner).filter(|w| **w == krate.models[loser.0].name) {
            krate.models[loser.0].name = krate.models[winner.0].name.clone();
            krate.models[winner.0].name = name.clone();
        }
        merge_models(krate, winner, loser, &mut merged, diagnostics);
    }
    if merged.is_empty() {
        return;
    }
    redirect(krate, &merged);
    for module in &mut krate.modules {
        module.models.retain(|id| !merged.contains_key(id));
    }
    for (loser, winner) in &merged {
        krate.models[loser.0].merged_into = Some(*winner);
    }
}

/// What [`merge_module`]'s `wanted` keeps for a model that asked for `wanted` and got `name`.
pub(crate) fn wanted_if_other(wanted: &str, name: &str) -> Option<Box<str>> {
    (wanted != name).then(|| wanted.into())
}

fn is_markdown(origin: &Origin) -> bool {
    origin.pointer.is_none() && origin.line.is_some()
}

/// Folds `loser` into `winner`, recording `(loser, winner)` in `merged`.
fn merge_models(
    krate: &mut Crate,
    winner: ModelId,
    loser: ModelId,
    merged: &mut HashMap<ModelId, ModelId>,
    diagnostics: &mut Diagnostics,
) {
    if winner == loser || merged.contains_key(&loser) {
        return;
    }
    merged.insert(loser, winner);
    let loser_model = krate.models[loser.0].clone();
    let winner_name = krate.models[winner.0].name.clone();
    let also_from = &mut krate.models[winner.0].rare_mut().also_from;
    also_from.push(loser_model.origin.clone());
    also_from.extend(loser_model.also_from().iter().cloned());
    let warn = |diagnostics: &mut Diagnostics, at: &Origin, other: &Origin, message: String| {
        diagnostics.push(
            Diagnostic::warning(Code::W009, message)
                .at(Location::at(at))
                .label(format!("the other description is at {other}"))
                .hint("the preferred source (`prefer` in the module's config) decides; fix the other source, or change `prefer`"),
        );
    };
    match (krate.models[winner.0].kind.clone(), &loser_model.kind) {
        (ModelKind::Struct(mut kept), ModelKind::Struct(other)) => {
            let mut nested = Vec::new();
            for field in &other.fields {
                match kept.fields.iter_mut().find(|f| f.wire_name == field.wire_name) {
                    Some(ours) => {
                        ours.rare_mut().also_from.push(field.origin.clone());
                        if ours.required != field.required {
                            let required = |r: bool| if r { "required" } else { "optional" };
                            warn(
                                diagnostics,
                                &ours.origin,
                                &field.origin,
                                format!(
                                    "`{winner_name}.{}` is {} here and {} in the other description",
                                    field.wire_name,
                                    required(ours.required),
                                    required(field.required)
                                ),
                            );
                        }
                        match (model_of(&ours.ty), model_of(&field.ty)) {
                            (Some(a), Some(b)) if a != b => nested.push((a, b)),
                            _ => {
                                let (ours_ty, theirs_ty) = (type_name(krate, &ours.ty), type_name(krate, &field.ty));
                                if ours_ty != theirs_ty {
                                    warn(
                                        diagnostics,
                                        &ours.origin,
                                        &field.origin,
                                        format!(
                                            "`{winner_name}.{}` is {ours_ty} here and {theirs_ty} in the other description",
                                            field.wire_name
                                        ),
                                    );
                                }
                            }
                        }
                        if ours.docs.description.is_none() {
                            ours.docs.description = field.docs.description.clone();
                        }
                    }
                    None => {
                        warn(
                            diagnostics,
                            &field.origin,
                            &loser_model.origin,
                            format!(
                                "`{winner_name}.{}` is only in this description; it is kept, as optional",
                                field.wire_name
                            ),
                        );
                        let mut field = field.clone();
                        field.required = false;
                        kept.fields.push(field);
                    }
                }
            }
            for field in &kept.fields {
                if !other.fields.iter().any(|f| f.wire_name == field.wire_name) {
                    warn(
                        diagnostics,
                        &field.origin,
                        &loser_model.origin,
                        format!("`{winner_name}.{}` is missing from the other description", field.wire_name),
                    );
                }
            }
            krate.models[winner.0].kind = ModelKind::Struct(kept);
            for (a, b) in nested {
                crate::deep(|| merge_models(krate, a, b, merged, diagnostics));
            }
        }
        (ModelKind::Enum(mut kept), ModelKind::Enum(other)) => {
            let ours: BTreeSet<&str> = kept.variants.iter().map(|v| &*v.wire_value).collect();
            let theirs: BTreeSet<&str> = other.variants.iter().map(|v| &*v.wire_value).collect();
            if ours != theirs {
                let only =
                    |a: &BTreeSet<&str>, b: &BTreeSet<&str>| a.difference(b).copied().collect::<Vec<_>>().join(", ");
                warn(
                    diagnostics,
                    &krate.models[winner.0].origin,
                    &loser_model.origin,
                    format!(
                        "`{winner_name}` values differ: only here [{}], only in the other description [{}]; both are accepted",
                        only(&ours, &theirs),
                        only(&theirs, &ours)
                    ),
                );
                // Decoding must accept what either description says the API may send.
                let extra: Vec<_> = other.variants.iter().filter(|v| !ours.contains(&*v.wire_value)).cloned().collect();
                kept.variants.extend(extra);
                kept.open |= other.open;
            }
            krate.models[winner.0].kind = ModelKind::Enum(kept);
        }
        (kept, other) if std::mem::discriminant(&kept) != std::mem::discriminant(other) => {
            warn(
                diagnostics,
                &krate.models[winner.0].origin,
                &loser_model.origin,
                format!("`{winner_name}` is a different kind of model in the other description; this one is kept"),
            );
        }
        _ => {}
    }
}

fn model_of(ty: &Type) -> Option<ModelId> {
    match ty {
        Type::Model(id) => Some(*id),
        Type::Nullable(inner) => model_of(inner),
        _ => None,
    }
}

/// Points every reference to a merged-away model at the model it was merged into.
fn redirect(krate: &mut Crate, merged: &HashMap<ModelId, ModelId>) {
    let target = |id: ModelId| {
        let mut id = id;
        while let Some(winner) = merged.get(&id) {
            id = *winner;
        }
        id
    };
    fn walk(ty: &mut Type, target: &dyn Fn(ModelId) -> ModelId) {
        match ty {
            Type::Model(id) => *id = target(*id),
            Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => walk(inner, target),
            Type::Tuple(items) => items.iter_mut().for_each(|t| walk(t, target)),
            _ => {}
        }
    }
    for model in &mut krate.models {
        match &mut model.kind {
            ModelKind::Struct(s) => {
                s.fields.iter_mut().for_each(|f| walk(&mut f.ty, &target));
                if let crate::ir::Additional::Keep(ty) = &mut s.additional {
                    walk(ty, &target);
                }
            }
            ModelKind::Union(u) => u.variants.iter_mut().for_each(|v| walk(&mut v.ty, &target)),
            ModelKind::Alias { target: ty } | ModelKind::Newtype { target: ty, .. } => walk(ty, &target),
            ModelKind::Enum(_) => {}
        }
    }
    for root in &mut krate.roots {
        root.model = target(root.model);
    }
}
