//! How deep models nest inside each other by value, and how a large module is split into
//! files ([`parts`]).
//!
//! A field whose type is a model (or an `Option` of one) holds that model inline, so a chain of
//! such fields makes one type contain the next, and the next, all in one value. Recursive
//! chains are already boxed (`box_recursive_fields`); long acyclic chains are the other problem
//! at scale: a spec whose objects refer to each other hundreds of levels deep would give types
//! of enormous size, built on the stack when decoded. [`bound_nesting`] boxes the field that
//! would make a chain deeper than [`MAX_INLINE_DEPTH`], so every value stays small.

use crate::ir::{Crate, ModelId, ModelKind, Type};
use crate::names::Namespace;

/// A module with more models than this is written as a directory of parts ([`parts`]).
pub const SPLIT_ABOVE: usize = 256;

/// A part starts, on average, at one model in this many.
const PART_EVERY: u64 = 128;

/// One file of a split module: its Rust module name and its models, in module order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub models: Vec<ModelId>,
}

/// Splits a module's `models` (in output order) into parts of about [`PART_EVERY`] models, or
/// `None` when there are no more than [`SPLIT_ABOVE`]. A part starts at every model whose name
/// hashes to a multiple of [`PART_EVERY`] (content-defined chunking), so where parts start
/// depends only on the names: adding, removing or changing a model changes the part it is in
/// and no other, and an edited schema recompiles one part. A part is named after its first
/// model, made unique against `taken` (the other names in the module's scope).
pub fn parts(krate: &Crate, models: &[ModelId], taken: &[&str]) -> Option<Vec<Part>> {
    if models.len() <= SPLIT_ABOVE {
        return None;
    }
    let mut parts: Vec<Part> = Vec::new();
    for (index, id) in models.iter().enumerate() {
        if index == 0 || fnv1a(&krate.model(*id).name) % PART_EVERY == 0 {
            parts.push(Part { name: String::new(), models: Vec::new() });
        }
        parts.last_mut().expect("the first model starts a part").models.push(*id);
    }
    let mut names = Namespace::default();
    for name in taken {
        names.claim(name);
    }
    for part in &mut parts {
        let first = &krate.model(part.models[0]).name;
        part.name = names.claim(&crate::names::module_name(first)).0;
    }
    Some(parts)
}

/// FNV-1a: a hash that is the same on every platform and in every run.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The most models one model may contain inline, one inside the other.
pub const MAX_INLINE_DEPTH: usize = 16;

/// The models `ty` holds by value (not through a `Vec`, map or `Box`).
fn inline_models(ty: &Type) -> Vec<usize> {
    let mut out = Vec::new();
    ty.visit_inline_models(&mut |id| out.push(id.0));
    out
}

