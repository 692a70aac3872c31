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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::checks::{self, MODULE};
use crate::ir::{Additional, CheckId, Crate, Field, JsonType, ModelId, ModelKind, Rule, Struct, Type};

/// How many models deep a field's check is inlined when it differs from the model's own check
/// (beyond that, the value is encoded and checked by its `__checks` function).
const INLINE_DEPTH: usize = 2;

/// A typed check: nothing to test (the type guarantees it), a `bool` expression, or statements
/// that set a `mut ok` in scope to `false` when the value fails. Statements need no block of
/// their own with an `ok` of its own, which keeps the generated code short and flat.
enum Test {
    Pass,
    Run(TokenStream),
    Stmts(TokenStream),
}

impl Test {
    fn expr(self) -> TokenStream {
        match self {
            Test::Pass => quote!(true),
            Test::Run(test) => test,
            Test::Stmts(stmts) => quote! {{
                let mut ok = true;
                #stmts
                ok
            }},
        }
    }

    /// Statements that clear `ok` when the test fails (nothing when there is nothing to test).
    fn stmts(self) -> TokenStream {
        match self {
            Test::Pass => TokenStream::new(),
            Test::Run(test) => quote! { ok &= #test; },
            Test::Stmts(stmts) => stmts,
        }
    }

    /// [`Test::stmts`] inside what `wrap` puts around them, or nothing when there is nothing
    /// to test.
    fn and(self, wrap: impl FnOnce(TokenStream) -> TokenStream) -> TokenStream {
        match self {
            Test::Pass => TokenStream::new(),
            test => wrap(test.stmts()),
        }
    }

    /// The body of a function that returns whether the value passed.
    fn body(self) -> TokenStream {
        match self {
            Test::Stmts(stmts) => quote! {
                let mut ok = true;
                #stmts
                ok
            },
            test => test.expr(),
        }
    }
}

pub struct Typed<'a> {
    pub krate: &'a Crate,
    pub patterns: &'a [String],
    /// Set while a body is built when it checks an encoded value whose encoding may be spelled
    /// differently from the document it was decoded from (see [`Typed::exact_decode`]). Only
    /// read by `exact_decode`, which builds one body at a time; bodies built in parallel for
    /// the output set it too, harmlessly.
    respelled: AtomicBool,
}

/// The items every model module starts with: the names its `impl Validate`s use (names no
/// model can take: model names are in UpperCamelCase).
pub fn imports() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use ::schemagen_runtime::{Validate as _, validate::support};
    }
}

