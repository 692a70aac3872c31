//! How deep models nest inside each other by value.
//!
//! A field whose type is a model (or an `Option` of one) holds that model inline, so a chain of
//! such fields makes one type contain the next, and the next, all in one value. Recursive
//! chains are already boxed (`box_recursive_fields`); long acyclic chains are the other problem
//! at scale: a spec whose objects refer to each other hundreds of levels deep would give types
//! of enormous size, built on the stack when decoded. [`bound_nesting`] boxes the field that
//! would make a chain deeper than [`MAX_INLINE_DEPTH`], so every value stays small.

use crate::ir::{Crate, ModelKind, Type};

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
            source_name: None,
            rust_name: "next".into(),
            ty,
            required: false,
            boxed: false,
            secret: None,
            docs: Docs::default(),
            origin: Origin::pointer("a.json", ""),
            also_from: Vec::new(),
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
}
