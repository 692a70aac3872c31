//! Integral floats where a model holds an integer.
//!
//! JSON Schema counts a number by its value, so `1.0` is an `integer` and `validate_json`
//! accepts it; but serde will not decode `1.0` into an `i64`, and `from_value` must return a
//! model for every document `validate_json` accepts. So [`from_value`](crate::from_value)
//! decodes a document that holds an integral float (`1.0`, `-3e2`) as it is written first,
//! which keeps a `number` field's `2.0` (a `serde_json::Number` re-encodes as it arrived), and
//! only if that fails reads every integral float of the document as the integer it equals
//! ([`integral_floats_as_integers`]) and decodes again. A model decoded that way re-encodes the
//! same JSON numbers, written as integers: `{"count": 1.0, "ratio": 2.0}` becomes
//! `{"count": 1, "ratio": 2}`.
//!
//! An integral float too large for `i64` and `u64` (`1e300`) stays a float. No model holds one:
//! the generated checks read `type: integer` as an integer an `i64` holds (`rules::is_i64`), so
//! `validate_json` reports it as a `type` violation before a decode could fail.

use serde_json::{Number, Value};

/// Whether the document holds a float that equals an integer an `i64` or `u64` can hold. Runs on
/// every `from_value`, so it allocates nothing: it recurses, and a document `validate_json`
/// accepted nests at most `MAX_DEPTH` levels; past twice that (a caller's own value) it answers
/// yes, which only costs a second decode attempt.
pub(crate) fn has_integral_float(value: &Value) -> bool {
    fn walk(value: &Value, depth: usize) -> bool {
        match value {
            Value::Number(n) => integer_of(n).is_some(),
            Value::Array(items) => depth == 0 || items.iter().any(|item| walk(item, depth - 1)),
            Value::Object(members) => depth == 0 || members.values().any(|item| walk(item, depth - 1)),
            _ => false,
        }
    }
    walk(value, 2 * crate::validate::support::MAX_DEPTH)
}

/// Rewrites every float of the document that equals an integer an `i64` or `u64` can hold as
/// that integer.
pub(crate) fn integral_floats_as_integers(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Number(n) => {
                if let Some(integer) = integer_of(n) {
                    *n = integer;
                }
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(members) => stack.extend(members.values_mut()),
            _ => {}
        }
    }
}

