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

fn children(rule: &Rule, f: &mut impl FnMut(CheckId)) {
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

/// The `__checks` module's items.
pub fn module(krate: &Crate, skipped: &[bool]) -> TokenStream {
    let mut patterns: Vec<String> = Vec::new();
    let functions: Vec<TokenStream> =
        reachable(krate, skipped).into_iter().map(|id| function(krate, id, &mut patterns)).collect();
    let statics = patterns.iter().enumerate().map(|(i, pattern)| {
        let name = format_ident!("PATTERN_{}", i);
        quote! {
            static #name: ::std::sync::LazyLock<::std::option::Option<::schemagen_runtime::regress::Regex>> =
                ::std::sync::LazyLock::new(|| ::schemagen_runtime::regress::Regex::new(#pattern).ok());
        }
    });
    let matcher = (!patterns.is_empty()).then(|| {
        quote! {
            /// Whether `text` matches a pattern compiled once. The generator checked every pattern
            /// compiles; a pattern that does not is treated as matching nothing.
            fn matches(pattern: &::std::sync::LazyLock<::std::option::Option<::schemagen_runtime::regress::Regex>>, text: &str) -> bool {
                pattern.as_ref().is_some_and(|re| re.find(text).is_some())
            }
        }
    });
    quote! {
        use ::schemagen_runtime::serde_json::Value;
        use ::schemagen_runtime::validate::rules::{self, Ev};
        use ::schemagen_runtime::validate::support::{Path, Sink};

        #matcher
        #(#statics)*
        #(#functions)*
    }
}

/// `impl Validate for Model`, calling the model's check through `super::__checks`.
pub fn impl_validate(name: &proc_macro2::Ident, check: CheckId) -> TokenStream {
    let function = format_ident!("c{}", check.0);
    let module = format_ident!("{}", MODULE);
    quote! {
        impl ::schemagen_runtime::Validate for #name {
            fn validate(&self) -> ::std::result::Result<(), ::schemagen_runtime::ValidationErrors> {
                match ::schemagen_runtime::serde_json::to_value(self) {
                    ::std::result::Result::Ok(value) => <Self as ::schemagen_runtime::Validate>::validate_json(&value),
                    // Generated types always encode; should one not, it is reported, not hidden.
                    ::std::result::Result::Err(error) => {
                        let mut sink = ::schemagen_runtime::validate::support::Sink::new();
                        let message = error.to_string();
                        sink.fail(&::schemagen_runtime::validate::support::Path::Root, "type", || message);
                        sink.finish()
                    }
                }
            }

            fn validate_json(value: &::schemagen_runtime::serde_json::Value) -> ::std::result::Result<(), ::schemagen_runtime::ValidationErrors> {
                let mut sink = ::schemagen_runtime::validate::support::Sink::new();
                super::#module::#function(value, &::schemagen_runtime::validate::support::Path::Root, &mut sink, &mut ::std::default::Default::default());
                sink.finish()
            }
        }
    }
}

fn call(check: CheckId, value: TokenStream, path: TokenStream, ev: TokenStream) -> TokenStream {
    let function = format_ident!("c{}", check.0);
    quote!(#function(#value, #path, s, #ev))
}

fn is_never(krate: &Crate, check: CheckId) -> bool {
    krate.checks[check.0].rules == [Rule::Never]
}

fn function(krate: &Crate, id: CheckId, patterns: &mut Vec<String>) -> TokenStream {
    let name = format_ident!("c{}", id.0);
    let rules = &krate.checks[id.0].rules;
    if rules.is_empty() {
        return quote! {
            pub(super) fn #name(_v: &Value, _p: &Path<'_>, _s: &mut Sink, _outer: &mut Ev) -> bool {
                true
            }
        };
    }
    let own_annotations =
        rules.iter().any(|r| matches!(r, Rule::UnevaluatedProperties { .. } | Rule::UnevaluatedItems { .. }));
    let body: Vec<TokenStream> = rules.iter().map(|rule| rule_tokens(krate, rule, patterns)).collect();
    let (setup, finish) = if own_annotations {
        (quote! { let mut own = Ev::active(); let ev = &mut own; }, quote! { outer.merge(own); })
    } else {
        (quote! { let ev = outer; }, quote! {})
    };
    quote! {
        #[allow(unused_variables, unused_mut, clippy::needless_borrow)]
        pub(super) fn #name(v: &Value, p: &Path<'_>, s: &mut Sink, outer: &mut Ev) -> bool {
            let mut ok = true;
            #setup
            #(#body)*
            #finish
            ok
        }
    }
}

fn limit_literal(n: u64) -> Literal {
    Literal::u64_unsuffixed(n)
}

fn rule_tokens(krate: &Crate, rule: &Rule, patterns: &mut Vec<String>) -> TokenStream {
    match rule {
        Rule::Never => quote! {
            ok = s.fail(p, "false", || "no value is allowed here".to_string());
        },
        Rule::Type { types } if types.is_empty() => quote! {
            ok = s.fail(p, "type", || "no type is allowed here".to_string());
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
            quote! {
                if !(#(#tests)||*) {
                    ok = s.fail(p, "type", || format!("must be {}, not {}", #expected, rules::kind(v)));
                }
            }
        }
        Rule::Enum { values } => {
            let shown: Vec<&str> = values.iter().take(10).map(String::as_str).collect();
            let more = if values.len() > 10 { ", …" } else { "" };
            let message = format!("must be one of: {}{more}", shown.join(", "));
            if values.is_empty() {
                quote! { ok = s.fail(p, "enum", || "no value is allowed: the `enum` is empty".to_string()); }
            } else if values.iter().all(|v| v.starts_with('"')) {
                let strings: Vec<String> =
                    values.iter().filter_map(|v| serde_json::from_str::<String>(v).ok()).collect();
                quote! {
                    if !matches!(v.as_str(), Some(#(#strings)|*)) {
                        ok = s.fail(p, "enum", || #message.to_string());
                    }
                }
            } else {
                let json = format!("[{}]", values.join(","));
                quote! {
                    {
                        static ALLOWED: ::std::sync::LazyLock<Value> =
                            ::std::sync::LazyLock::new(|| ::schemagen_runtime::serde_json::from_str(#json).unwrap_or_default());
                        if !ALLOWED.as_array().is_some_and(|allowed| allowed.iter().any(|a| rules::json_eq(a, v))) {
                            ok = s.fail(p, "enum", || #message.to_string());
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
                        ok = s.fail(p, "const", || #message.to_string());
                    }
                }
            }
        }
        Rule::MinLength { limit } => {
            let n = limit_literal(*limit);
            quote! {
                if let Some(text) = v.as_str() {
                    if rules::length(text) < #n {
                        ok = s.fail(p, "minLength", || format!("must be at least {} characters long", #n));
                    }
                }
            }
        }
        Rule::MaxLength { limit } => {
            let n = limit_literal(*limit);
            quote! {
                if let Some(text) = v.as_str() {
                    if rules::length(text) > #n {
                        ok = s.fail(p, "maxLength", || format!("must be at most {} characters long", #n));
                    }
                }
            }
        }
        Rule::Pattern { pattern } => {
            let index = pattern_index(patterns, pattern);
            let name = format_ident!("PATTERN_{}", index);
            let message = format!("must match the pattern `{pattern}`");
            quote! {
                if let Some(text) = v.as_str() {
                    if !matches(&#name, text) {
                        ok = s.fail(p, "pattern", || #message.to_string());
                    }
                }
            }
        }
        Rule::Format { format } => {
            let message = format!("must be a valid `{format}`");
            quote! {
                if let Some(text) = v.as_str() {
                    if !rules::format(#format, text) {
                        ok = s.fail(p, "format", || #message.to_string());
                    }
                }
            }
        }
        Rule::Minimum { limit, exclusive } => {
            let (keyword, op, words) = if *exclusive {
                ("exclusiveMinimum", quote!(<=), "greater than")
            } else {
                ("minimum", quote!(<), "at least")
            };
            let message = format!("must be {words} {limit}");
            quote! {
                if let Some(number) = v.as_f64() {
                    if number #op #limit {
                        ok = s.fail(p, #keyword, || #message.to_string());
                    }
                }
            }
        }
        Rule::Maximum { limit, exclusive } => {
            let (keyword, op, words) = if *exclusive {
                ("exclusiveMaximum", quote!(>=), "less than")
            } else {
                ("maximum", quote!(>), "at most")
            };
            let message = format!("must be {words} {limit}");
            quote! {
                if let Some(number) = v.as_f64() {
                    if number #op #limit {
                        ok = s.fail(p, #keyword, || #message.to_string());
                    }
                }
            }
        }
        Rule::MultipleOf { factor } => {
            let message = format!("must be a multiple of {factor}");
            quote! {
                if let Some(number) = v.as_f64() {
                    if !rules::multiple_of(number, #factor) {
                        ok = s.fail(p, "multipleOf", || #message.to_string());
                    }
                }
            }
        }
        Rule::MinItems { limit } => {
            let n = limit_literal(*limit);
            quote! {
                if let Some(items) = v.as_array() {
                    if (items.len() as u64) < #n {
                        ok = s.fail(p, "minItems", || format!("must have at least {} items", #n));
                    }
                }
            }
        }
        Rule::MaxItems { limit } => {
            let n = limit_literal(*limit);
            quote! {
                if let Some(items) = v.as_array() {
                    if (items.len() as u64) > #n {
                        ok = s.fail(p, "maxItems", || format!("must have at most {} items", #n));
                    }
                }
            }
        }
        Rule::UniqueItems => quote! {
            if let Some(items) = v.as_array() {
                if !rules::unique(items) {
                    ok = s.fail(p, "uniqueItems", || "items must be unique".to_string());
                }
            }
        },
        Rule::PrefixItems { checks } => {
            let calls = checks.iter().enumerate().map(|(i, c)| {
                let call = call(*c, quote!(item), quote!(&Path::Index(p, #i)), quote!(&mut Ev::default()));
                quote! {
                    if let Some(item) = items.get(#i) {
                        ok &= #call;
                    }
                }
            });
            let n = checks.len();
            quote! {
                if let Some(items) = v.as_array() {
                    #(#calls)*
                    ev.items_up_to(#n);
                }
            }
        }
        Rule::Items { check, from, .. } => {
            let call = call(*check, quote!(item), quote!(&Path::Index(p, index)), quote!(&mut Ev::default()));
            quote! {
                if let Some(items) = v.as_array() {
                    for (index, item) in items.iter().enumerate().skip(#from) {
                        ok &= #call;
                    }
                    ev.all_items();
                }
            }
        }
        Rule::Contains { check, min, max } => {
            let probe = call(*check, quote!(item), quote!(&Path::Index(p, index)), quote!(&mut Ev::default()));
            let min_n = limit_literal(*min);
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
                            ev.item(index);
                        }
                    }
                    if found < #min_n {
                        ok = s.fail(p, "contains", || format!("must contain at least {} matching item(s)", #min_n));
                    }
                    #max_test
                }
            }
        }
        Rule::MinProperties { limit } => {
            let n = limit_literal(*limit);
            quote! {
                if let Some(object) = v.as_object() {
                    if (object.len() as u64) < #n {
                        ok = s.fail(p, "minProperties", || format!("must have at least {} properties", #n));
                    }
                }
            }
        }
        Rule::MaxProperties { limit } => {
            let n = limit_literal(*limit);
            quote! {
                if let Some(object) = v.as_object() {
                    if (object.len() as u64) > #n {
                        ok = s.fail(p, "maxProperties", || format!("must have at most {} properties", #n));
                    }
                }
            }
        }
        Rule::Required { names } => quote! {
            if let Some(object) = v.as_object() {
                for name in [#(#names),*] {
                    if !object.contains_key(name) {
                        ok = s.fail(p, "required", || format!("`{name}` is required"));
                    }
                }
            }
        },
        Rule::Properties { properties } => {
            let calls = properties.iter().map(|(name, check)| {
                let call = call(*check, quote!(item), quote!(&Path::Key(p, #name)), quote!(&mut Ev::default()));
                quote! {
                    if let Some(item) = object.get(#name) {
                        ok &= #call;
                        ev.prop(#name);
                    }
                }
            });
            quote! {
                if let Some(object) = v.as_object() {
                    #(#calls)*
                }
            }
        }
        Rule::PatternProperties { patterns: checks } => {
            let calls = checks.iter().map(|(pattern, check)| {
                let name = format_ident!("PATTERN_{}", pattern_index(patterns, pattern));
                let call = call(*check, quote!(item), quote!(&Path::Key(p, key)), quote!(&mut Ev::default()));
                quote! {
                    if matches(&#name, key) {
                        ok &= #call;
                        ev.prop(key);
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
                let call = call(*check, quote!(item), quote!(&Path::Key(p, key)), quote!(&mut Ev::default()));
                quote! { ok &= #call; }
            };
            quote! {
                if let Some(object) = v.as_object() {
                    for (key, item) in object {
                        let known = #known_test #(|| matches(&#pattern_names, key))*;
                        if !known {
                            #action
                            ev.prop(key);
                        }
                    }
                }
            }
        }
        Rule::PropertyNames { check } => {
            let call = call(*check, quote!(&name), quote!(&Path::Key(p, key)), quote!(&mut Ev::default()));
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
                let call = call(*check, quote!(v), quote!(p), quote!(ev));
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
                let call = call(*c, quote!(v), quote!(p), quote!(ev));
                quote! { ok &= #call; }
            });
            quote! { #(#calls)* }
        }
        Rule::Ref { check } => {
            let call = call(*check, quote!(v), quote!(p), quote!(ev));
            quote! { ok &= #call; }
        }
        Rule::AnyOf { checks } => {
            let probes = checks.iter().map(|c| {
                let call = call(*c, quote!(v), quote!(p), quote!(&mut branch));
                quote! {
                    let mut branch = ev.child();
                    if s.probe(|s| #call) {
                        matched += 1;
                        ev.merge(branch);
                    }
                }
            });
            quote! {
                {
                    let mut matched = 0usize;
                    #(#probes)*
                    if matched == 0 {
                        ok = s.fail(p, "anyOf", || "must match at least one of the `anyOf` alternatives".to_string());
                    }
                }
            }
        }
        Rule::OneOf { checks } => {
            let probes = checks.iter().map(|c| {
                let call = call(*c, quote!(v), quote!(p), quote!(&mut branch));
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
            quote! {
                {
                    let mut matched = 0usize;
                    let mut passed: Option<Ev> = None;
                    #(#probes)*
                    if matched != 1 {
                        ok = s.fail(p, "oneOf", || format!("must match exactly one of the `oneOf` alternatives; it matches {matched}"));
                    } else if let Some(branch) = passed {
                        ev.merge(branch);
                    }
                }
            }
        }
        Rule::Not { check } => {
            let call = call(*check, quote!(v), quote!(p), quote!(&mut Ev::default()));
            quote! {
                if s.probe(|s| #call) {
                    ok = s.fail(p, "not", || "must not match the schema under `not`".to_string());
                }
            }
        }
        Rule::If { condition, then, otherwise } => {
            let test = call(*condition, quote!(v), quote!(p), quote!(&mut branch));
            let then = then.map(|c| call(c, quote!(v), quote!(p), quote!(ev))).map(|call| quote! { ok &= #call; });
            let otherwise =
                otherwise.map(|c| call(c, quote!(v), quote!(p), quote!(ev))).map(|call| quote! { ok &= #call; });
            quote! {
                {
                    let mut branch = ev.child();
                    if s.probe(|s| #test) {
                        ev.merge(branch);
                        #then
                    } else {
                        #otherwise
                    }
                }
            }
        }
        Rule::UnevaluatedProperties { check } => {
            let action = if is_never(krate, *check) {
                quote! { ok = s.fail(&Path::Key(p, key), "unevaluatedProperties", || format!("`{key}` is not an allowed property")); }
            } else {
                let call = call(*check, quote!(item), quote!(&Path::Key(p, key)), quote!(&mut Ev::default()));
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
            let call = call(*check, quote!(item), quote!(&Path::Index(p, index)), quote!(&mut Ev::default()));
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

fn pattern_index(patterns: &mut Vec<String>, pattern: &str) -> usize {
    match patterns.iter().position(|p| p == pattern) {
        Some(index) => index,
        None => {
            patterns.push(pattern.to_string());
            patterns.len() - 1
        }
    }
}
