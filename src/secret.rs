//! Unguessable tokens (invites, sessions) and their stored form.
//!
//! A token is 128 random bits in hex. Only its SHA-256 hash is ever stored, so
//! a leaked data directory does not leak working links.

use sha2::{Digest, Sha256};

/// A fresh random token: 128 bits, 32 hex characters.
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// The stored form of a token: hex SHA-256.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(hash_token("abc"), hash_token("abc"));
        assert_eq!(hash_token("abc").len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
    }
}
