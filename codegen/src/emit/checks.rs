//! The validator emitter: every reachable [`ir::Check`] becomes one Rust function over a
//! `serde_json::Value`, and every model gets an `impl Validate` that calls its check.
//!
//! A check function returns whether the value passed and records each violation in a `Sink`
//! with the JSON Pointer of the value (rendered only on failure) and the keyword that failed.
//! Messages describe the rule, never the value, so credentials stay out of error text.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{CheckId, Crate, JsonType, Rule};

/// The name of the module holding the check functions, a sibling of the model modules.
pub const MODULE: &str = "__checks";

/// Up to this many declared properties, `properties` walks the object's members once and
/// matches each name; beyond it, each declared property is looked up.
pub(super) const WALK_LIMIT: usize = 24;

/// Every check reachable from the models that are generated, in index order.
pub fn reachable(krate: &Crate, skipped: &[bool]) -> BTreeSet<CheckId> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<CheckId> = krate
        .models
        .iter()
        .enumerate()
        .filter(|(i, m)| !skipped.get(*i).copied().unwrap_or(false) && m.merged_into.is_none())
        .filter_map(|(_, m)| m.check)
        .collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for rule in &krate.checks[id.0].rules {
            children(rule, &mut |c| stack.push(c));
        }
    }
    seen
}

/// The checks a rule applies to parts of the value (or to the value again).
pub(super) fn children(rule: &Rule, f: &mut impl FnMut(CheckId)) {
    match rule {
        Rule::PrefixItems { checks } | Rule::AllOf { checks } | Rule::AnyOf { checks } | Rule::OneOf { checks } => {
            checks.iter().copied().for_each(f)
        }
        Rule::Items { check, .. }
        | Rule::Contains { check, .. }
        | Rule::AdditionalProperties { check, .. }
        | Rule::PropertyNames { check }
        | Rule::Not { check }
        | Rule::Ref { check }
        | Rule::UnevaluatedProperties { check }
        | Rule::UnevaluatedItems { check } => f(*check),
        Rule::Properties { properties } => properties.iter().for_each(|(_, c)| f(*c)),
        Rule::PatternProperties { patterns } => patterns.iter().for_each(|(_, c)| f(*c)),
        Rule::DependentSchemas { dependencies } => dependencies.iter().for_each(|(_, c)| f(*c)),
        Rule::If { condition, then, otherwise } => {
            f(*condition);
            then.iter().copied().for_each(&mut *f);
            otherwise.iter().copied().for_each(f);
        }
        _ => {}
    }
}

/// Every ECMA-262 pattern of the reachable checks, each once, in first-use order: the index is
/// the `PATTERN_{index}` static both kinds of validator use.
pub fn patterns(krate: &Crate, skipped: &[bool]) -> Vec<String> {
    let mut patterns: Vec<String> = Vec::new();
    let mut add = |pattern: &String| {
        if !patterns.contains(pattern) {
            patterns.push(pattern.clone());
        }
    };
    for id in reachable(krate, skipped) {
        for rule in &krate.checks[id.0].rules {
            match rule {
                Rule::Pattern { pattern } => add(pattern),
                Rule::PatternProperties { patterns } => patterns.iter().for_each(|(pattern, _)| add(pattern)),
                Rule::AdditionalProperties { patterns, .. } => patterns.iter().for_each(&mut add),
                _ => {}
            }
        }
    }
    patterns
}

/// The `__checks` module's items.
pub fn module(krate: &Crate, skipped: &[bool], patterns: &[String]) -> TokenStream {
    let header = header(patterns);
    let reachable = reachable(krate, skipped);
    let annotating = annotating(krate, &reachable);
    let functions = reachable.into_iter().map(|id| function(krate, id, patterns, &annotating));
    quote! { #header #(#functions)* }
}

/// The checks whose annotations (evaluated properties and items) some `unevaluatedProperties`
/// or `unevaluatedItems` reads: those that have one, and what they apply in place (`allOf`,
/// `$ref`, `anyOf`, `oneOf`, `if`/`then`/`else`, `dependentSchemas`), transitively. Only these
/// take and fill an `Ev`; every other check records nothing, so schemas without the keywords
/// pay nothing for them.
pub fn annotating(krate: &Crate, reachable: &BTreeSet<CheckId>) -> BTreeSet<CheckId> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<CheckId> = reachable
        .iter()
        .copied()
        .filter(|id| {
            krate.checks[id.0]
                .rules
                .iter()
                .any(|r| matches!(r, Rule::UnevaluatedProperties { .. } | Rule::UnevaluatedItems { .. }))
        })
        .collect();
    while let Some(id) = stack.pop() {
        if krate.checks[id.0].rules.is_empty() || !seen.insert(id) {
            continue;
        }
        for rule in &krate.checks[id.0].rules {
            match rule {
                Rule::AllOf { checks } | Rule::AnyOf { checks } | Rule::OneOf { checks } => {
                    stack.extend(checks.iter().copied())
                }
                Rule::Ref { check } => stack.push(*check),
                Rule::DependentSchemas { dependencies } => stack.extend(dependencies.iter().map(|(_, c)| *c)),
                Rule::If { condition, then, otherwise } => {
                    stack.push(*condition);
                    stack.extend(then.iter().chain(otherwise).copied());
                }
                _ => {}
            }
        }
    }
    seen
}

