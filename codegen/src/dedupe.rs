//! Identical shapes generated once.
//!
//! Real specs repeat themselves: the same inline object (Ampersand's access and refresh token
//! objects, an audit stamp) is written out in many places, and every schema location becomes a
//! check of its own. Two passes over the finished IR, before anything is emitted:
//!
//! - [`checks`]: checks whose rules are the same, once the checks they refer to are merged too,
//!   become one check. It is partition refinement (Moore's algorithm): start from classes of
//!   equal rules with their children left out, then split classes whose members' children fall
//!   into different classes, until nothing splits; cycles are handled because classes, not
//!   identities, are compared. Each class keeps its first check and the list is renumbered.
//! - [`models`]: an anonymous model (made for an inline schema, not a named definition or a
//!   markdown doc) that has the same kind, fields, module and check as an earlier one becomes a
//!   type alias of it, with its own docs, so every name users may already use still exists,
//!   while the struct, its serde impls and its `impl Validate` are generated once.
//!
//! Both are deterministic: classes are numbered in index order and the first member wins.

use std::collections::HashMap;

use crate::ir::{CheckId, Crate, ModelId, ModelKind, Origin, Rule, Type};

/// Merges identical checks, then identical anonymous models. `skipped` models are left alone.
pub fn dedupe(krate: &mut Crate, skipped: &[bool]) {
    checks(krate);
    models(krate, skipped);
}

/// Every child check of a rule, mutably, in a fixed order.
pub(crate) fn children_mut(rule: &mut Rule, f: &mut impl FnMut(&mut CheckId)) {
    match rule {
        Rule::PrefixItems { checks } | Rule::AllOf { checks } | Rule::AnyOf { checks } | Rule::OneOf { checks } => {
            checks.iter_mut().for_each(f)
        }
        Rule::Items { check, .. }
        | Rule::Contains { check, .. }
        | Rule::AdditionalProperties { check, .. }
        | Rule::PropertyNames { check }
        | Rule::Not { check }
        | Rule::Ref { check }
        | Rule::UnevaluatedProperties { check }
        | Rule::UnevaluatedItems { check } => f(check),
        Rule::Properties { properties: pairs }
        | Rule::PatternProperties { patterns: pairs }
        | Rule::DependentSchemas { dependencies: pairs } => pairs.iter_mut().for_each(|(_, c)| f(c)),
        Rule::If { condition, then, otherwise } => {
            f(condition);
            then.iter_mut().for_each(&mut *f);
            otherwise.iter_mut().for_each(f);
        }
        // Rules without child checks. A rule added later with children that is not listed here
        // keeps its child ids in the key below, so it can only merge less, never wrongly.
        _ => {}
    }
}

/// Merges checks that validate the same way. Returns how many were merged away.
pub fn checks(krate: &mut Crate) -> usize {
    let count = krate.checks.len();
    if count == 0 {
        return 0;
    }
    // The rules with every child set to 0, and the children in order.
    let mut children: Vec<Vec<usize>> = Vec::with_capacity(count);
    let mut local: HashMap<String, usize> = HashMap::new();
    let mut class: Vec<usize> = Vec::with_capacity(count);
    for check in &krate.checks {
        let mut rules = check.rules.clone();
        let mut kids = Vec::new();
        for rule in &mut rules {
            children_mut(rule, &mut |c| {
                kids.push(c.0);
                *c = CheckId(0);
            });
        }
        let key = serde_json::to_string(&rules).expect("rules serialize");
        let next = local.len();
        class.push(*local.entry(key).or_insert(next));
        children.push(kids);
    }
    let mut classes = local.len();
    loop {
        let mut split: HashMap<(usize, Vec<usize>), usize> = HashMap::with_capacity(classes);
        let refined: Vec<usize> = (0..count)
            .map(|i| {
                let key = (class[i], children[i].iter().map(|&c| class[c]).collect());
                let next = split.len();
                *split.entry(key).or_insert(next)
            })
            .collect();
        class = refined;
        if split.len() == classes {
            break;
        }
        classes = split.len();
    }
    // Class numbers follow first appearance, so the first member of each class is its smallest
    // index and the kept checks stay in their order.
    let mut new_id: Vec<Option<usize>> = vec![None; classes];
    let mut keep = Vec::with_capacity(classes);
    for (i, &c) in class.iter().enumerate() {
        if new_id[c].is_none() {
            new_id[c] = Some(keep.len());
            keep.push(i);
        }
    }
    let map = |id: CheckId| CheckId(new_id[class[id.0]].expect("every class has a member"));
    let old = std::mem::take(&mut krate.checks);
    let mut old: Vec<Option<crate::ir::Check>> = old.into_iter().map(Some).collect();
    krate.checks = keep
        .iter()
        .map(|&i| {
            let mut check = old[i].take().expect("each check is kept once");
            for rule in &mut check.rules {
                children_mut(rule, &mut |c| *c = map(*c));
            }
            check
        })
        .collect();
    for model in &mut krate.models {
        model.check = model.check.map(map);
    }
    count - classes
}

