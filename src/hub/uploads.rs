//! Uploads of project files, in two steps around the disk write (done off
//! the hub by the HTTP handler): first the hub checks that the session's
//! person may attach this file now, so nothing is written for someone who
//! may not; then, once the file is on disk and synced, it applies and
//! journals the command that references it and answers only when that
//! record is durable.

use super::Refusal;
use super::actor::{AfterCommit, Hub};
use crate::domain::projects::{ProjectCommand, StoredFile};
use crate::domain::{Command, MemberId};
use crate::protocol::ErrorCode;
use crate::secret::hash_token;
use tokio::sync::oneshot;

/// The hub's answer to an upload step.
pub type UploadReply = oneshot::Sender<Result<(), Refusal>>;

/// Which step of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStep {
    /// May this file be attached? (Nothing written yet.)
    Check,
    /// The file is on disk: attach it.
    Attach,
}

impl Hub {
    pub(super) fn upload(
        &mut self,
        session_token: &str,
        file: StoredFile,
        step: UploadStep,
        reply: UploadReply,
    ) {
        let refuse = |reply: UploadReply, code: ErrorCode, message: String| {
            let _ = reply.send(Err(Refusal { code, message }));
        };
        let Some(member) = self.member_of_token(session_token) else {
            return refuse(
                reply,
                ErrorCode::Unauthorized,
                "a team member's session token is required".into(),
            );
        };
        let command = Command::Project(ProjectCommand::AttachFile { file });
        let now = self.now();
        match step {
            UploadStep::Check => {
                let checked = self.event().check_at(Some(member), &command, now);
                let _ = reply.send(checked.map_err(Refusal::from));
            }
            UploadStep::Attach => match self.apply_durable(Some(member), command, now) {
                Ok((seq, effects)) => {
                    self.durable
                        .hold(seq, effects, AfterCommit::Upload { reply })
                }
                Err((code, message)) => refuse(reply, code, message),
            },
        }
    }

    fn member_of_token(&self, session_token: &str) -> Option<MemberId> {
        self.event().member_by_session(&hash_token(session_token))
    }
}
