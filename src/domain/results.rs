//! The results of an event as open data: a JSON document (serde) and CSV.
//!
//! [`Results`] gathers teams and their challenge, the rubric, every score
//! per criterion and juror, the ranking (raw and normalized), the people's
//! choice and the labels. It is a plain value built from the state, so the
//! HTTP export and the CLI produce the same bytes.
//!
//! Two CSV tables, both UTF-8, comma-separated, CRLF line ends (RFC 4180):
//! - [`Results::to_csv`]: the long "scores" table, one row per team × juror
//!   × criterion, with the team's ranking columns repeated on each row (a
//!   team nobody scored has one row with empty juror and criterion columns).
//!   This is the shape spreadsheet pivot tables and data tools expect.
//! - [`Results::ranking_csv`]: one row per team, in rank order.
//!
//! Fields containing a comma, a quote, a line break or surrounding spaces
//! are quoted, quotes doubled. Free-text fields (names, labels) that begin
//! with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'`, so a
//! spreadsheet never runs a team name as a formula.

use super::awards::Awards;
use super::ids::{MemberId, Millis, TeamId};
use super::jury::{Criterion, Jury};
use super::leaderboard::{Standings, rank};
use super::votes::Votes;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The forms of the results export, the same over HTTP and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    /// One row per team × juror × criterion.
    Csv,
    /// One row per team.
    RankingCsv,
}

impl ExportFormat {
    /// The names a client or an operator may use; `ranking.csv` and
    /// `ranking-csv` are the same.
    pub const NAMES: &'static str = "json, csv, ranking.csv or ranking-csv";

    /// The format called `name`, if any.
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name {
            "json" => Some(ExportFormat::Json),
            "csv" => Some(ExportFormat::Csv),
            "ranking.csv" | "ranking-csv" => Some(ExportFormat::RankingCsv),
            _ => None,
        }
    }

    /// The HTTP content type of the body.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Csv | ExportFormat::RankingCsv => "text/csv; charset=utf-8",
        }
    }
}

/// A challenge, as the results name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeRef {
    pub id: u32,
    pub title: String,
}

/// A team as given to [`Results::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamInfo {
    pub id: TeamId,
    pub name: String,
    pub challenge: Option<ChallengeRef>,
}

/// A juror as given to [`Results::build`]. The caller decides what name the
/// open data shows (a real name, or "Juré 1" to anonymize).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JurorInfo {
    pub id: MemberId,
    pub name: String,
}

/// The columns describing a team, first in both CSV tables.
const TEAM_COLUMNS: [&str; 10] = [
    "rank",
    "team_id",
    "team",
    "challenge",
    "score",
    "raw_score",
    "normalized_score",
    "jurors",
    "votes",
    "labels",
];

/// The columns of one score, after the team's in the long table.
const SCORE_COLUMNS: [&str; 7] = [
    "juror_id",
    "juror",
    "criterion",
    "criterion_label",
    "weight",
    "max",
    "value",
];

/// Everything the results are built from.
#[derive(Debug, Clone, Copy)]
pub struct ResultsInput<'a> {
    pub event_id: &'a str,
    pub title: &'a str,
    /// When the export was made (server time).
    pub generated_at: Millis,
    pub teams: &'a [TeamInfo],
    pub jurors: &'a [JurorInfo],
    pub jury: &'a Jury,
    pub votes: &'a Votes,
    pub awards: &'a Awards,
    /// Rank by normalized scores (the leaderboard's setting).
    pub normalize: bool,
}

/// One team's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamResult {
    pub rank: u32,
    pub id: TeamId,
    pub name: String,
    pub challenge: Option<ChallengeRef>,
    /// The ranking score (normalized if `ranked_by_normalized`).
    pub score: Option<f64>,
    pub raw_score: Option<f64>,
    pub normalized_score: Option<f64>,
    /// Jurors who scored every criterion.
    pub jurors: u32,
    /// People's-choice votes.
    pub votes: u32,
    /// Names of the labels the team holds.
    pub labels: Vec<String>,
}

/// One score: a juror's points for a team on a criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreResult {
    pub team: TeamId,
    pub juror: MemberId,
    pub juror_name: String,
    pub criterion: String,
    pub value: u8,
    pub max: u8,
}

/// A label and its holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardResult {
    pub id: String,
    pub name: String,
    pub description: String,
    pub teams: Vec<TeamId>,
}

