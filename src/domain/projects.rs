//! Project pages: what each team made (name, summary, challenge, repository,
//! licence, data sets, demo, slides, screenshots), edited by its members
//! until the submission deadline, then frozen; read by jurors while they
//! score, and shown in the public gallery once results are published or as
//! soon as the team opts in.
//!
//! [`Projects`] holds the pages and the rules of their content (SPDX
//! licences, http(s) URLs, lengths); the second half binds them to the event:
//! who may edit which page, and when.

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis, TeamId};
use super::member::Member;
use super::permissions::{Permission, check};
use super::program::Phase;
use super::text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest project name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 2000;
/// Longest URL, in characters.
pub const MAX_URL_CHARS: usize = 500;
/// Most data set URLs on one page.
pub const MAX_DATASETS: usize = 10;
/// Most screenshots on one page.
pub const MAX_SCREENSHOTS: usize = 5;
/// Largest slides file (PDF).
pub const MAX_SLIDES_BYTES: u64 = 20 * 1024 * 1024;
/// Largest screenshot.
pub const MAX_SCREENSHOT_BYTES: u64 = 5 * 1024 * 1024;
/// Most bytes of files one event keeps, all pages together.
pub const MAX_EVENT_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// What a team writes on its page; replaced whole by each edit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectFields {
    pub name: String,
    pub summary: String,
    pub challenge: Option<u32>,
    pub repository: Option<String>,
    /// An SPDX licence identifier, e.g. `EUPL-1.2`.
    pub licence: Option<String>,
    pub datasets: Vec<String>,
    pub demo: Option<String>,
}

/// The kinds of file a page holds, detected from the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Webp,
}

impl FileKind {
    /// The content type it is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Webp => "image/webp",
        }
    }

    /// The file name extension it is stored and served with.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Webp => "webp",
        }
    }

    /// The largest file of this kind.
    pub fn max_bytes(self) -> u64 {
        if self.is_image() {
            MAX_SCREENSHOT_BYTES
        } else {
            MAX_SLIDES_BYTES
        }
    }

    /// Whether it is an image (a screenshot) rather than slides.
    pub fn is_image(self) -> bool {
        self != FileKind::Pdf
    }
}

/// A file on disk, named by its SHA-256 checksum (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    pub sha256: String,
    pub kind: FileKind,
    pub bytes: u64,
}

/// One team's page. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectPage {
    #[serde(flatten)]
    pub fields: ProjectFields,
    pub slides: Option<StoredFile>,
    pub screenshots: Vec<StoredFile>,
    /// The team shows its page in the public gallery before results are out.
    pub public: bool,
    pub updated_at: Millis,
}

/// A change to project pages. `Update`, `SetPublic`, the file changes come
/// from a team's members (the team is theirs, from the state, never from the
/// request); `SetDeadline` from the moderator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ProjectCommand {
    Update {
        fields: CheckedFields,
    },
    SetPublic {
        public: bool,
    },
    /// Slides (a PDF) or a screenshot, already stored and checked.
    AttachFile {
        file: StoredFile,
    },
    /// Takes a file off the page (by checksum).
    RemoveFile {
        sha256: String,
    },
    /// The moderator's submission deadline (`None`: the start of the
    /// scheduled pitches, if any).
    SetDeadline {
        at: Option<Millis>,
    },
}

/// Why a project command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ProjectError {
    #[error("'{0}' is not an SPDX licence identifier (e.g. MIT, EUPL-1.2, AGPL-3.0-or-later)")]
    InvalidLicence(String),
    #[error("'{0}' is a deprecated SPDX identifier; use its current form (e.g. GPL-3.0-only)")]
    DeprecatedLicence(String),
    #[error("{field}: '{url}' is not an http(s) URL")]
    InvalidUrl { field: &'static str, url: String },
    #[error("a page lists at most {MAX_DATASETS} data sets")]
    TooManyDatasets,
    #[error("a page holds at most {MAX_SCREENSHOTS} screenshots")]
    TooManyScreenshots,
    #[error("the submission deadline has passed; the page is frozen")]
    DeadlinePassed,
    #[error("this file is {got} bytes; the limit is {max}")]
    FileTooLarge { got: u64, max: u64 },
    #[error("the event's files are at their limit ({MAX_EVENT_FILE_BYTES} bytes)")]
    EventFilesFull,
    #[error("this file is already on the page")]
    DuplicateFile,
    #[error("no file with this checksum is on the page")]
    UnknownFile,
    #[error("your team has no project page yet")]
    NoProject,
    #[error("{0}")]
    Text(DomainError),
}

