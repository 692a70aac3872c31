//! The checked-in `connection_models::ampersand::ConnectionRequest` decodes real request bodies
//! and re-encodes them without loss.

use connection_models::ampersand::{ConnectionRequest, ProviderMetadataInfoSource};
use serde_json::{Value, json};

/// A request using every property, in the schema's order, with values shaped like the ones
/// Ampersand's API documents.
fn full_request() -> Value {
    json!({
        "providerWorkspaceRef": "acme.my.salesforce.com",
        "providerMetadata": {
            "accountId": { "value": "1234567890", "source": "input", "displayName": "Account ID" },
            "instanceUrl": { "value": "https://acme.my.salesforce.com", "source": "provider" }
        },
        "groupName": "Acme Inc",
        "groupRef": "group-123",
        "consumerName": "Jane Doe",
        "consumerRef": "user_123456",
        "provider": "salesforce",
        "apiKey": "sk_live_abcd1234",
        "customAuth": { "apiKey": "abcd1234", "password": "pa55-c0ffee" },
        "basicAuth": { "username": "jane", "password": "hunter2" },
        "oauth2ClientCredentials": { "clientId": "client-1", "clientSecret": "s3cret", "scopes": ["read", "write"] },
        "oauth2PasswordCredentials": {
            "username": "jane", "password": "hunter2", "clientId": "client-1", "clientSecret": "s3cret", "scopes": ["api"]
        },
        "oauth2AuthorizationCode": {
            "accessToken": { "token": "atok-7f3a9c", "expiresAt": "2024-10-22T18:55:28.456076Z", "issuedAt": "2024-04-22T18:55:28.456076Z" },
            "refreshToken": { "token": "rtok-91b2e4", "issuedAt": "2024-04-22T20:55:28+02:00" },
            "scopes": ["offline_access"]
        }
    })
}

#[test]
fn a_full_request_round_trips_byte_for_byte() {
    let text = serde_json::to_string(&full_request()).unwrap();
    let request: ConnectionRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&request).unwrap(), text);
}

#[test]
fn fields_are_typed() {
    let request: ConnectionRequest = serde_json::from_value(full_request()).unwrap();
    let metadata = request.provider_metadata.as_ref().unwrap();
    assert_eq!(metadata["accountId"].source, ProviderMetadataInfoSource::Input);
    assert_eq!(metadata["instanceUrl"].display_name, None);
    let code = request.oauth2_authorization_code.as_ref().unwrap();
    let access = code.access_token.as_ref().unwrap();
    assert_eq!(access.expires_at.unwrap().timestamp(), 1729623328);
    let refresh_issued = code.refresh_token.as_ref().unwrap().issued_at.unwrap();
    assert_eq!(refresh_issued.offset().local_minus_utc(), 2 * 3600, "the offset is kept");
    assert_eq!(request.basic_auth.as_ref().unwrap().username, "jane");
    assert_eq!(request.basic_auth.unwrap().password.expose_secret(), "hunter2");
    assert_eq!(request.api_key.unwrap().expose_secret(), "sk_live_abcd1234");
}

/// Every credential value in [`full_request`].
const SECRETS: &[&str] =
    &["sk_live_abcd1234", "abcd1234", "pa55-c0ffee", "hunter2", "s3cret", "atok-7f3a9c", "rtok-91b2e4"];

#[test]
fn debug_output_never_shows_a_credential() {
    let request: ConnectionRequest = serde_json::from_value(full_request()).unwrap();
    let debug = format!("{request:?} {request:#?}");
    for secret in SECRETS {
        assert!(!debug.contains(secret), "`{secret}` leaked into Debug output: {debug}");
    }
    assert!(debug.contains("[REDACTED]"));
    // Identifiers are not secrets, and still print.
    for visible in ["jane", "client-1", "group-123", "salesforce"] {
        assert!(debug.contains(visible), "`{visible}` should print: {debug}");
    }
    // The API still receives every credential.
    assert_eq!(serde_json::to_value(&request).unwrap(), full_request());
}

#[test]
fn decode_errors_never_show_a_credential() {
    let bodies = [
        r#"{"apiKey": 1234567890}"#,
        r#"{"basicAuth": {"username": "jane", "password": ["hunter2"]}}"#,
        r#"{"basicAuth": {"password": "hunter2"}}"#,
        r#"{"customAuth": {"apiKey": {"nested": "abcd1234"}}}"#,
        r#"{"oauth2AuthorizationCode": {"accessToken": {"token": "atok-7f3a9c", "issuedAt": "not a date"}}}"#,
        r#"{"oauth2ClientCredentials": {"clientId": "client-1", "clientSecret": true}}"#,
    ];
    for body in bodies {
        let error = serde_json::from_str::<ConnectionRequest>(body).unwrap_err().to_string();
        for secret in SECRETS.iter().chain(&["1234567890"]) {
            assert!(!error.contains(secret), "`{secret}` leaked into the error for {body}: {error}");
        }
    }
}