/// The `__checks` module's items before its functions: imports, and one static per pattern,
/// compiled on first use: in the `regex` crate's syntax when it translates exactly (linear-time
/// matching), else as ECMA-262 for regress (see `crate::pattern`).
pub fn header(patterns: &[String]) -> TokenStream {
    let statics = patterns.iter().enumerate().map(|(i, pattern)| {
        let name = format_ident!("PATTERN_{}", i);
        let compile = match crate::pattern::translate(pattern) {
            Ok(translated) => quote!(::schemagen_runtime::Pattern::linear(#translated)),
            Err(_) => quote!(::schemagen_runtime::Pattern::backtracking(#pattern)),
        };
        quote! {
            pub(super) static #name: ::std::sync::LazyLock<::schemagen_runtime::Pattern> =
                ::std::sync::LazyLock::new(|| #compile);
        }
    });
    let matcher = (!patterns.is_empty()).then(|| {
        quote! {
            /// Whether `text` matches a pattern compiled once.
            pub(super) fn matches(pattern: &::std::sync::LazyLock<::schemagen_runtime::Pattern>, text: &str) -> bool {
                pattern.is_match(text)
            }
        }
    });
    quote! {
        #![allow(unused_variables, unused_mut)]
        use ::schemagen_runtime::serde_json::Value;
        use ::schemagen_runtime::validate::rules::{self, Ev};
        use ::schemagen_runtime::required_names;
        use ::schemagen_runtime::validate::support::{Path, Sink};

        #matcher
        #(#statics)*
    }
}

/// How deep a covering check may descend, so that its recursion is bounded without the depth
/// walk: the runtime's `MAX_DEPTH`.
const MAX_DESCENT: usize = 128;

/// Whether `check` covers what it passes: when it passes a value, it has looked at every array
/// and object nested in it, each by a covering check or by `Sink::shallow` (the catch-all arm of
/// a `properties` walk). And whatever the document, its calls nest at most [`MAX_DESCENT`]
/// deep and nothing it runs recurses into the document by itself (`uniqueItems` compares items
/// deeply): see [`bounded`]. Then a document that passes nests no deeper than the limit, and
/// `validate_json` need not walk it first.
pub fn covers(krate: &Crate, check: CheckId) -> bool {
    let mut budget = 10_000usize;
    bounded(krate, check, 0, &mut std::collections::HashMap::new(), &mut budget).is_some()
        && descent(krate, check, &mut std::collections::HashMap::new(), &mut budget).is_some()
}

/// How deep the calls from `check` nest (each call a level), when no chain of calls loops, none
/// nests past [`MAX_DESCENT`] (counted from `level`) and no check reached has `uniqueItems`;
/// `None` otherwise, or when the `budget` of checks to look at runs out.
fn bounded(
    krate: &Crate,
    check: CheckId,
    level: usize,
    memo: &mut std::collections::HashMap<CheckId, Option<usize>>,
    budget: &mut usize,
) -> Option<usize> {
    if let Some(known) = memo.get(&check) {
        return *known;
    }
    if *budget == 0 || level > MAX_DESCENT {
        return None;
    }
    *budget -= 1;
    // In progress: a cycle back here is unbounded.
    memo.insert(check, None);
    let rules = &krate.checks[check.0].rules;
    let mut deepest = (!rules.iter().any(|r| matches!(r, Rule::UniqueItems))).then_some(0);
    for rule in rules {
        children(rule, &mut |c| {
            if let Some(d) = deepest {
                deepest = bounded(krate, c, level + 1, memo, budget).map(|e| d.max(e + 1));
            }
        });
    }
    let result = deepest.filter(|d| level + d <= MAX_DESCENT);
    memo.insert(check, result);
    result
}

/// How many levels a covering `check` descends; `None` when it is not covering (or when the
/// `budget` of checks to look at runs out).
fn descent(
    krate: &Crate,
    check: CheckId,
    memo: &mut std::collections::HashMap<CheckId, Option<usize>>,
    budget: &mut usize,
) -> Option<usize> {
    if let Some(known) = memo.get(&check) {
        return *known;
    }
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    // In progress: a cycle back here is not covering.
    memo.insert(check, None);
    let rules = &krate.checks[check.0].rules;
    let child = |c: CheckId, memo: &mut _, budget: &mut _| descent(krate, c, memo, budget).map(|d| d + 1);
    let result = (|| {
        if rules.iter().any(|r| matches!(r, Rule::Never)) {
            return Some(0);
        }
        let types = rules.iter().find_map(|r| match r {
            Rule::Type { types } => Some(types),
            _ => None,
        });
        let allows = |t: JsonType| types.is_none_or(|types| types.contains(&t));
        let mut depth = Some(0);
        if allows(JsonType::Object) {
            // A walk: named members go to their checks, the others to `Sink::shallow`.
            let walk = rules.iter().find_map(|r| match r {
                Rule::Properties { properties }
                    if !properties.is_empty() && distinct(properties).len() <= WALK_LIMIT =>
                {
                    Some(properties)
                }
                _ => None,
            });
            // Or `additionalProperties`: every member goes to the check of its name, of a
            // pattern it matches, or to the additional one.
            let additional = rules.iter().find_map(|r| match r {
                Rule::AdditionalProperties { check, known, patterns } => Some((*check, known, patterns)),
                _ => None,
            });
            let named: Vec<&(String, CheckId)> = rules
                .iter()
                .flat_map(|r| match r {
                    Rule::Properties { properties } => properties.iter().collect(),
                    _ => Vec::new(),
                })
                .collect();
            let patterned: Vec<&(String, CheckId)> = rules
                .iter()
                .flat_map(|r| match r {
                    Rule::PatternProperties { patterns } => patterns.iter().collect(),
                    _ => Vec::new(),
                })
                .collect();
            let members: Option<Vec<CheckId>> = match (walk, additional) {
                (Some(properties), _) => Some(properties.iter().map(|(_, c)| *c).collect()),
                (None, Some((check, known, patterns)))
                    if known.iter().all(|k| named.iter().any(|(n, _)| n == k))
                        && patterns.iter().all(|k| patterned.iter().any(|(n, _)| n == k)) =>
                {
                    Some(named.iter().chain(&patterned).map(|(_, c)| *c).chain([check]).collect())
                }
                _ => None,
            };
            depth = members
                .and_then(|members| {
                    members.into_iter().try_fold(0, |deepest, c| child(c, memo, budget).map(|d| d.max(deepest)))
                })
                .and_then(|d| depth.map(|depth: usize| depth.max(d)));
        }
        if allows(JsonType::Array) {
            let items = rules.iter().find_map(|r| match r {
                Rule::Items { check, from: 0, .. } => Some(*check),
                _ => None,
            });
            depth = match (depth, items) {
                (Some(depth), Some(items)) => child(items, memo, budget).map(|d| d.max(depth)),
                _ => None,
            };
        }
        if depth.is_some() {
            return depth;
        }
        // A check applied in place that covers the value covers it here too.
        for rule in rules {
            let covered = match rule {
                Rule::Ref { check } => descent(krate, *check, memo, budget),
                Rule::AllOf { checks } => checks.iter().find_map(|c| descent(krate, *c, memo, budget)),
                Rule::AnyOf { checks } | Rule::OneOf { checks } => {
                    checks.iter().try_fold(0, |deepest, c| descent(krate, *c, memo, budget).map(|d| d.max(deepest)))
                }
                _ => None,
            };
            if covered.is_some() {
                return covered;
            }
        }
        None
    })();
    memo.insert(check, result);
    result
}

fn is_never(krate: &Crate, check: CheckId) -> bool {
    krate.checks[check.0].rules == [Rule::Never]
}

/// What the emitter of one check function knows.
struct Fx<'a> {
    krate: &'a Crate,
    patterns: &'a [String],
    annotating: &'a BTreeSet<CheckId>,
    /// This check takes and fills an `Ev` (it is in `annotating`).
    ev: bool,
    /// The names of a `required` checked during the `properties` walk that follows it (see
    /// [`walked_required`]).
    walked: Option<&'a [String]>,
}

impl Fx<'_> {
    /// A call of `check` on `value` at `path`, in a scope of its own (a property, an item, a
    /// probe whose annotations are dropped).
    fn call(&self, check: CheckId, value: TokenStream, path: TokenStream) -> TokenStream {
        let function = format_ident!("c{}", target(self.krate, check).0);
        quote!(#function(#value, #path, s))
    }

    /// A call of `check` applied in place (`allOf`, `$ref`, …), whose annotations go to `ev`
    /// when both checks keep them.
    fn in_place(&self, check: CheckId, ev: TokenStream) -> TokenStream {
        let check = target(self.krate, check);
        if self.ev && self.annotating.contains(&check) {
            let function = format_ident!("e{}", check.0);
            quote!(#function(v, p, s, #ev))
        } else {
            self.call(check, quote!(v), quote!(p))
        }
    }

    /// `tokens` when this check keeps annotations, else nothing.
    fn ev(&self, tokens: TokenStream) -> TokenStream {
        if self.ev { tokens } else { TokenStream::new() }
    }
}

/// `check`, or the check it stands for when its one rule applies another in place (a `$ref`, a
/// one-member `allOf`): callers call that one directly.
fn target(krate: &Crate, mut check: CheckId) -> CheckId {
    // A bound, so that a chain of refs that loops ends.
    for _ in 0..32 {
        check = match krate.checks[check.0].rules.as_slice() {
            [Rule::Ref { check: to }] => *to,
            [Rule::AllOf { checks }] if checks.len() == 1 => checks[0],
            _ => break,
        };
    }
    check
}

/// The check function `c{id}`: whether `v` at `p` passes, recording each violation in `s`. A
/// check that keeps annotations is `e{id}`, which also takes the `Ev` to fill, and `c{id}`
/// calls it with a fresh one.
pub fn function(krate: &Crate, id: CheckId, patterns: &[String], annotating: &BTreeSet<CheckId>) -> TokenStream {
    let name = format_ident!("c{}", id.0);
    let rules = &krate.checks[id.0].rules;
    if rules.is_empty() {
        return quote! {
            pub(super) fn #name(_v: &Value, _p: &Path<'_>, _s: &mut Sink) -> bool {
                true
            }
        };
    }
    let walked = walked_required(rules);
    let fx = Fx { krate, patterns, annotating, ev: annotating.contains(&id), walked };
    let to = target(krate, id);
    if to != id && !fx.ev {
        let call = fx.call(to, quote!(v), quote!(p));
        return quote! {
            pub(super) fn #name(v: &Value, p: &Path<'_>, s: &mut Sink) -> bool {
                #call
            }
        };
    }
    let body: Vec<TokenStream> = rules.iter().map(|rule| rule_tokens(&fx, rule)).collect();
    if !fx.ev {
        return quote! {
            pub(super) fn #name(v: &Value, p: &Path<'_>, s: &mut Sink) -> bool {
                let mut ok = true;
                #(#body)*
                ok
            }
        };
    }
    let own_annotations =
        rules.iter().any(|r| matches!(r, Rule::UnevaluatedProperties { .. } | Rule::UnevaluatedItems { .. }));
    let (setup, finish) = if own_annotations {
        (quote! { let mut own = Ev::active(); let ev = &mut own; }, quote! { outer.merge(own); })
    } else {
        (quote! { let ev = outer; }, quote! {})
    };
    let annotated = format_ident!("e{}", id.0);
    quote! {
        pub(super) fn #name(v: &Value, p: &Path<'_>, s: &mut Sink) -> bool {
            #annotated(v, p, s, &mut Ev::default())
        }

        pub(super) fn #annotated(v: &Value, p: &Path<'_>, s: &mut Sink, outer: &mut Ev) -> bool {
            let mut ok = true;
            #setup
            #(#body)*
            #finish
            ok
        }
    }
}