impl ProjectError {
    /// Stable wire code: the variant's name in snake_case (a text refusal
    /// keeps the shared text code).
    pub fn code(&self) -> &'static str {
        match self {
            ProjectError::Text(inner) => inner.code(),
            other => other.into(),
        }
    }
}

impl From<ProjectError> for DomainError {
    fn from(err: ProjectError) -> DomainError {
        match err {
            ProjectError::Text(inner) => inner,
            other => DomainError::Project(Box::new(other)),
        }
    }
}

/// A licence identifier as the SPDX list knows it, and whether the OSI
/// approved it (what the "Libris" label rewards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Licence {
    pub id: &'static str,
    pub name: &'static str,
    pub osi_approved: bool,
}

/// Looks a licence up in the SPDX list: exact identifier, current (not
/// deprecated). `MIT+`-style suffixes are refused: one identifier only.
pub fn licence(id: &str) -> Result<Licence, ProjectError> {
    let found = spdx::license_id(id)
        .filter(|l| l.name == id)
        .ok_or_else(|| ProjectError::InvalidLicence(id.to_string()))?;
    if found.is_deprecated() {
        return Err(ProjectError::DeprecatedLicence(id.to_string()));
    }
    Ok(Licence {
        id: found.name,
        name: found.full_name,
        osi_approved: found.is_osi_approved(),
    })
}

/// Checks an http(s) URL with a host, no credentials, at most
/// [`MAX_URL_CHARS`]; returns it as written (trimmed).
pub fn check_url(field: &'static str, raw: &str) -> Result<String, ProjectError> {
    let trimmed = raw.trim();
    let bad = || ProjectError::InvalidUrl {
        field,
        url: trimmed.chars().take(MAX_URL_CHARS).collect(),
    };
    if trimmed.chars().count() > MAX_URL_CHARS || trimmed.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let parsed = url::Url::parse(trimmed).map_err(|_| bad())?;
    let scheme_ok = matches!(parsed.scheme(), "http" | "https");
    let host_ok = parsed.host_str().is_some_and(|h| !h.is_empty());
    let no_credentials = parsed.username().is_empty() && parsed.password().is_none();
    if scheme_ok && host_ok && no_credentials {
        Ok(trimmed.to_string())
    } else {
        Err(bad())
    }
}

/// A page's fields cleaned and checked by [`CheckedFields::parse`] where the
/// request becomes a command (whether the challenge exists is the event's
/// business), so the event never cleans them.
///
/// Journaled as the fields themselves (the same JSON as [`ProjectFields`]).
/// Read back, fields that pass today's checks are cleaned as they clean them
/// (records written before the check moved to the edge hold them as sent,
/// and the event cleaned them when applying them); fields a later rule
/// would refuse load as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CheckedFields(ProjectFields);

impl<'de> Deserialize<'de> for CheckedFields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = ProjectFields::deserialize(deserializer)?;
        Ok(CheckedFields::parse(&stored).unwrap_or(CheckedFields(stored)))
    }
}

impl CheckedFields {
    /// The fields cleaned, or the first that is wrong.
    pub fn parse(fields: &ProjectFields) -> Result<CheckedFields, ProjectError> {
        clean_fields(fields).map(CheckedFields)
    }

    /// The cleaned fields.
    pub fn fields(&self) -> &ProjectFields {
        &self.0
    }
}

