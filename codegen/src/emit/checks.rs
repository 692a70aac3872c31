//! The validator emitter: every reachable [`ir::Check`] becomes one Rust function over a
//! `serde_json::Value`, and every model gets an `impl Validate` that calls its check.
//!
//! A check function returns whether the value passed and records each violation in a `Sink`
//! with the JSON Pointer of the value (rendered only on failure) and the keyword that failed.
//! Messages describe the rule, never the value, so credentials stay out of error text.

use std::collections::BTreeSet;

use super::text::{indent, lit};
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
pub fn header(patterns: &[String]) -> String {
    let mut out = String::from(
        "#![allow(unused_variables, unused_mut)]\n\
         use ::schemagen_runtime::serde_json::Value;\n\
         use ::schemagen_runtime::validate::rules::{self, Ev};\n\
         use ::schemagen_runtime::required_names;\n\
         use ::schemagen_runtime::validate::support::{Path, Sink};\n",
    );
    if !patterns.is_empty() {
        out.push_str(
            "\n/// Whether `text` matches a pattern compiled once.\n\
             pub(super) fn matches(pattern: &::std::sync::LazyLock<::schemagen_runtime::Pattern>, text: &str) -> bool {\n    \
             pattern.is_match(text)\n\
             }\n\n",
        );
    }
    for (i, pattern) in patterns.iter().enumerate() {
        let compile = match crate::pattern::translate(pattern) {
            Ok(translated) => format!("linear({})", lit(&translated)),
            Err(_) => format!("backtracking({})", lit(pattern)),
        };
        out.push_str(&format!(
            "pub(super) static PATTERN_{i}: ::std::sync::LazyLock<::schemagen_runtime::Pattern> =\n    \
             ::std::sync::LazyLock::new(|| ::schemagen_runtime::Pattern::{compile});\n"
        ));
    }
    out
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
    fn call(&self, check: CheckId, value: &str, path: &str) -> String {
        format!("c{}({value}, {path}, s)", target(self.krate, check).0)
    }

    /// A call of `check` applied in place (`allOf`, `$ref`, …), whose annotations go to `ev`
    /// when both checks keep them.
    fn in_place(&self, check: CheckId, ev: &str) -> String {
        let check = target(self.krate, check);
        if self.ev && self.annotating.contains(&check) {
            format!("e{}(v, p, s, {ev})", check.0)
        } else {
            self.call(check, "v", "p")
        }
    }

    /// `line` (a statement) when this check keeps annotations, else nothing.
    fn ev(&self, line: &str) -> String {
        if self.ev { format!("{line}\n") } else { String::new() }
    }
}

/// `head { body }`: `body`'s lines one level in.
fn block(head: &str, body: &str) -> String {
    format!("{head} {{\n{}}}\n", indent(body))
}

