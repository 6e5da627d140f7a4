//! The public gallery: the project pages anyone may see, with their labels
//! and links, as JSON, CSV and a DCAT-AP description for open-data portals.
//!
//! What is public is decided in one place, [`Event::in_gallery`]: a page is
//! shown once the results are published, or as soon as its team opts in.
//! The gallery carries no juror data: no score, no juror, no rank.

use super::event::Event;
use super::ids::{Millis, TeamId};
use super::projects::{ProjectPage, StoredFile, licence};
use super::results::csv_field;
use serde::{Deserialize, Serialize};

/// A challenge, by id and title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryChallenge {
    pub id: u32,
    pub title: String,
}

/// One project as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryProject {
    pub team: u32,
    pub team_name: String,
    pub name: String,
    pub summary: String,
    pub challenge: Option<GalleryChallenge>,
    pub repository: Option<String>,
    pub licence: Option<String>,
    pub licence_name: Option<String>,
    pub osi_approved: bool,
    pub datasets: Vec<String>,
    pub demo: Option<String>,
    /// Paths (on this server) of the slides and screenshots.
    pub slides: Option<String>,
    pub screenshots: Vec<String>,
    /// The names of the labels and awards the team holds.
    pub awards: Vec<String>,
}

/// The gallery of one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gallery {
    pub event: String,
    pub title: String,
    pub generated_at: Millis,
    /// The results are published (every page is shown).
    pub results_published: bool,
    pub projects: Vec<GalleryProject>,
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "team",
    "team_name",
    "name",
    "summary",
    "challenge",
    "repository",
    "licence",
    "osi_approved",
    "datasets",
    "demo",
    "slides",
    "screenshots",
    "awards",
];

impl Event {
    /// Whether the results are out: the event's lifecycle reached "results
    /// published" (or archived after it), or the moderator published the
    /// jury's scores.
    pub fn results_published(&self) -> bool {
        use super::lifecycle::EventPhase;
        matches!(self.state.phase, EventPhase::Results | EventPhase::Archived)
            || self.state.jury.published
    }

    /// Whether a team's page is public: results published, or the team
    /// opted in.
    pub fn in_gallery(&self, page: &ProjectPage) -> bool {
        self.results_published() || page.public
    }

    /// The public gallery as of `now`; `url` gives a stored file's path.
    pub fn gallery(&self, now: Millis, url: impl Fn(&StoredFile) -> String) -> Gallery {
        let state = &self.state;
        let projects = state
            .projects
            .pages
            .iter()
            .filter(|(_, page)| self.in_gallery(page))
            .filter_map(|(team, page)| {
                let found = self.team(*team)?;
                Some(self.gallery_project(*team, &found.name, page, &url))
            })
            .collect();
        Gallery {
            event: state.id.clone(),
            title: state.title.clone(),
            generated_at: now,
            results_published: self.results_published(),
            projects,
        }
    }

    fn gallery_project(
        &self,
        team: TeamId,
        team_name: &str,
        page: &ProjectPage,
        url: &impl Fn(&StoredFile) -> String,
    ) -> GalleryProject {
        let fields = &page.fields;
        let known = fields.licence.as_deref().and_then(|id| licence(id).ok());
        let challenge = fields
            .challenge
            .and_then(|id| self.state.program.challenges.get(&id))
            .map(|c| GalleryChallenge {
                id: c.id,
                title: c.title.clone(),
            });
        let awards = self
            .state
            .awards
            .awards
            .iter()
            .filter(|a| a.teams.contains(&team))
            .map(|a| a.name.clone())
            .collect();
        GalleryProject {
            team: team.0,
            team_name: team_name.to_string(),
            name: if fields.name.is_empty() {
                team_name.to_string()
            } else {
                fields.name.clone()
            },
            summary: fields.summary.clone(),
            challenge,
            repository: fields.repository.clone(),
            licence: fields.licence.clone(),
            licence_name: known.map(|l| l.name.to_string()),
            osi_approved: known.is_some_and(|l| l.osi_approved),
            datasets: fields.datasets.clone(),
            demo: fields.demo.clone(),
            slides: page.slides.as_ref().map(url),
            screenshots: page.screenshots.iter().map(url).collect(),
            awards,
        }
    }
}

