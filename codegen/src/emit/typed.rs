//! Typed validators: `Validate::validate_at` for every model, checking a value built in Rust
//! (or just decoded by serde) field by field, without encoding it to a `serde_json::Value`.
//!
//! Serde's decoding already proved much of what a schema says (types, required fields, closed
//! enums); the typed validator checks the rest on the Rust values directly: string lengths,
//! patterns and formats on `&str`, bounds on numbers, sizes and items of `Vec`s and maps, and
//! nested models through their own `validate_at`. Where a rule has no typed form here (`anyOf`,
//! `uniqueItems`, a format on a date type, …) that value alone is encoded and checked by its
//! `__checks` function, so the result is always exactly what `validate_json` reports for the
//! encoded value: the same violations, pointers, keywords and messages, in the same order.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::Mutex;

use super::checks::{self, MODULE};
use super::text::{indent, lit};
use crate::ir::{Additional, CheckId, Crate, Field, JsonType, ModelId, ModelKind, Rule, Struct, Type};

/// How many models deep a field's check is inlined when it differs from the model's own check
/// (beyond that, the value is encoded and checked by its `__checks` function).
const INLINE_DEPTH: usize = 2;

/// How many levels of arrays and objects a model's fields may nest, below the model, before its
/// typed check measures the value's depth first (`Sink::measured`), as it does for a field
/// holding a `serde_json::Value`. Together with the few models inlined into one check, it keeps
/// what a check looks past without measuring well within the runtime's `MEASURE_FROM`.
const UNMEASURED_LEVELS: usize = 16;

/// A typed check: nothing to test (the type guarantees it), a `bool` expression, or statements
/// that set a `mut ok` in scope to `false` when the value fails. Statements need no block of
/// their own with an `ok` of its own, which keeps the generated code short and flat.
///
/// Code is text: an expression is one line (a `bool` test may span lines when it is a block);
/// statements are whole lines, each ending in `\n`, indented from column 0 ([`indent`] moves
/// them into a block).
enum Test {
    Pass,
    Run(String),
    Stmts(String),
}

impl Test {
    /// Statements that clear `ok` when the test fails (nothing when there is nothing to test).
    fn stmts(self) -> String {
        match self {
            Test::Pass => String::new(),
            Test::Run(test) => format!("ok &= {test};\n"),
            Test::Stmts(stmts) => stmts,
        }
    }

    /// [`Test::stmts`] inside what `wrap` puts around them, or nothing when there is nothing
    /// to test.
    fn and(self, wrap: impl FnOnce(String) -> String) -> String {
        match self {
            Test::Pass => String::new(),
            test => wrap(test.stmts()),
        }
    }

    /// The body of a function that returns whether the value passed, as lines.
    fn body(self) -> String {
        match self {
            Test::Pass => "true\n".into(),
            Test::Run(test) => format!("{test}\n"),
            Test::Stmts(stmts) => format!("let mut ok = true;\n{stmts}ok\n"),
        }
    }
}

/// One typed body being built ([`Typed::body`]), and what building it found; each leaf
/// helper of `checks` is called through a method here that notes it.
struct Body<'t, 'a> {
    typed: &'t Typed<'a>,
    /// It checks an encoded value whose encoding may be spelled differently from the document
    /// it was decoded from.
    respelled: Cell<bool>,
    /// It tests something that an exact decode does not prove: anything but a date's `type`
    /// and `format` and a nested model's own `validate_at`.
    tests: Cell<bool>,
    /// The models whose `validate_at` it calls.
    nests: RefCell<Vec<ModelId>>,
}

impl<'a> std::ops::Deref for Body<'_, 'a> {
    type Target = Typed<'a>;

    fn deref(&self) -> &Typed<'a> {
        self.typed
    }
}

impl<'t, 'a> Body<'t, 'a> {
    fn new(typed: &'t Typed<'a>) -> Self {
        Body { typed, respelled: Cell::new(false), tests: Cell::new(false), nests: RefCell::new(Vec::new()) }
    }

    /// Notes that the body tests something.
    fn tested(&self, test: String) -> String {
        self.tests.set(true);
        test
    }

    fn fail(&self, keyword: &str, message: &str) -> String {
        self.tested(checks::fail(keyword, message))
    }

    fn if_fails(&self, failed: &str, keyword: &str, message: &str) -> String {
        self.tested(checks::if_fails(failed, keyword, message))
    }

    fn string_leaf(&self, rule: &Rule, text: &str) -> Option<String> {
        checks::string_leaf(rule, text, self.patterns).map(|test| self.tested(test))
    }

    fn number_leaf(&self, rule: &Rule, number: &str) -> Option<String> {
        checks::number_leaf(rule, number).map(|test| self.tested(test))
    }

    fn count_leaf(&self, rule: &Rule, count: &str) -> Option<String> {
        checks::count_leaf(rule, count).map(|test| self.tested(test))
    }
}

/// How `from_str` may decode a model (the runtime's `Validate::exact_decode` and
/// `Validate::exact_decode_valid`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decode {
    /// Parse, check the document, then decode.
    General,
    /// Decode straight from the text, then run the typed check.
    Exact,
    /// Decode straight from the text; an exact decode is valid (the typed check could only
    /// fail on what the exact deserializer refuses), so the typed check is skipped.
    ExactValid,
}

/// What a model's typed body tests beyond what an exact decode proves ([`Body`]),
/// and, once known, whether an exact decode of the model is valid ([`Typed::decode`]).
struct Facts {
    tests: bool,
    nests: Vec<ModelId>,
    valid: Option<bool>,
}

