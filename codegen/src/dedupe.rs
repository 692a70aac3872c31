//! Identical shapes generated once.
//!
//! Real specs repeat themselves: the same inline object (Ampersand's access and refresh token
//! objects, an audit stamp) is written out in many places, and every schema location becomes a
//! check of its own. Two passes over the finished IR, before anything is emitted:
//!
//! - [`checks`]: checks whose rules are the same, once the checks they refer to are merged too,
//!   become one check. It is partition refinement: start from classes of equal rules with their
//!   children left out, then split classes whose members' children fall into different classes,
//!   until nothing splits; cycles are handled because classes, not identities, are compared.
//!   Hopcroft's algorithm does it in O(references × log checks), where splitting every class
//!   in rounds (Moore's) would take one round per link of the longest chain of checks. Each
//!   class keeps its first check and the list is renumbered.
//! - [`models`]: an anonymous model (made for an inline schema, not a named definition or a
//!   markdown doc) that has the same kind, fields, module and check as an earlier one becomes a
//!   type alias of it, with its own docs, so every name users may already use still exists,
//!   while the struct, its serde impls and its `impl Validate` are generated once.
//!
//! Both are deterministic: classes are numbered in index order and the first member wins.

use std::collections::HashMap;
use std::hash::BuildHasher as _;

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
    let graph = Graph::new(&krate.checks);
    let class = graph.coarsest_partition();
    let classes = class.iter().max().map_or(0, |&c| c + 1);
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

/// The checks as a graph for [`checks`]: the checks that refer to each check, with the position
/// of the reference among the referring check's children in [`children_mut`]'s order, and the
/// classes of equal rules with every child left out (the partition to refine). Indices are
/// `u32` to keep it small.
struct Graph {
    /// `parents[parent_at[i]..parent_at[i + 1]]` are the `(parent, position)` edges into check
    /// `i`, sorted by position, so the parents through one position are a range.
    parent_at: Vec<u32>,
    parents: Vec<(u32, u32)>,
    /// The class of equal rules of each check, numbered by first appearance.
    shape: Vec<u32>,
}

impl Graph {
    fn new(checks: &[crate::ir::Check]) -> Self {
        let index = |n: usize| u32::try_from(n).expect("fewer than 2^32 checks");
        let mut kid_at = Vec::with_capacity(checks.len() + 1);
        let mut kids = Vec::new();
        kid_at.push(0);
        // Shapes by a hash of their canonical JSON, with the JSON compared on a hash match
        // (written again for the first check of the shape, not kept): the JSON texts of every
        // shape would take megabytes on a large spec, and stay in the process's heap.
        let mut first_of_hash: HashMap<u64, u32> = HashMap::new();
        let mut same_hash: Vec<Option<u32>> = Vec::new();
        let mut first: Vec<u32> = Vec::new();
        let mut shape = Vec::with_capacity(checks.len());
        let mut json = Vec::new();
        for check in checks {
            json.clear();
            write_shape(&check.rules, &mut json, &mut |c| kids.push(index(c.0)));
            kid_at.push(index(kids.len()));
            let hash = foldhash::fast::FixedState::default().hash_one(&json[..]);
            let mut found = first_of_hash.get(&hash).copied();
            let mut last = None;
            while let Some(class) = found {
                let mut compare = Compare { rest: &json, same: true };
                write_shape(&checks[first[class as usize] as usize].rules, &mut compare, &mut |_| {});
                if compare.same && compare.rest.is_empty() {
                    break;
                }
                last = Some(class);
                found = same_hash[class as usize];
            }
            let class = found.unwrap_or_else(|| {
                let class = index(first.len());
                first.push(index(shape.len()));
                same_hash.push(None);
                match last {
                    Some(last) => same_hash[last as usize] = Some(class),
                    None => drop(first_of_hash.insert(hash, class)),
                }
                class
            });
            shape.push(class);
        }
        // Parents by counting sort on the child, then a stable sort of each range by position.
        let mut parent_at = vec![0u32; checks.len() + 1];
        for &kid in &kids {
            parent_at[kid as usize + 1] += 1;
        }
        for i in 0..checks.len() {
            parent_at[i + 1] += parent_at[i];
        }
        let mut fill = parent_at.clone();
        let mut parents = vec![(0, 0); kids.len()];
        for parent in 0..checks.len() {
            let (from, to) = (kid_at[parent] as usize, kid_at[parent + 1] as usize);
            for (position, &kid) in kids[from..to].iter().enumerate() {
                let at = &mut fill[kid as usize];
                parents[*at as usize] = (index(parent), index(position));
                *at += 1;
            }
        }
        for i in 0..checks.len() {
            parents[parent_at[i] as usize..parent_at[i + 1] as usize].sort_by_key(|&(_, position)| position);
        }
        Graph { parent_at, parents, shape }
    }

