//! Personal data over HTTP: a person downloads what the event holds about
//! them, or deletes their account; and the retention purge of an archived
//! event, run by the hub itself once the period is over (docs/privacy.md).

use super::Refusal;
use super::actor::{AfterCommit, Hub};
use crate::domain::Command;
use crate::domain::privacy::{PrivacyCommand, pseudonym};
use crate::protocol::ErrorCode;
use crate::secret::hash_token;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// What a person asks about their own data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivacyOp {
    /// Everything the event holds about me, as JSON.
    Download,
    /// Erase me: pseudonym, messages and registration gone, session ended.
    Delete,
}

pub type PrivacyReply = oneshot::Sender<Result<Value, Refusal>>;

impl Hub {
    pub(super) fn privacy(&mut self, session: &str, op: PrivacyOp, reply: PrivacyReply) {
        let Some(member) = self.event().member_by_session(&hash_token(session)) else {
            let _ = reply.send(Err(Refusal {
                code: ErrorCode::Unauthorized,
                message: "your session token of this event is required".into(),
            }));
            return;
        };
        match op {
            PrivacyOp::Download => {
                let data = self
                    .event()
                    .personal_data(member)
                    .map(|d| serde_json::to_value(d).unwrap_or(Value::Null))
                    .unwrap_or(Value::Null);
                let _ = reply.send(Ok(data));
            }
            PrivacyOp::Delete => {
                let command = Command::Privacy(PrivacyCommand::Forget { member });
                let now = self.now();
                match self.apply_durable(Some(member), command, now) {
                    Ok((seq, effects)) => self.durable.hold(
                        seq,
                        effects,
                        AfterCommit::Privacy {
                            reply,
                            answer: json!({ "deleted": true, "now_shown_as": pseudonym(member) }),
                        },
                    ),
                    Err((code, message)) => {
                        let _ = reply.send(Err(Refusal { code, message }));
                    }
                }
            }
        }
    }

    /// Erases the personal data of an archived event whose retention period
    /// is over (checked on the snapshot timer; journaled like any change).
    pub(super) fn purge_if_due(&mut self) {
        let now = self.now();
        if !self.event().purge_due(now) {
            return;
        }
        let command = Command::Privacy(PrivacyCommand::Purge);
        match self.apply_durable(None, command, now) {
            Ok((seq, effects)) => {
                tracing::info!("retention period over: personal data erased");
                self.durable.hold(seq, effects, AfterCommit::Nothing);
            }
            Err((_, message)) => tracing::warn!(%message, "retention purge refused"),
        }
    }
}
