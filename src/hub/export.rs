//! Results export for the moderator's HTTP API: the ranking, every score by
//! criterion and juror, votes and labels, as JSON or CSV.

use super::Refusal;
use super::actor::Hub;
use crate::domain::permissions::{Permission, check};
use crate::protocol::ErrorCode;
use crate::secret::hash_token;
use tokio::sync::oneshot;

pub use crate::domain::results::ExportFormat;

/// The hub's answer: content type and body.
pub type ExportReply = oneshot::Sender<Result<(&'static str, String), Refusal>>;

impl Hub {
    pub(super) fn export(&self, session_token: &str, format: ExportFormat, reply: ExportReply) {
        let _ = reply.send(self.export_body(session_token, format));
    }

    fn export_body(
        &self,
        session_token: &str,
        format: ExportFormat,
    ) -> Result<(&'static str, String), Refusal> {
        let member = self
            .event
            .member_by_session(&hash_token(session_token))
            .and_then(|id| self.event.member(id))
            .ok_or_else(|| Refusal {
                code: ErrorCode::Unauthorized,
                message: "a moderator's session token is required".into(),
            })?;
        check(member.role, Permission::RunShow).map_err(|e| Refusal {
            code: ErrorCode::from(&e),
            message: e.to_string(),
        })?;
        let body = self
            .event
            .results(self.now())
            .render(format)
            .map_err(|e| Refusal {
                code: ErrorCode::InvalidMessage,
                message: e.to_string(),
            })?;
        Ok((format.content_type(), body))
    }
}
