//! The instance operator's secret: who may create, archive and delete events.
//!
//! Either the operator chooses it (`AMPHI_ADMIN_TOKEN`, or `admin_token` in
//! the configuration), or the first start on a data directory makes one and
//! prints its admin link once. Only its hash is kept, in
//! `<data_dir>/operator-token.sha256` (mode 0600): a leaked data directory
//! does not leak the operator's access. A chosen token replaces the stored
//! hash, so the operator can change it at any restart.

use crate::secret::{hash_token, new_token};
use crate::store::layout::sync_dir;
use std::io::Write;
use std::path::Path;

/// The file holding the operator token's hash.
pub const OPERATOR_HASH_FILE: &str = "operator-token.sha256";

/// The operator's credentials for this run.
#[derive(Debug, Clone)]
pub struct OperatorKey {
    hash: String,
    /// The token, when it may be shown at this start (freshly made, or
    /// chosen by the operator).
    pub shown: Option<String>,
}

impl OperatorKey {
    /// Loads or makes the operator token for `data_dir`.
    pub fn open(data_dir: &Path, chosen: Option<&str>) -> std::io::Result<OperatorKey> {
        let path = data_dir.join(OPERATOR_HASH_FILE);
        if let Some(token) = chosen {
            let hash = hash_token(token);
            if std::fs::read_to_string(&path)
                .ok()
                .as_deref()
                .map(str::trim)
                != Some(&hash)
            {
                write_hash(data_dir, &hash)?;
            }
            return Ok(OperatorKey {
                hash,
                shown: Some(token.to_string()),
            });
        }
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() == 64 => Ok(OperatorKey {
                hash: text.trim().to_string(),
                shown: None,
            }),
            Ok(_) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a SHA-256 hash", path.display()),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let token = new_token();
                let hash = hash_token(&token);
                write_hash(data_dir, &hash)?;
                Ok(OperatorKey {
                    hash,
                    shown: Some(token),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Whether `token` is the operator's.
    pub fn accepts(&self, token: &str) -> bool {
        constant_time_eq(hash_token(token).as_bytes(), self.hash.as_bytes())
    }
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Writes the hash atomically, readable by its owner only.
fn write_hash(data_dir: &Path, hash: &str) -> std::io::Result<()> {
    let path = data_dir.join(OPERATOR_HASH_FILE);
    let tmp = data_dir.join(format!("{OPERATOR_HASH_FILE}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(format!("{hash}\n").as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, &path)?;
    sync_dir(data_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_token_is_shown_once_and_only_its_hash_kept() {
        let dir = std::env::temp_dir().join(format!("amphi-operator-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = OperatorKey::open(&dir, None).unwrap();
        let token = first.shown.clone().unwrap();
        let stored = std::fs::read_to_string(dir.join(OPERATOR_HASH_FILE)).unwrap();
        assert!(!stored.contains(&token));
        let again = OperatorKey::open(&dir, None).unwrap();
        assert!(again.shown.is_none());
        assert!(again.accepts(&token));
        assert!(!again.accepts("someone else"));
        let chosen = OperatorKey::open(&dir, Some("chosen-operator-token")).unwrap();
        assert!(chosen.accepts("chosen-operator-token") && !chosen.accepts(&token));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