/// Whether a model was made for an inline schema rather than a named one: a definition
/// (`components/schemas`, `$defs`, `definitions`), a document root, or a markdown doc.
fn is_anonymous(origin: &Origin) -> bool {
    let Some(pointer) = &origin.pointer else { return false };
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    !matches!(tokens.as_slice(), [] | ["components", "schemas", _] | ["$defs" | "definitions", _])
}

fn blank() -> Origin {
    Origin { file: "".into(), pointer: None, line: None }
}

fn map_type(ty: &mut Type, f: &impl Fn(ModelId) -> ModelId) {
    match ty {
        Type::Model(id) => *id = f(*id),
        Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => map_type(inner, f),
        Type::Tuple(items) => items.iter_mut().for_each(|item| map_type(item, f)),
        _ => {}
    }
}

/// Every type a model's kind refers to, mutably.
fn kind_types(kind: &mut ModelKind, f: &mut impl FnMut(&mut Type)) {
    match kind {
        ModelKind::Struct(s) => {
            s.fields.iter_mut().for_each(|field| f(&mut field.ty));
            if let crate::ir::Additional::Keep(ty) = &mut s.additional {
                f(ty);
            }
        }
        ModelKind::Union(u) => u.variants.iter_mut().for_each(|v| f(&mut v.ty)),
        ModelKind::Alias { target } | ModelKind::Newtype { target, .. } => f(target),
        ModelKind::Enum(_) => {}
    }
}

