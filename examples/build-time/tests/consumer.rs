//! Models generated at build time behave like the checked-in crate's.

use build_time_example::models::ampersand::{ConnectionRequest, ProviderMetadataInfoSource};

#[test]
fn decodes_redacts_and_round_trips() {
    let json = r#"{"provider":"salesforce","apiKey":"sk_live_abcd1234","basicAuth":{"username":"jane","password":"hunter2"},"providerMetadata":{"accountId":{"value":"1","source":"token"}}}"#;
    let request: ConnectionRequest = serde_json::from_str(json).unwrap();
    assert_eq!(request.provider_metadata.as_ref().unwrap()["accountId"].source, ProviderMetadataInfoSource::Token);
    let debug = build_time_example::describe(json).unwrap();
    assert!(!debug.contains("sk_live_abcd1234") && !debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("jane"), "{debug}");
    let original: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), original);
}

#[test]
fn build_time_and_checked_in_generation_agree() {
    // Same schemas, same generator: the build-time file holds the checked-in module's items.
    let generated = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/schemagen.rs")).unwrap();
    let checked_in: String = ["ampersand", "panora"]
        .iter()
        .map(|module| {
            let path = format!("{}/../../generated/src/{module}.rs", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_to_string(path).unwrap()
        })
        .collect();
    let items = |text: &str| {
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("pub struct") || l.starts_with("pub enum") || l.starts_with("pub type"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(items(&generated), items(&checked_in));
}