/// The complete results of an event. Serialized as the JSON export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub event: String,
    pub title: String,
    pub generated_at: Millis,
    /// Whether judging was closed (scores final) at export time.
    pub final_scores: bool,
    pub ranked_by_normalized: bool,
    pub criteria: Vec<Criterion>,
    /// Teams in rank order.
    pub teams: Vec<TeamResult>,
    /// Every score of a listed criterion for a listed team, by team (rank
    /// order), juror id, then criterion (rubric order).
    pub scores: Vec<ScoreResult>,
    pub awards: Vec<AwardResult>,
    /// Every question asked to the teams on stage, hidden ones marked (JSON
    /// only; filled by the event after [`Results::build`]).
    #[serde(default)]
    pub questions: Vec<crate::domain::questions::Question>,
}

impl Results {
    /// Builds the results from the state. Pure: same input, same output.
    pub fn build(input: &ResultsInput) -> Results {
        let team_ids: Vec<TeamId> = input.teams.iter().map(|t| t.id).collect();
        let standings = Standings {
            jury: input.jury,
            teams: &team_ids,
            votes: input.votes,
            awards: input.awards,
        };
        let rows = rank(&standings, input.normalize);
        let award_name = |id: &String| {
            input
                .awards
                .get(id)
                .map_or_else(|| id.clone(), |a| a.name.clone())
        };
        let info = |id: TeamId| input.teams.iter().find(|t| t.id == id);
        let juror_name = |id: MemberId| {
            input
                .jurors
                .iter()
                .find(|j| j.id == id)
                .map_or_else(|| format!("juror {id}"), |j| j.name.clone())
        };
        let teams: Vec<TeamResult> = rows
            .iter()
            .map(|r| {
                let t = info(r.team);
                TeamResult {
                    rank: r.rank,
                    id: r.team,
                    name: t.map_or_else(|| format!("team {}", r.team), |t| t.name.clone()),
                    challenge: t.and_then(|t| t.challenge.clone()),
                    score: r.score,
                    raw_score: r.raw,
                    normalized_score: r.normalized,
                    jurors: r.jurors,
                    votes: r.votes,
                    labels: r.labels.iter().map(award_name).collect(),
                }
            })
            .collect();
        let mut scores = Vec::new();
        for row in &rows {
            for (juror, sheets) in &input.jury.scores {
                let Some(sheet) = sheets.get(&row.team) else {
                    continue;
                };
                for c in &input.jury.rubric.criteria {
                    if let Some(value) = sheet.get(&c.id) {
                        scores.push(ScoreResult {
                            team: row.team,
                            juror: *juror,
                            juror_name: juror_name(*juror),
                            criterion: c.id.clone(),
                            value: *value,
                            max: c.max,
                        });
                    }
                }
            }
        }
        Results {
            event: input.event_id.to_string(),
            title: input.title.to_string(),
            generated_at: input.generated_at,
            final_scores: !input.jury.judging_open,
            ranked_by_normalized: input.normalize,
            criteria: input.jury.rubric.criteria.clone(),
            teams,
            scores,
            awards: input
                .awards
                .awards
                .iter()
                .map(|a| AwardResult {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    description: a.description.clone(),
                    teams: a.teams.clone(),
                })
                .collect(),
            questions: Vec::new(),
        }
    }

    /// The export in `format`, as the HTTP API and `amphi export` give it.
    pub fn render(&self, format: ExportFormat) -> Result<String, serde_json::Error> {
        Ok(match format {
            ExportFormat::Json => self.to_json()? + "\n",
            ExportFormat::Csv => self.to_csv(),
            ExportFormat::RankingCsv => self.ranking_csv(),
        })
    }