/// Whether every model reached from `root` is good, by Tarjan's strongly connected components
/// (iterative: a chain of 10,000 models must not overflow the stack), so that each model is
/// looked at once however many models reach it. `step(id)` says whether a model is good in
/// itself and which models it reaches (none need be given when it is not good); a model is good
/// when it and every model it reaches are, and, with `cycles_fail`, none of them is on a cycle.
/// `known` gives the answers settled by earlier calls, and `remember` is told each new one.
fn all_reached(
    root: ModelId,
    known: impl Fn(ModelId) -> Option<bool>,
    mut step: impl FnMut(ModelId) -> (bool, Vec<ModelId>),
    mut remember: impl FnMut(ModelId, bool),
    cycles_fail: bool,
) -> bool {
    struct Frame {
        id: ModelId,
        me: usize,
        next: Vec<ModelId>,
        at: usize,
    }
    if let Some(good) = known(root) {
        return good;
    }
    // Per model visited: its number, the lowest number it reaches on the stack, whether it and
    // the components below it are good, and whether it reaches itself directly.
    let mut number: BTreeMap<ModelId, usize> = BTreeMap::new();
    let mut low: Vec<usize> = Vec::new();
    let mut good: Vec<bool> = Vec::new();
    let mut looped: Vec<bool> = Vec::new();
    let mut stack: Vec<ModelId> = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut entering = Some(root);
    let mut answer = false;
    loop {
        if let Some(id) = entering.take() {
            let (is_good, next) = step(id);
            let me = low.len();
            number.insert(id, me);
            low.push(me);
            good.push(is_good);
            looped.push(false);
            stack.push(id);
            frames.push(Frame { id, me, next, at: 0 });
        }
        let Some(frame) = frames.last_mut() else { break };
        let me = frame.me;
        if let Some(&next) = frame.next.get(frame.at) {
            frame.at += 1;
            if let Some(next_good) = known(next) {
                good[me] &= next_good;
            } else if let Some(&n) = number.get(&next) {
                // Not known, so not settled: on the stack, part of a cycle through this model.
                low[me] = low[me].min(n);
                looped[me] |= n == me;
            } else {
                entering = Some(next);
            }
            continue;
        }
        let id = frame.id;
        frames.pop();
        if low[me] == me {
            // `id` is the first of a component: settle it as one.
            let at = stack.iter().rposition(|&m| m == id).expect("on the stack");
            let members = stack.split_off(at);
            let cyclic = members.len() > 1 || looped[me];
            let all_good = members.iter().all(|m| good[number[m]]) && !(cycles_fail && cyclic);
            for &m in &members {
                remember(m, all_good);
            }
            match frames.last() {
                Some(parent) => good[parent.me] &= all_good,
                None => answer = all_good,
            }
        } else if let Some(parent) = frames.last() {
            low[parent.me] = low[parent.me].min(low[me]);
        }
    }
    answer
}

pub struct Typed<'a> {
    pub krate: &'a Crate,
    pub patterns: &'a [String],
    /// [`Facts`] of each body built so far (bodies are built on several threads).
    facts: Mutex<BTreeMap<ModelId, Facts>>,
    /// [`Typed::exact_decode`] of each model settled so far.
    exact: Mutex<BTreeMap<ModelId, bool>>,
}

/// The items every model module starts with: the names its `impl Validate`s use (names no
/// model can take: model names are in UpperCamelCase).
pub fn imports() -> String {
    "#[allow(unused_imports)]\nuse ::schemagen_runtime::{Validate as _, validate::support};\n".into()
}

/// `Validate::validate_at` of a nested model `v` (a `&T` expression), through the sink, which
/// stops at a value nested too deeply (`Sink::nest`): the one place typed checks recurse.
fn validate_at(v: &str) -> String {
    format!("s.nest({v}, p)")
}

/// The JSON kind of a typed value, for deciding which keywords apply to it.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Null,
    Array,
    Object,
}

impl<'a> Typed<'a> {
    pub fn new(krate: &'a Crate, patterns: &'a [String]) -> Self {
        Typed { krate, patterns, facts: Mutex::new(BTreeMap::new()), exact: Mutex::new(BTreeMap::new()) }
    }

    /// [`Typed::exact_decode`], and whether an exact decode of the model is valid: its typed
    /// body, and the body of every model it calls `validate_at` of, test nothing but dates'
    /// `type` and `format` (which the exact deserializer checked on the text). A model that
    /// calls itself, directly or not, is never taken as valid.
    pub fn decode(&self, id: ModelId, bodies: &mut BTreeMap<ModelId, bool>) -> Decode {
        let model = self.krate.model(id);
        // An alias has no `impl Validate` of its own.
        if matches!(model.kind, ModelKind::Alias { .. }) || model.check.is_none() || !self.exact_decode(id, bodies) {
            return Decode::General;
        }
        if self.decoded_valid(id) { Decode::ExactValid } else { Decode::Exact }
    }

