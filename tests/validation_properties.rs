//! Property tests of the validation API's promises, over realistic documents and random
//! mutations of them (values replaced by JSON of any type, properties removed or added):
//!
//! - `validate_json` accepting a document means `from_value` returns a model, and `from_value`
//!   never returns a model for a document `validate_json` rejects;
//! - `from_str` on the document's text agrees with `from_value`;
//! - the typed `validate()` of a decoded model reports exactly what `validate_json` reports for
//!   the model's own encoding: same pointers, keywords and messages, in the same order.
//!
//! The cases are reproducible: proptest's seed is fixed by the config below, and failures are
//! shrunk to a minimal mutation.

use connection_models::{Error, Validate, ampersand, from_str, from_value, panora};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn ampersand_request() -> Value {
    json!({
        "providerWorkspaceRef": "acme.my.salesforce.com",
        "providerMetadata": {
            "accountId": { "value": "1234567890", "source": "input", "displayName": "Account ID" }
        },
        "groupName": "Acme Inc",
        "groupRef": "group-123",
        "consumerRef": "user_123456",
        "provider": "salesforce",
        "apiKey": "sk_live_abcd1234",
        "customAuth": { "apiKey": "abcd1234" },
        "basicAuth": { "username": "jane", "password": "hunter2" },
        "oauth2ClientCredentials": { "clientId": "client-1", "clientSecret": "s3cret", "scopes": ["read"] },
        "oauth2AuthorizationCode": {
            "accessToken": { "token": "atok", "expiresAt": "2024-10-22T18:55:28.456076Z", "issuedAt": "2024-04-22T18:55:28Z" },
            "refreshToken": { "token": "rtok", "issuedAt": "2024-04-22T20:55:28+02:00" },
            "scopes": ["offline_access"]
        }
    })
}

fn panora_connection() -> Value {
    json!({
        "id_connection": "9f2c6a1e-3f0b-4c2a-9a57-0b9d1c0e7a11",
        "status": "valid",
        "provider_slug": "hubspot",
        "vertical": "crm",
        "account_url": "https://api.hubapi.com",
        "token_type": "oauth2",
        "access_token": "pat-na1-11111111",
        "refresh_token": "rt-22222222",
        "expiration_timestamp": "2024-10-01T12:00:00Z",
        "created_at": "2024-09-01T12:00:00Z",
        "connection_token": "ct-33333333",
        "id_project": "0f8e2b1c-5d4a-4b6e-8c3d-2a1b0c9d8e7f",
        "id_linked_user": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    })
}

/// Strings that hit the rules of these schemas: enum members, dates and times good and bad.
const STRINGS: &[&str] = &[
    "",
    "input",
    "token",
    "provider",
    "working",
    "badCredentials",
    "oauth2/authorizationCode",
    "apiKey",
    "2024-04-22T18:55:28Z",
    "2024-04-22",
    "2024-13-45T99:00:00Z",
    "not a date",
    "9f2c6a1e-3f0b-4c2a-9a57-0b9d1c0e7a11",
    "é☃𝄞",
];

/// Property names of these models, so mutations add known properties as well as unknown ones.
const KEYS: &[&str] = &[
    "value",
    "source",
    "displayName",
    "token",
    "expiresAt",
    "issuedAt",
    "scopes",
    "username",
    "password",
    "clientId",
    "clientSecret",
    "status",
    "authScheme",
    "id_connection",
    "created_at",
    "groupRef",
    "unknownProperty",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e9..1.0e9f64).prop_map(Value::from),
        // `1.0`: an integer to JSON Schema, a float to serde.
        any::<i32>().prop_map(|n| Value::from(f64::from(n))),
        prop::sample::select(STRINGS).prop_map(Value::from),
        "[a-zA-Z0-9 _.:/-]{0,12}".prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the value at the n-th location (in document order, the root first).
    Replace(usize, Value),
    /// Remove the n-th object member or array item.
    Remove(usize),
    /// Add a property to the n-th object.
    Insert(usize, &'static str, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), value()).prop_map(|(at, v)| Mutation::Replace(at, v)),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), prop::sample::select(KEYS), value()).prop_map(|(at, k, v)| Mutation::Insert(at, k, v)),
    ]
}

