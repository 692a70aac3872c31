//! Lowering a schema's validation keywords into [`ir::Check`]s, one per schema location.
//!
//! Types decide what can be decoded; checks carry everything the schema demands, with each
//! draft's spelling of it (draft 4's boolean `exclusiveMinimum`, `items` arrays before 2020-12,
//! `dependencies`, `$ref` overriding its siblings before 2019-09). Like models, checks are
//! memoized by location, which is what makes recursive schemas terminate.

use std::rc::Rc;

use crate::tree::Value;

use super::{Loc, Reader};
use crate::diag::{Code, Diagnostic, Location};
use crate::ir::{self, CheckId, JsonType, ModelId, ModelKind, Rule, Type};

/// The dialects whose differences matter to validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Draft {
    Draft4,
    Draft7,
    Draft2019,
    Draft2020,
}

impl Reader<'_> {
    /// The dialect of a document: its `$schema`, OpenAPI 3.0 as draft 4's cousin, the dialect of
    /// the document whose `$ref` loaded it, else 2020-12.
    pub(crate) fn draft(&self, file: &str) -> Draft {
        let doc = self.doc(file);
        if let Some(openapi) = doc.get("openapi").and_then(Value::as_str) {
            return if openapi.starts_with("3.0") { Draft::Draft4 } else { Draft::Draft2020 };
        }
        match doc.get("$schema").and_then(Value::as_str) {
            Some(s) if s.contains("draft-04") || s.contains("draft-03") => Draft::Draft4,
            Some(s) if s.contains("draft-06") || s.contains("draft-07") => Draft::Draft7,
            Some(s) if s.contains("2019-09") => Draft::Draft2019,
            Some(_) => Draft::Draft2020,
            None => self.dialects.get(file).copied().unwrap_or(Draft::Draft2020),
        }
    }

    /// Whether the validation vocabulary applies in `file`: always, unless its `$schema` names a
    /// meta-schema that we have (a mapped resource or a loaded document) whose `$vocabulary`
    /// leaves it out. Then `type`, `enum`, `const`, the limits, `pattern`, `required` and
    /// `dependentRequired` are annotations, as 2019-09 and 2020-12 say.
    fn validates(&mut self, file: &Rc<str>) -> bool {
        if let Some(&known) = self.validation_vocabulary.get(file) {
            return known;
        }
        self.validation_vocabulary.insert(file.clone(), true);
        let doc = self.doc(file);
        let meta_schema = doc.get("$schema").and_then(Value::as_str).filter(|s| !s.contains("json-schema.org/"));
        let validates = match meta_schema.map(str::to_string) {
            Some(uri) if self.draft(file) >= Draft::Draft2019 => {
                let root = Loc::new(file.clone(), String::new());
                match self.resolve_resource(&root, &uri) {
                    Ok(meta) => match self.doc(&meta).get("$vocabulary").and_then(Value::as_object) {
                        Some(vocabularies) => vocabularies.keys().any(|v| v.ends_with("/vocab/validation")),
                        None => true,
                    },
                    Err(_) => true,
                }
            }
            _ => true,
        };
        self.validation_vocabulary.insert(file.clone(), validates);
        validates
    }

    /// The check for the schema at `loc`, made once per location and dynamic scope (the scope
    /// evaluation is in there: the current one, having entered the resource that holds `loc`).
    /// A check whose rules equal an existing check's is that check (see [`Interner`]); one that
    /// reaches itself gets its place when it first does, and keeps it.
    pub(crate) fn check(&mut self, loc: &Loc) -> CheckId {
        let scope = self.scope_at(loc);
        let key = (self.value_id(loc), scope);
        match self.check_memo.get(&key) {
            Some(CheckSlot::Done(id) | CheckSlot::Open { id: Some(id), .. }) => return id,
            Some(CheckSlot::Open { order, id: None }) => {
                let id = CheckId(self.krate.checks.len());
                let origin = self.origin(loc);
                self.krate.checks.push(ir::Check { origin, rules: Vec::new() });
                self.interner.first.push(order);
                self.check_memo.insert(key, CheckSlot::Open { order, id: Some(id) });
                return id;
            }
            None => {}
        }
        let order = self.interner.made();
        let outer = std::mem::replace(&mut self.scope, key.1.clone());
        self.check_memo.insert(key.clone(), CheckSlot::Open { order, id: None });
        let rules = crate::deep(|| self.rules(loc));
        self.scope = outer;
        let id = match self.check_memo.get(&key) {
            Some(CheckSlot::Open { id: Some(id), .. }) => {
                let mut rules = rules;
                rules.shrink_to_fit();
                self.krate.checks[id.0].rules = rules;
                self.index_check(id);
                id
            }
            _ => self.intern(order, Some(loc), rules),
        };
        self.check_memo.insert(key, CheckSlot::Done(id));
        id
    }

    /// A check that is the conjunction of several locations' checks.
    pub(crate) fn check_all(&mut self, locs: &[Loc]) -> CheckId {
        if let [only] = locs {
            return self.check(only);
        }
        let checks = locs.iter().map(|l| self.check(l)).collect();
        let order = self.interner.made();
        self.intern(order, Some(&locs[0]), vec![Rule::AllOf { checks }])
    }

    /// The check with these rules: an existing one if there is one, else a new one. `order` is
    /// the check's place among all checks made so far, duplicates included; a check found again
    /// takes the origin of its earliest occurrence, which is the one [`crate::dedupe::checks`]
    /// would keep.
    fn intern(&mut self, order: u32, at: Option<&Loc>, mut rules: Vec<Rule>) -> CheckId {
        let origin = |reader: &mut Self| match at {
            Some(loc) => reader.origin(loc),
            None => ir::Origin { file: "".into(), pointer: None, line: None },
        };
        let hash = hash_rules(&rules);
        let found = self.interner.table.find(hash, |&id| same_rules(&self.krate.checks[id.0].rules, &rules)).copied();
        if let Some(id) = found {
            if order < self.interner.first[id.0] {
                self.interner.first[id.0] = order;
                self.krate.checks[id.0].origin = origin(self);
            }
            return id;
        }
        let origin = origin(self);
        rules.shrink_to_fit();
        let checks = &mut self.krate.checks;
        let id = CheckId(checks.len());
        checks.push(ir::Check { origin, rules });
        self.interner.first.push(order);
        self.interner.table.insert_unique(hash, id, |&id| hash_rules(&checks[id.0].rules));
        id
    }

    /// Makes the finished check `id`, which was given its place before its rules were known,
    /// findable by its rules, unless an equal check already is.
    fn index_check(&mut self, id: CheckId) {
        let checks = &self.krate.checks;
        let rules = &checks[id.0].rules;
        let hash = hash_rules(rules);
        if self.interner.table.find(hash, |&other| same_rules(&checks[other.0].rules, rules)).is_none() {
            self.interner.table.insert_unique(hash, id, |&id| hash_rules(&checks[id.0].rules));
        }
    }

    /// Puts the checks in the order they were first made, as if none had been interned, so that
    /// check numbers (and the generated function names) do not depend on interning.
    pub(crate) fn order_checks(&mut self) {
        let first = std::mem::take(&mut self.interner.first);
        self.interner.table = Default::default();
        let mut by_first: Vec<usize> = (0..first.len()).collect();
        by_first.sort_unstable_by_key(|&i| first[i]);
        let mut new_id = vec![0; first.len()];
        for (new, &old) in by_first.iter().enumerate() {
            new_id[old] = new;
        }
        drop(by_first);
        // Renumbered and moved in place: this runs at the peak of a large run, where a second
        // list of the checks would be the largest thing made.
        let checks = &mut self.krate.checks;
        for check in checks.iter_mut() {
            for rule in &mut check.rules {
                crate::dedupe::children_mut(rule, &mut |c| *c = CheckId(new_id[c.0]));
            }
        }
        let mut place = new_id.clone();
        for i in 0..checks.len() {
            // Each swap puts the check at `i` where it belongs, until the one that belongs at `i`
            // arrives.
            while place[i] != i {
                let j = place[i];
                checks.swap(i, j);
                place.swap(i, j);
            }
        }
        for model in &mut self.krate.models {
            model.check = model.check.map(|c| CheckId(new_id[c.0]));
        }
    }

    fn rules(&mut self, loc: &Loc) -> Vec<Rule> {
        let value = self.value(loc);
        let object = match &*value {
            Value::Bool(false) => return vec![Rule::Never],
            Value::Object(object) => object,
            _ => return Vec::new(),
        };
        let draft = self.draft(&loc.file);
        let mut rules = Vec::new();
        let sub = |reader: &mut Self, keyword: &str| reader.check(&loc.child(&[keyword]));

        for keyword in ["$ref", "$recursiveRef", "$dynamicRef"] {
            let Some(reference) = object.get(keyword).and_then(Value::as_str) else { continue };
            // Dynamic references go where the dynamic scope this check is made for says.
            let reference = if keyword == "$recursiveRef" { "#" } else { reference };
            match self.resolve_ref(loc, reference) {
                Ok(target) => {
                    let target = match keyword {
                        "$recursiveRef" => self.recursive_target(target),
                        "$dynamicRef" if draft >= Draft::Draft2020 => self.dynamic_target(reference, target),
                        _ => target,
                    };
                    let check = self.check(&target);
                    rules.push(Rule::Ref { check });
                }
                Err(diagnostic) => self.push(diagnostic),
            }
            if keyword == "$ref" && draft <= Draft::Draft7 {
                // Before 2019-09, `$ref` replaces every keyword beside it.
                return rules;
            }
        }

        let nullable = object.get("nullable") == Some(&Value::Bool(true));
        match object.get("type") {
            Some(Value::String(t)) => {
                rules.extend(json_type(t).map(|t| Rule::Type { types: with_null(vec![t], nullable) }))
            }
            Some(Value::Array(ts)) => {
                let types = ts.iter().filter_map(Value::as_str).filter_map(json_type).collect();
                rules.push(Rule::Type { types: with_null(types, nullable) });
            }
            _ => {}
        }
        if let Some(Value::Array(values)) = object.get("enum") {
            let mut values: Vec<String> = values.iter().map(Value::to_string).collect();
            if nullable && !values.iter().any(|v| v == "null") {
                values.push("null".into());
            }
            rules.push(Rule::Enum { values });
        }
        if let Some(value) = object.get("const") {
            rules.push(Rule::Const { value: value.to_string() });
        }
        let count = |key: &str| object.get(key).and_then(Value::as_f64).filter(|n| *n >= 0.0).map(|n| n as u64);
        let number = |key: &str| object.get(key).and_then(Value::as_f64);
        if let Some(limit) = count("minLength") {
            rules.push(Rule::MinLength { limit });
        }
        if let Some(limit) = count("maxLength") {
            rules.push(Rule::MaxLength { limit });
        }
        if let Some(pattern) = object.get("pattern").and_then(Value::as_str) {
            if self.valid_pattern(&loc.child(&["pattern"]).location(), pattern) {
                rules.push(Rule::Pattern { pattern: pattern.to_string() });
            }
        }
        if let Some(format) = object.get("format").and_then(Value::as_str) {
            if self.config.format_assertion {
                rules.push(Rule::Format { format: format.to_string() });
            }
        }
        if draft == Draft::Draft4 {
            let exclusive = |key: &str| object.get(key) == Some(&Value::Bool(true));
            if let Some(limit) = number("minimum") {
                rules.push(Rule::Minimum { limit, exclusive: exclusive("exclusiveMinimum") });
            }
            if let Some(limit) = number("maximum") {
                rules.push(Rule::Maximum { limit, exclusive: exclusive("exclusiveMaximum") });
            }
        } else {
            if let Some(limit) = number("minimum") {
                rules.push(Rule::Minimum { limit, exclusive: false });
            }
            if let Some(limit) = number("maximum") {
                rules.push(Rule::Maximum { limit, exclusive: false });
            }
            if let Some(limit) = number("exclusiveMinimum") {
                rules.push(Rule::Minimum { limit, exclusive: true });
            }
            if let Some(limit) = number("exclusiveMaximum") {
                rules.push(Rule::Maximum { limit, exclusive: true });
            }
        }
        if let Some(factor) = number("multipleOf").filter(|f| *f > 0.0) {
            rules.push(Rule::MultipleOf { factor });
        }

        // Arrays.
        if let Some(limit) = count("minItems") {
            rules.push(Rule::MinItems { limit });
        }
        if let Some(limit) = count("maxItems") {
            rules.push(Rule::MaxItems { limit });
        }
        if object.get("uniqueItems") == Some(&Value::Bool(true)) {
            rules.push(Rule::UniqueItems);
        }
        let tuple = match (object.get("prefixItems"), object.get("items")) {
            (Some(Value::Array(items)), _) => Some(("prefixItems", items.len())),
            (_, Some(Value::Array(items))) => Some(("items", items.len())),
            _ => None,
        };
        if let Some((keyword, len)) = tuple {
            let checks = (0..len).map(|i| self.check(&loc.child(&[keyword, &i.to_string()]))).collect();
            rules.push(Rule::PrefixItems { checks });
            // Before 2020-12 the rest of a tuple is `additionalItems`; from 2020-12, `items`.
            let rest = if keyword == "items" { "additionalItems" } else { "items" };
            if object.get(rest).is_some_and(|v| v.is_object() || v.is_boolean()) {
                let check = sub(self, rest);
                rules.push(Rule::Items { check, from: len, additional_items: rest == "additionalItems" });
            }
        } else if object.get("items").is_some_and(|v| v.is_object() || v.is_boolean()) {
            let check = sub(self, "items");
            rules.push(Rule::Items { check, from: 0, additional_items: false });
        }
        if object.get("contains").is_some() {
            let check = sub(self, "contains");
            let (min, max) = if draft >= Draft::Draft2019 {
                (count("minContains").unwrap_or(1), count("maxContains"))
            } else {
                (1, None)
            };
            rules.push(Rule::Contains { check, min, max });
        }

        // Objects.
        if let Some(limit) = count("minProperties") {
            rules.push(Rule::MinProperties { limit });
        }
        if let Some(limit) = count("maxProperties") {
            rules.push(Rule::MaxProperties { limit });
        }
        if let Some(Value::Array(names)) = object.get("required") {
            let names: Vec<String> = names.iter().filter_map(Value::as_str).map(String::from).collect();
            if !names.is_empty() {
                rules.push(Rule::Required { names });
            }
        }
        let mut known = Vec::new();
        if let Some(Value::Object(properties)) = object.get("properties") {
            let properties: Vec<(String, CheckId)> =
                properties.keys().map(|k| (k.to_string(), self.check(&loc.child(&["properties", k])))).collect();
            known = properties.iter().map(|(k, _)| k.clone()).collect();
            rules.push(Rule::Properties { properties });
        }
        let mut patterns = Vec::new();
        if let Some(Value::Object(pattern_properties)) = object.get("patternProperties") {
            let mut checks = Vec::new();
            for pattern in pattern_properties.keys() {
                if self.valid_pattern(&loc.child(&["patternProperties", pattern]).location().key(), pattern) {
                    checks.push((pattern.to_string(), self.check(&loc.child(&["patternProperties", pattern]))));
                }
            }
            patterns = checks.iter().map(|(p, _)| p.clone()).collect();
            rules.push(Rule::PatternProperties { patterns: checks });
        }
        if object.get("additionalProperties").is_some_and(|v| v.is_object() || v.is_boolean()) {
            let check = sub(self, "additionalProperties");
            rules.push(Rule::AdditionalProperties { check, known, patterns });
        }
        if object.get("propertyNames").is_some() {
            let check = sub(self, "propertyNames");
            rules.push(Rule::PropertyNames { check });
        }
        let mut required_deps = Vec::new();
        let mut schema_deps = Vec::new();
        for keyword in ["dependencies", "dependentRequired", "dependentSchemas"] {
            let Some(Value::Object(deps)) = object.get(keyword) else { continue };
            for (name, dep) in deps {
                match dep {
                    Value::Array(names) => required_deps
                        .push((name.to_string(), names.iter().filter_map(Value::as_str).map(String::from).collect())),
                    _ => schema_deps.push((name.to_string(), self.check(&loc.child(&[keyword, name])))),
                }
            }
        }
        if !required_deps.is_empty() {
            rules.push(Rule::DependentRequired { dependencies: required_deps });
        }
        if !schema_deps.is_empty() {
            rules.push(Rule::DependentSchemas { dependencies: schema_deps });
        }

        // Applicators.
        for keyword in ["allOf", "anyOf", "oneOf"] {
            let Some(Value::Array(members)) = object.get(keyword) else { continue };
            let checks = (0..members.len()).map(|i| self.check(&loc.child(&[keyword, &i.to_string()]))).collect();
            rules.push(match keyword {
                "allOf" => Rule::AllOf { checks },
                "anyOf" => Rule::AnyOf { checks },
                _ => Rule::OneOf { checks },
            });
        }
        if object.get("not").is_some() {
            let check = sub(self, "not");
            rules.push(Rule::Not { check });
        }
        if object.get("if").is_some() && draft >= Draft::Draft7 {
            let condition = sub(self, "if");
            let then = object.get("then").is_some().then(|| sub(self, "then"));
            let otherwise = object.get("else").is_some().then(|| sub(self, "else"));
            rules.push(Rule::If { condition, then, otherwise });
        }
        if draft >= Draft::Draft2019 {
            if object.get("unevaluatedProperties").is_some() {
                let check = sub(self, "unevaluatedProperties");
                rules.push(Rule::UnevaluatedProperties { check });
            }
            if object.get("unevaluatedItems").is_some() {
                let check = sub(self, "unevaluatedItems");
                rules.push(Rule::UnevaluatedItems { check });
            }
        }
        if draft >= Draft::Draft2019 && !self.validates(&loc.file) {
            rules.retain(|rule| !is_validation_vocabulary(rule));
            for rule in &mut rules {
                if let Rule::Contains { min, max, .. } = rule {
                    (*min, *max) = (1, None);
                }
            }
        }
        rules
    }

    /// Whether `pattern` compiles as an ECMA-262 regular expression; an E022 where it does not,
    /// a W040 where it does but only a backtracking engine can match it, and a W041 where a
    /// `\p{…}` in it is read as text.
    fn valid_pattern(&mut self, at: &Location, pattern: &str) -> bool {
        match regress::Regex::new(pattern) {
            Ok(_) => {
                if let Err(reason) = crate::pattern::translate(pattern) {
                    self.push(
                        Diagnostic::warning(
                            Code::W040,
                            format!(
                                "`{pattern}` {}: generated validators match it with a backtracking engine, which can take exponential time on some strings",
                                reason.describe()
                            ),
                        )
                        .at(at.clone())
                        .label("matched by backtracking")
                        .hint(reason.hint()),
                    );
                }
                if let Some((escape, refused)) = crate::pattern::literal_property_escape(pattern) {
                    self.push(
                        Diagnostic::warning(
                            Code::W041,
                            format!(
                                "`{pattern}` is not valid with ECMA-262's `u` flag ({refused}), so it is read without it, where `{escape}` matches the text `{}`, not a Unicode property",
                                &escape[1..]
                            ),
                        )
                        .at(at.clone())
                        .label("`\\p{…}` read as text")
                        .hint("name a property ECMA-262 knows, spelled exactly: a general category (`\\p{L}`, `\\p{Letter}`, `\\p{Nd}`), a script (`\\p{Script=Greek}`, `\\p{sc=Grek}`) or a binary property (`\\p{Alphabetic}`), and make the rest of the pattern valid with the `u` flag (escape a literal `{`, `}` or `]`; no `\\-` outside a class); or, for the text, write it without the backslash"),
                    );
                }
                true
            }
            Err(err) => {
                self.push(
                    Diagnostic::error(
                        Code::E022,
                        format!("`{pattern}` is not a valid ECMA-262 regular expression: {err}"),
                    )
                    .at(at.clone())
                    .label("not an ECMA-262 regular expression")
                    .hint("JSON Schema patterns use JavaScript regex syntax (no `(?P<name>…)`, no possessive quantifiers); escape a literal `*`, `+`, `?`, `(` or `[` with `\\`"),
                );
                false
            }
        }
    }

    /// Gives every model without a schema location (markdown models) a check derived from its
    /// type: required fields, JSON types, enum values and date formats.
    pub(crate) fn attach_type_checks(&mut self) {
        let mut memo = std::collections::HashMap::new();
        for index in 0..self.krate.models.len() {
            if self.krate.models[index].check.is_none() && self.krate.models[index].merged_into.is_none() {
                let check = self.model_check(ModelId(index), &mut memo);
                self.krate.models[index].check = Some(check);
            }
        }
    }

    fn model_check(&mut self, id: ModelId, memo: &mut std::collections::HashMap<ModelId, CheckId>) -> CheckId {
        crate::deep(|| self.model_check_deep(id, memo))
    }

    fn model_check_deep(&mut self, id: ModelId, memo: &mut std::collections::HashMap<ModelId, CheckId>) -> CheckId {
        if let Some(check) = self.krate.models[id.0].check {
            return check;
        }
        if let Some(&check) = memo.get(&id) {
            return check;
        }
        let check = CheckId(self.krate.checks.len());
        let origin = self.krate.models[id.0].origin.clone();
        self.krate.checks.push(ir::Check { origin, rules: Vec::new() });
        let order = self.interner.made();
        self.interner.first.push(order);
        memo.insert(id, check);
        let rules = match self.krate.models[id.0].kind.clone() {
            ModelKind::Struct(s) => {
                let mut rules = vec![Rule::Type { types: vec![JsonType::Object] }];
                let names: Vec<String> =
                    s.fields.iter().filter(|f| f.required).map(|f| f.wire_name.to_string()).collect();
                if !names.is_empty() {
                    rules.push(Rule::Required { names });
                }
                let properties =
                    s.fields.iter().map(|f| (f.wire_name.to_string(), self.type_check(&f.ty, memo))).collect();
                rules.push(Rule::Properties { properties });
                rules
            }
            ModelKind::Enum(e) if !e.open => {
                vec![Rule::Enum {
                    values: e.variants.iter().map(|v| Value::from(&*v.wire_value).to_string()).collect(),
                }]
            }
            ModelKind::Enum(_) => vec![Rule::Type { types: vec![JsonType::String] }],
            ModelKind::Union(u) => {
                vec![Rule::AnyOf { checks: u.variants.iter().map(|v| self.type_check(&v.ty, memo)).collect() }]
            }
            ModelKind::Alias { target } | ModelKind::Newtype { target, .. } => {
                vec![Rule::Ref { check: self.type_check(&target, memo) }]
            }
        };
        self.krate.checks[check.0].rules = rules;
        self.index_check(check);
        check
    }

    fn type_check(&mut self, ty: &Type, memo: &mut std::collections::HashMap<ModelId, CheckId>) -> CheckId {
        let format = |format: &str| Rule::Format { format: format.to_string() };
        let string = Rule::Type { types: vec![JsonType::String] };
        let rules = match ty {
            Type::Model(id) => return self.model_check(*id, memo),
            Type::String | Type::Secret => vec![string],
            Type::Uuid => vec![string, format("uuid")],
            Type::DateTime => vec![string, format("date-time")],
            Type::Date => vec![string, format("date")],
            Type::Integer => vec![Rule::Type { types: vec![JsonType::Integer] }],
            Type::Number => vec![Rule::Type { types: vec![JsonType::Number] }],
            Type::Boolean => vec![Rule::Type { types: vec![JsonType::Boolean] }],
            Type::Null => vec![Rule::Type { types: vec![JsonType::Null] }],
            Type::Any => Vec::new(),
            Type::Array(inner) => {
                let check = self.type_check(inner, memo);
                vec![
                    Rule::Type { types: vec![JsonType::Array] },
                    Rule::Items { check, from: 0, additional_items: false },
                ]
            }
            Type::Map(inner) => {
                let check = self.type_check(inner, memo);
                vec![
                    Rule::Type { types: vec![JsonType::Object] },
                    Rule::AdditionalProperties { check, known: Vec::new(), patterns: Vec::new() },
                ]
            }
            Type::Tuple(items) => {
                let checks = items.iter().map(|t| self.type_check(t, memo)).collect();
                vec![Rule::Type { types: vec![JsonType::Array] }, Rule::PrefixItems { checks }]
            }
            Type::Nullable(inner) => {
                let condition = self.plain_check(vec![Rule::Type { types: vec![JsonType::Null] }]);
                let otherwise = Some(self.type_check(inner, memo));
                vec![Rule::If { condition, then: None, otherwise }]
            }
        };
        let rules = if self.config.format_assertion {
            rules
        } else {
            rules.into_iter().filter(|r| !matches!(r, Rule::Format { .. })).collect()
        };
        self.plain_check(rules)
    }

    fn plain_check(&mut self, rules: Vec<Rule>) -> CheckId {
        let order = self.interner.made();
        self.intern(order, None, rules)
    }
}