/// `{ body }`: a block of its own.
fn scope(body: &str) -> String {
    format!("{{\n{}}}\n", indent(body))
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

/// The check function `c{id}`, as lines: whether `v` at `p` passes, recording each violation in
/// `s`. A check that keeps annotations is `e{id}`, which also takes the `Ev` to fill, and
/// `c{id}` calls it with a fresh one.
pub fn function(krate: &Crate, id: CheckId, patterns: &[String], annotating: &BTreeSet<CheckId>) -> String {
    let name = id.0;
    let rules = &krate.checks[id.0].rules;
    if rules.is_empty() {
        return format!("pub(super) fn c{name}(_v: &Value, _p: &Path<'_>, _s: &mut Sink) -> bool {{\n    true\n}}\n");
    }
    let walked = walked_required(rules);
    let fx = Fx { krate, patterns, annotating, ev: annotating.contains(&id), walked };
    let signature = format!("pub(super) fn c{name}(v: &Value, p: &Path<'_>, s: &mut Sink) -> bool");
    let to = target(krate, id);
    if to != id && !fx.ev {
        return block(&signature, &format!("{}\n", fx.call(to, "v", "p")));
    }
    let mut body = String::from("let mut ok = true;\n");
    if fx.ev {
        let own_annotations =
            rules.iter().any(|r| matches!(r, Rule::UnevaluatedProperties { .. } | Rule::UnevaluatedItems { .. }));
        body.push_str(if own_annotations {
            "let mut own = Ev::active();\nlet ev = &mut own;\n"
        } else {
            "let ev = outer;\n"
        });
        rules.iter().for_each(|rule| body.push_str(&rule_text(&fx, rule)));
        if own_annotations {
            body.push_str("outer.merge(own);\n");
        }
        body.push_str("ok\n");
        let outer = block(&signature, &format!("e{name}(v, p, s, &mut Ev::default())\n"));
        let annotated = block(
            &format!("pub(super) fn e{name}(v: &Value, p: &Path<'_>, s: &mut Sink, outer: &mut Ev) -> bool"),
            &body,
        );
        return format!("{outer}\n{annotated}");
    }
    rules.iter().for_each(|rule| body.push_str(&rule_text(&fx, rule)));
    body.push_str("ok\n");
    block(&signature, &body)
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

/// `a, b, c`: string literals of `names`, for `required_names![…]` or an array.
fn literals(names: &[String], separator: &str) -> String {
    names.iter().map(|n| lit(n)).collect::<Vec<_>>().join(separator)
}

/// The statements that check one rule, as lines.
fn rule_text(fx: &Fx<'_>, rule: &Rule) -> String {
    let (krate, patterns) = (fx.krate, fx.patterns);
    match rule {
        Rule::Never => never(),
        Rule::Type { types } if types.is_empty() => fail("type", &lit("no type is allowed here")),
        Rule::Type { types } => {
            // Each type's test of `v`, and its name in the message.
            let (tests, names): (Vec<&str>, Vec<&str>) = types
                .iter()
                .map(|t| match t {
                    JsonType::Null => ("v.is_null()", "null"),
                    JsonType::Boolean => ("v.is_boolean()", "a boolean"),
                    JsonType::Object => ("v.is_object()", "an object"),
                    JsonType::Array => ("v.is_array()", "an array"),
                    JsonType::Number => ("v.is_number()", "a number"),
                    JsonType::String => ("v.is_string()", "a string"),
                    // An integer the generated `i64` holds (the runtime's `is_i64`).
                    JsonType::Integer => ("rules::is_i64(v)", "an integer"),
                })
                .unzip();
            let expected = lit(&names.join(" or "));
            let test = if tests.len() == 1 { tests[0].to_string() } else { format!("({})", tests.join(" || ")) };
            block(&format!("if !{test}"), &format!("ok = s.type_mismatch(p, {expected}, v);\n"))
        }
        Rule::Enum { values } => {
            let message = lit(&enum_message(values));
            if values.is_empty() {
                fail("enum", &lit("no value is allowed: the `enum` is empty"))
            } else if let Some(strings) = enum_strings(values) {
                if_fails(&format!("!matches!(v.as_str(), Some({}))", literals(&strings, " | ")), "enum", &message)
            } else {
                let json = lit(&format!("[{}]", values.join(",")));
                scope(&format!(
                    "static ALLOWED: ::std::sync::LazyLock<Value> =\n    ::std::sync::LazyLock::new(|| ::schemagen_runtime::serde_json::from_str({json}).unwrap_or_default());\n{}",
                    if_fails(
                        "!ALLOWED.as_array().is_some_and(|allowed| allowed.iter().any(|a| rules::json_eq(a, v)))",
                        "enum",
                        &message
                    )
                ))
            }
        }
        Rule::Const { value } => {
            let message = lit(&format!("must be {value}"));
            scope(&format!(
                "static CONSTANT: ::std::sync::LazyLock<Value> =\n    ::std::sync::LazyLock::new(|| ::schemagen_runtime::serde_json::from_str({}).unwrap_or_default());\n{}",
                lit(value),
                if_fails("!rules::json_eq(&CONSTANT, v)", "const", &message)
            ))
        }
        Rule::MinLength { .. } | Rule::MaxLength { .. } | Rule::Pattern { .. } | Rule::Format { .. } => {
            block("if let Some(text) = v.as_str()", &string_leaf(rule, "text", patterns).unwrap_or_default())
        }
        Rule::Minimum { .. } | Rule::Maximum { .. } | Rule::MultipleOf { .. } => {
            block("if let Some(number) = v.as_f64()", &number_leaf(rule, "number").unwrap_or_default())
        }
        Rule::MinItems { .. } | Rule::MaxItems { .. } => {
            block("if let Some(items) = v.as_array()", &count_leaf(rule, "items.len() as u64").unwrap_or_default())
        }
        Rule::UniqueItems => block(
            "if let Some(items) = v.as_array()",
            &if_fails("!rules::unique(items)", "uniqueItems", &lit("items must be unique")),
        ),
        Rule::PrefixItems { checks } => {
            let mut body = String::new();
            for (i, c) in checks.iter().enumerate() {
                let call = fx.call(*c, "item", &format!("&Path::Index(p, {i})"));
                body.push_str(&block(&format!("if let Some(item) = items.get({i})"), &format!("ok &= {call};\n")));
            }
            body.push_str(&fx.ev(&format!("ev.items_up_to({});", checks.len())));
            block("if let Some(items) = v.as_array()", &body)
        }
        Rule::Items { check, from, .. } => {
            let call = fx.call(*check, "item", "&Path::Index(p, index)");
            let items = if *from == 0 {
                "items.iter().enumerate()".to_string()
            } else {
                format!("items.iter().enumerate().skip({from})")
            };
            let body = block(&format!("for (index, item) in {items}"), &format!("ok &= {call};\n"));
            block("if let Some(items) = v.as_array()", &(body + &fx.ev("ev.all_items();")))
        }
        Rule::Contains { check, min, max } => {
            let probe = fx.call(*check, "item", "&Path::Index(p, index)");
            let found = block(
                &format!("if s.probe(|s| {probe})"),
                &(String::from("found += 1;\n") + &fx.ev("ev.item(index);")),
            );
            let mut body = String::from("let mut found: u64 = 0;\n");
            body.push_str(&block("for (index, item) in items.iter().enumerate()", &found));
            // `minContains: 0` asks nothing (and `found < 0` would be a warning).
            if *min > 0 {
                body.push_str(&if_fails(
                    &format!("found < {min}"),
                    "contains",
                    &lit(&format!("must contain at least {min} matching item(s)")),
                ));
            }
            if let Some(m) = max {
                body.push_str(&if_fails(
                    &format!("found > {m}"),
                    "maxContains",
                    &lit(&format!("must contain at most {m} matching items")),
                ));
            }
            block("if let Some(items) = v.as_array()", &body)
        }
        Rule::MinProperties { .. } | Rule::MaxProperties { .. } => {
            block("if let Some(object) = v.as_object()", &count_leaf(rule, "object.len() as u64").unwrap_or_default())
        }
        Rule::Required { .. } if fx.walked.is_some() => "let mark = s.mark();\nlet mut seen = 0u64;\n".into(),
        Rule::Required { names } => block(
            "if let Some(object) = v.as_object()",
            &format!("ok &= s.required(p, object, required_names![{}]);\n", literals(names, ", ")),
        ),
        Rule::Properties { properties } => {
            let properties = distinct(properties);
            if properties.is_empty() {
                return String::new();
            }
            if properties.len() > WALK_LIMIT {
                let mut body = String::new();
                for (name, check) in &properties {
                    let name = lit(name);
                    let call = fx.call(*check, "item", &format!("&Path::Key(p, {name})"));
                    body.push_str(&block(
                        &format!("if let Some(item) = object.get({name})"),
                        &(format!("ok &= {call};\n") + &fx.ev(&format!("ev.prop({name});"))),
                    ));
                }
                return block("if let Some(object) = v.as_object()", &body);
            }
            // One pass over the document's members, each matched by name: no hashing.
            let required = fx.walked.unwrap_or_default();
            let bit = |name: &str| required.iter().position(|r| r == name).map(|i| format!("seen |= {};", 1u64 << i));
            let mut arms = String::new();
            for (name, check) in &properties {
                let seen = bit(name);
                let name = lit(name);
                let call = fx.call(*check, "item", &format!("&Path::Key(p, {name})"));
                match seen {
                    None if !fx.ev => arms.push_str(&format!("{name} => ok &= {call},\n")),
                    seen => {
                        let mut body = seen.map(|s| s + "\n").unwrap_or_default();
                        body.push_str(&format!("ok &= {call};\n"));
                        body.push_str(&fx.ev(&format!("ev.prop({name});")));
                        arms.push_str(&block(&format!("{name} =>"), &body));
                    }
                }
            }
            // Required names that are not properties: only noted.
            for name in required.iter().filter(|name| !properties.iter().any(|(n, _)| n == *name)) {
                if let Some(seen) = bit(name) {
                    arms.push_str(&format!("{} => {{ {seen} }}\n", lit(name)));
                }
            }
            arms.push_str("_ => ok &= s.shallow(p, item),\n");
            let mut body = block("for (key, item) in object", &block("match key.as_str()", &arms));
            if let Some(names) = fx.walked {
                let all = u64::MAX >> (64 - names.len());
                body.push_str(&block(
                    &format!("if seen != {all}"),
                    &format!("ok = s.missing(mark, p, seen, required_names![{}]);\n", literals(names, ", ")),
                ));
            }
            block("if let Some(object) = v.as_object()", &body)
        }
        Rule::PatternProperties { patterns: checks } => {
            let mut body = String::new();
            for (pattern, check) in checks {
                let call = fx.call(*check, "item", "&Path::Key(p, key)");
                body.push_str(&block(
                    &format!("if matches(&PATTERN_{}, key)", pattern_index(patterns, pattern)),
                    &(format!("ok &= {call};\n") + &fx.ev("ev.prop(key);")),
                ));
            }
            block("if let Some(object) = v.as_object()", &block("for (key, item) in object", &body))
        }
        Rule::AdditionalProperties { check, known, patterns: pattern_keys } => {
            let action = if is_never(krate, *check) {
                "ok = s.fail(&Path::Key(p, key), \"additionalProperties\", || format!(\"`{key}` is not an allowed property\"));\n".to_string()
            } else {
                format!("ok &= {};\n", fx.call(*check, "item", "&Path::Key(p, key)"))
            };
            let action = action + &fx.ev("ev.prop(key);");
            let mut tests: Vec<String> = Vec::new();
            if !known.is_empty() {
                tests.push(format!("matches!(key.as_str(), {})", literals(known, " | ")));
            }
            tests.extend(pattern_keys.iter().map(|k| format!("matches(&PATTERN_{}, key)", pattern_index(patterns, k))));
            let body = if tests.is_empty() {
                action
            } else {
                format!("let known = {};\n{}", tests.join(" || "), block("if !known", &action))
            };
            block("if let Some(object) = v.as_object()", &block("for (key, item) in object", &body))
        }
        Rule::PropertyNames { check } => {
            let call = fx.call(*check, "&name", "&Path::Key(p, key)");
            let test = block(
                &format!("if !s.probe(|s| {call})"),
                "ok = s.fail(&Path::Key(p, key), \"propertyNames\", || format!(\"the property name `{key}` is not allowed\"));\n",
            );
            let body =
                block("for key in object.keys()", &(String::from("let name = Value::String(key.clone());\n") + &test));
            block("if let Some(object) = v.as_object()", &body)
        }
        Rule::DependentRequired { dependencies } => {
            let mut body = String::new();
            for (name, required) in dependencies.iter().filter(|(_, required)| !required.is_empty()) {
                let name = lit(name);
                let missing = if_fails(
                    "!object.contains_key(needed)",
                    "dependentRequired",
                    &format!("format!(\"`{{needed}}` is required when `{{}}` is present\", {name})"),
                );
                body.push_str(&block(
                    &format!("if object.contains_key({name})"),
                    &block(&format!("for needed in [{}]", literals(required, ", ")), &missing),
                ));
            }
            block("if let Some(object) = v.as_object()", &body)
        }
        Rule::DependentSchemas { dependencies } => {
            let mut body = String::new();
            for (name, check) in dependencies {
                let call = fx.in_place(*check, "ev");
                body.push_str(&block(&format!("if object.contains_key({})", lit(name)), &format!("ok &= {call};\n")));
            }
            block("if let Some(object) = v.as_object()", &body)
        }
        Rule::AllOf { checks } => checks.iter().map(|c| format!("ok &= {};\n", fx.in_place(*c, "ev"))).collect(),
        Rule::Ref { check } => format!("ok &= {};\n", fx.in_place(*check, "ev")),
        Rule::AnyOf { checks } => {
            let message = lit("must match at least one of the `anyOf` alternatives");
            if !fx.ev {
                // Without annotations to collect, the first alternative that matches settles it.
                let probes: Vec<String> =
                    checks.iter().map(|c| format!("s.probe(|s| {})", fx.call(*c, "v", "p"))).collect();
                return if_fails(&format!("!({})", probes.join(" || ")), "anyOf", &message);
            }
            let mut body = String::from("let mut matched = false;\n");
            for c in checks {
                body.push_str("let mut branch = ev.child();\n");
                body.push_str(&block(
                    &format!("if s.probe(|s| {})", fx.in_place(*c, "&mut branch")),
                    "matched = true;\nev.merge(branch);\n",
                ));
            }
            body.push_str(&if_fails("!matched", "anyOf", &message));
            scope(&body)
        }
        Rule::OneOf { checks } => {
            let mut body = String::from("let mut matched = 0usize;\n");
            if fx.ev {
                body.push_str("let mut passed: Option<Ev> = None;\n");
            }
            for c in checks {
                if !fx.ev {
                    body.push_str(&format!("matched += usize::from(s.probe(|s| {}));\n", fx.call(*c, "v", "p")));
                    continue;
                }
                body.push_str("let mut branch = ev.child();\n");
                body.push_str(&block(
                    &format!("if s.probe(|s| {})", fx.in_place(*c, "&mut branch")),
                    &format!("matched += 1;\n{}", block("if matched == 1", "passed = Some(branch);\n")),
                ));
            }
            let fails = if_fails(
                "matched != 1",
                "oneOf",
                "format!(\"must match exactly one of the `oneOf` alternatives; it matches {matched}\")",
            );
            if fx.ev {
                body.push_str(fails.trim_end());
                body.push_str(&block(" else if let Some(branch) = passed", "ev.merge(branch);\n"));
            } else {
                body.push_str(&fails);
            }
            scope(&body)
        }
        Rule::Not { check } => if_fails(
            &format!("s.probe(|s| {})", fx.call(*check, "v", "p")),
            "not",
            &lit("must not match the schema under `not`"),
        ),
        Rule::If { condition, then, otherwise } => {
            let then = then.map(|c| format!("ok &= {};\n", fx.in_place(c, "ev"))).unwrap_or_default();
            let otherwise = otherwise.map(|c| format!("ok &= {};\n", fx.in_place(c, "ev")));
            let test = if fx.ev { fx.in_place(*condition, "&mut branch") } else { fx.call(*condition, "v", "p") };
            let then = if fx.ev { format!("ev.merge(branch);\n{then}") } else { then };
            let mut text = block(&format!("if s.probe(|s| {test})"), &then);
            if let Some(otherwise) = otherwise {
                text.truncate(text.len() - 1);
                text.push_str(&block(" else", &otherwise));
            }
            if fx.ev { scope(&format!("let mut branch = ev.child();\n{text}")) } else { text }
        }
        Rule::UnevaluatedProperties { check } => {
            let action = if is_never(krate, *check) {
                "ok = s.fail(&Path::Key(p, key), \"unevaluatedProperties\", || format!(\"`{key}` is not an allowed property\"));\n".to_string()
            } else {
                format!("ok &= {};\n", fx.call(*check, "item", "&Path::Key(p, key)"))
            };
            let each = block("if let Some(item) = object.get(key)", &action) + "ev.prop(key);\n";
            let body = String::from(
                "let unevaluated: Vec<&String> = object.keys().filter(|key| !ev.has_prop(key)).collect();\n",
            ) + &block("for key in unevaluated", &each);
            block("if let Some(object) = v.as_object()", &body)
        }
        Rule::UnevaluatedItems { check } => {
            let call = fx.call(*check, "item", "&Path::Index(p, index)");
            let body = block(
                "for (index, item) in items.iter().enumerate()",
                &block("if !ev.has_item(index)", &format!("ok &= {call};\n")),
            ) + "ev.all_items();\n";
            block("if let Some(items) = v.as_array()", &body)
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
pub(super) fn never() -> String {
    fail("false", &lit("no value is allowed here"))
}

/// `ok = s.fail(p, keyword, || message);`, `message` an expression.
pub(super) fn fail(keyword: &str, message: &str) -> String {
    format!("ok = s.fail(p, {}, || {message});\n", lit(keyword))
}

/// `if failed { ok = s.fail(…); }`.
pub(super) fn if_fails(failed: &str, keyword: &str, message: &str) -> String {
    format!("if {failed} {{\n    {}}}\n", fail(keyword, message))
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

/// A string keyword's test of `text` (a `&str` expression), as lines; `None` for other
/// keywords. The check functions and the typed validators both use it.
pub(super) fn string_leaf(rule: &Rule, text: &str, patterns: &[String]) -> Option<String> {
    Some(match rule {
        Rule::MinLength { limit } => if_fails(
            &format!("::schemagen_runtime::validate::rules::length({text}) < {limit}"),
            "minLength",
            &lit(&format!("must be at least {limit} characters long")),
        ),
        Rule::MaxLength { limit } => if_fails(
            &format!("::schemagen_runtime::validate::rules::length({text}) > {limit}"),
            "maxLength",
            &lit(&format!("must be at most {limit} characters long")),
        ),
        Rule::Pattern { pattern } => {
            let index = pattern_index(patterns, pattern);
            if_fails(
                &format!("!super::{MODULE}::matches(&super::{MODULE}::PATTERN_{index}, {text})"),
                "pattern",
                &lit(&format!("must match the pattern `{pattern}`")),
            )
        }
        Rule::Format { format } => if_fails(
            &format!("!::schemagen_runtime::validate::rules::format({}, {text})", lit(format)),
            "format",
            &lit(&format!("must be a valid `{format}`")),
        ),
        _ => return None,
    })
}

/// A numeric keyword's test of `number` (an `f64` expression), as lines; `None` for other
/// keywords.
pub(super) fn number_leaf(rule: &Rule, number: &str) -> Option<String> {
    Some(match rule {
        Rule::Minimum { limit, exclusive } | Rule::Maximum { limit, exclusive } => {
            let minimum = matches!(rule, Rule::Minimum { .. });
            let (keyword, op, words) = match (minimum, *exclusive) {
                (true, true) => ("exclusiveMinimum", "<=", "greater than"),
                (true, false) => ("minimum", "<", "at least"),
                (false, true) => ("exclusiveMaximum", ">=", "less than"),
                (false, false) => ("maximum", ">", "at most"),
            };
            if_fails(
                &format!("{number} {op} {}", f64_literal(*limit)),
                keyword,
                &lit(&format!("must be {words} {limit}")),
            )
        }
        Rule::MultipleOf { factor } => if_fails(
            &format!("!::schemagen_runtime::validate::rules::multiple_of({number}, {})", f64_literal(*factor)),
            "multipleOf",
            &lit(&format!("must be a multiple of {factor}")),
        ),
        _ => return None,
    })
}

/// An `f64` literal of `n` (finite, as schema numbers are).
fn f64_literal(n: f64) -> String {
    format!("{n}f64")
}

/// A size keyword's test of `count` (a `u64` expression: items or properties), as lines;
/// `None` for other keywords.
pub(super) fn count_leaf(rule: &Rule, count: &str) -> Option<String> {
    let (keyword, limit, op, words, noun) = match rule {
        Rule::MinItems { limit } => ("minItems", limit, "<", "at least", "items"),
        Rule::MaxItems { limit } => ("maxItems", limit, ">", "at most", "items"),
        Rule::MinProperties { limit } => ("minProperties", limit, "<", "at least", "properties"),
        Rule::MaxProperties { limit } => ("maxProperties", limit, ">", "at most", "properties"),
        _ => return None,
    };
    Some(if_fails(&format!("({count}) {op} {limit}"), keyword, &lit(&format!("must have {words} {limit} {noun}"))))
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