/// Boxes fields, union variants and newtypes whose inline nesting would exceed
/// [`MAX_INLINE_DEPTH`]. Children are sized before their parents (Kahn's algorithm over the
/// by-value edges, which have no cycles once recursive fields are boxed), so the result does not
/// depend on recursion depth or on the order of models. Returns how many were boxed.
pub fn bound_nesting(krate: &mut Crate) -> usize {
    let n = krate.models.len();
    // The by-value children of every model, not counting what is boxed already.
    let children: Vec<Vec<usize>> = krate
        .models
        .iter()
        .map(|model| match &model.kind {
            ModelKind::Struct(s) => s.fields.iter().filter(|f| !f.boxed).flat_map(|f| inline_models(&f.ty)).collect(),
            ModelKind::Union(u) => u.variants.iter().filter(|v| !v.boxed).flat_map(|v| inline_models(&v.ty)).collect(),
            ModelKind::Newtype { target, boxed: false } | ModelKind::Alias { target } => inline_models(target),
            ModelKind::Newtype { boxed: true, .. } | ModelKind::Enum(_) => Vec::new(),
        })
        .collect();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting: Vec<usize> = vec![0; n];
    for (parent, kids) in children.iter().enumerate() {
        waiting[parent] = kids.len();
        for &kid in kids {
            parents[kid].push(parent);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&m| waiting[m] == 0).collect();
    let mut depth = vec![0usize; n];
    let mut boxed = 0;
    while let Some(model) = ready.pop() {
        let too_deep = |ty: &Type| inline_models(ty).iter().any(|&kid| depth[kid] >= MAX_INLINE_DEPTH);
        let mut box_if_deep = |ty: &Type, flag: &mut bool| {
            if !*flag && too_deep(ty) {
                *flag = true;
                boxed += 1;
            }
        };
        match &mut krate.models[model].kind {
            ModelKind::Struct(s) => s.fields.iter_mut().for_each(|f| box_if_deep(&f.ty, &mut f.boxed)),
            ModelKind::Union(u) => u.variants.iter_mut().for_each(|v| box_if_deep(&v.ty, &mut v.boxed)),
            ModelKind::Newtype { target, boxed } => box_if_deep(target, boxed),
            ModelKind::Alias { .. } | ModelKind::Enum(_) => {}
        }
        let inline: Vec<usize> = match &krate.models[model].kind {
            ModelKind::Struct(s) => s.fields.iter().filter(|f| !f.boxed).flat_map(|f| inline_models(&f.ty)).collect(),
            ModelKind::Union(u) => u.variants.iter().filter(|v| !v.boxed).flat_map(|v| inline_models(&v.ty)).collect(),
            ModelKind::Newtype { target, boxed: false } | ModelKind::Alias { target } => inline_models(target),
            _ => Vec::new(),
        };
        depth[model] = inline.iter().map(|&kid| depth[kid] + 1).max().unwrap_or(0);
        for &parent in &parents[model] {
            waiting[parent] -= 1;
            if waiting[parent] == 0 {
                ready.push(parent);
            }
        }
    }
    boxed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Additional, Docs, Field, Model, ModelId, Origin, Struct};

    fn holder(name: &str, ty: Type) -> Model {
        let field = Field {
            wire_name: "next".into(),
            rust: None,
            ty,
            required: false,
            boxed: false,
            docs: Docs::default(),
            origin: Origin::pointer("a.json", ""),
            rare: None,
        };
        Model {
            kind: ModelKind::Struct(Struct {
                fields: vec![field],
                additional: Additional::Ignore,
                additional_field: "additional_properties".into(),
            }),
            ..Model::placeholder(name.into(), 0, Origin::pointer("a.json", ""))
        }
    }

    #[test]
    fn a_long_chain_of_inline_models_is_boxed_every_so_often_and_a_short_one_is_not() {
        let length = 3 * MAX_INLINE_DEPTH + 5;
        // Model i holds model i + 1 by value (optionally); the last holds a string.
        let mut krate = Crate {
            models: (0..length)
                .map(|i| {
                    let ty = if i + 1 < length {
                        Type::Nullable(Box::new(Type::Model(ModelId(i + 1))))
                    } else {
                        Type::String
                    };
                    holder(&format!("M{i}"), ty)
                })
                .collect(),
            ..Crate::default()
        };
        let boxed = bound_nesting(&mut krate);
        assert_eq!(boxed, 3);
        let flags: Vec<bool> = krate
            .models
            .iter()
            .map(|m| match &m.kind {
                ModelKind::Struct(s) => s.fields[0].boxed,
                _ => unreachable!(),
            })
            .collect();
        // Counting from the end, the chain is cut each time it reaches the limit.
        let mut run = 0;
        for (i, &flag) in flags.iter().enumerate().rev() {
            if flag {
                assert_eq!(run, MAX_INLINE_DEPTH + 1, "boxed at {i}");
                run = 0;
            }
            run += 1;
            assert!(run <= MAX_INLINE_DEPTH + 1);
        }
        let mut short = Crate { models: krate.models[length - MAX_INLINE_DEPTH..].to_vec(), ..Crate::default() };
        for (i, m) in short.models.iter_mut().enumerate() {
            if let ModelKind::Struct(s) = &mut m.kind {
                s.fields[0].boxed = false;
                if let Type::Nullable(inner) = &mut s.fields[0].ty {
                    **inner = Type::Model(ModelId(i + 1));
                }
            }
        }
        let last = short.models.len() - 1;
        if let ModelKind::Struct(s) = &mut short.models[last].kind {
            s.fields[0].ty = Type::String;
        }
        assert_eq!(bound_nesting(&mut short), 0);
    }

    fn names(parts: &[Part], krate: &Crate) -> Vec<Vec<String>> {
        parts.iter().map(|p| p.models.iter().map(|id| krate.model(*id).name.clone()).collect()).collect()
    }

    #[test]
    fn a_large_module_splits_where_names_say_so_and_an_added_model_changes_one_part() {
        let krate = |count: usize, extra: Option<usize>| {
            let mut models: Vec<Model> = (0..count).map(|i| holder(&format!("Model{i}"), Type::String)).collect();
            if let Some(at) = extra {
                models.insert(at, holder("Added", Type::String));
            }
            Crate { models, ..Crate::default() }
        };
        let ids = |krate: &Crate| -> Vec<ModelId> { (0..krate.models.len()).map(ModelId).collect() };
        let small = krate(SPLIT_ABOVE, None);
        assert_eq!(parts(&small, &ids(&small), &[]), None, "a module of {SPLIT_ABOVE} models stays one file");

        let before = krate(2000, None);
        let split = parts(&before, &ids(&before), &["model0"]).expect("2,000 models are split");
        assert!(split.len() > 4 && split.len() < 40, "{} parts", split.len());
        assert_eq!(split.iter().map(|p| p.models.len()).sum::<usize>(), 2000);
        assert_eq!(split[0].name, "model0_2", "a part's name does not take a name of the scope");
        assert_eq!(split[1].name, crate::names::module_name(&before.model(split[1].models[0]).name));

        let after = krate(2000, Some(1000));
        let resplit = parts(&after, &ids(&after), &["model0"]).expect("still split");
        let (old, new) = (names(&split, &before), names(&resplit, &after));
        let changed: Vec<usize> = (0..new.len()).filter(|i| old.get(*i) != Some(&new[*i])).collect();
        assert_eq!(old.len(), new.len());
        assert_eq!(changed.len(), 1, "only the part with the added model changes: {changed:?}");
        assert!(new[changed[0]].contains(&"Added".to_string()));
    }
}