/// Where a check of a schema location stands while its rules are being made.
#[derive(Clone, Copy)]
pub(crate) enum CheckSlot {
    /// Being made; `order` is its place among all checks made (see [`Interner`]), and `id` is
    /// set once the check reaches itself.
    Open {
        order: u32,
        id: Option<CheckId>,
    },
    Done(CheckId),
}

/// The check of each schema location and dynamic scope ([`Reader::check`]), by the location's
/// [`Reader::value_id`]. It holds an entry for nearly every schema of the inputs at the peak
/// of a run, so it is kept small: a slot is two `u32`s, and the locations reached in the empty
/// scope (every location of a document without dynamic anchors) are keyed by their value id
/// alone; a 16-byte entry rather than the 48 bytes of a `((usize, Scope), CheckSlot)`.
#[derive(Default)]
pub(crate) struct CheckMemo {
    plain: foldhash::HashMap<usize, PackedSlot>,
    scoped: foldhash::HashMap<(usize, super::scope::Scope), PackedSlot>,
}

/// A [`CheckSlot`] in 8 bytes: `Open` is `(order, id or NONE)`, `Done` is `(NONE, id)`.
#[derive(Clone, Copy)]
struct PackedSlot(u32, u32);

const NONE: u32 = u32::MAX;

impl PackedSlot {
    fn pack(slot: CheckSlot) -> PackedSlot {
        let id = |id: CheckId| u32::try_from(id.0).ok().filter(|&id| id != NONE).expect("fewer than 2^32 - 1 checks");
        match slot {
            CheckSlot::Open { order, id: found } => {
                assert!(order != NONE, "fewer than 2^32 - 1 checks made");
                PackedSlot(order, found.map_or(NONE, id))
            }
            CheckSlot::Done(found) => PackedSlot(NONE, id(found)),
        }
    }