/// Cleans and checks a page's fields.
fn clean_fields(fields: &ProjectFields) -> Result<ProjectFields, ProjectError> {
    let name =
        text::clean_name("name", &fields.name, MAX_NAME_CHARS).map_err(ProjectError::Text)?;
    let summary = match fields.summary.trim() {
        "" => String::new(),
        some => text::clean_message(some, MAX_SUMMARY_CHARS).map_err(ProjectError::Text)?,
    };
    let optional_url = |field, value: &Option<String>| match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(url) => check_url(field, url).map(Some),
    };
    let licence = match fields.licence.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(licence(id)?.id.to_string()),
    };
    if fields.datasets.len() > MAX_DATASETS {
        return Err(ProjectError::TooManyDatasets);
    }
    let datasets = fields
        .datasets
        .iter()
        .map(|d| check_url("datasets", d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProjectFields {
        name,
        summary,
        challenge: fields.challenge,
        repository: optional_url("repository", &fields.repository)?,
        licence,
        datasets,
        demo: optional_url("demo", &fields.demo)?,
    })
}

/// Every team's page and the submission deadline. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Projects {
    /// The moderator's deadline, if set.
    pub deadline: Option<Millis>,
    pub pages: BTreeMap<TeamId, ProjectPage>,
}

impl Projects {
    /// Every file a page references (kept on disk; anything else is an orphan).
    pub fn files(&self) -> impl Iterator<Item = &StoredFile> {
        self.pages
            .values()
            .flat_map(|p| p.slides.iter().chain(p.screenshots.iter()))
    }

    /// Forgets a dissolved team's page.
    pub fn forget_team(&mut self, team: TeamId) -> bool {
        self.pages.remove(&team).is_some()
    }

    fn check_file(&self, team: TeamId, command: &ProjectCommand) -> Result<(), ProjectError> {
        let page = self.pages.get(&team);
        match command {
            ProjectCommand::AttachFile { file } => {
                let page = page.ok_or(ProjectError::NoProject)?;
                let on_page = page
                    .slides
                    .iter()
                    .chain(page.screenshots.iter())
                    .any(|f| f.sha256 == file.sha256);
                if on_page {
                    return Err(ProjectError::DuplicateFile);
                }
                if file.kind.is_image() && page.screenshots.len() >= MAX_SCREENSHOTS {
                    return Err(ProjectError::TooManyScreenshots);
                }
                let max = file.kind.max_bytes();
                if file.bytes > max {
                    return Err(ProjectError::FileTooLarge {
                        got: file.bytes,
                        max,
                    });
                }
                let total: u64 = self.files().map(|f| f.bytes).sum();
                if total.saturating_add(file.bytes) > MAX_EVENT_FILE_BYTES {
                    return Err(ProjectError::EventFilesFull);
                }
                Ok(())
            }
            ProjectCommand::RemoveFile { sha256 } => {
                let page = page.ok_or(ProjectError::NoProject)?;
                let on_page = page
                    .slides
                    .iter()
                    .chain(page.screenshots.iter())
                    .any(|f| &f.sha256 == sha256);
                if on_page {
                    Ok(())
                } else {
                    Err(ProjectError::UnknownFile)
                }
            }
            _ => Ok(()),
        }
    }

    fn apply(&mut self, team: TeamId, command: &ProjectCommand, now: Millis) {
        match command {
            ProjectCommand::Update { fields } => {
                let page = self.pages.entry(team).or_default();
                page.fields = fields.fields().clone();
                page.updated_at = now;
            }
            ProjectCommand::SetPublic { public } => {
                let page = self.pages.entry(team).or_default();
                page.public = *public;
            }
            ProjectCommand::AttachFile { file } => {
                if let Some(page) = self.pages.get_mut(&team) {
                    if file.kind.is_image() {
                        page.screenshots.push(file.clone());
                    } else {
                        // New slides replace the old ones.
                        page.slides = Some(file.clone());
                    }
                    page.updated_at = now;
                }
            }
            ProjectCommand::RemoveFile { sha256 } => {
                if let Some(page) = self.pages.get_mut(&team) {
                    if page.slides.as_ref().is_some_and(|f| &f.sha256 == sha256) {
                        page.slides = None;
                    }
                    page.screenshots.retain(|f| &f.sha256 != sha256);
                    page.updated_at = now;
                }
            }
            ProjectCommand::SetDeadline { at } => self.deadline = *at,
        }
    }
}