/// `Validate::validate_at` of a nested model `v` (a `&T` expression), through the sink, which
/// stops at a value nested too deeply (`Sink::nest`): the one place typed checks recurse.
fn validate_at(v: TokenStream) -> TokenStream {
    quote!(s.nest(#v, p))
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
        Typed { krate, patterns, respelled: AtomicBool::new(false) }
    }

    /// Whether `from_str` may decode the model straight from the text and check it with the
    /// typed validator (the runtime's `Validate::exact_decode`). Its types, and those of every
    /// model they hold, must decode without serde buffering the value (no unions, flattened
    /// maps or untyped values), so the runtime's exact deserializer sees every leniency; and
    /// every typed body involved must check encoded values only where the encoding is the
    /// document: a date, time or UUID is re-spelled by its type, so only its `type` and
    /// `format` may be checked on the encoding.
    /// `bodies` remembers, across calls, whether each model's own body is exact.
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
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let model = self.krate.model(id);
            let types_exact = match &model.kind {
                ModelKind::Struct(s) => {
                    !matches!(s.additional, Additional::Keep(_))
                        && s.fields.iter().all(|f| exact_type(&f.ty, &mut stack))
                }
                ModelKind::Enum(_) => true,
                ModelKind::Union(_) => false,
                ModelKind::Newtype { target, .. } => exact_type(target, &mut stack),
                // An alias has no body of its own: its rules are checked by the models using it.
                ModelKind::Alias { target } => {
                    if !exact_type(target, &mut stack) {
                        return false;
                    }
                    continue;
                }
            };
            if !types_exact || model.check.is_some_and(|check| !self.exact_body(id, check, bodies)) {
                return false;
            }
        }
        true
    }

    fn exact_body(&self, id: ModelId, check: CheckId, bodies: &mut BTreeMap<ModelId, bool>) -> bool {
        if let Some(exact) = bodies.get(&id) {
            return *exact;
        }
        self.respelled.store(false, Ordering::Relaxed);
        let _ = self.model_body(id, check);
        let exact = !self.respelled.load(Ordering::Relaxed);
        bodies.insert(id, exact);
        exact
    }

    /// The body of `validate_at` for a model with the given check: a `bool` expression over
    /// `self`, `p` (the path) and `s` (the sink).
    pub fn model_body(&self, id: ModelId, check: CheckId) -> TokenStream {
        self.model_value(quote!(self), id, check, 0)
            .unwrap_or_else(|| {
                self.respelled.store(true, Ordering::Relaxed);
                self.fallback(quote!(self), check, false)
            })
            .body()
    }

    /// Checks `v` (an expression of type `&T` for the Rust type of `ty`) against `check`.
    fn value(&self, v: TokenStream, ty: &Type, check: CheckId, depth: usize) -> Test {
        if self.rules(check).is_some_and(|rules| rules.is_empty()) {
            return Test::Pass;
        }
        self.try_value(v.clone(), ty, check, depth).unwrap_or_else(|| {
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
                self.respelled.store(true, Ordering::Relaxed);
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
    fn fallback(&self, v: TokenStream, check: CheckId, is_value: bool) -> Test {
        let module = format_ident!("{}", MODULE);
        let function = format_ident!("c{}", check.0);
        if is_value {
            return Test::Run(quote!(super::#module::#function(#v, p, s)));
        }
        Test::Run(quote!(support::encoded(#v, p, s, super::#module::#function)))
    }

    fn try_value(&self, v: TokenStream, ty: &Type, check: CheckId, depth: usize) -> Option<Test> {
        let rules = self.rules(check)?;
        match ty {
            Type::String => self.string(quote!(#v.as_str()), &rules),
            Type::Secret => self.string(quote!(#v.expose_secret()), &rules),
            Type::Boolean => self.scalar(Kind::Boolean, &rules),
            Type::Null => self.scalar(Kind::Null, &rules),
            Type::Integer => self.number(quote!((*#v as f64)), Kind::Integer, &rules),
            Type::Number => Some(match self.number(quote!(number), Kind::Number, &rules)? {
                Test::Pass => Test::Pass,
                test => {
                    let test = test.stmts();
                    Test::Stmts(quote! {
                        if let ::std::option::Option::Some(number) = #v.as_f64() {
                            #test
                        }
                    })
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
                let some = self.value(quote!(item), inner, check, depth);
                Some(Self::nullable(v, null, some))
            }
            Type::Model(id) => {
                let model = self.krate.model(*id);
                match (&model.kind, model.check) {
                    (ModelKind::Alias { target }, _) if depth <= INLINE_DEPTH => {
                        self.try_value(v, target, check, depth + 1)
                    }
                    (ModelKind::Alias { .. }, _) => None,
                    (_, Some(own)) if self.same_check(check, own) => Some(Test::Run(validate_at(v))),
                    _ if depth < INLINE_DEPTH => self.model_value(v, *id, check, depth + 1),
                    _ => None,
                }
            }
        }
    }

    /// `null` checked by the `__checks` function.
    fn null_fallback(&self, check: CheckId) -> Test {
        self.fallback(quote!(&::schemagen_runtime::serde_json::Value::Null), check, true)
    }

    /// An `Option` that encodes `None` as `null`: `v` is a `&Option<T>` expression; `some`
    /// tests the `item` inside.
    fn nullable(v: TokenStream, null: Test, some: Test) -> Test {
        match (null, some) {
            (Test::Pass, Test::Pass) => Test::Pass,
            (Test::Pass, some) => {
                let some = some.stmts();
                Test::Stmts(quote! {
                    if let ::std::option::Option::Some(item) = #v {
                        #some
                    }
                })
            }
            (null, Test::Pass) => {
                let null = null.stmts();
                Test::Stmts(quote! {
                    if #v.is_none() {
                        #null
                    }
                })
            }
            (null, some) => {
                let (null, some) = (null.stmts(), some.stmts());
                Test::Stmts(quote! {
                    match #v {
                        ::std::option::Option::None => { #null }
                        ::std::option::Option::Some(item) => { #some }
                    }
                })
            }
        }
    }

    /// A model's value (not through its own `validate_at`) against `check`.
    fn model_value(&self, v: TokenStream, id: ModelId, check: CheckId, depth: usize) -> Option<Test> {
        let model = self.krate.model(id);
        let rules = self.rules(check)?;
        match &model.kind {
            ModelKind::Struct(s) => self.structure(v, s, &rules, depth),
            ModelKind::Enum(e) if !e.open => {
                // A closed enum's values are its variants: an `enum` (or `const`) that lists
                // every one of them always passes.
                let lists_all = |values: &[String]| {
                    checks::enum_strings(values)
                        .is_some_and(|strings| e.variants.iter().all(|v| strings.contains(&v.wire_value)))
                };
                let rules: Vec<&Rule> = rules
                    .into_iter()
                    .filter(|rule| match rule {
                        Rule::Enum { values } => !lists_all(values),
                        Rule::Const { value } => !lists_all(std::slice::from_ref(value)),
                        _ => true,
                    })
                    .collect();
                self.string(quote!(#v.as_str()), &rules)
            }
            ModelKind::Enum(_) => self.string(quote!(#v.as_str()), &rules),
            ModelKind::Newtype { target, boxed } => {
                let inner = if *boxed { quote!(&*#v.0) } else { quote!(&#v.0) };
                Some(Self::bind(inner, self.value(quote!(item), target, check, depth)))
            }
            ModelKind::Alias { target } => self.try_value(v, target, check, depth),
            ModelKind::Union(_) => None,
        }
    }

    /// `test` of `item` bound to `expr` (tests take a plain name, so that method calls on it
    /// need no parentheses).
    fn bind(expr: TokenStream, test: Test) -> Test {
        match test {
            Test::Pass => Test::Pass,
            Test::Run(test) => Test::Run(quote! {{
                let item = #expr;
                #test
            }}),
            Test::Stmts(stmts) => Test::Stmts(quote! {{
                let item = #expr;
                #stmts
            }}),
        }
    }

    /// Statements that each clear `ok` when their test fails.
    fn block(tests: Vec<TokenStream>) -> Test {
        let tests: Vec<TokenStream> = tests.into_iter().filter(|t| !t.is_empty()).collect();
        if tests.is_empty() {
            return Test::Pass;
        }
        Test::Stmts(quote!(#(#tests)*))
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
    fn general(rule: &Rule, kind: Kind) -> Option<TokenStream> {
        match rule {
            Rule::Never => Some(checks::never()),
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
                fits.then(TokenStream::new)
            }
            _ => None,
        }
    }

    /// A value whose kind is all that the rules can test.
    fn scalar(&self, kind: Kind, rules: &[&Rule]) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if Self::applies(rule, kind) {
                tests.push(Self::general(rule, kind)?);
            }
        }
        Some(Self::block(tests))
    }

    /// A date or date-time, checked as it encodes. When the rules are its `type` and its own
    /// `format` (the usual case), the encoding is written on the stack and checked; only a value
    /// that fails (or does not encode as a string) is encoded as JSON and checked in full, so the
    /// violations are exactly those of the encoding.
    fn date(&self, v: TokenStream, ty: &Type, check: CheckId, rules: &[&Rule]) -> Option<Test> {
        let own = if *ty == Type::DateTime { "date-time" } else { "date" };
        let has_own = rules.iter().any(|r| matches!(r, Rule::Format { format } if format == own));
        let only_own = rules.iter().all(|r| match r {
            Rule::Format { format } => format == own,
            Rule::Type { .. } => Self::general(r, Kind::String).is_some(),
            rule => !Self::applies(rule, Kind::String),
        });
        if !(has_own && only_own) {
            return self.formatted(rules, "");
        }
        let function = format_ident!("c{}", check.0);
        let module = format_ident!("{}", MODULE);
        Some(Test::Run(quote!(support::date(#v, #own, p, s, super::#module::#function))))
    }

    /// A date, time or UUID, whose encoded text the type guarantees has `format`.
    fn formatted(&self, rules: &[&Rule], format: &str) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            match rule {
                Rule::Format { format: f } if f == format => {}
                rule if Self::applies(rule, Kind::String) => tests.push(Self::general(rule, Kind::String)?),
                _ => {}
            }
        }
        Some(Self::block(tests))
    }

    fn string(&self, text: TokenStream, rules: &[&Rule]) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if !Self::applies(rule, Kind::String) {
                continue;
            }
            let test = match rule {
                Rule::Enum { values } if !values.is_empty() => {
                    let strings = checks::enum_strings(values)?;
                    let message = checks::enum_message(values);
                    quote! {
                        if !matches!(#text, #(#strings)|*) {
                            ok = s.fail(p, "enum", || #message);
                        }
                    }
                }
                Rule::Const { value } => {
                    let constant = serde_json::from_str::<String>(value).ok()?;
                    let message = format!("must be {value}");
                    quote! {
                        if #text != #constant {
                            ok = s.fail(p, "const", || #message);
                        }
                    }
                }
                rule => match checks::string_leaf(rule, text.clone(), self.patterns) {
                    Some(test) => test,
                    None => Self::general(rule, Kind::String)?,
                },
            };
            tests.push(test);
        }
        Some(Self::block(tests))
    }

    /// A number: `number` is an `f64` expression.
    fn number(&self, number: TokenStream, kind: Kind, rules: &[&Rule]) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if Self::applies(rule, kind) {
                tests.push(match checks::number_leaf(rule, number.clone()) {
                    Some(test) => test,
                    None => Self::general(rule, kind)?,
                });
            }
        }
        Some(Self::block(tests))
    }

    fn array(&self, v: TokenStream, inner: &Type, rules: &[&Rule], depth: usize) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if !Self::applies(rule, Kind::Array) {
                continue;
            }
            let test = match rule {
                Rule::Items { check, from, .. } => {
                    let skip = (*from > 0).then(|| quote!(.skip(#from)));
                    self.value(quote!(item), inner, *check, depth).and(|test| {
                        quote! {
                            for (index, item) in #v.iter().enumerate() #skip {
                                let p = &support::Path::Index(p, index);
                                #test
                            }
                        }
                    })
                }
                Rule::PrefixItems { checks } => {
                    let items = checks.iter().enumerate().map(|(index, check)| {
                        self.value(quote!(item), inner, *check, depth).and(|test| {
                            quote! {
                                if let ::std::option::Option::Some(item) = #v.get(#index) {
                                    let p = &support::Path::Index(p, #index);
                                    #test
                                }
                            }
                        })
                    });
                    quote!(#(#items)*)
                }
                rule => match checks::count_leaf(rule, quote!(#v.len() as u64)) {
                    Some(test) => test,
                    None => Self::general(rule, Kind::Array)?,
                },
            };
            tests.push(test);
        }
        Some(Self::block(tests))
    }

    fn map(&self, v: TokenStream, inner: &Type, rules: &[&Rule], depth: usize) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if !Self::applies(rule, Kind::Object) {
                continue;
            }
            let test = match rule {
                Rule::Required { names } => {
                    let presence = names.iter().map(|name| quote!(#v.contains_key(#name)));
                    Self::required(names, presence)
                }
                Rule::Properties { properties } => {
                    let properties = checks::distinct(properties);
                    if properties.len() <= checks::WALK_LIMIT {
                        // In the map's order, as `validate_json` walks the encoded object.
                        self.walk(
                            quote!(#v),
                            properties.iter().map(|(name, check)| (name.as_str(), inner, *check)),
                            depth,
                        )
                    } else {
                        let properties = properties.iter().map(|(name, check)| {
                            self.value(quote!(item), inner, *check, depth).and(|test| {
                                quote! {
                                    if let ::std::option::Option::Some(item) = #v.get(#name) {
                                        let p = &support::Path::Key(p, #name);
                                        #test
                                    }
                                }
                            })
                        });
                        quote!(#(#properties)*)
                    }
                }
                Rule::AdditionalProperties { check, known, patterns } if patterns.is_empty() => {
                    self.additional(quote!(#v), inner, *check, known, depth)
                }
                rule => match checks::count_leaf(rule, quote!(#v.len() as u64)) {
                    Some(test) => test,
                    None => Self::general(rule, Kind::Object)?,
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
        map: TokenStream,
        properties: impl Iterator<Item = (&'t str, &'t Type, CheckId)>,
        depth: usize,
    ) -> TokenStream {
        let arms: Vec<TokenStream> = properties
            .filter_map(|(name, ty, check)| {
                let test = self.value(quote!(item), ty, check, depth).and(|test| test);
                (!test.is_empty()).then(|| {
                    quote! {
                        #name => {
                            let p = &support::Path::Key(p, #name);
                            #test
                        }
                    }
                })
            })
            .collect();
        if arms.is_empty() {
            return TokenStream::new();
        }
        quote! {
            for (key, item) in #map {
                match key.as_str() {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    }

    /// `additionalProperties` over the entries of a map (`map` is a `&IndexMap` expression).
    fn additional(
        &self,
        map: TokenStream,
        inner: &Type,
        check: CheckId,
        known: &[String],
        depth: usize,
    ) -> TokenStream {
        let action = if self.krate.checks[check.0].rules == [Rule::Never] {
            quote! { ok = s.fail(p, "additionalProperties", || format!("`{key}` is not an allowed property")); }
        } else {
            self.value(quote!(item), inner, check, depth).and(|test| test)
        };
        if action.is_empty() {
            return action;
        }
        let action = if known.is_empty() {
            action
        } else {
            quote! {
                if !matches!(key.as_str(), #(#known)|*) {
                    #action
                }
            }
        };
        quote! {
            for (key, item) in #map {
                let p = &support::Path::Key(p, key);
                #action
            }
        }
    }

    /// `required`, given whether each name is present.
    fn required(names: &[String], presence: impl Iterator<Item = TokenStream>) -> TokenStream {
        let tests = names.iter().zip(presence).map(|(name, present)| {
            let message = checks::required_message(name);
            quote! {
                if !(#present) {
                    ok = s.fail(p, "required", || #message);
                }
            }
        });
        quote!(#(#tests)*)
    }

    /// Whether the property `name` of a struct value `v` is present when encoded; `None` when
    /// it always is (a required field).
    fn presence(v: &TokenStream, s: &Struct, name: &str) -> Option<TokenStream> {
        match s.fields.iter().find(|f| f.wire_name == name) {
            Some(field) if field.required => None,
            Some(field) => {
                let f = format_ident!("{}", field.rust_name);
                Some(quote!(#v.#f.is_some()))
            }
            None => Some(match &s.additional {
                Additional::Keep(_) => {
                    let extra = format_ident!("{}", s.additional_field);
                    quote!(#v.#extra.contains_key(#name))
                }
                // Undeclared properties are not kept, so a value never has this one.
                _ => quote!(false),
            }),
        }
    }

    fn structure(&self, v: TokenStream, s: &Struct, rules: &[&Rule], depth: usize) -> Option<Test> {
        let mut tests = Vec::new();
        for rule in rules {
            if !Self::applies(rule, Kind::Object) {
                continue;
            }
            let test = match rule {
                Rule::Required { names } => {
                    let (names, presence): (Vec<String>, Vec<TokenStream>) =
                        names.iter().filter_map(|name| Some((name.clone(), Self::presence(&v, s, name)?))).unzip();
                    Self::required(&names, presence.into_iter())
                }
                Rule::Properties { properties } => {
                    let mut properties = checks::distinct(properties);
                    if properties.len() > checks::WALK_LIMIT {
                        let properties =
                            properties.iter().map(|(name, check)| self.property(&v, s, name, *check, depth));
                        quote!(#(#properties)*)
                    } else {
                        // `validate_json` walks the encoded object: the fields in declaration
                        // order, then the kept extra properties in their map's order.
                        let field_index = |name: &str| s.fields.iter().position(|f| f.wire_name == name);
                        properties.sort_by_key(|(name, _)| field_index(name).unwrap_or(usize::MAX));
                        let (fields, extras): (Vec<_>, Vec<_>) =
                            properties.into_iter().partition(|(name, _)| field_index(name).is_some());
                        let fields = fields.iter().map(|(name, check)| self.property(&v, s, name, *check, depth));
                        let extras = match &s.additional {
                            Additional::Keep(ty) if extras.len() > 1 => {
                                let extra = format_ident!("{}", s.additional_field);
                                self.walk(
                                    quote!(&#v.#extra),
                                    extras.iter().map(|(name, check)| (name.as_str(), ty, *check)),
                                    depth,
                                )
                            }
                            _ => {
                                let extras =
                                    extras.iter().map(|(name, check)| self.property(&v, s, name, *check, depth));
                                quote!(#(#extras)*)
                            }
                        };
                        quote!(#(#fields)* #extras)
                    }
                }
                Rule::AdditionalProperties { check, known, patterns } if patterns.is_empty() => {
                    // Declared fields must be known; the kept extra properties are checked.
                    if s.fields.iter().any(|f| !known.contains(&f.wire_name)) {
                        return None;
                    }
                    match &s.additional {
                        Additional::Keep(ty) => {
                            let extra = format_ident!("{}", s.additional_field);
                            self.additional(quote!(&#v.#extra), ty, *check, known, depth)
                        }
                        Additional::Ignore | Additional::Deny => continue,
                    }
                }
                Rule::DependentRequired { dependencies } => {
                    let tests = dependencies.iter().map(|(name, required)| {
                        let needed = required.iter().filter_map(|needed| {
                            let present = Self::presence(&v, s, needed)?;
                            Some(quote! {
                                if !(#present) {
                                    ok = s.fail(p, "dependentRequired", || format!("`{}` is required when `{}` is present", #needed, #name));
                                }
                            })
                        });
                        let needed = quote!(#(#needed)*);
                        match Self::presence(&v, s, name) {
                            Some(when) => quote! { if #when { #needed } },
                            None => needed,
                        }
                    });
                    quote!(#(#tests)*)
                }
                rule => {
                    let count = Self::property_count(&v, s);
                    match checks::count_leaf(rule, count) {
                        Some(test) => test,
                        None => Self::general(rule, Kind::Object)?,
                    }
                }
            };
            tests.push(test);
        }
        Some(Self::block(tests))
    }

    /// How many properties a struct value encodes.
    fn property_count(v: &TokenStream, s: &Struct) -> TokenStream {
        let required = s.fields.iter().filter(|f| f.required).count() as u64;
        let optional = s.fields.iter().filter(|f| !f.required).map(|f| {
            let f = format_ident!("{}", f.rust_name);
            quote!(+ u64::from(#v.#f.is_some()))
        });
        let extra = matches!(s.additional, Additional::Keep(_)).then(|| {
            let extra = format_ident!("{}", s.additional_field);
            quote!(+ #v.#extra.len() as u64)
        });
        quote!(#required #(#optional)* #extra)
    }

    /// `properties`' check of one property of a struct value.
    fn property(&self, v: &TokenStream, s: &Struct, name: &str, check: CheckId, depth: usize) -> TokenStream {
        let Some(field) = s.fields.iter().find(|f| f.wire_name == name) else {
            return match &s.additional {
                Additional::Keep(ty) => {
                    let extra = format_ident!("{}", s.additional_field);
                    self.value(quote!(item), ty, check, depth).and(|test| {
                        quote! {
                            if let ::std::option::Option::Some(item) = #v.#extra.get(#name) {
                                let p = &support::Path::Key(p, #name);
                                #test
                            }
                        }
                    })
                }
                // Undeclared properties are not kept, so a value never has this one.
                _ => TokenStream::new(),
            };
        };
        let f = format_ident!("{}", field.rust_name);
        self.field(field, check, depth).and(|test| {
            if field.required {
                quote! {{
                    let item = &#v.#f;
                    let p = &support::Path::Key(p, #name);
                    #test
                }}
            } else {
                quote! {
                    if let ::std::option::Option::Some(item) = &#v.#f {
                        let p = &support::Path::Key(p, #name);
                        #test
                    }
                }
            }
        })
    }

    /// A present field's value (`item`, a reference to the field or to the inside of its
    /// presence `Option`), with boxing and nullability undone.
    fn field(&self, field: &Field, check: CheckId, depth: usize) -> Test {
        let unbox = |ty: &Type, v: TokenStream| {
            let test = self.value(quote!(item), ty, check, depth);
            if field.boxed { Self::bind(quote!(&**#v), test) } else { test }
        };
        match &field.ty {
            Type::Nullable(inner) => {
                let rules = self.rules(check);
                let null = rules
                    .and_then(|rules| self.scalar(Kind::Null, &rules))
                    .unwrap_or_else(|| self.null_fallback(check));
                Self::nullable(quote!(item), null, unbox(inner, quote!(item)))
            }
            ty => unbox(ty, quote!(item)),
        }
    }
}