    fn unpack(self) -> CheckSlot {
        let id = |id: u32| (id != NONE).then_some(CheckId(id as usize));
        match self {
            PackedSlot(NONE, found) => CheckSlot::Done(CheckId(found as usize)),
            PackedSlot(order, found) => CheckSlot::Open { order, id: id(found) },
        }
    }
}

impl CheckMemo {
    pub(crate) fn get(&self, key: &(usize, super::scope::Scope)) -> Option<CheckSlot> {
        let found = if key.1.is_empty() { self.plain.get(&key.0) } else { self.scoped.get(key) };
        found.map(|slot| slot.unpack())
    }

    pub(crate) fn insert(&mut self, key: (usize, super::scope::Scope), slot: CheckSlot) {
        let slot = PackedSlot::pack(slot);
        if key.1.is_empty() {
            self.plain.insert(key.0, slot);
        } else {
            self.scoped.insert(key, slot);
        }
    }
}

/// Hash-consing of checks as they are made: a check whose rules, child checks included, equal
/// an existing check's is not stored again. Most checks are small leaves that repeat across a
/// spec (`{"type": "string"}`, a date-time format), so this keeps the crate's check list to
/// the distinct ones while reading. Checks that reach themselves are given their place before
/// their rules are known and are not merged here; [`crate::dedupe::checks`] merges identical
/// cycles afterwards.
#[derive(Default)]
pub(crate) struct Interner {
    /// For each check in the crate, the place of its first occurrence among all checks made.
    first: Vec<u32>,
    /// How many checks have been made, repeats included.
    made: u32,
    /// Every check whose rules are final, by its rules.
    table: hashbrown::HashTable<CheckId>,
}