    fn parents(&self, i: u32) -> &[(u32, u32)] {
        &self.parents[self.parent_at[i as usize] as usize..self.parent_at[i as usize + 1] as usize]
    }

    /// The coarsest partition of the checks, finer than their shapes, in which two checks of a
    /// class have children of the same classes, position by position: what Moore's algorithm
    /// (split every class by its members' children's classes, until nothing splits) finds, in
    /// O(edges × log checks) by Hopcroft's algorithm. A splitter is a class and a position:
    /// the checks whose child at that position is in the class are split from the others of
    /// their classes. When a class splits, the smaller half becomes a new class and only it is
    /// queued: splitting by the whole class and by one half splits by the other half too.
    /// Returns each check's class, numbered by first appearance.
    fn coarsest_partition(&self) -> Vec<usize> {
        let n = self.shape.len();
        let shapes = self.shape.iter().max().map_or(0, |&s| s as usize + 1);
        // Classes as ranges of `members`; a class's marked members come first.
        let mut start = vec![0u32; shapes + 1];
        for &s in &self.shape {
            start[s as usize + 1] += 1;
        }
        for s in 0..shapes {
            start[s + 1] += start[s];
        }
        let mut end: Vec<u32> = start[1..].to_vec();
        start.truncate(shapes);
        let mut members = vec![0u32; n];
        let mut at = vec![0u32; n];
        let mut fill = start.clone();
        for (i, &s) in self.shape.iter().enumerate() {
            let slot = &mut fill[s as usize];
            members[*slot as usize] = i as u32;
            at[i] = *slot;
            *slot += 1;
        }
        let mut marked_to = start.clone();
        let mut class: Vec<u32> = self.shape.clone();
        // Positions seen for the class being queued (a stamp per position).
        let mut seen: Vec<u32> = Vec::new();
        let mut stamp = 0u32;
        let mut queue: Vec<(u32, u32)> = Vec::new();
        let mut enqueue = |c: u32, members: &[u32], queue: &mut Vec<(u32, u32)>| {
            stamp += 1;
            for &m in members {
                for &(_, position) in self.parents(m) {
                    let p = position as usize;
                    if p >= seen.len() {
                        seen.resize(p + 1, 0);
                    }
                    if seen[p] != stamp {
                        seen[p] = stamp;
                        queue.push((c, position));
                    }
                }
            }
        };
        for c in 0..shapes {
            enqueue(c as u32, &members[start[c] as usize..end[c] as usize], &mut queue);
        }
        let mut marked: Vec<u32> = Vec::new();
        let mut touched: Vec<u32> = Vec::new();
        while let Some((splitter, position)) = queue.pop() {
            let (from, to) = (start[splitter as usize] as usize, end[splitter as usize] as usize);
            marked.clear();
            for &m in &members[from..to] {
                let parents = self.parents(m);
                let first = parents.partition_point(|&(_, p)| p < position);
                marked.extend(parents[first..].iter().take_while(|&&(_, p)| p == position).map(|&(parent, _)| parent));
            }
            // Each check has one child at a position, so it is marked at most once.
            for &m in &marked {
                let c = class[m as usize] as usize;
                if marked_to[c] == start[c] {
                    touched.push(c as u32);
                }
                let (here, there) = (at[m as usize], marked_to[c]);
                let other = members[there as usize];
                members.swap(here as usize, there as usize);
                at[other as usize] = here;
                at[m as usize] = there;
                marked_to[c] += 1;
            }
            for c in touched.drain(..) {
                let c = c as usize;
                let (s, mid, e) = (start[c], marked_to[c], end[c]);
                marked_to[c] = s;
                if mid == e {
                    continue;
                }
                let new = start.len() as u32;
                let (range, rest) = if mid - s <= e - mid { ((s, mid), (mid, e)) } else { ((mid, e), (s, mid)) };
                (start[c], end[c]) = rest;
                marked_to[c] = rest.0;
                start.push(range.0);
                end.push(range.1);
                marked_to.push(range.0);
                let moved = &members[range.0 as usize..range.1 as usize];
                for &m in moved {
                    class[m as usize] = new;
                }
                enqueue(new, moved, &mut queue);
            }
        }
        let mut number = vec![usize::MAX; start.len()];
        let mut next = 0;
        class
            .iter()
            .map(|&c| {
                if number[c as usize] == usize::MAX {
                    number[c as usize] = next;
                    next += 1;
                }
                number[c as usize]
            })
            .collect()
    }
}

