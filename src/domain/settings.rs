//! An event's settings as data: what an operator chooses when creating an
//! event (title, slug, time zone, languages, dates, map, capacity, team
//! size) and the template it starts from (pitch durations, rubric, labels,
//! challenges).
//!
//! [`EventSettings`] is durable state of its own, set by
//! [`super::Command::Configure`] and checked by [`EventSettings::validate`],
//! whose errors name the field. The template is *not* kept twice: it is
//! turned into the commands that already own those things
//! ([`EventTemplate::commands`]: the jury's rubric, the labels, the
//! programme's challenges, the pitch durations), and read back from the
//! event ([`EventTemplate::of`]) to show or clone it. Moderators edit them
//! afterwards from the console, as before.

use super::awards::AwardCommand;
use super::command::Command;
use super::event::EventState;
use super::jury::{Criterion, JuryCommand};
use super::pitch::{DEFAULT_WARNING_MS, DEFAULT_WRAPUP_MS, PitchCommand};
use super::program::{ChallengeText, ProgramCommand};
use serde::{Deserialize, Serialize};

/// Time zones an event may be held in: metropolitan France, its overseas
/// territories and neighbours. A fixed list rather than a time-zone
/// database: the server only shows it (every time on the wire is UTC).
pub const TIME_ZONES: &[&str] = &[
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Luxembourg",
    "Europe/Zurich",
    "Europe/Monaco",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "America/Miquelon",
    "America/Montreal",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "Pacific/Wallis",
    "Africa/Dakar",
    "UTC",
];

/// Languages the web client speaks.
pub const LANGUAGES: &[&str] = &["fr", "en"];

/// Longest event title, in characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// Largest capacity (people who may join).
pub const MAX_CAPACITY: u32 = 100_000;
/// Largest team size.
pub const MAX_TEAM_SIZE: u32 = 50;
/// Longest retention period after archiving, in days (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// The map an event's venue is drawn from: `default` (the server's own map:
/// `--map`, or the embedded venue), another map shipped in `assets/maps`
/// (e.g. `campus`), or `uploaded` (a Tiled map sent at creation).
pub const SERVER_MAP: &str = "default";
/// The map choice of an event whose Tiled map was uploaded.
pub const UPLOADED_MAP: &str = "uploaded";

/// The settings of one event. Unknown fields are refused, so a typo in a
/// request is an error rather than a silent default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    pub title: String,
    /// The event's id in URLs and on disk (`/e/<slug>/…`); fixed at creation.
    pub slug: String,
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Languages offered, first the default one.
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
    /// First day (`YYYY-MM-DD`), if known.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Last day (`YYYY-MM-DD`), not before `starts_on`.
    #[serde(default)]
    pub ends_on: Option<String>,
    /// Which map (see [`SERVER_MAP`]); fixed at creation.
    #[serde(default = "default_map")]
    pub map: String,
    /// Most people who may join (`None`: no limit); at least 1.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Most members in a team.
    #[serde(default = "default_team_size")]
    pub team_size: u32,
    /// People join only through invites, never through public sign-up.
    #[serde(default)]
    pub invite_only: bool,
    /// Days after archiving when personal data is erased (`None`: kept
    /// until the operator deletes the event). See `docs/privacy.md`.
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Jurors are heard on the stage during Q&A without raising a hand
    /// (see `domain::floor`). On unless set off.
    #[serde(default = "default_true")]
    pub jurors_speak_in_qa: bool,
}

fn default_time_zone() -> String {
    "Europe/Paris".into()
}
fn default_languages() -> Vec<String> {
    vec!["fr".into(), "en".into()]
}
fn default_map() -> String {
    SERVER_MAP.into()
}
fn default_team_size() -> u32 {
    7
}
fn default_true() -> bool {
    true
}

