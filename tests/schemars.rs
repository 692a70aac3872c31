//! The generated crate's `schemars` feature: the JSON Schema that `schemars` derives from the Rust
//! types accepts and rejects the same documents as the input schema.
//!
//! For `ampersand::ConnectionRequest` the input is a JSON Schema (`schemas/ampersand/
//! connection-request.json`, whose `#/components/schemas/…` refs resolve against the bundle
//! `components.json`), and both schemas are run by the `jsonschema` crate. `ampersand::Connection`
//! and `panora::Connection` come from markdown model docs, which have no JSON Schema; for them the
//! input's verdict is the generated validator's (`validate_json`), which checks what the docs say.
//! Each document set is hand-written valid and invalid documents, the seed documents (the
//! `## Example Usage` of each doc), and every document one step away from a valid one: each value
//! replaced by a value of another kind, each member removed.

use connection_models::schemagen_runtime::schemars::{self, JsonSchema};
use connection_models::{Validate, ampersand, panora};
use serde_json::{Value, json};

fn root() -> std::path::PathBuf {
    schemagen_tests::root()
}

/// The schema `schemars` derives for `T`, as a validator (formats asserted, as the input's are).
fn rust_side<T: JsonSchema>() -> jsonschema::Validator {
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
    validator(&schema)
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options().should_validate_formats(true).build(schema).expect("a valid schema")
}

