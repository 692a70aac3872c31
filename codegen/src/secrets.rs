//! Which fields carry credentials. Decided once, while lowering to the IR, and recorded with
//! the reason, so the emitter, `--report` and the codegen log all agree.

use heck::ToSnakeCase;

/// Last words that make a name a credential: `apiKey`, `clientSecret`, `refresh_token`, …
const CREDENTIAL_WORDS: &[&str] =
    &["token", "secret", "password", "passwd", "passphrase", "credential", "credentials", "apikey", "auth", "cookie"];

/// Words that, before a final `key`, make it a credential: `api key`, `private key`, …
const KEY_QUALIFIERS: &[&str] = &["api", "private", "secret", "access", "signing", "encryption", "client", "session"];

/// Why a property name means a credential, or `None`. Only the last word counts, so a
/// `tokenType`, `passwordPolicyUrl` or `apiKeyId` describes a credential without being one.
pub fn credential_name(name: &str) -> Option<String> {
    let snake = name.to_snake_case();
    let words: Vec<&str> = snake.split('_').filter(|w| !w.is_empty()).collect();
    let last = *words.last()?;
    let before = words.len().checked_sub(2).map(|i| words[i]);
    let what = if CREDENTIAL_WORDS.contains(&last) {
        last.to_string()
    } else if last == "key" && before.is_some_and(|b| KEY_QUALIFIERS.contains(&b)) {
        format!("{} key", before.unwrap_or_default())
    } else {
        return None;
    };
    Some(format!("the name `{name}` means a credential ({what})"))
}

#[cfg(test)]
mod tests {
    use super::credential_name;

    #[test]
    fn names_that_mean_credentials() {
        for name in [
            "apiKey",
            "api_key",
            "X-API-KEY",
            "password",
            "clientSecret",
            "client_secret",
            "accessToken",
            "token",
            "refresh_token",
            "connectionToken",
            "customAuth",
            "privateKey",
            "webhookSigningKey",
            "credentials",
        ] {
            assert!(credential_name(name).is_some(), "{name} is a credential");
        }
    }

    #[test]
    fn names_that_only_describe_credentials() {
        for name in [
            "username",
            "clientId",
            "tokenType",
            "apiKeyId",
            "publicKeyPem",
            "passwordPolicyUrl",
            "expiresAt",
            "key",
            "authScheme",
            "scopes",
            "tokenUrl",
            "monkey",
        ] {
            assert!(credential_name(name).is_none(), "{name} is not a credential");
        }
    }
}