    /// Whether the typed body of `id` and of every model it calls `validate_at` of test nothing
    /// an exact decode does not prove, with no cycle among them. Remembered: each model's answer
    /// is worked out once, whatever calls it.
    fn decoded_valid(&self, id: ModelId) -> bool {
        let facts = |id: ModelId| {
            let built = self.facts.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&id);
            if !built && let Some(check) = self.krate.model(id).check {
                self.body(id, check);
            }
            let facts = self.facts.lock().unwrap_or_else(|e| e.into_inner());
            facts.get(&id).map(|f| (f.valid, f.tests, f.nests.clone()))
        };
        let known = |id: ModelId| match facts(id) {
            // A model with no check has nothing to test.
            None => Some(true),
            Some((valid, _, _)) => valid,
        };
        let step = |id: ModelId| match facts(id) {
            Some((_, tests, nests)) => (!tests, if tests { Vec::new() } else { nests }),
            None => (true, Vec::new()),
        };
        let remember = |id: ModelId, valid: bool| {
            if let Some(f) = self.facts.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&id) {
                f.valid = Some(valid);
            }
        };
        all_reached(id, known, step, remember, true)
    }

    /// Whether `from_str` may decode the model straight from the text and check it with the
    /// typed validator (the runtime's `Validate::exact_decode`). Its types, and those of every
    /// model they hold, must decode without serde buffering the value (no unions, flattened
    /// maps or untyped values), so the runtime's exact deserializer sees every leniency; and
    /// every typed body involved must check encoded values only where the encoding is the
    /// document: a date, time or UUID is re-spelled by its type, so only its `type` and
    /// `format` may be checked on the encoding.
    /// `bodies` remembers, across calls, whether each model's own body is exact (a caller that
    /// built the bodies already gives their [`Typed::body`] flags).
    pub fn exact_decode(&self, id: ModelId, bodies: &mut BTreeMap<ModelId, bool>) -> bool {
        fn exact_type(ty: &Type, models: &mut Vec<ModelId>) -> bool {
            match ty {
                Type::Any => false,
                Type::Model(id) => {
                    models.push(*id);
                    true
                }
                Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => exact_type(inner, models),
                Type::Tuple(items) => items.iter().all(|t| exact_type(t, models)),
                _ => true,
            }
        }
        let known = |id: ModelId| self.exact.lock().unwrap_or_else(|e| e.into_inner()).get(&id).copied();
        let step = |id: ModelId| {
            let model = self.krate.model(id);
            let mut models = Vec::new();
            let exact = match &model.kind {
                ModelKind::Struct(s) => {
                    !matches!(s.additional, Additional::Keep(_))
                        && s.fields.iter().all(|f| exact_type(&f.ty, &mut models))
                }
                ModelKind::Enum(_) => true,
                ModelKind::Union(_) => false,
                ModelKind::Newtype { target, .. } => exact_type(target, &mut models),
                // An alias has no body of its own: its rules are checked by the models using it.
                ModelKind::Alias { target } => return (exact_type(target, &mut models), models),
            };
            let exact = exact && model.check.is_none_or(|check| self.exact_body(id, check, bodies));
            (exact, models)
        };
        let remember = |id: ModelId, exact: bool| {
            self.exact.lock().unwrap_or_else(|e| e.into_inner()).insert(id, exact);
        };
        all_reached(id, known, step, remember, false)
    }

    fn exact_body(&self, id: ModelId, check: CheckId, bodies: &mut BTreeMap<ModelId, bool>) -> bool {
        if let Some(exact) = bodies.get(&id) {
            return *exact;
        }
        let (_, exact) = self.body(id, check);
        bodies.insert(id, exact);
        exact
    }

    /// [`Typed::model_body`], and whether it is exact: it checks encoded values only where the
    /// encoding is the document (see [`Typed::exact_decode`]).
    pub fn body(&self, id: ModelId, check: CheckId) -> (String, bool) {
        let body = Body::new(self);
        let text = body.model_body(id, check);
        let Body { respelled, tests, nests, .. } = body;
        // A body built again (once to decide `exact_decode`, once with its item) tests the same.
        let mut facts = self.facts.lock().unwrap_or_else(|e| e.into_inner());
        facts.entry(id).or_insert(Facts { tests: tests.get(), nests: nests.into_inner(), valid: None });
        (text, !respelled.get())
    }

    /// The body of `validate_at` for a model with the given check: a `bool` expression over
    /// `self`, `p` (the path) and `s` (the sink), as lines.
    pub fn model_body(&self, id: ModelId, check: CheckId) -> String {
        Body::new(self).model_body(id, check)
    }
}

impl Body<'_, '_> {
    fn model_body(&self, id: ModelId, check: CheckId) -> String {
        self.model_value("self", id, check, 0)
            .unwrap_or_else(|| {
                self.respelled.set(true);
                self.fallback("self", check, false)
            })
            .body()
    }

    /// Checks `v` (an expression of type `&T` for the Rust type of `ty`) against `check`.
    fn value(&self, v: &str, ty: &Type, check: CheckId, depth: usize) -> Test {
        if self.rules(check).is_some_and(|rules| rules.is_empty()) {
            return Test::Pass;
        }
        self.try_value(v, ty, check, depth).unwrap_or_else(|| {
            // Dates, times and UUIDs are checked as they encode; that is the document's
            // spelling for `type` and `format` (an exact decode saw a well-formed string) but
            // not for other rules. Other values encode as the document was (key order aside).
            let own_format = match ty {
                Type::DateTime => Some("date-time"),
                Type::Date => Some("date"),
                Type::Uuid => Some("uuid"),
                _ => None,
            };
            let spelled_alike = own_format.is_none_or(|own| {
                self.rules(check).is_some_and(|rules| {
                    rules.iter().all(|r| match r {
                        Rule::Type { .. } => true,
                        Rule::Format { format } => format == own,
                        _ => false,
                    })
                })
            });
            if !spelled_alike {
                self.respelled.set(true);
            }
            self.fallback(v, check, *ty == Type::Any)
        })
    }