impl Gallery {
    /// RFC 4180 CSV (UTF-8, CRLF), one row per project, [`CSV_COLUMNS`];
    /// lists are joined with a space (URLs) or " | " (award names).
    pub fn csv(&self) -> String {
        let mut out = CSV_COLUMNS.join(",");
        out.push_str("\r\n");
        for p in &self.projects {
            let opt = |v: &Option<String>| v.clone().unwrap_or_default();
            let row = [
                p.team.to_string(),
                p.team_name.clone(),
                p.name.clone(),
                p.summary.clone(),
                p.challenge
                    .as_ref()
                    .map(|c| c.title.clone())
                    .unwrap_or_default(),
                opt(&p.repository),
                opt(&p.licence),
                p.osi_approved.to_string(),
                p.datasets.join(" "),
                opt(&p.demo),
                opt(&p.slides),
                p.screenshots.join(" "),
                p.awards.join(" | "),
            ];
            let fields: Vec<String> = row.iter().map(|f| csv_field(f).into_owned()).collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// A DCAT-AP description (JSON-LD) of the gallery as a data set with its
    /// two distributions, for an open-data portal. `base` is the server's
    /// public URL (no trailing slash); `publisher` the organizer's name.
    pub fn dcat(&self, base: &str, publisher: &str) -> serde_json::Value {
        let api = format!("{base}/api/events/{}", self.event);
        let page = format!("{base}/e/{}/gallery", self.event);
        let issued = iso_date(self.generated_at);
        serde_json::json!({
            "@context": {
                "dcat": "http://www.w3.org/ns/dcat#",
                "dct": "http://purl.org/dc/terms/",
                "foaf": "http://xmlns.com/foaf/0.1/",
                "xsd": "http://www.w3.org/2001/XMLSchema#"
            },
            "@id": format!("{api}/gallery.dcat.json"),
            "@type": "dcat:Dataset",
            "dct:title": [
                {"@language": "fr", "@value": format!("Projets — {}", self.title)},
                {"@language": "en", "@value": format!("Projects — {}", self.title)}
            ],
            "dct:description": [
                {"@language": "fr", "@value": format!("Les projets de l’événement « {} » : résumé, défi, dépôt, licence, jeux de données utilisés, démonstration, prix et labels.", self.title)},
                {"@language": "en", "@value": format!("The projects of the event “{}”: summary, challenge, repository, licence, data sets used, demo, awards and labels.", self.title)}
            ],
            "dct:identifier": format!("{api}/gallery"),
            "dct:publisher": {"@type": "foaf:Agent", "foaf:name": publisher},
            "dct:issued": {"@type": "xsd:date", "@value": issued},
            "dct:modified": {"@type": "xsd:date", "@value": issued},
            "dct:language": [
                {"@id": "http://publications.europa.eu/resource/authority/language/FRA"},
                {"@id": "http://publications.europa.eu/resource/authority/language/ENG"}
            ],
            "dct:license": {"@id": METADATA_LICENCE},
            "dcat:landingPage": {"@id": page},
            "dcat:keyword": ["hackathon", "open source", "open data"],
            "dcat:distribution": [
                distribution(&format!("{api}/gallery.json"), "application/json", "JSON"),
                distribution(&format!("{api}/gallery.csv"), "text/csv", "CSV")
            ]
        })
    }
}

/// The licence of the gallery's metadata and data: Etalab's Licence Ouverte
/// 2.0, the licence French public open data is published under.
pub const METADATA_LICENCE: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";

fn distribution(url: &str, media_type: &str, format: &str) -> serde_json::Value {
    serde_json::json!({
        "@type": "dcat:Distribution",
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dcat:mediaType": {"@id": format!("https://www.iana.org/assignments/media-types/{media_type}")},
        "dct:format": {"@id": format!("http://publications.europa.eu/resource/authority/file-type/{format}")},
        "dct:license": {"@id": METADATA_LICENCE}
    })
}

/// `YYYY-MM-DD` (UTC) of a time in milliseconds since the epoch.
fn iso_date(ms: Millis) -> String {
    let days = (ms / 86_400_000) as i64;
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::awards::AwardCommand;
    use crate::domain::command::Command;
    use crate::domain::jury::JuryCommand;
    use crate::domain::projects::{ProjectCommand, ProjectFields};
    use crate::domain::role::Role;
    use crate::domain::teams::tests::{event, join};

    fn url(f: &StoredFile) -> String {
        format!("/f/{}", f.sha256)
    }

    #[test]
    fn pages_are_public_after_publication_or_by_opt_in() {
        let mut e = event();
        let m = join(&mut e, "Mod", Role::Moderator);
        let a = join(&mut e, "Ada", Role::Participant);
        let b = join(&mut e, "Bob", Role::Participant);
        for (who, team) in [(a, "Cartes"), (b, "Bancs")] {
            let create = Command::CreateTeam {
                name: team.into(),
                challenge: None,
            };
            e.apply(Some(who), &create, 0).unwrap();
            let fields = ProjectFields {
                name: format!("Projet {team}"),
                licence: Some("MIT".into()),
                ..ProjectFields::default()
            };
            e.apply(
                Some(who),
                &Command::Project(ProjectCommand::Update {
                    fields: crate::domain::projects::CheckedFields::parse(&fields).unwrap(),
                }),
                0,
            )
            .unwrap();
        }
        assert!(e.gallery(0, url).projects.is_empty());
        let opt_in = Command::Project(ProjectCommand::SetPublic { public: true });
        e.apply(Some(a), &opt_in, 0).unwrap();
        let names: Vec<String> = e
            .gallery(0, url)
            .projects
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, vec!["Projet Cartes"]);
        let define = Command::Award(AwardCommand::Define {
            id: "libris".into(),
            name: "Libris".into(),
            description: String::new(),
            unique: false,
        });
        e.apply(Some(m), &define, 0).unwrap();
        let team_b = e.member(b).unwrap().team.unwrap();
        let give = Command::Award(AwardCommand::Give {
            award: "libris".into(),
            team: team_b,
        });
        e.apply(Some(m), &give, 0).unwrap();
        e.apply(Some(m), &Command::Jury(JuryCommand::Publish), 0)
            .unwrap();
        let gallery = e.gallery(86_400_000 * 365, url);
        assert!(gallery.results_published);
        assert_eq!(gallery.projects.len(), 2);
        let bancs = &gallery.projects[1];
        assert_eq!(bancs.awards, vec!["Libris"]);
        assert!(bancs.osi_approved);
        let csv = gallery.csv();
        assert!(csv.starts_with("team,team_name,name,summary,challenge,"));
        assert_eq!(csv.lines().count(), 3);
        let dcat = gallery.dcat("https://amphi.example.org", "Ville de Test");
        assert_eq!(dcat["dct:issued"]["@value"], "1971-01-01");
        assert_eq!(
            dcat["dcat:distribution"][1]["dcat:downloadURL"]["@id"],
            "https://amphi.example.org/api/events/t/gallery.csv"
        );
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(1_795_600_000_000), "2026-11-25");
        assert_eq!(iso_date(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn the_lifecycle_publishing_results_opens_the_gallery() {
        use crate::domain::lifecycle::EventPhase;
        let mut event = crate::domain::teams::tests::event();
        assert!(!event.results_published());
        event.state.phase = EventPhase::Judging;
        assert!(!event.results_published(), "judging is not published");
        event.state.phase = EventPhase::Results;
        assert!(event.results_published());
        event.state.phase = EventPhase::Archived;
        assert!(event.results_published());
    }
}
