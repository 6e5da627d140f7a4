//! Project pages on the wire: `{"type":"project","op":…}` requests, the
//! `project` page pushed to its team, the jurors and the moderator, and the
//! `submission` deadline everyone is told.
//!
//! Files are not sent here: they are uploaded over HTTP
//! (`POST /api/events/{id}/project/files`) and listed in the page with the
//! URL they are served at.

use crate::domain::projects::{
    CheckedFields, FileKind, ProjectCommand, ProjectError, ProjectFields,
};
use serde::{Deserialize, Serialize};

/// `{"type":"project","op":…}`: team members edit their page, opt in to the
/// gallery and take files off it; the moderator sets the deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ProjectOp {
    /// Replaces the page's fields (every field; absent ones are emptied).
    Update {
        #[serde(flatten)]
        fields: ProjectFields,
    },
    SetPublic {
        public: bool,
    },
    RemoveFile {
        sha256: String,
    },
    SetDeadline {
        at: Option<u64>,
    },
}

/// The command a request asks for; a page's fields are cleaned and checked
/// here, so the event receives them clean.
impl TryFrom<ProjectOp> for ProjectCommand {
    type Error = ProjectError;

    fn try_from(op: ProjectOp) -> Result<ProjectCommand, ProjectError> {
        Ok(match op {
            ProjectOp::Update { fields } => ProjectCommand::Update {
                fields: CheckedFields::parse(&fields)?,
            },
            ProjectOp::SetPublic { public } => ProjectCommand::SetPublic { public },
            ProjectOp::RemoveFile { sha256 } => ProjectCommand::RemoveFile { sha256 },
            ProjectOp::SetDeadline { at } => ProjectCommand::SetDeadline { at },
        })
    }
}

/// A file of a page, with where it is served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileView {
    pub sha256: String,
    pub kind: FileKind,
    pub bytes: u64,
    pub url: String,
}

/// A project page as its team, the jurors and the moderator see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectView {
    pub team: u32,
    pub team_name: String,
    #[serde(flatten)]
    pub fields: ProjectFields,
    /// The licence's full name, and whether the OSI approved it.
    pub licence_name: Option<String>,
    pub osi_approved: bool,
    pub slides: Option<FileView>,
    pub screenshots: Vec<FileView>,
    pub public: bool,
    pub updated_at: u64,
}