impl Event {
    /// When project pages freeze: the moderator's deadline, else the
    /// scheduled start of the pitches, else never.
    pub fn submission_deadline(&self) -> Option<Millis> {
        let projects = &self.state.projects;
        projects.deadline.or_else(|| {
            self.state
                .program
                .schedule
                .iter()
                .find(|s| s.phase == Phase::Pitches)
                .map(|s| s.starts_at)
        })
    }

    /// Checks a project command (all but the deadline, which needs the time:
    /// see [`Event::check_project_time`]).
    pub(super) fn check_project(
        &self,
        actor: Option<&Member>,
        command: &ProjectCommand,
    ) -> Result<(), DomainError> {
        let moderator_op = matches!(command, ProjectCommand::SetDeadline { .. });
        let Some(member) = actor else {
            return Ok(());
        };
        if moderator_op {
            return check(member.role, Permission::ManageProgram);
        }
        check(member.role, Permission::EditProject)?;
        let team = member.team.ok_or(DomainError::NoTeam)?;
        if let ProjectCommand::Update { fields } = command
            && let Some(id) = fields.fields().challenge
            && !self.state.program.challenges.contains_key(&id)
        {
            return Err(DomainError::UnknownChallenge(id));
        }
        self.state.projects.check_file(team, command)?;
        Ok(())
    }

    /// Refuses a team's change once the submission deadline has passed.
    pub(super) fn check_project_time(
        &self,
        command: &ProjectCommand,
        now: Millis,
    ) -> Result<(), DomainError> {
        let by_team = !matches!(command, ProjectCommand::SetDeadline { .. });
        match self.submission_deadline() {
            Some(deadline) if by_team && now >= deadline => {
                Err(ProjectError::DeadlinePassed.into())
            }
            _ => Ok(()),
        }
    }