    /// The JSON export, pretty-printed.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// The long scores table: one row per team × juror × criterion.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header = TEAM_COLUMNS
            .iter()
            .chain(&SCORE_COLUMNS)
            .map(|c| Cow::Borrowed(*c));
        line(&mut out, &header.collect::<Vec<_>>());
        for team in &self.teams {
            let team_cols = team_columns(team);
            let mut any = false;
            for s in self.scores.iter().filter(|s| s.team == team.id) {
                any = true;
                let criterion = self.criteria.iter().find(|c| c.id == s.criterion);
                let mut cols = team_cols.clone();
                cols.extend([
                    Cow::Owned(s.juror.to_string()),
                    text(&s.juror_name),
                    text(&s.criterion),
                    criterion.map_or(Cow::Borrowed(""), |c| text(&c.label)),
                    Cow::Owned(criterion.map_or(String::new(), |c| c.weight.to_string())),
                    Cow::Owned(s.max.to_string()),
                    Cow::Owned(s.value.to_string()),
                ]);
                line(&mut out, &cols);
            }
            if !any {
                let mut cols = team_cols;
                cols.extend(std::iter::repeat_n(Cow::Borrowed(""), SCORE_COLUMNS.len()));
                line(&mut out, &cols);
            }
        }
        out
    }

    /// The ranking table: one row per team, in rank order.
    pub fn ranking_csv(&self) -> String {
        let mut out = String::new();
        line(&mut out, &TEAM_COLUMNS.map(Cow::Borrowed));
        for team in &self.teams {
            line(&mut out, &team_columns(team));
        }
        out
    }
}

fn team_columns(team: &TeamResult) -> Vec<Cow<'_, str>> {
    vec![
        Cow::Owned(team.rank.to_string()),
        Cow::Owned(team.id.to_string()),
        text(&team.name),
        team.challenge
            .as_ref()
            .map_or(Cow::Borrowed(""), |c| text(&c.title)),
        number(team.score),
        number(team.raw_score),
        number(team.normalized_score),
        Cow::Owned(team.jurors.to_string()),
        Cow::Owned(team.votes.to_string()),
        Cow::Owned(
            team.labels
                .iter()
                .map(|l| text(l).into_owned())
                .collect::<Vec<_>>()
                .join("; "),
        ),
    ]
}

fn number(x: Option<f64>) -> Cow<'static, str> {
    x.map_or(Cow::Borrowed(""), |x| Cow::Owned(x.to_string()))
}