/// A setting refused, naming the field. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("title: 1 to {MAX_TITLE_CHARS} characters")]
    InvalidTitle,
    #[error("slug: '{0}' must be 1 to 64 characters among a-z, 0-9 and -, not starting with -")]
    InvalidSlug(String),
    #[error("slug: an event called '{0}' already exists")]
    DuplicateSlug(String),
    #[error("slug: the slug is fixed at creation (is '{current}', got '{got}')")]
    SlugFixed { current: String, got: String },
    #[error("time_zone: unknown time zone '{0}' (known: {known})", known = TIME_ZONES.join(", "))]
    UnknownTimeZone(String),
    #[error("languages: '{0}' is not one of fr, en, or is given twice, or none is given")]
    InvalidLanguage(String),
    #[error("{field}: '{value}' is not a date (YYYY-MM-DD)")]
    InvalidDate { field: &'static str, value: String },
    #[error("ends_on: {ends} is before starts_on {starts}")]
    DatesOutOfOrder { starts: String, ends: String },
    #[error("capacity: at least 1 person (or no limit)")]
    InvalidCapacity,
    #[error("team_size: between 1 and {MAX_TEAM_SIZE}")]
    InvalidTeamSize,
    #[error("retention_days: between 1 and {MAX_RETENTION_DAYS} days (or none)")]
    InvalidRetention,
    #[error("map: {0}")]
    InvalidMap(String),
    #[error("map: the map is fixed at creation (is '{current}', got '{got}')")]
    MapFixed { current: String, got: String },
}

impl SettingsError {
    /// The stable wire code.
    pub fn code(&self) -> &'static str {
        match self {
            SettingsError::InvalidTitle => "invalid_title",
            SettingsError::InvalidSlug(_) => "invalid_slug",
            SettingsError::DuplicateSlug(_) => "duplicate_slug",
            SettingsError::SlugFixed { .. } => "slug_fixed",
            SettingsError::UnknownTimeZone(_) => "unknown_time_zone",
            SettingsError::InvalidLanguage(_) => "invalid_language",
            SettingsError::InvalidDate { .. } => "invalid_date",
            SettingsError::DatesOutOfOrder { .. } => "dates_out_of_order",
            SettingsError::InvalidCapacity => "invalid_capacity",
            SettingsError::InvalidTeamSize => "invalid_team_size",
            SettingsError::InvalidRetention => "invalid_retention",
            SettingsError::InvalidMap(_) | SettingsError::MapFixed { .. } => "invalid_map",
        }
    }

    /// The settings field it is about.
    pub fn field(&self) -> &'static str {
        match self {
            SettingsError::InvalidTitle => "title",
            SettingsError::InvalidSlug(_)
            | SettingsError::DuplicateSlug(_)
            | SettingsError::SlugFixed { .. } => "slug",
            SettingsError::UnknownTimeZone(_) => "time_zone",
            SettingsError::InvalidLanguage(_) => "languages",
            SettingsError::InvalidDate { field, .. } => field,
            SettingsError::DatesOutOfOrder { .. } => "ends_on",
            SettingsError::InvalidCapacity => "capacity",
            SettingsError::InvalidTeamSize => "team_size",
            SettingsError::InvalidRetention => "retention_days",
            SettingsError::InvalidMap(_) | SettingsError::MapFixed { .. } => "map",
        }
    }
}

/// Whether `slug` is a valid event slug: also a valid event directory name.
pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 64
        && !slug.starts_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl EventSettings {
    /// The settings of an event with only a title and a slug.
    pub fn new(title: &str, slug: &str) -> EventSettings {
        EventSettings {
            title: title.to_string(),
            slug: slug.to_string(),
            time_zone: default_time_zone(),
            languages: default_languages(),
            starts_on: None,
            ends_on: None,
            map: default_map(),
            capacity: None,
            team_size: default_team_size(),
            invite_only: false,
            retention_days: None,
            jurors_speak_in_qa: true,
        }
    }

    /// Every rule that needs no other event; the first broken one.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let title = self.title.trim().chars().count();
        if title == 0 || title > MAX_TITLE_CHARS {
            return Err(SettingsError::InvalidTitle);
        }
        if !valid_slug(&self.slug) {
            return Err(SettingsError::InvalidSlug(self.slug.clone()));
        }
        if !TIME_ZONES.contains(&self.time_zone.as_str()) {
            return Err(SettingsError::UnknownTimeZone(self.time_zone.clone()));
        }
        if self.languages.is_empty() {
            return Err(SettingsError::InvalidLanguage(String::new()));
        }
        for (i, lang) in self.languages.iter().enumerate() {
            if !LANGUAGES.contains(&lang.as_str()) || self.languages[..i].contains(lang) {
                return Err(SettingsError::InvalidLanguage(lang.clone()));
            }
        }
        let starts = check_date("starts_on", self.starts_on.as_deref())?;
        let ends = check_date("ends_on", self.ends_on.as_deref())?;
        if let (Some(starts), Some(ends)) = (starts, ends)
            && ends < starts
        {
            return Err(SettingsError::DatesOutOfOrder {
                starts: starts.to_string(),
                ends: ends.to_string(),
            });
        }
        if self.capacity.is_some_and(|c| c == 0 || c > MAX_CAPACITY) {
            return Err(SettingsError::InvalidCapacity);
        }
        if self.team_size == 0 || self.team_size > MAX_TEAM_SIZE {
            return Err(SettingsError::InvalidTeamSize);
        }
        if self
            .retention_days
            .is_some_and(|d| d == 0 || d > MAX_RETENTION_DAYS)
        {
            return Err(SettingsError::InvalidRetention);
        }
        if !valid_map_name(&self.map) {
            return Err(SettingsError::InvalidMap(format!(
                "'{}' is not a map name",
                self.map
            )));
        }
        Ok(())
    }

    /// The rules of a change from `self` to `next`: `next` is valid and
    /// keeps the slug and the map.
    pub fn validate_change(&self, next: &EventSettings) -> Result<(), SettingsError> {
        next.validate()?;
        if next.slug != self.slug {
            return Err(SettingsError::SlugFixed {
                current: self.slug.clone(),
                got: next.slug.clone(),
            });
        }
        if next.map != self.map {
            return Err(SettingsError::MapFixed {
                current: self.map.clone(),
                got: next.map.clone(),
            });
        }
        Ok(())
    }
}

