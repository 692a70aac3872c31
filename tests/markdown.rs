//! The checked-in models generated from Speakeasy markdown docs: Panora's and Ampersand's
//! `Connection` decode what the APIs send, with the APIs' own wire names.

use connection_models::{ampersand, panora};
use serde_json::json;

/// A Panora API response: snake_case keys, as Panora's API (and its Python SDK docs) spell them.
fn panora_response() -> serde_json::Value {
    json!({
        "id_connection": "123e4567-e89b-12d3-a456-426614174000",
        "status": "active",
        "provider_slug": "hubspot",
        "vertical": "crm",
        "account_url": "https://example.com/account",
        "token_type": "oauth2",
        "access_token": "pat-5f1e2d3c",
        "refresh_token": "prt-9a8b7c6d",
        "expiration_timestamp": "2024-10-01T12:00:00Z",
        "created_at": "2024-10-01T12:00:00Z",
        "connection_token": "pct-4e3d2c1b",
        "id_project": "123e4567-e89b-12d3-a456-426614174001",
        "id_linked_user": "123e4567-e89b-12d3-a456-426614174002"
    })
}

#[test]
fn panora_connection_decodes_the_api_s_snake_case_keys() {
    let connection: panora::Connection = serde_json::from_value(panora_response()).unwrap();
    assert_eq!(connection.provider_slug, "hubspot");
    assert_eq!(connection.token_type, panora::TokenType::Oauth2);
    assert_eq!(connection.access_token.expose_secret(), "pat-5f1e2d3c");
    assert_eq!(serde_json::to_value(&connection).unwrap(), panora_response());
}

#[test]
fn panora_connection_rejects_the_sdk_s_camel_case_names() {
    // The TypeScript docs say `idConnection`; a model expecting that would silently accept the
    // wrong document. This one names what is missing.
    let sdk_shaped = json!({"idConnection": "x", "providerSlug": "hubspot"});
    let error = serde_json::from_value::<panora::Connection>(sdk_shaped).unwrap_err().to_string();
    assert!(error.contains("missing field `id_connection`"), "{error}");
}

#[test]
fn connections_never_print_their_tokens() {
    let connection: panora::Connection = serde_json::from_value(panora_response()).unwrap();
    let debug = format!("{connection:?}");
    for secret in ["pat-5f1e2d3c", "prt-9a8b7c6d", "pct-4e3d2c1b"] {
        assert!(!debug.contains(secret), "{debug}");
    }
    assert!(debug.contains("hubspot"));

    let ampersand_connection = json!({
        "id": "connection-123", "projectId": "project-456", "provider": "salesforce",
        "group": {"groupRef": "g", "groupName": "G", "projectId": "p", "createTime": "2023-07-13T21:34:44.816Z"},
        "consumer": {"consumerRef": "c", "consumerName": "C", "projectId": "p", "createTime": "2023-07-13T21:34:44.816Z"},
        "createTime": "2023-07-13T21:34:44.816Z", "authScheme": "apiKey", "status": "working",
        "apiKey": "ak-77aa66bb",
        "oauth2AuthorizationCode": {"accessToken": {"token": "at-13579bdf"}, "refreshToken": {"token": "rt-2468ace0"}}
    });
    let connection: ampersand::Connection = serde_json::from_value(ampersand_connection.clone()).unwrap();
    let debug = format!("{connection:?}");
    for secret in ["ak-77aa66bb", "at-13579bdf", "rt-2468ace0"] {
        assert!(!debug.contains(secret), "{debug}");
    }
    assert_eq!(connection.auth_scheme, ampersand::AuthScheme::ApiKey);
    assert_eq!(serde_json::to_value(&connection).unwrap(), ampersand_connection);
}
