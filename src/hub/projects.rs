//! Project pages in the hub: their requests turned into commands (a page's
//! fields checked), and the pushes: a page goes to its team, the jurors (who
//! score from it) and the moderator; the submission deadline goes to
//! everyone.

use super::actor::Hub;
use super::requests::Intent;
use super::sessions::Session;
use crate::domain::projects::ProjectCommand;
use crate::domain::projects::{ProjectPage, StoredFile, licence};
use crate::domain::{Command, DomainError};
use crate::domain::{Role, TeamId};
use crate::protocol::{Encoded, FileView, ProjectView, ServerMsg, encoded};
use crate::protocol::{ErrorCode, ProjectOp};

/// Where a stored file is served.
pub fn file_url(event: &str, file: &StoredFile) -> String {
    format!(
        "/api/events/{event}/files/{}.{}",
        file.sha256,
        file.kind.extension()
    )
}

/// The view of a page, shared with the gallery.
pub fn project_view(event: &str, team: TeamId, team_name: &str, page: &ProjectPage) -> ProjectView {
    let file = |f: &StoredFile| FileView {
        sha256: f.sha256.clone(),
        kind: f.kind,
        bytes: f.bytes,
        url: file_url(event, f),
    };
    let known = page
        .fields
        .licence
        .as_deref()
        .and_then(|id| licence(id).ok());
    ProjectView {
        team: team.0,
        team_name: team_name.to_string(),
        fields: page.fields.clone(),
        licence_name: known.map(|l| l.name.to_string()),
        osi_approved: known.is_some_and(|l| l.osi_approved),
        slides: page.slides.as_ref().map(file),
        screenshots: page.screenshots.iter().map(file).collect(),
        public: page.public,
        updated_at: page.updated_at,
    }
}

/// What a `project` request asks: its page command, the fields checked.
pub(super) fn project_intent(op: ProjectOp) -> Result<Intent, (ErrorCode, String)> {
    let command = ProjectCommand::try_from(op).map_err(DomainError::from)?;
    Ok(Intent::Durable(Command::Project(command)))
}

impl Hub {
    /// The public gallery now.
    pub(super) fn gallery(&self) -> crate::domain::gallery::Gallery {
        let id = &self.event().state().id;
        self.event().gallery(self.now(), |f| file_url(id, f))
    }

    fn project_frame(&self, team: TeamId) -> Option<Encoded> {
        let state = self.event().state();
        let page = state.projects.pages.get(&team)?;
        let name = self
            .event()
            .team(team)
            .map(|t| t.name.as_str())
            .unwrap_or("");
        let project = project_view(&state.id, team, name, page);
        Some(encoded(&ServerMsg::Project { project }))
    }

    fn reads_every_project(&self, session: &Session) -> bool {
        matches!(self.role_of(session), Some(Role::Jury | Role::Moderator))
    }

    /// Sends a changed page to its team, the jurors and the moderator.
    pub(super) fn push_project(&self, team: TeamId) {
        let Some(frame) = self.project_frame(team) else {
            return;
        };
        let members = self
            .event()
            .team(team)
            .map(|t| t.members.clone())
            .unwrap_or_default();
        let recipients = self
            .sessions
            .members()
            .filter(|s| members.contains(&s.member) || self.reads_every_project(s));
        self.deliver(frame, recipients);
    }

    /// Sends one session its team's page (someone who just joined a team).
    pub(super) fn send_project_to(&self, session: &Session, team: TeamId) {
        if let Some(frame) = self.project_frame(team) {
            self.deliver(frame, std::iter::once(session));
        }
    }

    fn submission_frame(&self) -> Encoded {
        encoded(&ServerMsg::Submission {
            deadline: self.event().submission_deadline(),
        })
    }

    /// Tells everyone the deadline changed.
    pub(super) fn push_submission(&self) {
        self.deliver(self.submission_frame(), self.sessions.members());
    }

    /// What a newly joined session should see of the projects: the deadline,
    /// and the pages it may read.
    pub(super) fn send_projects_on_join(&self, session: &Session) {
        let one = || std::iter::once(session);
        self.deliver(self.submission_frame(), one());
        let teams: Vec<TeamId> = if self.reads_every_project(session) {
            self.event()
                .state()
                .projects
                .pages
                .keys()
                .copied()
                .collect()
        } else {
            self.event()
                .member(session.member)
                .and_then(|m| m.team)
                .into_iter()
                .collect()
        };
        for team in teams {
            if let Some(frame) = self.project_frame(team) {
                self.deliver(frame, one());
            }
        }
    }
}