/// The locations of a document in order, as paths of member names and item indexes.
fn locations(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(path.clone());
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    path.push(Step::Key(key.clone()));
                    walk(child, path, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    path.push(Step::Index(index));
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'v>(value: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

fn apply(doc: &mut Value, mutation: &Mutation) {
    let places = locations(doc);
    match mutation {
        Mutation::Replace(n, v) => *at(doc, &places[n % places.len()]) = v.clone(),
        Mutation::Remove(n) => {
            let path = &places[n % places.len()];
            if let Some((last, parent)) = path.split_last() {
                match (at(doc, parent), last) {
                    (Value::Object(map), Step::Key(k)) => {
                        map.shift_remove(k);
                    }
                    (Value::Array(items), Step::Index(i)) => {
                        items.remove(*i);
                    }
                    _ => {}
                }
            }
        }
        Mutation::Insert(n, key, v) => {
            let objects: Vec<&Vec<Step>> = places.iter().filter(|p| at(&mut doc.clone(), p).is_object()).collect();
            if let Some(path) = objects.get(n % objects.len().max(1))
                && let Value::Object(map) = at(doc, path)
            {
                map.insert(key.to_string(), v.clone());
            }
        }
    }
}

/// Every promise, for one model type and one document.
fn check_promises<T: Validate + DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    doc: &Value,
) -> Result<(), TestCaseError> {
    let checked = T::validate_json(doc);
    let decoded = from_value::<T>(doc.clone());
    match (&checked, &decoded) {
        (Ok(()), Err(e)) => {
            return Err(TestCaseError::fail(format!("validate_json accepts but from_value fails: {e}")));
        }
        (Err(errors), Ok(_)) => {
            return Err(TestCaseError::fail(format!(
                "from_value returned a model although validate_json says {errors}"
            )));
        }
        (Err(errors), Err(Error::Invalid(reported))) => prop_assert_eq!(errors, reported),
        _ => {}
    }
    // `from_str` decodes most documents straight from the text; it must give exactly what
    // `from_value` gives for the parsed text, also for text with a repeated member (the last
    // one counts) and for pretty-printed text.
    let text = serde_json::to_string(doc).expect("a Value encodes");
    let mut texts = vec![text.clone(), serde_json::to_string_pretty(doc).expect("a Value encodes")];
    if let Some((first, _)) = doc.as_object().and_then(|object| object.iter().next()) {
        texts.push(format!("{{{}:{{\"repeated\":[null]}},{}", serde_json::to_string(first).unwrap(), &text[1..]));
    }
    for text in &texts {
        let parsed = from_str::<T>(text);
        let reference = from_value::<T>(serde_json::from_str(text).expect("the text is JSON"));
        match (&parsed, &reference) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "from_str and from_value decode {} differently", text),
            (Err(Error::Invalid(a)), Err(Error::Invalid(b))) => {
                prop_assert_eq!(a, b, "from_str and from_value report different violations for {}", text)
            }
            (a, b) => prop_assert_eq!(a.is_ok(), b.is_ok(), "from_str and from_value disagree on {}", text),
        }
    }
    let parsed = from_str::<T>(&text);
    prop_assert_eq!(parsed.is_ok(), decoded.is_ok(), "from_str and from_value disagree");
    // The typed path: a model decoded without validation checks itself exactly as its encoding
    // is checked.
    if let Ok(model) = serde_json::from_value::<T>(doc.clone()) {
        let encoded = serde_json::to_value(&model).expect("a model encodes");
        prop_assert_eq!(model.validate(), T::validate_json(&encoded));
    }
    Ok(())
}

fn check_all(doc: &Value) -> Result<(), TestCaseError> {
    check_promises::<ampersand::ConnectionRequest>(doc)?;
    check_promises::<ampersand::Connection>(doc)?;
    check_promises::<panora::Connection>(doc)?;
    check_promises::<ampersand::Oauth2AuthorizationCode>(doc)?;
    check_promises::<ampersand::ProviderMetadataInfo>(doc)
}

fn config() -> Config {
    Config {
        cases: 512,
        // Reproducible in CI: failures are reported with their minimal case, not persisted.
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_documents_keep_the_promises(
        seed in 0..3usize,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut doc = [ampersand_request, schemagen_tests::ampersand_connection, panora_connection][seed]();
        for m in &mutations {
            apply(&mut doc, m);
        }
        check_all(&doc)?;
    }

    #[test]
    fn random_documents_keep_the_promises(doc in value()) {
        check_all(&doc)?;
    }
}

#[test]
fn the_seed_documents_are_valid() {
    assert!(ampersand::ConnectionRequest::validate_json(&ampersand_request()).is_ok());
    assert!(ampersand::Connection::validate_json(&schemagen_tests::ampersand_connection()).is_ok());
    let panora = panora::Connection::validate_json(&panora_connection());
    assert!(panora.is_ok(), "{panora:?}");
}

#[test]
fn a_mutation_that_breaks_a_rule_is_reported_by_both_paths() {
    let mut doc = schemagen_tests::ampersand_connection();
    doc["status"] = json!("on fire");
    doc["providerApp"]["createTime"] = json!("yesterday");
    let errors = ampersand::Connection::validate_json(&doc).unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer()).collect();
    assert!(pointers.contains(&"/status"), "{errors}");
    assert!(pointers.contains(&"/providerApp/createTime"), "{errors}");
    // `from_str` reports the same violations, all at once.
    match from_str::<ampersand::Connection>(&doc.to_string()) {
        Err(Error::Invalid(reported)) => assert_eq!(reported, errors),
        other => panic!("expected every violation, got {other:?}"),
    }
}