/// A map name: a file name in `assets/maps` without `.tmj`, or
/// [`UPLOADED_MAP`].
fn valid_map_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A `YYYY-MM-DD` date with a real month and day. ISO dates compare
/// correctly as text, so the text is what is returned.
fn check_date<'a>(
    field: &'static str,
    value: Option<&'a str>,
) -> Result<Option<&'a str>, SettingsError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let bad = || SettingsError::InvalidDate {
        field,
        value: value.to_string(),
    };
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
        return Err(bad());
    }
    let (year, month, day): (u32, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if day == 0 || day > days {
        return Err(bad());
    }
    Ok(Some(value))
}

/// A label to define at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub unique: bool,
}

/// A challenge to add at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeSpec {
    pub title: String,
    #[serde(default)]
    pub description: String,
}

/// What an event starts with besides its settings; the part a clone copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTemplate {
    /// Length of a pitch, in seconds.
    #[serde(default = "default_pitch_seconds")]
    pub pitch_seconds: u32,
    /// Questions after each pitch, in seconds (0: none).
    #[serde(default)]
    pub qa_seconds: u32,
    /// The jury's criteria and weights (empty: the usual grid).
    #[serde(default)]
    pub rubric: Vec<Criterion>,
    #[serde(default)]
    pub labels: Vec<LabelSpec>,
    #[serde(default)]
    pub challenges: Vec<ChallengeSpec>,
}

fn default_pitch_seconds() -> u32 {
    180
}

impl Default for EventTemplate {
    fn default() -> Self {
        EventTemplate {
            pitch_seconds: default_pitch_seconds(),
            qa_seconds: 0,
            rubric: Vec::new(),
            labels: Vec::new(),
            challenges: Vec::new(),
        }
    }
}

impl EventTemplate {
    /// The commands that give a new event this template, each checked by
    /// the module that owns it when applied; a label's name and a challenge's texts
    /// are checked here, where they become commands.
    pub fn commands(&self) -> Result<Vec<Command>, super::error::DomainError> {
        let pitch_ms = u64::from(self.pitch_seconds) * 1000;
        let mut commands = vec![Command::Pitch(PitchCommand::SetDurations {
            pitch_ms,
            qa_ms: u64::from(self.qa_seconds) * 1000,
            warning_ms: DEFAULT_WARNING_MS.min(pitch_ms),
            wrapup_ms: DEFAULT_WRAPUP_MS.min(pitch_ms),
        })];
        if !self.rubric.is_empty() {
            commands.push(Command::Jury(JuryCommand::SetRubric {
                criteria: self.rubric.clone(),
            }));
        }
        for label in &self.labels {
            commands.push(Command::Award(AwardCommand::Define {
                id: label.id.clone(),
                name: super::awards::award_name(&label.name)?,
                description: label.description.clone(),
                unique: label.unique,
            }));
        }
        for challenge in &self.challenges {
            commands.push(Command::Program(ProgramCommand::AddChallenge {
                title: ChallengeText::title(&challenge.title)?,
                description: ChallengeText::description(&challenge.description)?,
            }));
        }
        Ok(commands)
    }