/// The names of a `required` that the `properties` walk after it can check as it goes: each
/// name found sets a bit, and the names whose bits are clear are reported after the walk, in
/// their order, at the place the `required` has among the violations (`Sink::mark`). That saves
/// looking each name up. Only when the walk is one (`WALK_LIMIT`) and the names are distinct and
/// at most 64.
fn walked_required(rules: &[Rule]) -> Option<&[String]> {
    let required = rules.iter().position(|r| matches!(r, Rule::Required { .. }))?;
    let Rule::Required { names } = &rules[required] else { return None };
    let walk = rules[required..].iter().any(|r| {
        matches!(r, Rule::Properties { properties } if !properties.is_empty() && distinct(properties).len() <= WALK_LIMIT)
    });
    let distinct_names = names.iter().collect::<BTreeSet<_>>().len() == names.len();
    let single = rules.iter().filter(|r| matches!(r, Rule::Required { .. } | Rule::Properties { .. })).count() == 2;
    (walk && distinct_names && single && !names.is_empty() && names.len() <= 64).then_some(names.as_slice())
}

fn limit_literal(n: u64) -> Literal {
    Literal::u64_unsuffixed(n)
}

fn rule_tokens(fx: &Fx<'_>, rule: &Rule) -> TokenStream {
    let (krate, patterns) = (fx.krate, fx.patterns);
    match rule {
        Rule::Never => never(),
        Rule::Type { types } if types.is_empty() => quote! {
            ok = s.fail(p, "type", || "no type is allowed here");
        },
        Rule::Type { types } => {
            let tests = types.iter().map(|t| match t {
                JsonType::Null => quote!(v.is_null()),
                JsonType::Boolean => quote!(v.is_boolean()),
                JsonType::Object => quote!(v.is_object()),
                JsonType::Array => quote!(v.is_array()),
                JsonType::Number => quote!(v.is_number()),
                JsonType::String => quote!(v.is_string()),
                JsonType::Integer => quote!(rules::is_integer(v)),
            });
            let names: Vec<&str> = types
                .iter()
                .map(|t| match t {
                    JsonType::Null => "null",
                    JsonType::Boolean => "a boolean",
                    JsonType::Object => "an object",
                    JsonType::Array => "an array",
                    JsonType::Number => "a number",
                    JsonType::String => "a string",
                    JsonType::Integer => "an integer",
                })
                .collect();
            let expected = names.join(" or ");
            let test = if types.len() == 1 { quote!(#(#tests)*) } else { quote!((#(#tests)||*)) };
            quote! {
                if !#test {
                    ok = s.type_mismatch(p, #expected, v);
                }
            }
        }
        Rule::Enum { values } => {
            let message = enum_message(values);
            if values.is_empty() {
                quote! { ok = s.fail(p, "enum", || "no value is allowed: the `enum` is empty"); }
            } else if let Some(strings) = enum_strings(values) {
                quote! {
                    if !matches!(v.as_str(), Some(#(#strings)|*)) {
                        ok = s.fail(p, "enum", || #message);
                    }
                }
            } else {
                let json = format!("[{}]", values.join(","));
                quote! {
                    {
                        static ALLOWED: ::std::sync::LazyLock<Value> =
                            ::std::sync::LazyLock::new(|| ::schemagen_runtime::serde_json::from_str(#json).unwrap_or_default());
                        if !ALLOWED.as_array().is_some_and(|allowed| allowed.iter().any(|a| rules::json_eq(a, v))) {
                            ok = s.fail(p, "enum", || #message);
                        }
                    }
                }
            }
        }
        Rule::Const { value } => {
            let message = format!("must be {value}");
            quote! {
                {
                    static CONSTANT: ::std::sync::LazyLock<Value> =
                        ::std::sync::LazyLock::new(|| ::schemagen_runtime::serde_json::from_str(#value).unwrap_or_default());
                    if !rules::json_eq(&CONSTANT, v) {
                        ok = s.fail(p, "const", || #message);
                    }
                }
            }
        }
        Rule::MinLength { .. } | Rule::MaxLength { .. } | Rule::Pattern { .. } | Rule::Format { .. } => {
            let test = string_leaf(rule, quote!(text), patterns).unwrap_or_default();
            quote! {
                if let Some(text) = v.as_str() {
                    #test
                }
            }
        }
        Rule::Minimum { .. } | Rule::Maximum { .. } | Rule::MultipleOf { .. } => {
            let test = number_leaf(rule, quote!(number)).unwrap_or_default();
            quote! {
                if let Some(number) = v.as_f64() {
                    #test
                }
            }
        }
        Rule::MinItems { .. } | Rule::MaxItems { .. } => {
            let test = count_leaf(rule, quote!(items.len() as u64)).unwrap_or_default();
            quote! {
                if let Some(items) = v.as_array() {
                    #test
                }
            }
        }
        Rule::UniqueItems => quote! {
            if let Some(items) = v.as_array() {
                if !rules::unique(items) {
                    ok = s.fail(p, "uniqueItems", || "items must be unique");
                }
            }
        },
        Rule::PrefixItems { checks } => {
            let calls = checks.iter().enumerate().map(|(i, c)| {
                let call = fx.call(*c, quote!(item), quote!(&Path::Index(p, #i)));
                quote! {
                    if let Some(item) = items.get(#i) {
                        ok &= #call;
                    }
                }
            });
            let n = checks.len();
            let ev = fx.ev(quote!(ev.items_up_to(#n);));
            quote! {
                if let Some(items) = v.as_array() {
                    #(#calls)*
                    #ev
                }
            }
        }
        Rule::Items { check, from, .. } => {
            let call = fx.call(*check, quote!(item), quote!(&Path::Index(p, index)));
            let ev = fx.ev(quote!(ev.all_items();));
            let items = if *from == 0 {
                quote!(items.iter().enumerate())
            } else {
                quote!(items.iter().enumerate().skip(#from))
            };
            quote! {
                if let Some(items) = v.as_array() {
                    for (index, item) in #items {
                        ok &= #call;
                    }
                    #ev
                }
            }
        }
        Rule::Contains { check, min, max } => {
            let probe = fx.call(*check, quote!(item), quote!(&Path::Index(p, index)));
            let ev = fx.ev(quote!(ev.item(index);));
            let min_n = limit_literal(*min);
            // `minContains: 0` asks nothing (and `found < 0` would be a warning).
            let min_test = (*min > 0).then(|| {
                quote! {
                    if found < #min_n {
                        ok = s.fail(p, "contains", || format!("must contain at least {} matching item(s)", #min_n));
                    }
                }
            });
            let max_test = max.map(|m| {
                let m = limit_literal(m);
                quote! {
                    if found > #m {
                        ok = s.fail(p, "maxContains", || format!("must contain at most {} matching items", #m));
                    }
                }
            });
            quote! {
                if let Some(items) = v.as_array() {
                    let mut found: u64 = 0;
                    for (index, item) in items.iter().enumerate() {
                        if s.probe(|s| #probe) {
                            found += 1;
                            #ev
                        }
                    }
                    #min_test
                    #max_test
                }
            }
        }
        Rule::MinProperties { .. } | Rule::MaxProperties { .. } => {
            let test = count_leaf(rule, quote!(object.len() as u64)).unwrap_or_default();
            quote! {
                if let Some(object) = v.as_object() {
                    #test
                }
            }
        }
        Rule::Required { .. } if fx.walked.is_some() => quote! {
            let mark = s.mark();
            let mut seen = 0u64;
        },
        Rule::Required { names } => quote! {
            if let Some(object) = v.as_object() {
                ok &= s.required(p, object, required_names![#(#names),*]);
            }
        },
        Rule::Properties { properties } => {
            let properties = distinct(properties);
            if properties.is_empty() {
                return TokenStream::new();
            }
            if properties.len() > WALK_LIMIT {
                let calls = properties.iter().map(|(name, check)| {
                    let call = fx.call(*check, quote!(item), quote!(&Path::Key(p, #name)));
                    let ev = fx.ev(quote!(ev.prop(#name);));
                    quote! {
                        if let Some(item) = object.get(#name) {
                            ok &= #call;
                            #ev
                        }
                    }
                });
                return quote! {
                    if let Some(object) = v.as_object() {
                        #(#calls)*
                    }
                };
            }
            // One pass over the document's members, each matched by name: no hashing.
            let required = fx.walked.unwrap_or_default();
            let bit = |name: &str| {
                required.iter().position(|r| r == name).map(|i| {
                    let bit = Literal::u64_unsuffixed(1 << i);
                    quote!(seen |= #bit;)
                })
            };
            let arms = properties.iter().map(|(name, check)| {
                let call = fx.call(*check, quote!(item), quote!(&Path::Key(p, #name)));
                let seen = bit(name);
                if !fx.ev && seen.is_none() {
                    return quote! { #name => ok &= #call, };
                }
                let ev = fx.ev(quote!(ev.prop(#name);));
                quote! {
                    #name => {
                        #seen
                        ok &= #call;
                        #ev
                    }
                }
            });
            // Required names that are not properties: only noted.
            let others = required.iter().filter(|name| !properties.iter().any(|(n, _)| n == *name)).map(|name| {
                let seen = bit(name);
                quote! { #name => { #seen } }
            });
            let missing = fx.walked.map(|names| {
                let all = Literal::u64_unsuffixed(u64::MAX >> (64 - names.len()));
                quote! {
                    if seen != #all {
                        ok = s.missing(mark, p, seen, required_names![#(#names),*]);
                    }
                }
            });
            quote! {
                if let Some(object) = v.as_object() {
                    for (key, item) in object {
                        match key.as_str() {
                            #(#arms)*
                            #(#others)*
                            _ => ok &= s.shallow(p, item),
                        }
                    }
                    #missing
                }
            }
        }
        Rule::PatternProperties { patterns: checks } => {
            let calls = checks.iter().map(|(pattern, check)| {
                let name = format_ident!("PATTERN_{}", pattern_index(patterns, pattern));
                let call = fx.call(*check, quote!(item), quote!(&Path::Key(p, key)));
                let ev = fx.ev(quote!(ev.prop(key);));
                quote! {
                    if matches(&#name, key) {
                        ok &= #call;
                        #ev
                    }
                }
            });
            quote! {
                if let Some(object) = v.as_object() {
                    for (key, item) in object {
                        #(#calls)*
                    }
                }
            }
        }
        Rule::AdditionalProperties { check, known, patterns: pattern_keys } => {
            let pattern_names: Vec<_> = pattern_keys
                .iter()
                .map(|pattern| format_ident!("PATTERN_{}", pattern_index(patterns, pattern)))
                .collect();
            let known_test = if known.is_empty() { quote!(false) } else { quote!(matches!(key.as_str(), #(#known)|*)) };
            let action = if is_never(krate, *check) {
                quote! { ok = s.fail(&Path::Key(p, key), "additionalProperties", || format!("`{key}` is not an allowed property")); }
            } else {
                let call = fx.call(*check, quote!(item), quote!(&Path::Key(p, key)));
                quote! { ok &= #call; }
            };
            let ev = fx.ev(quote!(ev.prop(key);));
            if known.is_empty() && pattern_names.is_empty() {
                return quote! {
                    if let Some(object) = v.as_object() {
                        for (key, item) in object {
                            #action
                            #ev
                        }
                    }
                };
            }
            quote! {
                if let Some(object) = v.as_object() {
                    for (key, item) in object {
                        let known = #known_test #(|| matches(&#pattern_names, key))*;
                        if !known {
                            #action
                            #ev
                        }
                    }
                }
            }
        }
        Rule::PropertyNames { check } => {
            let call = fx.call(*check, quote!(&name), quote!(&Path::Key(p, key)));
            quote! {
                if let Some(object) = v.as_object() {
                    for key in object.keys() {
                        let name = Value::String(key.clone());
                        if !s.probe(|s| #call) {
                            ok = s.fail(&Path::Key(p, key), "propertyNames", || format!("the property name `{key}` is not allowed"));
                        }
                    }
                }
            }
        }
        Rule::DependentRequired { dependencies } => {
            let checks = dependencies.iter().filter(|(_, required)| !required.is_empty()).map(|(name, required)| {
                quote! {
                    if object.contains_key(#name) {
                        for needed in [#(#required),*] {
                            if !object.contains_key(needed) {
                                ok = s.fail(p, "dependentRequired", || format!("`{needed}` is required when `{}` is present", #name));
                            }
                        }
                    }
                }
            });
            quote! {
                if let Some(object) = v.as_object() {
                    #(#checks)*
                }
            }
        }
        Rule::DependentSchemas { dependencies } => {
            let checks = dependencies.iter().map(|(name, check)| {
                let call = fx.in_place(*check, quote!(ev));
                quote! {
                    if object.contains_key(#name) {
                        ok &= #call;
                    }
                }
            });
            quote! {
                if let Some(object) = v.as_object() {
                    #(#checks)*
                }
            }
        }
        Rule::AllOf { checks } => {
            let calls = checks.iter().map(|c| {
                let call = fx.in_place(*c, quote!(ev));
                quote! { ok &= #call; }
            });
            quote! { #(#calls)* }
        }
        Rule::Ref { check } => {
            let call = fx.in_place(*check, quote!(ev));
            quote! { ok &= #call; }
        }
        Rule::AnyOf { checks } => {
            if !fx.ev {
                // Without annotations to collect, the first alternative that matches settles it.
                let probes = checks.iter().map(|c| {
                    let call = fx.call(*c, quote!(v), quote!(p));
                    quote!(s.probe(|s| #call))
                });
                return quote! {
                    if !(#(#probes)||*) {
                        ok = s.fail(p, "anyOf", || "must match at least one of the `anyOf` alternatives");
                    }
                };
            }
            let probes = checks.iter().map(|c| {
                let call = fx.in_place(*c, quote!(&mut branch));
                quote! {
                    let mut branch = ev.child();
                    if s.probe(|s| #call) {
                        matched = true;
                        ev.merge(branch);
                    }
                }
            });
            quote! {
                {
                    let mut matched = false;
                    #(#probes)*
                    if !matched {
                        ok = s.fail(p, "anyOf", || "must match at least one of the `anyOf` alternatives");
                    }
                }
            }
        }
        Rule::OneOf { checks } => {
            let probes = checks.iter().map(|c| {
                if !fx.ev {
                    let call = fx.call(*c, quote!(v), quote!(p));
                    return quote! { matched += usize::from(s.probe(|s| #call)); };
                }
                let call = fx.in_place(*c, quote!(&mut branch));
                quote! {
                    let mut branch = ev.child();
                    if s.probe(|s| #call) {
                        matched += 1;
                        if matched == 1 {
                            passed = Some(branch);
                        }
                    }
                }
            });
            let (declare, merge) = if fx.ev {
                (
                    quote! { let mut passed: Option<Ev> = None; },
                    quote! {
                        else if let Some(branch) = passed {
                            ev.merge(branch);
                        }
                    },
                )
            } else {
                (TokenStream::new(), TokenStream::new())
            };
            quote! {
                {
                    let mut matched = 0usize;
                    #declare
                    #(#probes)*
                    if matched != 1 {
                        ok = s.fail(p, "oneOf", || format!("must match exactly one of the `oneOf` alternatives; it matches {matched}"));
                    } #merge
                }
            }
        }
        Rule::Not { check } => {
            let call = fx.call(*check, quote!(v), quote!(p));
            quote! {
                if s.probe(|s| #call) {
                    ok = s.fail(p, "not", || "must not match the schema under `not`");
                }
            }
        }
        Rule::If { condition, then, otherwise } => {
            let then = then.map(|c| fx.in_place(c, quote!(ev))).map(|call| quote! { ok &= #call; });
            let otherwise = otherwise.map(|c| fx.in_place(c, quote!(ev))).map(|call| quote! { else { ok &= #call; } });
            if !fx.ev {
                let test = fx.call(*condition, quote!(v), quote!(p));
                return quote! {
                    if s.probe(|s| #test) {
                        #then
                    } #otherwise
                };
            }
            let test = fx.in_place(*condition, quote!(&mut branch));
            quote! {
                {
                    let mut branch = ev.child();
                    if s.probe(|s| #test) {
                        ev.merge(branch);
                        #then
                    } #otherwise
                }
            }
        }
        Rule::UnevaluatedProperties { check } => {
            let action = if is_never(krate, *check) {
                quote! { ok = s.fail(&Path::Key(p, key), "unevaluatedProperties", || format!("`{key}` is not an allowed property")); }
            } else {
                let call = fx.call(*check, quote!(item), quote!(&Path::Key(p, key)));
                quote! { ok &= #call; }
            };
            quote! {
                if let Some(object) = v.as_object() {
                    let unevaluated: Vec<&String> = object.keys().filter(|key| !ev.has_prop(key)).collect();
                    for key in unevaluated {
                        if let Some(item) = object.get(key) {
                            #action
                        }
                        ev.prop(key);
                    }
                }
            }
        }
        Rule::UnevaluatedItems { check } => {
            let call = fx.call(*check, quote!(item), quote!(&Path::Index(p, index)));
            quote! {
                if let Some(items) = v.as_array() {
                    for (index, item) in items.iter().enumerate() {
                        if !ev.has_item(index) {
                            ok &= #call;
                        }
                    }
                    ev.all_items();
                }
            }
        }
    }
}

/// The index of a pattern in the table from [`patterns`], which holds every pattern of every
/// reachable check.
pub(super) fn pattern_index(patterns: &[String], pattern: &str) -> usize {
    patterns.iter().position(|p| p == pattern).expect("the pattern table holds every reachable pattern")
}

/// `properties` without repeated names (the first of each stays), in their order.
pub(super) fn distinct(properties: &[(String, CheckId)]) -> Vec<&(String, CheckId)> {
    let mut seen = BTreeSet::new();
    properties.iter().filter(|(name, _)| seen.insert(name.as_str())).collect()
}

/// The message of a missing required property (the runtime's `required_names!` writes the same).
pub(super) fn required_message(name: &str) -> String {
    format!("`{name}` is required")
}

/// The `false` schema's violation.
pub(super) fn never() -> TokenStream {
    quote! { ok = s.fail(p, "false", || "no value is allowed here"); }
}

/// The message of a failed `enum`: its first values.
pub(super) fn enum_message(values: &[String]) -> String {
    let shown: Vec<&str> = values.iter().take(10).map(String::as_str).collect();
    let more = if values.len() > 10 { ", …" } else { "" };
    format!("must be one of: {}{more}", shown.join(", "))
}

/// An `enum`'s values when every one is a string.
pub(super) fn enum_strings(values: &[String]) -> Option<Vec<String>> {
    values.iter().map(|v| serde_json::from_str::<String>(v).ok()).collect()
}

/// A string keyword's test of `text` (a `&str` expression); `None` for other keywords.
pub(super) fn string_leaf(rule: &Rule, text: TokenStream, patterns: &[String]) -> Option<TokenStream> {
    Some(match rule {
        Rule::MinLength { limit } => {
            let n = limit_literal(*limit);
            quote! {
                if ::schemagen_runtime::validate::rules::length(#text) < #n {
                    ok = s.fail(p, "minLength", || format!("must be at least {} characters long", #n));
                }
            }
        }
        Rule::MaxLength { limit } => {
            let n = limit_literal(*limit);
            quote! {
                if ::schemagen_runtime::validate::rules::length(#text) > #n {
                    ok = s.fail(p, "maxLength", || format!("must be at most {} characters long", #n));
                }
            }
        }
        Rule::Pattern { pattern } => {
            let name = format_ident!("PATTERN_{}", pattern_index(patterns, pattern));
            let message = format!("must match the pattern `{pattern}`");
            let module = format_ident!("{}", MODULE);
            quote! {
                if !super::#module::matches(&super::#module::#name, #text) {
                    ok = s.fail(p, "pattern", || #message);
                }
            }
        }
        Rule::Format { format } => {
            let message = format!("must be a valid `{format}`");
            quote! {
                if !::schemagen_runtime::validate::rules::format(#format, #text) {
                    ok = s.fail(p, "format", || #message);
                }
            }
        }
        _ => return None,
    })
}

/// A numeric keyword's test of `number` (an `f64` expression); `None` for other keywords.
pub(super) fn number_leaf(rule: &Rule, number: TokenStream) -> Option<TokenStream> {
    Some(match rule {
        Rule::Minimum { limit, exclusive } | Rule::Maximum { limit, exclusive } => {
            let minimum = matches!(rule, Rule::Minimum { .. });
            let (keyword, op, words) = match (minimum, *exclusive) {
                (true, true) => ("exclusiveMinimum", quote!(<=), "greater than"),
                (true, false) => ("minimum", quote!(<), "at least"),
                (false, true) => ("exclusiveMaximum", quote!(>=), "less than"),
                (false, false) => ("maximum", quote!(>), "at most"),
            };
            let message = format!("must be {words} {limit}");
            quote! {
                if #number #op #limit {
                    ok = s.fail(p, #keyword, || #message);
                }
            }
        }
        Rule::MultipleOf { factor } => {
            let message = format!("must be a multiple of {factor}");
            quote! {
                if !::schemagen_runtime::validate::rules::multiple_of(#number, #factor) {
                    ok = s.fail(p, "multipleOf", || #message);
                }
            }
        }
        _ => return None,
    })
}

/// A size keyword's test of `count` (a `u64` expression: items or properties); `None` for
/// other keywords.
pub(super) fn count_leaf(rule: &Rule, count: TokenStream) -> Option<TokenStream> {
    let (keyword, limit, op, words, noun) = match rule {
        Rule::MinItems { limit } => ("minItems", limit, quote!(<), "at least", "items"),
        Rule::MaxItems { limit } => ("maxItems", limit, quote!(>), "at most", "items"),
        Rule::MinProperties { limit } => ("minProperties", limit, quote!(<), "at least", "properties"),
        Rule::MaxProperties { limit } => ("maxProperties", limit, quote!(>), "at most", "properties"),
        _ => return None,
    };
    let n = limit_literal(*limit);
    let message = format!("must have {words} {{}} {noun}");
    Some(quote! {
        if (#count) #op #n {
            ok = s.fail(p, #keyword, || format!(#message, #n));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Check, Origin};

    /// A crate of the given checks (`rules[i]` is check `i`).
    fn krate(rules: Vec<Vec<Rule>>) -> Crate {
        let origin = Origin { file: "t.json".into(), pointer: None, line: None };
        let checks = rules.into_iter().map(|rules| Check { origin: origin.clone(), rules }).collect();
        Crate { checks, ..Crate::default() }
    }

    fn object(properties: &[(&str, usize)]) -> Vec<Rule> {
        vec![
            Rule::Type { types: vec![JsonType::Object] },
            Rule::Properties { properties: properties.iter().map(|(n, c)| (n.to_string(), CheckId(*c))).collect() },
        ]
    }

    fn string() -> Vec<Rule> {
        vec![Rule::Type { types: vec![JsonType::String] }]
    }

    #[test]
    fn walks_and_scalars_cover_what_they_pass() {
        // { a: string, b: { c: string } }, other members checked by `Sink::shallow`.
        let k = krate(vec![object(&[("a", 1), ("b", 2)]), string(), object(&[("c", 1)])]);
        assert!(covers(&k, CheckId(0)));
        // A map of strings: `additionalProperties` descends into every member.
        let map = vec![
            Rule::Type { types: vec![JsonType::Object] },
            Rule::AdditionalProperties { check: CheckId(1), known: vec![], patterns: vec![] },
        ];
        assert!(covers(&krate(vec![map, string()]), CheckId(0)));
        // Arrays of strings; a `$ref` to a covering check.
        let array = vec![
            Rule::Type { types: vec![JsonType::Array] },
            Rule::Items { check: CheckId(1), from: 0, additional_items: false },
        ];
        assert!(covers(&krate(vec![array, string()]), CheckId(0)));
        assert!(covers(&krate(vec![vec![Rule::Ref { check: CheckId(1) }], string()]), CheckId(0)));
    }

    #[test]
    fn what_leaves_values_unlooked_at_or_recurses_does_not_cover() {
        // Any value, an object without a walk, an array without `items`.
        assert!(!covers(&krate(vec![vec![]]), CheckId(0)));
        assert!(!covers(&krate(vec![vec![Rule::Type { types: vec![JsonType::Object] }]]), CheckId(0)));
        assert!(!covers(&krate(vec![vec![Rule::Type { types: vec![JsonType::Array] }]]), CheckId(0)));
        // No `type`: an array passes the walk unlooked at.
        let untyped = vec![Rule::Properties { properties: vec![("a".into(), CheckId(1))] }];
        assert!(!covers(&krate(vec![untyped, string()]), CheckId(0)));
        // A named member that is not covered.
        assert!(!covers(&krate(vec![object(&[("a", 1)]), vec![]]), CheckId(0)));
        // Recursion, even through a keyword coverage does not need: the calls could nest as deep
        // as the document.
        assert!(!covers(&krate(vec![object(&[("child", 0)])]), CheckId(0)));
        let mut tree = object(&[("a", 1)]);
        tree.push(Rule::PatternProperties { patterns: vec![("^x".into(), CheckId(0))] });
        assert!(!covers(&krate(vec![tree, string()]), CheckId(0)));
        // `uniqueItems` compares items as deeply as they nest.
        let mut unique = object(&[("a", 1)]);
        unique.push(Rule::UniqueItems);
        assert!(!covers(&krate(vec![unique, string()]), CheckId(0)));
        // Calls nested past the limit; up to it they cover.
        let chain = |objects: usize| krate((0..objects).map(|i| object(&[("a", i + 1)])).chain([string()]).collect());
        assert!(covers(&chain(MAX_DESCENT), CheckId(0)));
        assert!(!covers(&chain(MAX_DESCENT + 1), CheckId(0)));
    }
}