/// `connection-request.json` with the bundle's `components` inside it, so that its
/// `#/components/schemas/…` refs resolve as they do for schemagen.
fn connection_request_input() -> jsonschema::Validator {
    let read = |name: &str| -> Value {
        let path = root().join("schemas/ampersand").join(name);
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let mut schema = read("connection-request.json");
    schema["components"] = read("components.json")["components"].clone();
    validator(&schema)
}

fn connection_request_documents() -> Vec<(Value, bool)> {
    vec![
        (json!({}), true),
        (json!({"provider": "hubspot"}), true),
        (
            json!({
                "provider": "salesforce",
                "groupRef": "group-123",
                "basicAuth": {"username": "jane", "password": "hunter2"}
            }),
            true,
        ),
        (
            json!({
                "providerWorkspaceRef": "acme.my.salesforce.com",
                "providerMetadata": {
                    "accountId": {"value": "1234567890", "source": "input", "displayName": "Account ID"},
                    "instanceUrl": {"value": "https://acme.my.salesforce.com", "source": "provider"}
                },
                "groupName": "Acme Inc",
                "groupRef": "group-123",
                "consumerName": "Jane Doe",
                "consumerRef": "user_123456",
                "provider": "salesforce",
                "apiKey": "sk_live_abcd1234",
                "customAuth": {"apiKey": "abcd1234", "password": "pa55-c0ffee"},
                "oauth2ClientCredentials": {"clientId": "client-1", "clientSecret": "s3cret", "scopes": ["read", "write"]},
                "oauth2PasswordCredentials": {
                    "username": "jane", "password": "hunter2", "clientId": "client-1", "clientSecret": "s3cret"
                },
                "oauth2AuthorizationCode": {
                    "accessToken": {"token": "atok", "expiresAt": "2024-10-22T18:55:28.456076Z", "issuedAt": "2024-04-22T18:55:28Z"},
                    "refreshToken": {"token": "rtok", "issuedAt": "2024-04-22T20:55:28+02:00"},
                    "scopes": ["offline_access"]
                }
            }),
            true,
        ),
        // Undeclared properties are allowed by the input schema, and so by the Rust side.
        (json!({"somethingNew": [1, 2, 3]}), true),
        // Types.
        (json!({"apiKey": 42}), false),
        (json!({"groupName": null}), false),
        (json!({"oauth2ClientCredentials": {"clientId": "c", "clientSecret": "s", "scopes": "read"}}), false),
        (json!({"customAuth": {"apiKey": 1234}}), false),
        (json!([]), false),
        // Required properties, by their wire names.
        (json!({"basicAuth": {"username": "jane"}}), false),
        (json!({"basicAuth": {"username": "jane", "pass_word": "x"}}), false),
        (json!({"oauth2PasswordCredentials": {"username": "u", "password": "p", "clientId": "c"}}), false),
        (json!({"providerMetadata": {"accountId": {"value": "1"}}}), false),
        (json!({"oauth2AuthorizationCode": {"accessToken": {"issuedAt": "2024-04-22T18:55:28Z"}}}), false),
        // Enums.
        (json!({"providerMetadata": {"accountId": {"value": "1", "source": "Input"}}}), false),
        // Formats.
        (json!({"oauth2AuthorizationCode": {"accessToken": {"token": "t", "expiresAt": "tomorrow"}}}), false),
        (json!({"oauth2AuthorizationCode": {"refreshToken": {"token": "t", "issuedAt": "2024-04-22"}}}), false),
    ]
}

fn ampersand_connection_documents() -> Vec<(Value, bool)> {
    let with = |pointer: &str, value: Value| {
        let mut doc = schemagen_tests::ampersand_connection();
        *doc.pointer_mut(pointer).unwrap() = value;
        doc
    };
    let without = |key: &str| {
        let mut doc = schemagen_tests::ampersand_connection();
        doc.as_object_mut().unwrap().shift_remove(key);
        doc
    };
    vec![
        (schemagen_tests::ampersand_connection(), true),
        (without("apiKey"), true),
        (without("id"), false),
        (without("providerApp"), true),
        (without("projectId"), false),
        (with("/status", json!("broken")), false),
        (with("/authScheme", json!("oauth2/clientCredentials")), true),
        (with("/authScheme", json!("oauth3")), false),
        (with("/createTime", json!("2023-07-13")), false),
        (with("/providerApp/scopes", json!("crm.read")), false),
        (with("/group/groupRef", json!(7)), false),
    ]
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

/// The `## Example Usage` of every markdown model doc of `schemas/`, as wire JSON, by model.
fn seed_documents() -> Vec<(String, Value)> {
    let mut db = schemagen::source::SourceDb::default();
    let config = schemagen::config::Config::load(&root().join("schemas/schemagen.toml"), &mut db).unwrap();
    let generation = schemagen::generate(&config, schemagen::Options::default());
    assert!(generation.succeeded());
    let krate = &generation.krate;
    krate
        .models
        .iter()
        .filter(|model| model.merged_into.is_none())
        .filter_map(|model| {
            let example = serde_json::from_str(model.test_example()?).unwrap();
            Some((format!("{}::{}", krate.modules[model.module].name, model.name), example))
        })
        .collect()
}

/// `document` and every document one step away from it: each value replaced by values of other
/// kinds (and a string that is no date), each object member removed.
fn neighbours(document: &Value) -> Vec<Value> {
    fn pointers(value: &Value, path: String, out: &mut Vec<String>) {
        out.push(path.clone());
        match value {
            Value::Object(map) => map
                .iter()
                .for_each(|(k, v)| pointers(v, format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| pointers(v, format!("{path}/{i}"), out)),
            _ => {}
        }
    }
    let mut paths = Vec::new();
    pointers(document, String::new(), &mut paths);
    let replacements = [json!(null), json!(true), json!(7), json!(2.5), json!("not a date"), json!([]), json!({})];
    let mut out = vec![document.clone()];
    for path in &paths {
        for replacement in &replacements {
            let mut doc = document.clone();
            *doc.pointer_mut(path).unwrap() = replacement.clone();
            out.push(doc);
        }
        if let Some((parent, key)) = path.rsplit_once('/') {
            let mut doc = document.clone();
            if let Some(map) = doc.pointer_mut(parent).and_then(Value::as_object_mut) {
                map.shift_remove(&key.replace("~1", "/").replace("~0", "~"));
                out.push(doc);
            }
        }
    }
    out
}

/// Asserts the Rust side's verdict on each document is `input`'s, and `expected` when given.
fn assert_agree(
    name: &str,
    rust: &jsonschema::Validator,
    input: impl Fn(&Value) -> bool,
    documents: &[(Value, Option<bool>)],
) {
    let mut disagreements = Vec::new();
    for (document, expected) in documents {
        let (rust_verdict, input_verdict) = (rust.is_valid(document), input(document));
        if rust_verdict != input_verdict || expected.is_some_and(|e| e != input_verdict) {
            disagreements.push(format!(
                "  {document}\n    Rust-side schema: {rust_verdict}, input: {input_verdict}, expected: {expected:?}"
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{name}: {} of {} documents judged differently:\n{}",
        disagreements.len(),
        documents.len(),
        disagreements.join("\n")
    );
}

fn with_neighbours(documents: Vec<(Value, bool)>) -> Vec<(Value, Option<bool>)> {
    let mut out: Vec<(Value, Option<bool>)> = Vec::new();
    for (document, valid) in documents {
        if valid {
            out.extend(neighbours(&document).into_iter().skip(1).map(|d| (d, None)));
        }
        out.push((document, Some(valid)));
    }
    out
}

#[test]
fn connection_request_schema_judges_like_the_input_schema() {
    let input = connection_request_input();
    let rust = rust_side::<ampersand::ConnectionRequest>();
    let documents = with_neighbours(connection_request_documents());
    assert!(documents.len() > 300, "{} documents", documents.len());
    assert_agree("ConnectionRequest", &rust, |d| input.is_valid(d), &documents);
    // The generated validator agrees too.
    assert_agree(
        "ConnectionRequest::validate_json",
        &rust,
        |d| ampersand::ConnectionRequest::validate_json(d).is_ok(),
        &documents,
    );
}

#[test]
fn connection_schemas_judge_like_the_markdown_docs() {
    let seeds = seed_documents();
    let seed = |name: &str| seeds.iter().find(|(model, _)| model == name).map(|(_, doc)| doc.clone());
    let ampersand_seed = seed("ampersand::Connection").expect("Ampersand's Connection doc has an example");

    let rust = rust_side::<ampersand::Connection>();
    let mut documents = ampersand_connection_documents();
    documents.push((ampersand_seed, true));
    let documents = with_neighbours(documents);
    assert_agree("ampersand::Connection", &rust, |d| ampersand::Connection::validate_json(d).is_ok(), &documents);

    let rust = rust_side::<panora::Connection>();
    let mut documents = vec![
        (panora_connection(), true),
        (json!({"id_connection": "x"}), false),
        (json!({"idConnection": "9f2c6a1e-3f0b-4c2a-9a57-0b9d1c0e7a11"}), false),
    ];
    documents.extend(seed("panora::Connection").map(|doc| (doc, true)));
    let documents = with_neighbours(documents);
    assert_agree("panora::Connection", &rust, |d| panora::Connection::validate_json(d).is_ok(), &documents);
}

#[test]
fn secrets_are_password_strings_and_names_are_wire_names() {
    let schema = serde_json::to_value(schemars::schema_for!(ampersand::ConnectionRequest)).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    let names: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(&names[..3], ["providerWorkspaceRef", "providerMetadata", "groupName"]);
    assert_eq!(properties["apiKey"]["type"], "string");
    assert_eq!(properties["apiKey"]["format"], "password");
    let basic_auth = &schema["$defs"]["ConnectionRequestBasicAuth"];
    assert_eq!(basic_auth["required"], json!(["username", "password"]));
    assert_eq!(basic_auth["properties"]["password"]["format"], "password");
    assert!(schema.get("required").is_none(), "every ConnectionRequest property is optional");
}