/// Writes the canonical JSON of `rules` with every child check left out (written as 0) to
/// `out`, giving `kid` each child in [`children_mut`]'s order.
fn write_shape(rules: &[Rule], out: &mut impl std::io::Write, kid: &mut impl FnMut(CheckId)) {
    let mut rules = rules.to_vec();
    for rule in &mut rules {
        children_mut(rule, &mut |c| {
            kid(*c);
            *c = CheckId(0);
        });
    }
    serde_json::to_writer(out, &rules).expect("rules serialize");
}

/// A writer that compares what is written with `rest`, the text expected.
struct Compare<'a> {
    rest: &'a [u8],
    same: bool,
}

impl std::io::Write for Compare<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self.rest.strip_prefix(bytes) {
            Some(rest) if self.same => self.rest = rest,
            _ => self.same = false,
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

/// Writes what makes model `i` the same shape as another, as canonical JSON, to `out`: its
/// module, its kind with the models it uses mapped by `target` and its fields' origins left out,
/// its check and example, and whether it is reached from elsewhere. The model's own docs are
/// left out: the alias keeps them (Ampersand's access and refresh token objects differ only in
/// their description).
fn model_key(krate: &Crate, i: usize, target: &dyn Fn(ModelId) -> ModelId, out: &mut impl std::io::Write) {
    let model = &krate.models[i];
    let mut kind = model.kind.clone();
    kind_types(&mut kind, &mut |ty| map_type(ty, &target));
    if let ModelKind::Struct(s) = &mut kind {
        for field in &mut s.fields {
            field.origin = blank();
            if let Some(rare) = &mut field.rare {
                rare.also_from.clear();
            }
        }
    }
    serde_json::to_writer(out, &(model.module, &kind, model.check, model.test_example(), model.also_from().is_empty()))
        .expect("models serialize");
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
    let mut key = Vec::new();
    loop {
        // Each model is compared by its key, the canonical JSON of what makes it the same shape,
        // with the models it uses mapped to those they stand for. A key is found by its hash and
        // written again to be compared, not kept (keys of every model would take megabytes of a
        // large spec's heap). A key is written with `target` as it was when the model was
        // reached in this round: entries before the model as they are now, the others as they
        // were when the round began (`before`).
        let before = target.clone();
        let mut seen: HashMap<u64, ModelId> = HashMap::new();
        let mut same_hash: HashMap<ModelId, ModelId> = HashMap::new();
        let mut changed = false;
        for i in 0..krate.models.len() {
            if target[i].0 != i || !candidate(krate, i) {
                continue;
            }
            key.clear();
            model_key(krate, i, &|id| target[id.0], &mut key);
            let hash = foldhash::fast::FixedState::default().hash_one(&key[..]);
            let mut found = seen.get(&hash).copied();
            let mut last = None;
            while let Some(first) = found {
                let mut compare = Compare { rest: &key, same: true };
                let then = |id: ModelId| if id.0 < first.0 { target[id.0] } else { before[id.0] };
                model_key(krate, first.0, &then, &mut compare);
                if compare.same && compare.rest.is_empty() {
                    break;
                }
                last = Some(first);
                found = same_hash.get(&first).copied();
            }
            match found {
                Some(first) if is_anonymous(&krate.models[i].origin) => {
                    target[i] = first;
                    changed = true;
                    merged += 1;
                }
                Some(_) => {}
                None => match last {
                    Some(last) => drop(same_hash.insert(last, ModelId(i))),
                    None => drop(seen.insert(hash, ModelId(i))),
                },
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

    /// Moore's algorithm, as `checks` ran it before: one round per step of the longest chain.
    fn moore(graph: &Graph, checks: &[Check]) -> Vec<usize> {
        let n = graph.shape.len();
        let kids: Vec<Vec<usize>> = checks
            .iter()
            .map(|check| {
                let mut kids = Vec::new();
                for rule in &mut check.rules.clone() {
                    children_mut(rule, &mut |c| kids.push(c.0));
                }
                kids
            })
            .collect();
        let mut class: Vec<usize> = graph.shape.iter().map(|&s| s as usize).collect();
        let mut classes = class.iter().max().map_or(0, |&c| c + 1);
        loop {
            let mut split: HashMap<(usize, Vec<usize>), usize> = HashMap::new();
            let refined: Vec<usize> = (0..n)
                .map(|i| {
                    let key = (class[i], kids[i].iter().map(|&c| class[c]).collect());
                    let next = split.len();
                    *split.entry(key).or_insert(next)
                })
                .collect();
            class = refined;
            if split.len() == classes {
                return class;
            }
            classes = split.len();
        }
    }

    #[test]
    fn the_partition_is_moores_on_random_check_graphs() {
        let mut next = crate::tests::xorshift(0x9e37_79b9_7f4a_7c15_u64);
        let (mut split, mut merged) = (0, 0);
        for round in 0..300 {
            let n = 1 + next(if round < 200 { 12 } else { 150 });
            let limits = 1 + next(3) as u64;
            let checks: Vec<Check> = (0..n)
                .map(|_| {
                    let limit = next(limits as usize) as u64;
                    check(match next(5) {
                        0 => vec![Rule::MinLength { limit }],
                        1 => vec![Rule::Items { check: CheckId(next(n)), from: 0, additional_items: false }],
                        2 => vec![Rule::AllOf { checks: vec![CheckId(next(n)), CheckId(next(n))] }],
                        3 => vec![
                            Rule::Properties {
                                properties: vec![("a".into(), CheckId(next(n))), ("b".into(), CheckId(next(n)))],
                            },
                            Rule::MaxLength { limit },
                        ],
                        _ => vec![Rule::Not { check: CheckId(next(n)) }, Rule::MinLength { limit }],
                    })
                })
                .collect();
            let graph = Graph::new(&checks);
            let expected = moore(&graph, &checks);
            assert_eq!(graph.coarsest_partition(), expected, "round {round}");
            let count = |classes: &[usize]| classes.iter().max().map_or(0, |&c| c + 1);
            let shapes: Vec<usize> = graph.shape.iter().map(|&s| s as usize).collect();
            split += usize::from(count(&expected) > count(&shapes));
            merged += usize::from(count(&expected) < n);
        }
        // The cases are not trivial: classes split, and checks merge.
        assert!(split > 100 && merged > 100, "{split} {merged}");
    }

    #[test]
    fn a_long_chain_and_its_copy_merge_link_by_link() {
        // Two chains of 5,000 checks, each an `items` of the next, ending in a check that is its
        // own `additionalItems`: each link differs from the others of its chain by how far the
        // end is, which Moore's algorithm learns one round per link.
        let n = 5_000;
        let mut list = Vec::new();
        for copy in 0..2 {
            for i in 0..n {
                let next = if i + 1 < n { copy * n + i + 1 } else { copy * n + i };
                list.push(check(vec![Rule::Items { check: CheckId(next), from: 0, additional_items: i + 1 == n }]));
            }
        }
        let mut krate = Crate { checks: list, ..Crate::default() };
        assert_eq!(checks(&mut krate), n);
        for (i, check) in krate.checks.iter().enumerate() {
            let next = CheckId((i + 1).min(n - 1));
            assert_eq!(check.rules, vec![Rule::Items { check: next, from: 0, additional_items: i + 1 == n }]);
        }
    }

    fn model(name: &str, pointer: &str, kind: ModelKind) -> Model {
        Model { kind, ..Model::placeholder(name.into(), 0, Origin::pointer("a.json", pointer)) }
    }

    fn one_field(ty: Type) -> ModelKind {
        ModelKind::Struct(crate::ir::Struct {
            fields: vec![crate::ir::Field {
                wire_name: "x".into(),
                rust: None,
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

    /// `models` as it was before keys were hashed: every key kept as a string.
    fn models_by_strings(krate: &Crate) -> Vec<ModelId> {
        let mut target: Vec<ModelId> = (0..krate.models.len()).map(ModelId).collect();
        loop {
            let mut seen: HashMap<Vec<u8>, ModelId> = HashMap::new();
            let mut changed = false;
            for i in 0..krate.models.len() {
                if target[i].0 != i || matches!(krate.models[i].kind, ModelKind::Alias { .. }) {
                    continue;
                }
                let mut key = Vec::new();
                model_key(krate, i, &|id| target[id.0], &mut key);
                match seen.get(&key) {
                    Some(&first) if is_anonymous(&krate.models[i].origin) => {
                        target[i] = first;
                        changed = true;
                    }
                    Some(_) => {}
                    None => drop(seen.insert(key, ModelId(i))),
                }
            }
            if !changed {
                return target;
            }
        }
    }

    #[test]
    fn models_merge_as_when_every_key_was_kept() {
        let mut next = crate::tests::xorshift(0x2545_f491_4f6c_dd1d_u64);
        let mut merged_some = 0;
        for round in 0..200 {
            let n = 2 + next(30);
            let list: Vec<Model> = (0..n)
                .map(|i| {
                    let ty = match next(3) {
                        0 => Type::String,
                        1 => Type::Model(ModelId(next(n))),
                        _ => Type::Array(Box::new(Type::Model(ModelId(next(n))))),
                    };
                    let pointer =
                        if next(4) == 0 { format!("/$defs/M{i}") } else { format!("/$defs/M{i}/properties/p") };
                    model(&format!("M{i}"), &pointer, one_field(ty))
                })
                .collect();
            let mut krate = Crate {
                modules: vec![Module { name: "m".into(), doc: None, models: (0..n).map(ModelId).collect() }],
                models: list,
                ..Crate::default()
            };
            let expected = models_by_strings(&krate);
            let count = models(&mut krate, &vec![false; n]);
            assert_eq!(count, expected.iter().enumerate().filter(|(i, t)| t.0 != *i).count(), "round {round}");
            for (i, to) in expected.iter().enumerate() {
                let got = match &krate.models[i].kind {
                    ModelKind::Alias { target: Type::Model(id) } => *id,
                    _ => ModelId(i),
                };
                assert_eq!(got, *to, "round {round}, model {i}");
            }
            merged_some += usize::from(count > 0);
        }
        assert!(merged_some > 50, "{merged_some}");
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