    /// Applies a checked project command.
    pub(super) fn commit_project(
        &mut self,
        actor: Option<MemberId>,
        command: &ProjectCommand,
        now: Millis,
    ) -> Vec<Effect> {
        if let ProjectCommand::SetDeadline { .. } = command {
            self.state.projects.apply(TeamId(0), command, now);
            return vec![Effect::SubmissionChanged];
        }
        let Some(team) = actor.and_then(|id| self.member(id)).and_then(|m| m.team) else {
            return vec![];
        };
        self.state.projects.apply(team, command, now);
        vec![Effect::ProjectChanged { team }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::command::Command;
    use crate::domain::program::{ProgramCommand, ScheduledPhase};
    use crate::domain::role::Role;
    use crate::domain::teams::tests::{event, join};

    fn fields(name: &str) -> ProjectFields {
        ProjectFields {
            name: name.into(),
            summary: "Une carte des fontaines".into(),
            challenge: None,
            repository: Some("https://forge.example.org/cartes".into()),
            licence: Some("EUPL-1.2".into()),
            datasets: vec!["https://www.data.gouv.fr/fr/datasets/fontaines/".into()],
            demo: None,
        }
    }

    fn update(f: ProjectFields) -> Command {
        Command::Project(ProjectCommand::Update {
            fields: CheckedFields::parse(&f).unwrap(),
        })
    }

    /// The code a page's fields are refused with, where they are parsed.
    fn refused(f: ProjectFields) -> String {
        DomainError::from(CheckedFields::parse(&f).unwrap_err())
            .code()
            .to_string()
    }

    fn code(err: DomainError) -> String {
        err.code().to_string()
    }

    /// An event with a participant in a team, and a moderator.
    fn with_team() -> (Event, MemberId, MemberId, TeamId) {
        let mut e = event();
        let p = join(&mut e, "Ada", Role::Participant);
        let m = join(&mut e, "Mod", Role::Moderator);
        let create = Command::CreateTeam {
            name: "Cartes".into(),
            challenge: None,
        };
        e.apply(Some(p), &create, 0).unwrap();
        let team = e.member(p).unwrap().team.unwrap();
        (e, p, m, team)
    }

    #[test]
    fn licences_are_spdx_identifiers_with_their_osi_flag() {
        assert!(licence("MIT").unwrap().osi_approved);
        assert!(licence("EUPL-1.2").unwrap().osi_approved);
        assert!(!licence("CC-BY-4.0").unwrap().osi_approved);
        assert_eq!(
            licence("Licence libre"),
            Err(ProjectError::InvalidLicence("Licence libre".into()))
        );
        assert!(licence("mit").is_err(), "identifiers are exact");
        assert!(licence("MIT+").is_err());
        assert_eq!(
            licence("GPL-3.0"),
            Err(ProjectError::DeprecatedLicence("GPL-3.0".into()))
        );
    }

    #[test]
    fn only_http_urls_with_a_host_are_accepted() {
        assert!(check_url("demo", "https://demo.example.org/x?y=1").is_ok());
        assert!(check_url("demo", "http://127.0.0.1:8080/").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org/",
            "https://",
            "data:text/html,<script>",
            "example.org",
            "https://user:pw@example.org/",
            "https://exa mple.org/",
        ] {
            assert!(check_url("demo", bad).is_err(), "{bad}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_CHARS));
        assert!(check_url("demo", &long).is_err());
    }

    #[test]
    fn team_members_edit_their_page_with_checked_fields() {
        let (mut e, p, m, team) = with_team();
        let effects = e
            .apply(Some(p), &update(fields("Cartes ouvertes")), 5)
            .unwrap();
        assert_eq!(effects, vec![Effect::ProjectChanged { team }]);
        let page = &e.state().projects.pages[&team];
        assert_eq!(page.fields.licence.as_deref(), Some("EUPL-1.2"));
        assert_eq!(page.updated_at, 5);

        let before = e.state().projects.clone();
        let mut bad = fields("X");
        bad.licence = Some("Libre".into());
        assert_eq!(refused(bad), "invalid_licence");
        let mut bad = fields("X");
        bad.repository = Some("javascript:alert(1)".into());
        assert_eq!(refused(bad), "invalid_url");
        let mut bad = fields("X");
        bad.datasets = vec!["https://a.example/".into(); MAX_DATASETS + 1];
        assert_eq!(refused(bad), "too_many_datasets");
        assert_eq!(refused(fields(" \u{202E} ")), "empty_text");
        let mut bad = fields("X");
        bad.summary = "s".repeat(MAX_SUMMARY_CHARS + 1);
        assert_eq!(refused(bad), "text_too_long");
        // Cleaned once, here: the name is folded, empty optional fields dropped.
        let mut messy = fields("  Cartes \t ouvertes ");
        messy.demo = Some("  ".into());
        let clean = CheckedFields::parse(&messy).unwrap();
        assert_eq!(clean.fields().name, "Cartes ouvertes");
        assert_eq!(clean.fields().demo, None);
        // Journaled as the fields; a stored page a later rule would refuse loads.
        assert_eq!(
            serde_json::to_value(&clean).unwrap(),
            serde_json::to_value(clean.fields()).unwrap()
        );
        let stored: CheckedFields =
            serde_json::from_str(r#"{"name":"","licence":"Libre"}"#).unwrap();
        assert_eq!(stored.fields().licence.as_deref(), Some("Libre"));
        // Fields stored as sent (before the edge cleaned them) read cleaned.
        let stored: CheckedFields =
            serde_json::from_value(serde_json::to_value(&messy).unwrap()).unwrap();
        assert_eq!(stored, clean);
        let mut bad = fields("X");
        bad.challenge = Some(9);
        assert_eq!(
            e.apply(Some(p), &update(bad), 6).unwrap_err(),
            DomainError::UnknownChallenge(9)
        );
        assert_eq!(e.state().projects, before, "refusals change nothing");

        // Someone outside the team has no page to edit; other roles none at all.
        let outsider = join(&mut e, "Bob", Role::Participant);
        assert_eq!(
            e.apply(Some(outsider), &update(fields("Y")), 6)
                .unwrap_err(),
            DomainError::NoTeam
        );
        let juror = join(&mut e, "Jury", Role::Jury);
        assert_eq!(
            e.apply(Some(juror), &update(fields("Y")), 6)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            e.apply(Some(m), &update(fields("Y")), 6)
                .unwrap_err()
                .code(),
            "forbidden"
        );
    }

    #[test]
    fn pages_freeze_at_the_deadline_set_or_scheduled() {
        let (mut e, p, m, _) = with_team();
        let deadline = |at| Command::Project(ProjectCommand::SetDeadline { at });
        assert_eq!(
            e.apply(Some(p), &deadline(Some(100)), 0)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        e.apply(Some(m), &deadline(Some(100)), 0).unwrap();
        e.apply(Some(p), &update(fields("Avant")), 99).unwrap();
        assert_eq!(
            code(e.apply(Some(p), &update(fields("Après")), 100).unwrap_err()),
            "deadline_passed"
        );
        let public = Command::Project(ProjectCommand::SetPublic { public: true });
        assert_eq!(
            code(e.apply(Some(p), &public, 100).unwrap_err()),
            "deadline_passed"
        );
        // Without the moderator's deadline, the scheduled pitches are the deadline.
        e.apply(Some(m), &deadline(None), 101).unwrap();
        e.apply(Some(p), &update(fields("Encore")), 150).unwrap();
        let schedule = Command::Program(ProgramCommand::SetSchedule {
            schedule: vec![ScheduledPhase {
                phase: Phase::Pitches,
                starts_at: 200,
            }],
        });
        e.apply(Some(m), &schedule, 151).unwrap();
        assert_eq!(e.submission_deadline(), Some(200));
        assert!(e.apply(Some(p), &update(fields("Tard")), 200).is_err());
    }

    #[test]
    fn files_are_attached_within_limits_and_dissolved_teams_lose_their_page() {
        let (mut e, p, _, team) = with_team();
        let file = |n: u8, kind| StoredFile {
            sha256: format!("{n:064x}"),
            kind,
            bytes: 10,
        };
        let attach = |f| Command::Project(ProjectCommand::AttachFile { file: f });
        assert_eq!(
            code(
                e.apply(Some(p), &attach(file(0, FileKind::Pdf)), 0)
                    .unwrap_err()
            ),
            "no_project"
        );
        e.apply(Some(p), &update(fields("Cartes")), 0).unwrap();
        e.apply(Some(p), &attach(file(0, FileKind::Pdf)), 0)
            .unwrap();
        for n in 1..=5 {
            e.apply(Some(p), &attach(file(n, FileKind::Png)), 0)
                .unwrap();
        }
        assert_eq!(
            code(
                e.apply(Some(p), &attach(file(6, FileKind::Webp)), 0)
                    .unwrap_err()
            ),
            "too_many_screenshots"
        );
        assert_eq!(
            code(
                e.apply(Some(p), &attach(file(1, FileKind::Png)), 0)
                    .unwrap_err()
            ),
            "duplicate_file"
        );
        let mut big = file(9, FileKind::Pdf);
        big.bytes = MAX_SLIDES_BYTES + 1;
        assert_eq!(
            code(e.apply(Some(p), &attach(big), 0).unwrap_err()),
            "file_too_large"
        );
        assert_eq!(e.state().projects.files().count(), 6);
        let remove = Command::Project(ProjectCommand::RemoveFile {
            sha256: file(1, FileKind::Png).sha256,
        });
        e.apply(Some(p), &remove, 0).unwrap();
        assert_eq!(
            code(e.apply(Some(p), &remove, 0).unwrap_err()),
            "unknown_file"
        );
        e.apply(Some(p), &Command::LeaveTeam, 0).unwrap();
        assert!(!e.state().projects.pages.contains_key(&team));
    }
}
