//! API tokens: bearer secrets made by `zkinfer token create`, stored only as their blake3 hash.
//!
//! A token is `zkt_` followed by 64 hex characters (32 bytes from the operating system's random
//! source). The store keeps `blake3(token)` → [`TokenRecord`]; a request's
//! `Authorization: Bearer <token>` is hashed and looked up, so the secret is never stored and
//! never compared byte by byte. Each token has a public id (16 hex characters, random, unrelated
//! to the secret) that owns its jobs and models.

use serde::{Deserialize, Serialize};

/// The prefix of every token (so that a leaked token is recognisable in logs and scanners).
pub const TOKEN_PREFIX: &str = "zkt_";

/// A token's secret, as shown once at creation.
pub struct TokenSecret(String);

impl TokenSecret {
    /// A new secret: 32 random bytes.
    pub fn random() -> Self {
        use rand::RngCore as _;
        let mut b = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut b);
        TokenSecret(format!("{TOKEN_PREFIX}{}", hex::encode(b)))
    }

    /// The secret, to print once.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key it is stored under.
    pub fn hash(&self) -> [u8; 32] {
        Self::hash_of(&self.0)
    }

    /// The key a presented secret is looked up under.
    pub fn hash_of(secret: &str) -> [u8; 32] {
        *blake3::hash(secret.as_bytes()).as_bytes()
    }
}

/// What the store keeps about a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Public id (16 hex characters): owns the token's jobs and models; used to revoke it.
    pub id: String,
    /// A label given at creation (who the token is for).
    pub label: String,
    /// Creation time (seconds since the Unix epoch).
    pub created_unix: u64,
}

impl TokenRecord {
    /// A record with a fresh random id.
    pub fn new(label: &str, now: u64) -> Self {
        use rand::RngCore as _;
        let mut b = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut b);
        TokenRecord {
            id: hex::encode(b),
            label: label.to_string(),
            created_unix: now,
        }
    }
}

/// The authenticated caller: the id of the token that made the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner(pub String);

/// Takes the token out of an `Authorization` header value (`Bearer <token>`, scheme
/// case-insensitive).
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_headers_are_parsed() {
        assert_eq!(bearer("Bearer zkt_ab"), Some("zkt_ab"));
        assert_eq!(bearer("bearer   zkt_ab "), Some("zkt_ab"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("zkt_ab"), None);
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, b) = (TokenSecret::random(), TokenSecret::random());
        assert_ne!(a.as_str(), b.as_str());
        assert!(a.as_str().starts_with(TOKEN_PREFIX) && a.as_str().len() == 68);
        assert_eq!(a.hash(), TokenSecret::hash_of(a.as_str()));
        assert_ne!(a.hash(), b.hash());
    }
}