/// Free text, defused against spreadsheet formulas.
fn text(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Appends one CSV record, quoting fields as RFC 4180 requires.
fn line(out: &mut String, fields: &[Cow<'_, str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(f));
    }
    out.push_str("\r\n");
}

/// One CSV field: quoted (quotes doubled) when it holds a comma, a quote, a
/// line break, or leading/trailing whitespace; as is otherwise.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    let needs_quotes = s.contains([',', '"', '\n', '\r'])
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace);
    if needs_quotes {
        let mut q = String::with_capacity(s.len() + 2);
        q.push('"');
        for c in s.chars() {
            if c == '"' {
                q.push('"');
            }
            q.push(c);
        }
        q.push('"');
        Cow::Owned(q)
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::awards::AwardCommand;
    use crate::domain::jury::JuryCommand;
    use crate::domain::votes::VoteCommand;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("Données, ouvertes"), "\"Données, ouvertes\"");
        assert_eq!(csv_field("le \"meilleur\""), "\"le \"\"meilleur\"\"\"");
        assert_eq!(csv_field("ligne 1\nligne 2"), "\"ligne 1\nligne 2\"");
        assert_eq!(csv_field("a\r\nb"), "\"a\r\nb\"");
        assert_eq!(csv_field(" espace"), "\" espace\"");
        assert_eq!(csv_field("Équipe Cœur"), "Équipe Cœur");
        assert_eq!(csv_field(""), "");
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("-1"), "'-1");
        assert_eq!(text("Zoé"), "Zoé");
        let mut out = String::new();
        line(&mut out, &[Cow::Borrowed("a,b"), Cow::Borrowed("c")]);
        assert_eq!(out, "\"a,b\",c\r\n");
    }

    fn fixture() -> (Vec<TeamInfo>, Vec<JurorInfo>, Jury, Votes, Awards) {
        let teams = vec![
            TeamInfo {
                id: TeamId(1),
                name: "Les \"Datas\", unies".into(),
                challenge: Some(ChallengeRef {
                    id: 1,
                    title: "Mobilité\ndouce".into(),
                }),
            },
            TeamInfo {
                id: TeamId(2),
                name: "=cmd".into(),
                challenge: None,
            },
            TeamInfo {
                id: TeamId(3),
                name: "Équipe sans note".into(),
                challenge: None,
            },
        ];
        let jurors = vec![
            JurorInfo {
                id: MemberId(10),
                name: "Zoé".into(),
            },
            JurorInfo {
                id: MemberId(11),
                name: "Marc".into(),
            },
        ];
        let mut jury = Jury::default();
        let any = |_| true;
        jury.apply(
            MemberId(10),
            &JuryCommand::SetRubric {
                criteria: vec![
                    Criterion::new("impact", "Impact, social", 2.0),
                    Criterion::new("pitch", "Pitch", 1.0),
                ],
            },
            any,
        )
        .unwrap();
        jury.apply(MemberId(10), &JuryCommand::OpenJudging, any)
            .unwrap();
        for (juror, team, impact, pitch) in [(10, 1, 6, 9), (11, 1, 8, 5), (10, 2, 9, 9)] {
            for (c, v) in [("impact", impact), ("pitch", pitch)] {
                jury.apply(
                    MemberId(juror),
                    &JuryCommand::Score {
                        team: TeamId(team),
                        criterion: c.into(),
                        value: v,
                    },
                    any,
                )
                .unwrap();
            }
        }
        jury.apply(MemberId(10), &JuryCommand::CloseJudging, any)
            .unwrap();
        let mut votes = Votes::default();
        votes
            .apply(MemberId(1), None, &VoteCommand::Open, any)
            .unwrap();
        votes
            .apply(
                MemberId(1),
                None,
                &VoteCommand::Cast { team: TeamId(1) },
                any,
            )
            .unwrap();
        let mut awards = Awards::suggested();
        awards
            .apply(
                &AwardCommand::Give {
                    award: "libris".into(),
                    team: TeamId(1),
                },
                any,
            )
            .unwrap();
        awards
            .apply(
                &AwardCommand::Give {
                    award: "coup_de_coeur".into(),
                    team: TeamId(1),
                },
                any,
            )
            .unwrap();
        (teams, jurors, jury, votes, awards)
    }

    #[test]
    fn export_content() {
        let (teams, jurors, jury, votes, awards) = fixture();
        let r = Results::build(&ResultsInput {
            event_id: "demo",
            title: "Hackathon",
            generated_at: 42,
            teams: &teams,
            jurors: &jurors,
            jury: &jury,
            votes: &votes,
            awards: &awards,
            normalize: false,
        });
        // Team 2: Zoé (2·9 + 9)/3 = 9. Team 1: Zoé (2·6 + 9)/3 = 7,
        // Marc (2·8 + 5)/3 = 7 → 7. Team 3 unscored, last.
        // Normalized: pool {9, 7, 7}, G_mean = 23/3 ≈ 7.666667,
        // G_sd = √(((4/3)² + 2·(2/3)²)/3) = √(8/9) ≈ 0.942809.
        // Zoé (m = 8, sd = 1): team 2 → 7.666667 + 0.942809 = 8.609476,
        // team 1 → 7.666667 − 0.942809 = 6.723858. Marc (one team):
        // 7 − 7 + 7.666667. Team 1 = (6.723858 + 7.666667)/2 = 7.195262.
        let order: Vec<_> = r.teams.iter().map(|t| (t.rank, t.id.0, t.score)).collect();
        assert_eq!(
            order,
            vec![(1, 2, Some(9.0)), (2, 1, Some(7.0)), (3, 3, None)]
        );
        assert_eq!(r.teams[1].labels, vec!["Libris", "Coup de cœur"]);
        assert_eq!(r.teams[1].votes, 1);
        assert_eq!(r.scores.len(), 6);
        assert!(r.final_scores);

        let csv = r.to_csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "rank,team_id,team,challenge,score,raw_score,normalized_score,jurors,votes,labels,juror_id,juror,criterion,criterion_label,weight,max,value"
        );
        assert_eq!(
            lines[1],
            "1,2,'=cmd,,9,9,8.6095,1,0,,10,Zoé,impact,\"Impact, social\",2,10,9"
        );
        assert_eq!(
            lines[3],
            "2,1,\"Les \"\"Datas\"\", unies\",\"Mobilité\ndouce\",7,7,7.1953,2,1,Libris; Coup de cœur,10,Zoé,impact,\"Impact, social\",2,10,6"
        );
        // 6 scores + 1 row for the unscored team + header, then the final CRLF.
        assert_eq!(lines.len(), 9);
        assert_eq!(lines[7], "3,3,Équipe sans note,,,,,0,0,,,,,,,,");
        assert_eq!(lines[8], "");

        let ranking = r.ranking_csv();
        // Header and 3 teams; the quoted line break inside a field is a bare LF.
        assert_eq!(ranking.matches("\r\n").count(), 4);

        // JSON round trip.
        let json = r.to_json().unwrap();
        let back: Results = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        assert!(json.contains("\"ranked_by_normalized\": false"));
    }
}