/// Turns anonymous models identical to an earlier model into aliases of it. Returns how many.
pub fn models(krate: &mut Crate, skipped: &[bool]) -> usize {
    let candidate = |krate: &Crate, i: usize| {
        let model = &krate.models[i];
        !skipped.get(i).copied().unwrap_or(false)
            && model.merged_into.is_none()
            && !matches!(model.kind, ModelKind::Alias { .. })
    };
    // The model each model stands for; repeated because merging nested shapes can make their
    // parents equal.
    let mut target: Vec<ModelId> = (0..krate.models.len()).map(ModelId).collect();
    let mut merged = 0;
    loop {
        let mut seen: HashMap<String, ModelId> = HashMap::new();
        let mut changed = false;
        for i in 0..krate.models.len() {
            if target[i].0 != i || !candidate(krate, i) {
                continue;
            }
            let model = &krate.models[i];
            let mut kind = model.kind.clone();
            kind_types(&mut kind, &mut |ty| map_type(ty, &|id| target[id.0]));
            if let ModelKind::Struct(s) = &mut kind {
                for field in &mut s.fields {
                    field.origin = blank();
                    if let Some(rare) = &mut field.rare {
                        rare.also_from.clear();
                    }
                }
            }
            // The model's own docs are left out: the alias keeps them (Ampersand's access and
            // refresh token objects differ only in their description).
            let key = serde_json::to_string(&(
                model.module,
                &kind,
                model.check,
                &model.test_example,
                model.also_from.is_empty(),
            ))
            .expect("models serialize");
            match seen.get(&key) {
                Some(&first) if is_anonymous(&model.origin) => {
                    target[i] = first;
                    changed = true;
                    merged += 1;
                }
                Some(_) => {}
                None => {
                    seen.insert(key, ModelId(i));
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (i, &to) in target.iter().enumerate() {
        if to.0 != i {
            // The first of a class is never redirected, so one step reaches it.
            krate.models[i].kind = ModelKind::Alias { target: Type::Model(to) };
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Check, Docs, Model, Module};

    fn check(rules: Vec<Rule>) -> Check {
        Check { origin: blank(), rules }
    }

    #[test]
    fn identical_checks_merge_through_their_children_and_cycles() {
        let mut krate = Crate {
            checks: vec![
                // 0 and 2 differ only in which of two identical children they use.
                check(vec![Rule::Properties { properties: vec![("a".into(), CheckId(1))] }]),
                check(vec![Rule::MinLength { limit: 1 }]),
                check(vec![Rule::Properties { properties: vec![("a".into(), CheckId(3))] }]),
                check(vec![Rule::MinLength { limit: 1 }]),
                // 4 and 5 refer to themselves: identical cycles.
                check(vec![Rule::Items { check: CheckId(4), from: 0, additional_items: false }]),
                check(vec![Rule::Items { check: CheckId(5), from: 0, additional_items: false }]),
                // 6 has a different child, so it stays apart from 0.
                check(vec![Rule::Properties { properties: vec![("a".into(), CheckId(7))] }]),
                check(vec![Rule::MinLength { limit: 2 }]),
            ],
            models: vec![Model { check: Some(CheckId(2)), ..Model::placeholder("M".into(), 0, blank()) }],
            ..Crate::default()
        };
        assert_eq!(checks(&mut krate), 3);
        assert_eq!(krate.checks.len(), 5);
        assert_eq!(krate.models[0].check, Some(CheckId(0)));
        assert_eq!(krate.checks[0].rules, vec![Rule::Properties { properties: vec![("a".into(), CheckId(1))] }]);
        assert_eq!(krate.checks[2].rules, vec![Rule::Items { check: CheckId(2), from: 0, additional_items: false }]);
        assert_eq!(krate.checks[3].rules, vec![Rule::Properties { properties: vec![("a".into(), CheckId(4))] }]);
        assert_eq!(krate.checks[4].rules, vec![Rule::MinLength { limit: 2 }]);
    }

    fn model(name: &str, pointer: &str, kind: ModelKind) -> Model {
        Model { kind, ..Model::placeholder(name.into(), 0, Origin::pointer("a.json", pointer)) }
    }

    fn one_field(ty: Type) -> ModelKind {
        ModelKind::Struct(crate::ir::Struct {
            fields: vec![crate::ir::Field {
                wire_name: "x".into(),
                rust_name: "x".into(),
                ty,
                required: true,
                boxed: false,
                docs: Docs::default(),
                origin: blank(),
                rare: None,
            }],
            additional: crate::ir::Additional::Ignore,
            additional_field: "additional_properties".into(),
        })
    }

    #[test]
    fn identical_anonymous_models_become_aliases_of_the_first_and_named_ones_stay() {
        let mut krate = Crate {
            modules: vec![Module { name: "m".into(), doc: None, models: (0..6).map(ModelId).collect() }],
            models: vec![
                model("Named", "/components/schemas/Named", one_field(Type::String)),
                model("Other", "/components/schemas/Other", one_field(Type::String)),
                model("OtherTokens", "/components/schemas/Other/properties/tokens", one_field(Type::String)),
                // Identical once its nested model (3) is merged into 2's twin.
                model("AInner", "/components/schemas/A/properties/inner", one_field(Type::String)),
                model("AOuter", "/components/schemas/A/properties/outer", one_field(Type::Model(ModelId(3)))),
                model("BOuter", "/components/schemas/B/properties/outer", one_field(Type::Model(ModelId(2)))),
            ],
            ..Crate::default()
        };
        assert_eq!(models(&mut krate, &[false; 6]), 3);
        let target = |i: usize| match &krate.models[i].kind {
            ModelKind::Alias { target: Type::Model(id) } => Some(id.0),
            _ => None,
        };
        assert_eq!((target(0), target(1)), (None, None), "definitions keep their own structs");
        assert_eq!(target(2), Some(0));
        assert_eq!(target(3), Some(0));
        assert_eq!(target(4), None);
        assert_eq!(target(5), Some(4));
    }
}
