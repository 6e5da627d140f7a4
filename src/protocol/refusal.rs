//! Error codes as the wire carries them (`{"type":"error","code":…}`).
//!
//! Two kinds: the transport's and session's own codes (bad JSON, rate
//! limits, invites, …), listed here, and the domain's refusals, whose code is
//! derived from their [`DomainError`] variant (`Refused`). Both serialize to
//! the same plain snake_case string; `docs/protocol.md` lists them all.

use crate::domain::DomainError;
use serde::{Serialize, Serializer};

/// A stable, machine-readable error code.
#[derive(Debug, Clone, Copy, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    BadJson,
    UnknownType,
    InvalidMessage,
    NotJoined,
    AlreadyJoined,
    ProtocolVersion,
    UnknownEvent,
    InvalidInvite,
    InvalidSession,
    InvalidName,
    InviteExpired,
    InviteRevoked,
    InviteUsedUp,
    Banned,
    RateLimited,
    StorageUnavailable,
    Overloaded,
    Unauthorized,
    /// A connection that is nobody in the event (a watcher of the public
    /// live page) asked for more than watching. A member's refusal by role
    /// is the domain's `forbidden`: the same code.
    Forbidden,
    /// The instance operator's token used as an event invite.
    OperatorToken,
    /// An uploaded or chosen venue map with errors (each listed).
    InvalidMap,
    /// A refusal of the event's rules: [`DomainError::code`].
    Refused(&'static str),
}

impl ErrorCode {
    /// The code as sent.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::Refused(code) => code,
            other => other.into(),
        }
    }
}

/// Codes are equal when they say the same on the wire.
impl PartialEq for ErrorCode {
    fn eq(&self, other: &ErrorCode) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl From<&DomainError> for ErrorCode {
    fn from(error: &DomainError) -> ErrorCode {
        ErrorCode::Refused(error.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_and_domain_codes_serialize_as_plain_strings() {
        let json = |c: ErrorCode| serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(json(ErrorCode::BadJson), "\"bad_json\"");
        assert_eq!(json(ErrorCode::InviteUsedUp), "\"invite_used_up\"");
        assert_eq!(
            json(ErrorCode::from(&DomainError::UnknownRoom("x".into()))),
            "\"unknown_room\""
        );
        assert_eq!(
            ErrorCode::from(&DomainError::InvalidInvite),
            ErrorCode::InvalidInvite
        );
    }
}
