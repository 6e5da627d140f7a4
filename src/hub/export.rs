//! Results export for the moderator's HTTP API: the ranking, every score by
//! criterion and juror, votes and labels, as JSON or CSV.

use super::Refusal;
use super::actor::Hub;
use crate::domain::permissions::Permission;
use crate::protocol::ErrorCode;
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
        self.session_member_with(session_token, Permission::RunShow)?;
        let body = self
            .event()
            .results(self.now())
            .render(format)
            .map_err(|e| Refusal {
                code: ErrorCode::InvalidMessage,
                message: e.to_string(),
            })?;
        Ok((format.content_type(), body))
    }
}
