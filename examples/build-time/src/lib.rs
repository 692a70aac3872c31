//! An example consumer: the models are generated at build time and included here.
//!
//! ```
//! use build_time_example::models::ampersand::ConnectionRequest;
//!
//! let request: ConnectionRequest =
//!     serde_json::from_str(r#"{"provider": "hubspot", "apiKey": "sk_live_123"}"#).unwrap();
//! assert_eq!(request.provider.as_deref(), Some("hubspot"));
//! assert!(!format!("{request:?}").contains("sk_live_123"));
//! ```

/// The generated models, one module per module of the config.
pub mod models {
    include!(concat!(env!("OUT_DIR"), "/schemagen.rs"));
}

use models::ampersand::ConnectionRequest;

/// Decodes a connection request and describes it without revealing its credentials.
pub fn describe(json: &str) -> Result<String, serde_json::Error> {
    let request: ConnectionRequest = serde_json::from_str(json)?;
    Ok(format!("{request:?}"))
}