    /// The check's rules with `$ref` and `allOf` (which only combine checks of the same value)
    /// spliced in, in the order the `__checks` function applies them; `None` when a typed check
    /// cannot follow them (`unevaluated*`, which needs annotations, or a `$ref` cycle).
    fn rules(&self, check: CheckId) -> Option<Vec<&Rule>> {
        fn splice<'r>(krate: &'r Crate, check: CheckId, out: &mut Vec<&'r Rule>, stack: &mut Vec<CheckId>) -> bool {
            if stack.contains(&check) {
                return false;
            }
            stack.push(check);
            for rule in &krate.checks[check.0].rules {
                let spliced = match rule {
                    Rule::Ref { check } => splice(krate, *check, out, stack),
                    Rule::AllOf { checks } => checks.iter().all(|c| splice(krate, *c, out, stack)),
                    Rule::UnevaluatedProperties { .. } | Rule::UnevaluatedItems { .. } => false,
                    other => {
                        out.push(other);
                        true
                    }
                };
                if !spliced {
                    return false;
                }
            }
            stack.pop();
            true
        }
        let mut out = Vec::new();
        splice(self.krate, check, &mut out, &mut Vec::new()).then_some(out)
    }

    /// Whether `check` is `target` or only refers to it (through `$ref`s with nothing beside).
    fn same_check(&self, check: CheckId, target: CheckId) -> bool {
        let resolve = |mut c: CheckId| {
            for _ in 0..self.krate.checks.len() {
                match self.krate.checks[c.0].rules.as_slice() {
                    [Rule::Ref { check }] => c = *check,
                    _ => break,
                }
            }
            c
        };
        resolve(check) == resolve(target)
    }

    /// The value encoded and checked by its `__checks` function (a `serde_json::Value` is
    /// checked as it is).
    fn fallback(&self, v: &str, check: CheckId, is_value: bool) -> Test {
        let function = check.0;
        self.tests.set(true);
        if is_value {
            return Test::Run(format!("super::{MODULE}::c{function}({v}, p, s)"));
        }
        Test::Run(format!("support::encoded({v}, p, s, super::{MODULE}::c{function})"))
    }

    fn try_value(&self, v: &str, ty: &Type, check: CheckId, depth: usize) -> Option<Test> {
        let rules = self.rules(check)?;
        match ty {
            Type::String => self.string(&format!("{v}.as_str()"), &rules),
            Type::Secret => self.string(&format!("{v}.expose_secret()"), &rules),
            Type::Boolean => self.scalar(Kind::Boolean, &rules),
            Type::Null => self.scalar(Kind::Null, &rules),
            Type::Integer => self.number(&format!("(*{v} as f64)"), Kind::Integer, &rules),
            Type::Number => Some(match self.number("number", Kind::Number, &rules)? {
                Test::Pass => Test::Pass,
                test => {
                    let test = indent(&test.stmts());
                    Test::Stmts(format!("if let ::std::option::Option::Some(number) = {v}.as_f64() {{\n{test}}}\n"))
                }
            }),
            // Any JSON value: its `__checks` function is the typed check.
            Type::Any => None,
            // A UUID always encodes in the canonical hyphenated form; dates and times are
            // checked as they encode.
            Type::Uuid => self.formatted(&rules, "uuid"),
            Type::DateTime | Type::Date => self.date(v, ty, check, &rules),
            Type::Array(inner) => self.array(v, inner, &rules, depth),
            Type::Map(inner) => self.map(v, inner, &rules, depth),
            Type::Tuple(_) => self.scalar(Kind::Array, &rules),
            Type::Nullable(inner) => {
                let null = self.scalar(Kind::Null, &rules).unwrap_or_else(|| self.null_fallback(check));
                let some = self.value("item", inner, check, depth);
                Some(Self::nullable(v, null, some))
            }
            Type::Model(id) => {
                let model = self.krate.model(*id);
                match (&model.kind, model.check) {
                    (ModelKind::Alias { target }, _) if depth <= INLINE_DEPTH => {
                        self.try_value(v, target, check, depth + 1)
                    }
                    (ModelKind::Alias { .. }, _) => None,
                    (_, Some(own)) if self.same_check(check, own) => {
                        self.nests.borrow_mut().push(*id);
                        Some(Test::Run(validate_at(v)))
                    }
                    _ if depth < INLINE_DEPTH => self.model_value(v, *id, check, depth + 1),
                    _ => None,
                }
            }
        }
    }

    /// `null` checked by the `__checks` function.
    fn null_fallback(&self, check: CheckId) -> Test {
        self.fallback("&::schemagen_runtime::serde_json::Value::Null", check, true)
    }

    /// An `Option` that encodes `None` as `null`: `v` is a `&Option<T>` expression; `some`
    /// tests the `item` inside.
    fn nullable(v: &str, null: Test, some: Test) -> Test {
        match (null, some) {
            (Test::Pass, Test::Pass) => Test::Pass,
            (Test::Pass, some) => {
                let some = indent(&some.stmts());
                Test::Stmts(format!("if let ::std::option::Option::Some(item) = {v} {{\n{some}}}\n"))
            }
            (null, Test::Pass) => {
                let null = indent(&null.stmts());
                Test::Stmts(format!("if {v}.is_none() {{\n{null}}}\n"))
            }
            (null, some) => {
                let (null, some) = (indent(&indent(&null.stmts())), indent(&indent(&some.stmts())));
                Test::Stmts(format!(
                    "match {v} {{\n    ::std::option::Option::None => {{\n{null}    }}\n    ::std::option::Option::Some(item) => {{\n{some}    }}\n}}\n"
                ))
            }
        }
    }

    /// A model's value (not through its own `validate_at`) against `check`; measured first
    /// when its fields could nest past the depth limit where the checks do not look
    /// ([`Body::unmeasured`]).
    fn model_value(&self, v: &str, id: ModelId, check: CheckId, depth: usize) -> Option<Test> {
        let test = self.model_value_as_is(v, id, check, depth)?;
        if !self.unmeasured(&self.krate.model(id).kind) {
            return Some(test);
        }
        Some(Test::Run(match test {
            Test::Pass => format!("s.within({v}, p)"),
            Test::Run(test) => format!("s.measured({v}, p, |s| {test})"),
            Test::Stmts(stmts) => {
                format!("s.measured({v}, p, |s| {{\n    let mut ok = true;\n{}    ok\n}})", indent(&stmts))
            }
        }))
    }

    /// How many levels of arrays and objects a value of `ty` nests before it reaches a model
    /// (whose own check, inlined check or encoding looks after what is below it); `None` when
    /// that is unbounded (a `serde_json::Value`).
    fn levels(&self, ty: &Type, aliases: usize) -> Option<usize> {
        match ty {
            Type::Any => None,
            Type::Array(inner) | Type::Map(inner) => self.levels(inner, aliases).map(|l| l + 1),
            Type::Tuple(items) => items
                .iter()
                .try_fold(0, |deepest, item| self.levels(item, aliases).map(|l| l.max(deepest)))
                .map(|l| l + 1),
            Type::Nullable(inner) => self.levels(inner, aliases),
            Type::Model(id) => match &self.krate.model(*id).kind {
                ModelKind::Alias { target } if aliases <= INLINE_DEPTH => self.levels(target, aliases + 1),
                ModelKind::Alias { .. } => None,
                _ => Some(1),
            },
            _ => Some(0),
        }
    }

    /// Whether a model's typed check must measure the value first (`Sink::measured`): a field,
    /// its kept undeclared properties or the value it wraps hold a `serde_json::Value` or nest
    /// [`UNMEASURED_LEVELS`] levels or more, which the check may not look into, while its
    /// encoding, which `validate_json` sees, could nest past the depth limit there.
    fn unmeasured(&self, kind: &ModelKind) -> bool {
        let deep = |ty: &Type| self.levels(ty, 0).is_none_or(|levels| levels >= UNMEASURED_LEVELS);
        match kind {
            ModelKind::Struct(s) => {
                s.fields.iter().any(|f| deep(&f.ty)) || matches!(&s.additional, Additional::Keep(ty) if deep(ty))
            }
            ModelKind::Newtype { target, .. } | ModelKind::Alias { target } => deep(target),
            ModelKind::Enum(_) | ModelKind::Union(_) => false,
        }
    }

    /// [`Body::model_value`] without measuring.
    fn model_value_as_is(&self, v: &str, id: ModelId, check: CheckId, depth: usize) -> Option<Test> {
        let model = self.krate.model(id);
        let rules = self.rules(check)?;
        match &model.kind {
            ModelKind::Struct(s) => self.structure(v, s, &rules, depth),
            ModelKind::Enum(e) if !e.open => {
                // A closed enum's values are its variants: an `enum` (or `const`) that lists
                // every one of them always passes.
                let lists_all = |values: &[String]| {
                    checks::enum_strings(values)
                        .is_some_and(|strings| e.variants.iter().all(|v| strings.iter().any(|s| **s == *v.wire_value)))
                };
                let rules: Vec<&Rule> = rules
                    .into_iter()
                    .filter(|rule| match rule {
                        Rule::Enum { values } => !lists_all(values),
                        Rule::Const { value } => !lists_all(std::slice::from_ref(value)),
                        _ => true,
                    })
                    .collect();
                self.string(&format!("{v}.as_str()"), &rules)
            }
            ModelKind::Enum(_) => self.string(&format!("{v}.as_str()"), &rules),
            ModelKind::Newtype { target, boxed } => {
                let inner = if *boxed { format!("&*{v}.0") } else { format!("&{v}.0") };
                Some(Self::bind(&inner, self.value("item", target, check, depth)))
            }
            ModelKind::Alias { target } => self.try_value(v, target, check, depth),
            ModelKind::Union(_) => None,
        }
    }

    /// `test` of `item` bound to `expr` (tests take a plain name, so that method calls on it
    /// need no parentheses).
    fn bind(expr: &str, test: Test) -> Test {
        match test {
            Test::Pass => Test::Pass,
            Test::Run(test) => Test::Run(format!("{{\n    let item = {expr};\n{}}}", indent(&format!("{test}\n")))),
            Test::Stmts(stmts) => Test::Stmts(format!("{{\n    let item = {expr};\n{}}}\n", indent(&stmts))),
        }
    }

    /// Statements that each clear `ok` when their test fails.
    fn block(tests: Vec<String>) -> Test {
        let tests: String = tests.concat();
        if tests.is_empty() {
            return Test::Pass;
        }
        Test::Stmts(tests)
    }

    /// Whether a keyword can apply to a value of this kind; one that cannot passes trivially.
    fn applies(rule: &Rule, kind: Kind) -> bool {
        let for_kind = match rule {
            Rule::MinLength { .. } | Rule::MaxLength { .. } | Rule::Pattern { .. } | Rule::Format { .. } => {
                Some(Kind::String)
            }
            Rule::Minimum { .. } | Rule::Maximum { .. } | Rule::MultipleOf { .. } => Some(Kind::Number),
            Rule::MinItems { .. }
            | Rule::MaxItems { .. }
            | Rule::UniqueItems
            | Rule::PrefixItems { .. }
            | Rule::Items { .. }
            | Rule::Contains { .. }
            | Rule::UnevaluatedItems { .. } => Some(Kind::Array),
            Rule::MinProperties { .. }
            | Rule::MaxProperties { .. }
            | Rule::Required { .. }
            | Rule::Properties { .. }
            | Rule::PatternProperties { .. }
            | Rule::AdditionalProperties { .. }
            | Rule::PropertyNames { .. }
            | Rule::DependentRequired { .. }
            | Rule::DependentSchemas { .. }
            | Rule::UnevaluatedProperties { .. } => Some(Kind::Object),
            _ => None,
        };
        match for_kind {
            None => true,
            Some(Kind::Number) => matches!(kind, Kind::Number | Kind::Integer),
            Some(k) => k == kind,
        }
    }

    /// The tests of the keywords that apply to any kind of value (`type`, `false`); `None`
    /// when one needs the encoded value (`enum`, `anyOf`, …) or the value has the wrong type.
    fn general(&self, rule: &Rule, kind: Kind) -> Option<String> {
        match rule {
            Rule::Never => Some(self.fail("false", "\"no value is allowed here\"")),
            Rule::Type { types } => {
                let fits = types.iter().any(|t| {
                    matches!(
                        (t, kind),
                        (JsonType::Number | JsonType::Integer, Kind::Integer)
                            | (JsonType::Number, Kind::Number)
                            | (JsonType::Null, Kind::Null)
                            | (JsonType::Boolean, Kind::Boolean)
                            | (JsonType::Object, Kind::Object)
                            | (JsonType::Array, Kind::Array)
                            | (JsonType::String, Kind::String)
                    )
                });
                fits.then(String::new)
            }
            _ => None,
        }
    }

    /// A value whose kind is all that the rules can test.
    fn scalar(&self, kind: Kind, rules: &[&Rule]) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if Self::applies(rule, kind) {
                tests.push(self.general(rule, kind)?);
            }
        }
        Some(Self::block(tests))
    }

    /// A date or date-time, checked as it encodes. When the rules are its `type` and its own
    /// `format` (the usual case), the encoding is written on the stack and checked; only a value
    /// that fails (or does not encode as a string) is encoded as JSON and checked in full, so the
    /// violations are exactly those of the encoding.
    fn date(&self, v: &str, ty: &Type, check: CheckId, rules: &[&Rule]) -> Option<Test> {
        let own = if *ty == Type::DateTime { "date-time" } else { "date" };
        let has_own = rules.iter().any(|r| matches!(r, Rule::Format { format } if format == own));
        let only_own = rules.iter().all(|r| match r {
            Rule::Format { format } => format == own,
            Rule::Type { .. } => self.general(r, Kind::String).is_some(),
            rule => !Self::applies(rule, Kind::String),
        });
        if !(has_own && only_own) {
            return self.formatted(rules, "");
        }
        Some(Test::Run(format!("support::date({v}, {own:?}, p, s, super::{MODULE}::c{})", check.0)))
    }

    /// A date, time or UUID, whose encoded text the type guarantees has `format`.
    fn formatted(&self, rules: &[&Rule], format: &str) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            match rule {
                Rule::Format { format: f } if f == format => {}
                rule if Self::applies(rule, Kind::String) => tests.push(self.general(rule, Kind::String)?),
                _ => {}
            }
        }
        Some(Self::block(tests))
    }

    fn string(&self, text: &str, rules: &[&Rule]) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if !Self::applies(rule, Kind::String) {
                continue;
            }
            let test = match rule {
                Rule::Enum { values } if !values.is_empty() => {
                    let strings = checks::enum_strings(values)?;
                    let strings: Vec<String> = strings.iter().map(|s| lit(s)).collect();
                    let message = lit(&checks::enum_message(values));
                    self.if_fails(&format!("!matches!({text}, {})", strings.join(" | ")), "enum", &message)
                }
                Rule::Const { value } => {
                    let constant = serde_json::from_str::<String>(value).ok()?;
                    let message = lit(&format!("must be {value}"));
                    self.if_fails(&format!("{text} != {}", lit(&constant)), "const", &message)
                }
                rule => match self.string_leaf(rule, text) {
                    Some(test) => test,
                    None => self.general(rule, Kind::String)?,
                },
            };
            tests.push(test);
        }
        Some(Self::block(tests))
    }

    /// A number: `number` is an `f64` expression.
    fn number(&self, number: &str, kind: Kind, rules: &[&Rule]) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if Self::applies(rule, kind) {
                tests.push(match self.number_leaf(rule, number) {
                    Some(test) => test,
                    None => self.general(rule, kind)?,
                });
            }
        }
        Some(Self::block(tests))
    }

    fn array(&self, v: &str, inner: &Type, rules: &[&Rule], depth: usize) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if !Self::applies(rule, Kind::Array) {
                continue;
            }
            let test = match rule {
                Rule::Items { check, from, .. } => {
                    let skip = if *from > 0 { format!(".skip({from})") } else { String::new() };
                    self.value("item", inner, *check, depth).and(|test| {
                        format!(
                            "for (index, item) in {v}.iter().enumerate(){skip} {{\n    let p = &support::Path::Index(p, index);\n{}}}\n",
                            indent(&test)
                        )
                    })
                }
                Rule::PrefixItems { checks } => {
                    let items = checks.iter().enumerate().map(|(index, check)| {
                        self.value("item", inner, *check, depth).and(|test| {
                            format!(
                                "if let ::std::option::Option::Some(item) = {v}.get({index}) {{\n    let p = &support::Path::Index(p, {index});\n{}}}\n",
                                indent(&test)
                            )
                        })
                    });
                    items.collect()
                }
                rule => match self.count_leaf(rule, &format!("{v}.len() as u64")) {
                    Some(test) => test,
                    None => self.general(rule, Kind::Array)?,
                },
            };
            tests.push(test);
        }
        Some(Self::block(tests))
    }

    fn map(&self, v: &str, inner: &Type, rules: &[&Rule], depth: usize) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if !Self::applies(rule, Kind::Object) {
                continue;
            }
            let test = match rule {
                Rule::Required { names } => {
                    let presence = names.iter().map(|name| format!("{v}.contains_key({})", lit(name)));
                    self.required(names, presence)
                }
                Rule::Properties { properties } => {
                    let properties = checks::distinct(properties);
                    if properties.len() <= checks::WALK_LIMIT {
                        // In the map's order, as `validate_json` walks the encoded object.
                        self.walk(v, properties.iter().map(|(name, check)| (name.as_str(), inner, *check)), depth)
                    } else {
                        let properties = properties.iter().map(|(name, check)| {
                            self.value("item", inner, *check, depth).and(|test| {
                                let name = lit(name);
                                format!(
                                    "if let ::std::option::Option::Some(item) = {v}.get({name}) {{\n    let p = &support::Path::Key(p, {name});\n{}}}\n",
                                    indent(&test)
                                )
                            })
                        });
                        properties.collect()
                    }
                }
                Rule::AdditionalProperties { check, known, patterns } if patterns.is_empty() => {
                    self.additional(v, inner, *check, known, depth)
                }
                rule => match self.count_leaf(rule, &format!("{v}.len() as u64")) {
                    Some(test) => test,
                    None => self.general(rule, Kind::Object)?,
                },
            };
            tests.push(test);
        }
        Some(Self::block(tests))
    }

    /// `properties` over a map's entries in the map's order (`map` is a `&IndexMap` expression),
    /// each matched by name.
    fn walk<'t>(
        &self,
        map: &str,
        properties: impl Iterator<Item = (&'t str, &'t Type, CheckId)>,
        depth: usize,
    ) -> String {
        let arms: String = properties
            .filter_map(|(name, ty, check)| {
                let test = self.value("item", ty, check, depth).and(|test| test);
                (!test.is_empty()).then(|| {
                    let name = lit(name);
                    format!("{name} => {{\n    let p = &support::Path::Key(p, {name});\n{}}}\n", indent(&test))
                })
            })
            .collect();
        if arms.is_empty() {
            return arms;
        }
        let arms = indent(&indent(&format!("{arms}_ => {{}}\n")));
        format!("for (key, item) in {map} {{\n    match key.as_str() {{\n{arms}    }}\n}}\n")
    }

    /// `additionalProperties` over the entries of a map (`map` is a `&IndexMap` expression).
    fn additional(&self, map: &str, inner: &Type, check: CheckId, known: &[String], depth: usize) -> String {
        let action = if self.krate.checks[check.0].rules == [Rule::Never] {
            self.fail("additionalProperties", "format!(\"`{key}` is not an allowed property\")")
        } else {
            self.value("item", inner, check, depth).and(|test| test)
        };
        if action.is_empty() {
            return action;
        }
        let action = if known.is_empty() {
            action
        } else {
            let known: Vec<String> = known.iter().map(|k| lit(k)).collect();
            format!("if !matches!(key.as_str(), {}) {{\n{}}}\n", known.join(" | "), indent(&action))
        };
        format!("for (key, item) in {map} {{\n    let p = &support::Path::Key(p, key);\n{}}}\n", indent(&action))
    }

    /// `required`, given whether each name is present.
    fn required(&self, names: &[String], presence: impl Iterator<Item = String>) -> String {
        names
            .iter()
            .zip(presence)
            .map(|(name, present)| {
                self.if_fails(&format!("!({present})"), "required", &lit(&checks::required_message(name)))
            })
            .collect()
    }

    /// Whether the property `name` of a struct value `v` is present when encoded; `None` when
    /// it always is (a required field).
    fn presence(v: &str, s: &Struct, name: &str) -> Option<String> {
        match s.fields.iter().find(|f| *f.wire_name == *name) {
            Some(field) if field.required => None,
            Some(field) => Some(format!("{v}.{}.is_some()", field.rust_name())),
            None => Some(match &s.additional {
                Additional::Keep(_) => format!("{v}.{}.contains_key({})", s.additional_field, lit(name)),
                // Undeclared properties are not kept, so a value never has this one.
                _ => "false".into(),
            }),
        }
    }

    fn structure(&self, v: &str, s: &Struct, rules: &[&Rule], depth: usize) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if !Self::applies(rule, Kind::Object) {
                continue;
            }
            let test = match rule {
                Rule::Required { names } => {
                    let (names, presence): (Vec<String>, Vec<String>) =
                        names.iter().filter_map(|name| Some((name.clone(), Self::presence(v, s, name)?))).unzip();
                    self.required(&names, presence.into_iter())
                }
                Rule::Properties { properties } => {
                    let mut properties = checks::distinct(properties);
                    if properties.len() > checks::WALK_LIMIT {
                        properties.iter().map(|(name, check)| self.property(v, s, name, *check, depth)).collect()
                    } else {
                        // `validate_json` walks the encoded object: the fields in declaration
                        // order, then the kept extra properties in their map's order.
                        let field_index = |name: &str| s.fields.iter().position(|f| *f.wire_name == *name);
                        properties.sort_by_key(|(name, _)| field_index(name).unwrap_or(usize::MAX));
                        let (fields, extras): (Vec<_>, Vec<_>) =
                            properties.into_iter().partition(|(name, _)| field_index(name).is_some());
                        let mut out: String =
                            fields.iter().map(|(name, check)| self.property(v, s, name, *check, depth)).collect();
                        match &s.additional {
                            Additional::Keep(ty) if extras.len() > 1 => out.push_str(&self.walk(
                                &format!("&{v}.{}", s.additional_field),
                                extras.iter().map(|(name, check)| (name.as_str(), ty, *check)),
                                depth,
                            )),
                            _ => {
                                for (name, check) in &extras {
                                    out.push_str(&self.property(v, s, name, *check, depth));
                                }
                            }
                        }
                        out
                    }
                }
                Rule::AdditionalProperties { check, known, patterns } if patterns.is_empty() => {
                    // Declared fields must be known; the kept extra properties are checked.
                    if s.fields.iter().any(|f| !known.iter().any(|k| **k == *f.wire_name)) {
                        return None;
                    }
                    match &s.additional {
                        Additional::Keep(ty) => {
                            self.additional(&format!("&{v}.{}", s.additional_field), ty, *check, known, depth)
                        }
                        Additional::Ignore | Additional::Deny => continue,
                    }
                }
                Rule::DependentRequired { dependencies } => {
                    let tests = dependencies.iter().map(|(name, required)| {
                        let needed: String = required
                            .iter()
                            .filter_map(|needed| {
                                let present = Self::presence(v, s, needed)?;
                                let message = lit(&format!("`{needed}` is required when `{name}` is present"));
                                Some(self.if_fails(&format!("!({present})"), "dependentRequired", &message))
                            })
                            .collect();
                        match Self::presence(v, s, name) {
                            Some(when) if needed.is_empty() => format!("if {when} {{}}\n"),
                            Some(when) => format!("if {when} {{\n{}}}\n", indent(&needed)),
                            None => needed,
                        }
                    });
                    tests.collect()
                }
                rule => {
                    let count = Self::property_count(v, s);
                    match self.count_leaf(rule, &count) {
                        Some(test) => test,
                        None => self.general(rule, Kind::Object)?,
                    }
                }
            };
            tests.push(test);
        }
        Some(Self::block(tests))
    }

    /// How many properties a struct value encodes.
    fn property_count(v: &str, s: &Struct) -> String {
        let required = s.fields.iter().filter(|f| f.required).count() as u64;
        let mut out = required.to_string();
        for f in s.fields.iter().filter(|f| !f.required) {
            out.push_str(&format!(" + u64::from({v}.{}.is_some())", f.rust_name()));
        }
        if matches!(s.additional, Additional::Keep(_)) {
            out.push_str(&format!(" + {v}.{}.len() as u64", s.additional_field));
        }
        out
    }

    /// `properties`' check of one property of a struct value.
    fn property(&self, v: &str, s: &Struct, name: &str, check: CheckId, depth: usize) -> String {
        let key = lit(name);
        let Some(field) = s.fields.iter().find(|f| *f.wire_name == *name) else {
            return match &s.additional {
                Additional::Keep(ty) => self.value("item", ty, check, depth).and(|test| {
                    format!(
                        "if let ::std::option::Option::Some(item) = {v}.{}.get({key}) {{\n    let p = &support::Path::Key(p, {key});\n{}}}\n",
                        s.additional_field,
                        indent(&test)
                    )
                }),
                // Undeclared properties are not kept, so a value never has this one.
                _ => String::new(),
            };
        };
        let f = field.rust_name();
        self.field(field, check, depth).and(|test| {
            if field.required {
                format!("{{\n    let item = &{v}.{f};\n    let p = &support::Path::Key(p, {key});\n{}}}\n", indent(&test))
            } else {
                format!(
                    "if let ::std::option::Option::Some(item) = &{v}.{f} {{\n    let p = &support::Path::Key(p, {key});\n{}}}\n",
                    indent(&test)
                )
            }
        })
    }

    /// A present field's value (`item`, a reference to the field or to the inside of its
    /// presence `Option`), with boxing and nullability undone.
    fn field(&self, field: &Field, check: CheckId, depth: usize) -> Test {
        let unbox = |ty: &Type, v: &str| {
            let test = self.value("item", ty, check, depth);
            if field.boxed { Self::bind(&format!("&**{v}"), test) } else { test }
        };
        match &field.ty {
            Type::Nullable(inner) => {
                let rules = self.rules(check);
                let null = rules
                    .and_then(|rules| self.scalar(Kind::Null, &rules))
                    .unwrap_or_else(|| self.null_fallback(check));
                Self::nullable("item", null, unbox(inner, "item"))
            }
            ty => unbox(ty, "item"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`all_reached`] over a graph given as each model's goodness and edges, remembering into
    /// `memo`; returns the answer for `root`.
    fn reached(
        graph: &[(bool, Vec<usize>)],
        root: usize,
        cycles_fail: bool,
        memo: &mut BTreeMap<ModelId, bool>,
    ) -> bool {
        let mut steps = BTreeMap::new();
        let known: BTreeMap<ModelId, bool> = memo.clone();
        let answer = all_reached(
            ModelId(root),
            |id| known.get(&id).copied(),
            |id| {
                *steps.entry(id).or_insert(0) += 1;
                let (good, next) = &graph[id.0];
                (*good, next.iter().map(|&n| ModelId(n)).collect())
            },
            |id, good| assert!(memo.insert(id, good).is_none(), "{id:?} settled twice"),
            cycles_fail,
        );
        assert!(steps.values().all(|&n| n == 1), "each model is looked at once: {steps:?}");
        answer
    }

    #[test]
    fn a_model_is_good_when_everything_it_reaches_is() {
        // 0 → 1 → 2 (bad); 3 → 4 ⇄ 5; 6 → 6; 7 alone; 8 → 3 and 7.
        let graph = vec![
            (true, vec![1]),
            (true, vec![2]),
            (false, vec![]),
            (true, vec![4]),
            (true, vec![5]),
            (true, vec![4]),
            (true, vec![6]),
            (true, vec![]),
            (true, vec![3, 7]),
        ];
        for cycles_fail in [false, true] {
            let mut memo = BTreeMap::new();
            let answers: Vec<bool> =
                (0..graph.len()).map(|root| reached(&graph, root, cycles_fail, &mut memo)).collect();
            let on_cycle = !cycles_fail;
            assert_eq!(
                answers,
                [false, false, false, on_cycle, on_cycle, on_cycle, on_cycle, true, on_cycle],
                "cycles_fail: {cycles_fail}"
            );
            // Every model was settled, each once, with its own answer.
            assert_eq!(memo.values().copied().collect::<Vec<_>>(), answers);
        }
    }

    #[test]
    fn a_chain_of_100000_models_is_settled_without_recursion() {
        let n = 100_000;
        let graph: Vec<(bool, Vec<usize>)> =
            (0..n).map(|i| (i + 1 < n, if i + 1 < n { vec![i + 1] } else { vec![] })).collect();
        let run = move || {
            let mut memo = BTreeMap::new();
            let first = reached(&graph, 0, true, &mut memo);
            (first, memo.len(), memo.values().all(|good| !good))
        };
        // The 2 MiB stack of a test thread, whatever `RUST_MIN_STACK` says.
        let (first, settled, all_bad) =
            std::thread::Builder::new().stack_size(2 << 20).spawn(run).unwrap().join().unwrap();
        assert_eq!((first, settled, all_bad), (false, n, true));
    }
}