    /// The template an event has now (after its moderators' edits).
    pub fn of(state: &EventState) -> EventTemplate {
        EventTemplate {
            pitch_seconds: u32::try_from(state.show.pitch_ms / 1000).unwrap_or(u32::MAX),
            qa_seconds: u32::try_from(state.show.qa_ms / 1000).unwrap_or(u32::MAX),
            rubric: state.jury.rubric.criteria.clone(),
            labels: state
                .awards
                .awards
                .iter()
                .map(|a| LabelSpec {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    description: a.description.clone(),
                    unique: a.unique,
                })
                .collect(),
            challenges: state
                .program
                .challenges
                .values()
                .map(|c| ChallengeSpec {
                    title: c.title.clone(),
                    description: c.description.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> EventSettings {
        EventSettings::new("Hackathon Donnée en Région", "donnee-region")
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(valid().validate(), Ok(()));
    }

    #[test]
    fn each_bad_field_is_named() {
        type Case = (fn(&mut EventSettings), &'static str, &'static str);
        let cases: Vec<Case> = vec![
            (|s| s.title = " ".into(), "title", "invalid_title"),
            (|s| s.slug = "Bad Slug".into(), "slug", "invalid_slug"),
            (|s| s.slug = "-x".into(), "slug", "invalid_slug"),
            (|s| s.slug = String::new(), "slug", "invalid_slug"),
            (
                |s| s.time_zone = "Mars/Olympus".into(),
                "time_zone",
                "unknown_time_zone",
            ),
            (|s| s.languages = vec![], "languages", "invalid_language"),
            (
                |s| s.languages = vec!["fr".into(), "fr".into()],
                "languages",
                "invalid_language",
            ),
            (
                |s| s.languages = vec!["de".into()],
                "languages",
                "invalid_language",
            ),
            (
                |s| s.starts_on = Some("2026-02-30".into()),
                "starts_on",
                "invalid_date",
            ),
            (
                |s| s.ends_on = Some("31/12/2026".into()),
                "ends_on",
                "invalid_date",
            ),
            (
                |s| {
                    s.starts_on = Some("2026-12-02".into());
                    s.ends_on = Some("2026-12-01".into());
                },
                "ends_on",
                "dates_out_of_order",
            ),
            (|s| s.capacity = Some(0), "capacity", "invalid_capacity"),
            (|s| s.team_size = 0, "team_size", "invalid_team_size"),
            (
                |s| s.retention_days = Some(0),
                "retention_days",
                "invalid_retention",
            ),
            (|s| s.map = "../etc".into(), "map", "invalid_map"),
        ];
        for (change, field, code) in cases {
            let mut settings = valid();
            change(&mut settings);
            let err = settings.validate().expect_err(field);
            assert_eq!((err.field(), err.code()), (field, code), "{err}");
            assert!(err.to_string().starts_with(field), "{err}");
        }
    }

    #[test]
    fn dates_in_order_and_leap_days_pass() {
        let mut settings = valid();
        settings.starts_on = Some("2028-02-29".into());
        settings.ends_on = Some("2028-02-29".into());
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn slug_and_map_are_fixed_after_creation() {
        let current = valid();
        let mut next = valid();
        next.title = "Autre titre".into();
        assert_eq!(current.validate_change(&next), Ok(()));
        next.slug = "autre".into();
        assert_eq!(
            current.validate_change(&next).map_err(|e| e.code()),
            Err("slug_fixed")
        );
        let mut next = valid();
        next.map = "campus".into();
        assert_eq!(
            current.validate_change(&next).map_err(|e| e.code()),
            Err("invalid_map")
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = r#"{"title":"T","slug":"t","capacitee":3}"#;
        assert!(serde_json::from_str::<EventSettings>(text).is_err());
    }

    #[test]
    fn settings_stored_before_the_floor_let_jurors_speak_in_qa() {
        let old = r#"{"title":"T","slug":"t"}"#;
        let settings: EventSettings = serde_json::from_str(old).unwrap();
        assert!(settings.jurors_speak_in_qa);
        let off = r#"{"title":"T","slug":"t","jurors_speak_in_qa":false}"#;
        let settings: EventSettings = serde_json::from_str(off).unwrap();
        assert!(!settings.jurors_speak_in_qa);
    }
}
