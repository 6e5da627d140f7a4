//! `amphi event …`: what each subcommand asks of a running server's admin
//! API ([`super::client::AdminClient`]), and the text it prints.

use super::client::{AdminClient, ClientError};
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum EventAction {
    /// Every event: slug, phase, people, title.
    List,
    /// One event's settings and template, as JSON.
    Show { slug: String },
    /// A new event (phase draft); prints its moderator link once.
    Create(CreateArgs),
    /// A new event from another's settings, map and template (no people).
    Clone {
        slug: String,
        #[arg(long)]
        new_slug: String,
        #[arg(long)]
        title: String,
    },
    /// Move an event to a phase: draft, registration, live, judging,
    /// results (archive with `archive`).
    Phase { slug: String, phase: String },
    /// Make an event read-only, for good.
    Archive { slug: String },
    /// Stop an event and delete its data.
    Delete { slug: String },
}

#[derive(Debug, Clone, clap::Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub slug: String,
    /// The venue map: default (the server's map), a shipped map (campus),
    /// or a Tiled map file (.tmj) to upload. (`--map` is the server's own.)
    #[arg(long, default_value = "default")]
    pub venue: String,
    #[arg(long, default_value = "Europe/Paris")]
    pub time_zone: String,
    /// Languages, default first: fr,en.
    #[arg(long, default_value = "fr,en", value_delimiter = ',')]
    pub languages: Vec<String>,
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    pub starts_on: Option<String>,
    /// Last day, YYYY-MM-DD.
    #[arg(long)]
    pub ends_on: Option<String>,
    #[arg(long)]
    pub capacity: Option<u32>,
    #[arg(long, default_value_t = 7)]
    pub team_size: u32,
    #[arg(long)]
    pub invite_only: bool,
    /// A JSON file with the template: pitch_seconds, qa_seconds, rubric,
    /// labels, challenges.
    #[arg(long)]
    pub template: Option<PathBuf>,
}

/// Runs `action` against `server` with the operator `token`; the text to
/// print (one line an event for `list`, the server's JSON answer otherwise).
pub async fn run(server: &str, token: &str, action: EventAction) -> Result<String, ClientError> {
    let client = AdminClient::new(server, token)?;
    let path = |slug: &str, tail: &str| format!("/api/admin/events/{slug}{tail}");
    let answer = match action {
        EventAction::List => {
            let list = client.call("GET", "/api/admin/events", None).await?;
            return Ok(list["events"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|event| {
                    format!(
                        "{}\t{}\t{} people\t{}\n",
                        event["id"].as_str().unwrap_or_default(),
                        event["phase"].as_str().unwrap_or_default(),
                        event["members"],
                        event["title"].as_str().unwrap_or_default()
                    )
                })
                .collect());
        }
        EventAction::Show { slug } => client.call("GET", &path(&slug, ""), None).await?,
        EventAction::Create(create) => {
            let body = create_body(&create)?;
            client
                .call("POST", "/api/admin/events", Some(&body))
                .await?
        }
        EventAction::Clone {
            slug,
            new_slug,
            title,
        } => {
            let body = json!({ "title": title, "slug": new_slug });
            client
                .call("POST", &path(&slug, "/clone"), Some(&body))
                .await?
        }
        EventAction::Phase { slug, phase } => {
            let body = json!({ "phase": phase });
            client
                .call("POST", &path(&slug, "/phase"), Some(&body))
                .await?
        }
        EventAction::Archive { slug } => {
            client.call("POST", &path(&slug, "/archive"), None).await?
        }
        EventAction::Delete { slug } => {
            client.call("DELETE", &path(&slug, ""), None).await?;
            return Ok(format!("deleted {slug}\n"));
        }
    };
    let text =
        serde_json::to_string_pretty(&answer).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
    Ok(format!("{text}\n"))
}

/// The `POST /api/admin/events` body: the settings, the template file's
/// JSON, and a Tiled map file with its tilesets when `--venue` names one.
fn create_body(create: &CreateArgs) -> Result<Value, ClientError> {
    let venue = &create.venue;
    let (map, map_tmj, map_files) = if venue.ends_with(".tmj") || venue.ends_with(".json") {
        let (text, files) = super::client::read_map_upload(std::path::Path::new(venue))?;
        ("uploaded".to_string(), Some(text), files)
    } else {
        (venue.clone(), None, Default::default())
    };
    let template: Option<Value> = match &create.template {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ClientError::File {
                path: path.display().to_string(),
                source,
            })?;
            Some(
                serde_json::from_str(&text).map_err(|e| ClientError::BadTemplate {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?,
            )
        }
        None => None,
    };
    Ok(json!({
        "settings": {
            "title": create.title, "slug": create.slug, "map": map,
            "time_zone": create.time_zone, "languages": create.languages,
            "starts_on": create.starts_on, "ends_on": create.ends_on,
            "capacity": create.capacity, "team_size": create.team_size,
            "invite_only": create.invite_only,
        },
        "template": template,
        "map_tmj": map_tmj,
        "map_files": map_files,
    }))
}