/// The integer a float equals, when an `i64` or `u64` holds it; `None` for integers and for
/// other floats.
fn integer_of(n: &Number) -> Option<Number> {
    if !n.is_f64() {
        return None;
    }
    let f = n.as_f64()?;
    if f.fract() != 0.0 {
        return None;
    }
    // 2^63 and 2^64 are exact as floats; `as` would saturate at the bounds, so they are checked.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        Some(Number::from(f as i64))
    } else if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
        Some(Number::from(f as u64))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::{Value, json};

    use crate::validate::rules;
    use crate::validate::support::{JsonCheck, Path, Sink};
    use crate::{Error, Validate, ValidationErrors, from_str, from_value};

    /// What the generator makes of `{"properties": {"count": {"type": "integer"}, "ratio":
    /// {"type": "number"}, "sizes": {"items": {"type": "integer"}}, "either": {"type":
    /// ["integer", "string"]}}, "required": ["count"]}`, validator included.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Counter {
        count: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ratio: Option<serde_json::Number>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sizes: Option<Vec<i64>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        either: Option<Either>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(untagged)]
    enum Either {
        Integer(i64),
        String(String),
    }

    impl Validate for Counter {
        fn validate(&self) -> Result<(), ValidationErrors> {
            Counter::validate_json(&serde_json::to_value(self).expect("a model encodes"))
        }

        fn json_check() -> JsonCheck {
            JsonCheck::Walk(check_counter)
        }
    }

    fn check_counter(value: &Value, root: &Path<'_>, sink: &mut Sink) -> bool {
        let Some(object) = value.as_object() else {
            return sink.type_mismatch(root, "an object", value);
        };
        let mut ok = sink.required(root, object, crate::required_names!["count"]);
        let integer =
            |sink: &mut Sink, path: &Path<'_>, v: &Value| rules::is_i64(v) || sink.type_mismatch(path, "an integer", v);
        if let Some(count) = object.get("count") {
            ok &= integer(sink, &Path::Key(root, "count"), count);
        }
        if let Some(sizes) = object.get("sizes") {
            let path = Path::Key(root, "sizes");
            match sizes.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        ok &= integer(sink, &Path::Index(&path, i), item);
                    }
                }
                None => ok &= sink.type_mismatch(&path, "an array", sizes),
            }
        }
        if let Some(either) = object.get("either").filter(|v| !v.is_string()) {
            ok &= integer(sink, &Path::Key(root, "either"), either);
        }
        if let Some(ratio) = object.get("ratio").filter(|v| !v.is_number()) {
            ok &= sink.type_mismatch(&Path::Key(root, "ratio"), "a number", ratio);
        }
        ok
    }

    #[test]
    fn an_integral_float_decodes_where_the_model_holds_an_integer() {
        let doc = json!({"count": 1.0, "sizes": [2, 3.0, -4e0], "either": 5.0});
        assert!(Counter::validate_json(&doc).is_ok());
        let counter: Counter = from_value(doc.clone()).unwrap();
        assert_eq!(
            counter,
            Counter { count: 1, ratio: None, sizes: Some(vec![2, 3, -4]), either: Some(Either::Integer(5)) }
        );
        // `from_str` gives what `from_value` gives, and the model checks itself as its document.
        let parsed: Counter = from_str(&doc.to_string()).unwrap();
        assert_eq!(parsed, counter);
        assert!(counter.validate().is_ok());
        assert_eq!(serde_json::to_value(&counter).unwrap(), json!({"count": 1, "sizes": [2, 3, -4], "either": 5}));
    }

    #[test]
    fn a_number_field_keeps_its_spelling_unless_an_integer_needed_reading() {
        let kept: Counter = from_value(json!({"count": 1, "ratio": 2.0})).unwrap();
        assert_eq!(serde_json::to_string(&kept).unwrap(), r#"{"count":1,"ratio":2.0}"#);
        let read: Counter = from_value(json!({"count": 1.0, "ratio": 2.0})).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), r#"{"count":1,"ratio":2}"#);
        let fraction: Counter = from_value(json!({"count": 1.0, "ratio": 2.5})).unwrap();
        assert_eq!(serde_json::to_string(&fraction).unwrap(), r#"{"count":1,"ratio":2.5}"#);
    }

    #[test]
    fn a_fraction_and_an_integer_beyond_i64_are_violations() {
        match from_value::<Counter>(json!({"count": 1.5})) {
            Err(Error::Invalid(errors)) => assert_eq!(errors.iter().next().unwrap().pointer(), "/count"),
            other => panic!("expected a violation, got {other:?}"),
        }
        // Integers to JSON Schema, but beyond what the `i64` holds: a violation naming the
        // range and the type, never a document that validates and then fails to decode.
        let beyond = ["9223372036854775808", "18446744073709551615", "1e19", "-9.3e18", "1e300", "-1e300"];
        for number in beyond {
            let doc: Value = serde_json::from_str(&format!(r#"{{"count": 1, "sizes": [1, {number}]}}"#)).unwrap();
            match from_value::<Counter>(doc) {
                Err(Error::Invalid(errors)) => {
                    let found: Vec<_> = errors.iter().map(|e| (e.pointer(), e.keyword(), e.message())).collect();
                    assert_eq!(found, [("/sizes/1", "type", rules::I64_RANGE)], "{number}");
                }
                other => panic!("{number}: expected a violation, got {other:?}"),
            }
        }
        assert!(rules::I64_RANGE.contains("`i64`"));
        // The bounds themselves, and integral floats within them, decode.
        let within = ["9223372036854775807", "-9223372036854775808", "9.2e18", "-9.223372036854775808e18", "3.0"];
        for number in within {
            let doc: Value = serde_json::from_str(&format!(r#"{{"count": {number}}}"#)).unwrap();
            assert!(from_value::<Counter>(doc).is_ok(), "{number}");
        }
    }

    #[test]
    fn integral_floats_become_the_integers_they_equal() {
        let mut doc = json!([1.0, -0.0, 9.223372036854775e18, 1.8e19, 1e300, 0.5, 7, {"a": [2e0]}]);
        assert!(super::has_integral_float(&doc));
        super::integral_floats_as_integers(&mut doc);
        assert_eq!(doc.to_string(), "[1,0,9223372036854774784,18000000000000000000,1e+300,0.5,7,{\"a\":[2]}]");
        assert!(!super::has_integral_float(&doc));
    }

    #[test]
    fn the_integral_float_search_reaches_nested_values_and_is_bounded() {
        assert!(super::has_integral_float(&json!({"a": {"b": [[], [0.5, 3.0]]}})));
        assert!(!super::has_integral_float(&json!({"a": {"b": [[], [0.5, 3]]}, "c": "1.0"})));
        // Deeper than any document validate_json accepts: assumed to hold one.
        let deep = (0..300).fold(json!(1), |inner, _| json!([inner]));
        assert!(super::has_integral_float(&deep));
    }
}