impl Interner {
    fn made(&mut self) -> u32 {
        let order = self.made;
        self.made += 1;
        order
    }
}

fn hash_rules(rules: &[Rule]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    struct Feed<H>(H);
    impl<H: Hasher> std::io::Write for Feed<H> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut feed = Feed(foldhash::fast::FixedState::default().build_hasher());
    serde_json::to_writer(&mut feed, rules).expect("rules serialize");
    feed.0.finish()
}

/// Whether two rule lists are the same, numbers to the bit (`-0.0` is not `0.0`, as in the
/// canonical JSON that `dedupe` compares).
fn same_rules(a: &[Rule], b: &[Rule]) -> bool {
    fn bits(rule: &Rule) -> u64 {
        match rule {
            Rule::Minimum { limit, .. } | Rule::Maximum { limit, .. } => limit.to_bits(),
            Rule::MultipleOf { factor } => factor.to_bits(),
            _ => 0,
        }
    }
    a == b && a.iter().zip(b).all(|(x, y)| bits(x) == bits(y))
}

/// Whether a rule comes from a keyword of the validation vocabulary (2019-09 and 2020-12);
/// `minContains` and `maxContains` are too, but live in `Rule::Contains`.
fn is_validation_vocabulary(rule: &Rule) -> bool {
    matches!(
        rule,
        Rule::Type { .. }
            | Rule::Enum { .. }
            | Rule::Const { .. }
            | Rule::MinLength { .. }
            | Rule::MaxLength { .. }
            | Rule::Pattern { .. }
            | Rule::Minimum { .. }
            | Rule::Maximum { .. }
            | Rule::MultipleOf { .. }
            | Rule::MinItems { .. }
            | Rule::MaxItems { .. }
            | Rule::UniqueItems
            | Rule::MinProperties { .. }
            | Rule::MaxProperties { .. }
            | Rule::Required { .. }
            | Rule::DependentRequired { .. }
    )
}

fn json_type(name: &str) -> Option<JsonType> {
    Some(match name {
        "null" => JsonType::Null,
        "boolean" => JsonType::Boolean,
        "object" => JsonType::Object,
        "array" => JsonType::Array,
        "number" => JsonType::Number,
        "string" => JsonType::String,
        "integer" => JsonType::Integer,
        _ => return None,
    })
}

fn with_null(mut types: Vec<JsonType>, nullable: bool) -> Vec<JsonType> {
    if nullable && !types.contains(&JsonType::Null) {
        types.push(JsonType::Null);
    }
    types
}