#[test]
fn properties_keep_the_schema_order() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(schemagen_tests::root().join("schemas/ampersand/connection-request.json")).unwrap(),
    )
    .unwrap();
    let declared: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    assert_eq!(declared.len(), 13);
    let request: ConnectionRequest = serde_json::from_value(full_request()).unwrap();
    let encoded = serde_json::to_value(&request).unwrap();
    let emitted: Vec<&String> = encoded.as_object().unwrap().keys().collect();
    assert_eq!(emitted, declared);
}

#[test]
fn an_empty_request_stays_empty() {
    let request: ConnectionRequest = serde_json::from_str("{}").unwrap();
    assert_eq!(request, ConnectionRequest::default());
    assert_eq!(serde_json::to_string(&request).unwrap(), "{}");
}

#[test]
fn wrong_shapes_are_rejected_with_their_position() {
    let missing = serde_json::from_str::<ConnectionRequest>(r#"{"basicAuth": {"username": "jane"}}"#).unwrap_err();
    assert!(missing.to_string().contains("missing field `password`"), "{missing}");
    let bad_enum = serde_json::from_str::<ConnectionRequest>(
        r#"{"providerMetadata": {"x": {"value": "1", "source": "somewhere"}}}"#,
    )
    .unwrap_err();
    assert!(bad_enum.to_string().contains("unknown variant `somewhere`"), "{bad_enum}");
    let bad_date = serde_json::from_str::<ConnectionRequest>(
        r#"{"oauth2AuthorizationCode": {"accessToken": {"token": "t", "issuedAt": "yesterday"}}}"#,
    )
    .unwrap_err();
    assert_eq!(bad_date.line(), 1);
}

#[test]
fn validation_reports_every_violation_with_its_pointer_and_keyword() {
    use connection_models::Validate;
    let document = json!({
        "apiKey": 42,
        "basicAuth": {"username": "jane"},
        "providerMetadata": {"accountId": {"value": "1", "source": "somewhere"}},
        "oauth2AuthorizationCode": {"accessToken": {"token": "atok-7f3a9c", "issuedAt": "yesterday"}},
        "oauth2ClientCredentials": {"clientId": "c", "clientSecret": "s3cret", "scopes": "read"}
    });
    let errors = ConnectionRequest::validate_json(&document).unwrap_err();
    let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer(), e.keyword())).collect();
    for expected in [
        ("/apiKey", "type"),
        ("/basicAuth", "required"),
        ("/providerMetadata/accountId/source", "enum"),
        ("/oauth2AuthorizationCode/accessToken/issuedAt", "format"),
        ("/oauth2ClientCredentials/scopes", "type"),
    ] {
        assert!(found.contains(&expected), "{expected:?} missing from {found:?}");
    }
    assert_eq!(errors.len(), 5, "{errors}");
    let text = errors.to_string();
    assert!(text.starts_with("5 violations"), "{text}");
    assert!(text.contains("/basicAuth: `password` is required [required]"), "{text}");
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[test]
fn from_str_decodes_valid_documents_and_explains_invalid_ones() {
    let text = serde_json::to_string(&full_request()).unwrap();
    let request: ConnectionRequest = connection_models::from_str(&text).unwrap();
    assert_eq!(request.group_ref.as_deref(), Some("group-123"));

    match connection_models::from_str::<ConnectionRequest>(r#"{"basicAuth": {"password": 7}}"#) {
        Err(connection_models::Error::Invalid(errors)) => {
            let keywords: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer(), e.keyword())).collect();
            assert_eq!(keywords, [("/basicAuth", "required"), ("/basicAuth/password", "type")]);
        }
        other => panic!("expected every violation, got {other:?}"),
    }
    match connection_models::from_str::<ConnectionRequest>("{\n  \"provider\": \"x\",\n}") {
        Err(connection_models::Error::Syntax(error)) => assert_eq!((error.line(), error.column()), (3, 1)),
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let value = full_request();
    let request: ConnectionRequest = connection_models::from_value(value).unwrap();
    assert!(connection_models::Validate::validate(&request).is_ok());
}
