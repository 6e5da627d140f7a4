//! The jury: the rubric the moderator sets, the scores jurors give, and
//! whether judging is open and the detailed scores published.
//!
//! A juror scores each team on every criterion of the rubric (integers from 0
//! to the criterion's `max`) and can change a score as long as judging is
//! open. Ranking from these scores lives in [`super::leaderboard`].
//!
//! Two publication gates exist, on purpose separate:
//! - the **ranking** (ranks and team scores) becomes public when the
//!   moderator moves the leaderboard out of `hidden` (see `docs/judging.md`);
//! - the **detailed scores** (per juror and criterion, the open-data export)
//!   become public only when the moderator publishes them here
//!   ([`JuryCommand::Publish`]), which requires judging to be closed.
//!
//! Weights are `f64` but are kept to a thousandth (see [`round_weight`]) so
//! they survive the JSON snapshots and journal exactly; that also lets
//! [`Criterion`] be `Eq` like the rest of the durable state.

use super::ids::{MemberId, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Largest weight of one criterion.
pub const MAX_WEIGHT: f64 = 100.0;
/// Largest `max` of a criterion (points).
pub const MAX_POINTS: u8 = 100;
/// Most criteria in a rubric.
pub const MAX_CRITERIA: usize = 20;
/// Longest criterion id (a slug), in characters.
pub const MAX_CRITERION_ID_CHARS: usize = 32;
/// Longest criterion label, in characters.
pub const MAX_CRITERION_LABEL_CHARS: usize = 60;

/// One thing jurors score, e.g. "Impact".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable slug (`[a-z0-9_]`), used in commands and exports.
    pub id: String,
    /// Shown to jurors and in the results.
    pub label: String,
    /// Relative weight, `>= 0`; weights are normalised by their sum.
    pub weight: f64,
    /// Highest score (the lowest is 0).
    pub max: u8,
}

/// Equality compares weights bit for bit (`total_cmp`), so it is reflexive
/// and `Criterion` can be `Eq` inside the durable state.
impl PartialEq for Criterion {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.label == other.label
            && self.weight.total_cmp(&other.weight).is_eq()
            && self.max == other.max
    }
}

impl Eq for Criterion {}

impl Criterion {
    /// A criterion scored from 0 to 10.
    pub fn new(id: &str, label: &str, weight: f64) -> Criterion {
        Criterion {
            id: id.to_string(),
            label: label.to_string(),
            weight,
            max: 10,
        }
    }
}

/// The criteria of the jury's grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
}

impl Default for Rubric {
    /// The usual grid of French public-sector hackathons, equal weights, 0–10.
    fn default() -> Self {
        Rubric {
            criteria: vec![
                Criterion::new("impact", "Impact", 1.0),
                Criterion::new("innovation", "Innovation", 1.0),
                Criterion::new("feasibility", "Faisabilité", 1.0),
                Criterion::new("use_of_data", "Utilisation des données", 1.0),
                Criterion::new("pitch", "Pitch", 1.0),
            ],
        }
    }
}

impl Rubric {
    /// The criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// Sum of the weights (positive for a valid rubric).
    pub fn total_weight(&self) -> f64 {
        self.criteria.iter().map(|c| c.weight).sum()
    }

    /// Checks every rule of a rubric.
    pub fn validate(&self) -> Result<(), JuryError> {
        if self.criteria.is_empty() {
            return Err(JuryError::EmptyRubric);
        }
        if self.criteria.len() > MAX_CRITERIA {
            return Err(JuryError::TooManyCriteria(MAX_CRITERIA));
        }
        let mut ids = BTreeSet::new();
        for c in &self.criteria {
            let slug_ok = !c.id.is_empty()
                && c.id.chars().count() <= MAX_CRITERION_ID_CHARS
                && c.id
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !slug_ok {
                return Err(JuryError::InvalidCriterionId(c.id.clone()));
            }
            if !ids.insert(c.id.as_str()) {
                return Err(JuryError::DuplicateCriterion(c.id.clone()));
            }
            let label_len = c.label.trim().chars().count();
            if label_len == 0 || label_len > MAX_CRITERION_LABEL_CHARS {
                return Err(JuryError::InvalidCriterionLabel(c.id.clone()));
            }
            if !c.weight.is_finite() || c.weight < 0.0 || c.weight > MAX_WEIGHT {
                return Err(JuryError::WeightOutOfRange(c.id.clone()));
            }
            if c.max == 0 || c.max > MAX_POINTS {
                return Err(JuryError::MaxOutOfRange(c.id.clone()));
            }
        }
        let total: f64 = self.criteria.iter().map(|c| round_weight(c.weight)).sum();
        if total <= 0.0 {
            return Err(JuryError::WeightsSumToZero);
        }
        Ok(())
    }

    /// The rubric as stored: labels trimmed, weights kept to a thousandth.
    fn normalized(&self) -> Rubric {
        Rubric {
            criteria: self
                .criteria
                .iter()
                .map(|c| Criterion {
                    id: c.id.clone(),
                    label: c.label.trim().to_string(),
                    weight: round_weight(c.weight),
                    max: c.max,
                })
                .collect(),
        }
    }
}

/// Weights are kept to a thousandth: a value like `1.5` or `0.333` survives
/// a JSON round trip bit for bit, so a replayed journal and a snapshot agree.
pub fn round_weight(w: f64) -> f64 {
    (w * 1000.0).round() / 1000.0
}

/// One juror's scores for one team: criterion id → points.
pub type ScoreSheet = BTreeMap<String, u8>;

/// A change to the jury. The caller checks roles: `Score`/`ClearScore` are
/// for jurors, everything else for the moderator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum JuryCommand {
    /// Replace the rubric. Scores for criteria that keep their id are kept
    /// (unless above the new `max`); the others are dropped.
    SetRubric { criteria: Vec<Criterion> },
    /// The acting juror scores `team` on `criterion` (replaces a former score).
    Score {
        team: TeamId,
        criterion: String,
        value: u8,
    },
    /// The acting juror withdraws one of their scores.
    ClearScore { team: TeamId, criterion: String },
    /// Jurors may score. Idempotent.
    OpenJudging,
    /// Scores are final. Idempotent.
    CloseJudging,
    /// Make the detailed scores public (needs judging closed). Idempotent.
    Publish,
    /// Take the detailed scores back. Idempotent.
    Unpublish,
}

/// Why a jury command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum JuryError {
    #[error("the rubric needs at least one criterion")]
    EmptyRubric,
    #[error("a rubric has at most {0} criteria")]
    TooManyCriteria(usize),
    #[error("criterion id '{0}' must be 1 to 32 characters among a-z, 0-9 and _")]
    InvalidCriterionId(String),
    #[error("criterion '{0}' appears twice")]
    DuplicateCriterion(String),
    #[error("criterion '{0}' needs a label of 1 to 60 characters")]
    InvalidCriterionLabel(String),
    #[error("the weight of criterion '{0}' must be between 0 and 100")]
    WeightOutOfRange(String),
    #[error("the maximum of criterion '{0}' must be between 1 and 100")]
    MaxOutOfRange(String),
    #[error("the weights sum to zero")]
    WeightsSumToZero,
    #[error("no criterion is called '{0}'")]
    UnknownCriterion(String),
    #[error("no team has id {0}")]
    UnknownTeam(u32),
    #[error("{criterion} is scored from 0 to {max} (got {got})")]
    ScoreOutOfRange { criterion: String, max: u8, got: u8 },
    #[error("judging is closed")]
    JudgingClosed,
    #[error("judging is still open; close it first")]
    JudgingOpen,
    #[error("you have not scored team {team} on '{criterion}'")]
    NotScored { team: u32, criterion: String },
}

impl JuryError {
    /// Stable wire code: the variant's name in snake_case.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// What a successful command changed, so the hub knows whom to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JuryChange {
    /// Nothing (an idempotent command repeated).
    Nothing,
    /// The rubric changed; `dropped` scores no longer fit it.
    Rubric { dropped: usize },
    /// A juror's score for a team changed: the juror's progress and the
    /// leaderboard (staff view, and the public one when live) change.
    Score { juror: MemberId, team: TeamId },
    /// Judging was opened or closed.
    Judging { open: bool },
    /// The detailed scores were published or withdrawn.
    Publication { published: bool },
}

/// A juror's progress: teams fully scored and teams left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub scored: usize,
    pub remaining: usize,
}

/// The rubric, every score, and the judging switches. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Jury {
    pub rubric: Rubric,
    /// juror → team → criterion → points. Nested maps rather than a
    /// `(juror, team)` key because JSON object keys must be strings.
    pub scores: BTreeMap<MemberId, BTreeMap<TeamId, ScoreSheet>>,
    /// Jurors may score while open.
    pub judging_open: bool,
    /// The detailed scores are public.
    pub published: bool,
}

impl Jury {
    /// Checks a command from `actor` without changing anything.
    /// `team_exists` tells whether a team id is known in the event.
    pub fn check(
        &self,
        actor: MemberId,
        command: &JuryCommand,
        team_exists: impl Fn(TeamId) -> bool,
    ) -> Result<(), JuryError> {
        match command {
            JuryCommand::SetRubric { criteria } => Rubric {
                criteria: criteria.clone(),
            }
            .validate(),
            JuryCommand::Score {
                team,
                criterion,
                value,
            } => {
                if !self.judging_open {
                    return Err(JuryError::JudgingClosed);
                }
                if !team_exists(*team) {
                    return Err(JuryError::UnknownTeam(team.0));
                }
                let c = self
                    .rubric
                    .criterion(criterion)
                    .ok_or_else(|| JuryError::UnknownCriterion(criterion.clone()))?;
                if *value > c.max {
                    return Err(JuryError::ScoreOutOfRange {
                        criterion: criterion.clone(),
                        max: c.max,
                        got: *value,
                    });
                }
                Ok(())
            }
            JuryCommand::ClearScore { team, criterion } => {
                if !self.judging_open {
                    return Err(JuryError::JudgingClosed);
                }
                if self.score(actor, *team, criterion).is_none() {
                    return Err(JuryError::NotScored {
                        team: team.0,
                        criterion: criterion.clone(),
                    });
                }
                Ok(())
            }
            JuryCommand::Publish => {
                if self.judging_open {
                    Err(JuryError::JudgingOpen)
                } else {
                    Ok(())
                }
            }
            JuryCommand::OpenJudging | JuryCommand::CloseJudging | JuryCommand::Unpublish => Ok(()),
        }
    }

    /// Checks then applies a command from `actor` (the juror, for scores).
    /// On error nothing changed.
    pub fn apply(
        &mut self,
        actor: MemberId,
        command: &JuryCommand,
        team_exists: impl Fn(TeamId) -> bool,
    ) -> Result<JuryChange, JuryError> {
        self.check(actor, command, team_exists)?;
        Ok(match command {
            JuryCommand::SetRubric { criteria } => {
                self.rubric = Rubric {
                    criteria: criteria.clone(),
                }
                .normalized();
                let dropped = self.drop_misfits();
                JuryChange::Rubric { dropped }
            }
            JuryCommand::Score {
                team,
                criterion,
                value,
            } => {
                self.scores
                    .entry(actor)
                    .or_default()
                    .entry(*team)
                    .or_default()
                    .insert(criterion.clone(), *value);
                JuryChange::Score {
                    juror: actor,
                    team: *team,
                }
            }
            JuryCommand::ClearScore { team, criterion } => {
                if let Some(teams) = self.scores.get_mut(&actor) {
                    if let Some(sheet) = teams.get_mut(team) {
                        sheet.remove(criterion);
                        if sheet.is_empty() {
                            teams.remove(team);
                        }
                    }
                    if teams.is_empty() {
                        self.scores.remove(&actor);
                    }
                }
                JuryChange::Score {
                    juror: actor,
                    team: *team,
                }
            }
            JuryCommand::OpenJudging | JuryCommand::CloseJudging => {
                let open = *command == JuryCommand::OpenJudging;
                if self.judging_open == open {
                    JuryChange::Nothing
                } else {
                    self.judging_open = open;
                    JuryChange::Judging { open }
                }
            }
            JuryCommand::Publish | JuryCommand::Unpublish => {
                let published = *command == JuryCommand::Publish;
                if self.published == published {
                    JuryChange::Nothing
                } else {
                    self.published = published;
                    JuryChange::Publication { published }
                }
            }
        })
    }

    /// One score, if given.
    pub fn score(&self, juror: MemberId, team: TeamId, criterion: &str) -> Option<u8> {
        self.sheet(juror, team)?.get(criterion).copied()
    }

    /// A juror's scores for a team.
    pub fn sheet(&self, juror: MemberId, team: TeamId) -> Option<&ScoreSheet> {
        self.scores.get(&juror)?.get(&team)
    }

    /// Whether the juror scored every criterion of the rubric for the team:
    /// only complete sheets count in the ranking.
    pub fn is_complete(&self, juror: MemberId, team: TeamId) -> bool {
        self.sheet(juror, team).is_some_and(|sheet| {
            self.rubric
                .criteria
                .iter()
                .all(|c| sheet.contains_key(&c.id))
        })
    }

    /// A juror's progress over `teams` (the teams to judge): complete sheets
    /// and the rest.
    pub fn progress(&self, juror: MemberId, teams: &[TeamId]) -> Progress {
        let scored = teams
            .iter()
            .filter(|t| self.is_complete(juror, **t))
            .count();
        Progress {
            scored,
            remaining: teams.len() - scored,
        }
    }

    /// Every juror who gave at least one score.
    pub fn jurors(&self) -> impl Iterator<Item = MemberId> + '_ {
        self.scores.keys().copied()
    }

    /// Drops the scores given to a team that no longer exists.
    pub fn forget_team(&mut self, team: TeamId) -> bool {
        let mut changed = false;
        for teams in self.scores.values_mut() {
            changed |= teams.remove(&team).is_some();
        }
        self.scores.retain(|_, teams| !teams.is_empty());
        changed
    }

    /// After a rubric change: drop scores for criteria that left it or that
    /// exceed their criterion's new maximum. Returns how many were dropped.
    fn drop_misfits(&mut self) -> usize {
        let rubric = &self.rubric;
        let mut dropped = 0;
        for teams in self.scores.values_mut() {
            for sheet in teams.values_mut() {
                let before = sheet.len();
                sheet.retain(|id, v| rubric.criterion(id).is_some_and(|c| *v <= c.max));
                dropped += before - sheet.len();
            }
            teams.retain(|_, sheet| !sheet.is_empty());
        }
        self.scores.retain(|_, teams| !teams.is_empty());
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const J1: MemberId = MemberId(10);
    const J2: MemberId = MemberId(11);
    const T1: TeamId = TeamId(1);
    const T2: TeamId = TeamId(2);

    fn exists(t: TeamId) -> bool {
        t == T1 || t == T2
    }

    fn open_jury() -> Jury {
        let mut j = Jury::default();
        j.apply(J1, &JuryCommand::OpenJudging, exists).unwrap();
        j
    }

    fn score(
        j: &mut Jury,
        juror: MemberId,
        team: TeamId,
        c: &str,
        v: u8,
    ) -> Result<(), &'static str> {
        let before = j.clone();
        let r = j.apply(
            juror,
            &JuryCommand::Score {
                team,
                criterion: c.into(),
                value: v,
            },
            exists,
        );
        match r {
            Ok(_) => Ok(()),
            Err(e) => {
                assert_eq!(*j, before, "a refused command changes nothing");
                Err(e.code())
            }
        }
    }

    fn set_rubric(j: &mut Jury, criteria: Vec<Criterion>) -> Result<JuryChange, &'static str> {
        j.apply(J1, &JuryCommand::SetRubric { criteria }, exists)
            .map_err(|e| e.code())
    }

    #[test]
    fn default_rubric_is_valid() {
        let r = Rubric::default();
        assert!(r.validate().is_ok());
        assert_eq!(r.criteria.len(), 5);
        assert_eq!(
            r.criterion("use_of_data").unwrap().label,
            "Utilisation des données"
        );
        assert_eq!(r.total_weight(), 5.0);
    }

    #[test]
    fn scores_range_and_edits_until_closed() {
        let mut j = Jury::default();
        assert_eq!(score(&mut j, J1, T1, "impact", 5), Err("judging_closed"));
        let mut j = open_jury();
        assert_eq!(score(&mut j, J1, T1, "impact", 0), Ok(()));
        assert_eq!(score(&mut j, J1, T1, "impact", 10), Ok(()));
        assert_eq!(
            score(&mut j, J1, T1, "impact", 11),
            Err("score_out_of_range")
        );
        assert_eq!(
            score(&mut j, J1, T1, "charisma", 5),
            Err("unknown_criterion")
        );
        assert_eq!(
            score(&mut j, J1, TeamId(99), "impact", 5),
            Err("unknown_team")
        );
        // An edit replaces the score.
        assert_eq!(score(&mut j, J1, T1, "impact", 7), Ok(()));
        assert_eq!(j.score(J1, T1, "impact"), Some(7));
        // Clear, then clearing again is refused.
        let clear = JuryCommand::ClearScore {
            team: T1,
            criterion: "impact".into(),
        };
        j.apply(J1, &clear, exists).unwrap();
        assert_eq!(j.score(J1, T1, "impact"), None);
        assert!(j.scores.is_empty());
        assert_eq!(
            j.apply(J1, &clear, exists).unwrap_err().code(),
            "not_scored"
        );
        // Closed: no more edits.
        assert_eq!(score(&mut j, J1, T1, "impact", 7), Ok(()));
        assert_eq!(
            j.apply(J1, &JuryCommand::CloseJudging, exists).unwrap(),
            JuryChange::Judging { open: false }
        );
        assert_eq!(
            j.apply(J1, &JuryCommand::CloseJudging, exists).unwrap(),
            JuryChange::Nothing
        );
        assert_eq!(score(&mut j, J1, T1, "impact", 3), Err("judging_closed"));
        assert_eq!(j.score(J1, T1, "impact"), Some(7));
    }

    #[test]
    fn progress_counts_complete_sheets() {
        let mut j = open_jury();
        let teams = [T1, T2];
        assert_eq!(
            j.progress(J1, &teams),
            Progress {
                scored: 0,
                remaining: 2
            }
        );
        for c in ["impact", "innovation", "feasibility", "use_of_data"] {
            score(&mut j, J1, T1, c, 5).unwrap();
        }
        // Four of five criteria: not yet scored.
        assert_eq!(j.progress(J1, &teams).scored, 0);
        score(&mut j, J1, T1, "pitch", 5).unwrap();
        assert_eq!(
            j.progress(J1, &teams),
            Progress {
                scored: 1,
                remaining: 1
            }
        );
        // Another juror's progress is their own.
        assert_eq!(j.progress(J2, &teams).scored, 0);
    }

    #[test]
    fn rubric_validation() {
        let mut j = open_jury();
        assert_eq!(set_rubric(&mut j, vec![]), Err("empty_rubric"));
        assert_eq!(
            set_rubric(
                &mut j,
                vec![Criterion::new("a", "A", 0.0), Criterion::new("b", "B", 0.0)]
            ),
            Err("weights_sum_to_zero")
        );
        assert_eq!(
            set_rubric(&mut j, vec![Criterion::new("a", "A", 0.0001)]),
            Err("weights_sum_to_zero"),
            "a weight rounded to a thousandth counts"
        );
        assert_eq!(
            set_rubric(
                &mut j,
                vec![Criterion::new("a", "A", 1.0), Criterion::new("a", "B", 1.0)]
            ),
            Err("duplicate_criterion")
        );
        assert_eq!(
            set_rubric(&mut j, vec![Criterion::new("Bad Id", "A", 1.0)]),
            Err("invalid_criterion_id")
        );
        assert_eq!(
            set_rubric(&mut j, vec![Criterion::new("a", "  ", 1.0)]),
            Err("invalid_criterion_label")
        );
        assert_eq!(
            set_rubric(&mut j, vec![Criterion::new("a", "A", -1.0)]),
            Err("weight_out_of_range")
        );
        assert_eq!(
            set_rubric(&mut j, vec![Criterion::new("a", "A", f64::NAN)]),
            Err("weight_out_of_range")
        );
        let mut zero_max = Criterion::new("a", "A", 1.0);
        zero_max.max = 0;
        assert_eq!(set_rubric(&mut j, vec![zero_max]), Err("max_out_of_range"));
        assert_eq!(j.rubric, Rubric::default(), "refusals change nothing");
    }

    #[test]
    fn rubric_change_keeps_fitting_scores() {
        let mut j = open_jury();
        score(&mut j, J1, T1, "impact", 9).unwrap();
        score(&mut j, J1, T1, "pitch", 4).unwrap();
        score(&mut j, J2, T2, "innovation", 6).unwrap();
        let mut impact = Criterion::new("impact", " Impact ", 2.0004);
        impact.max = 5;
        let change =
            set_rubric(&mut j, vec![impact, Criterion::new("pitch", "Pitch", 1.0)]).unwrap();
        // impact 9 > new max 5, innovation left the rubric.
        assert_eq!(change, JuryChange::Rubric { dropped: 2 });
        assert_eq!(j.score(J1, T1, "pitch"), Some(4));
        assert_eq!(j.score(J1, T1, "impact"), None);
        assert!(!j.scores.contains_key(&J2));
        assert_eq!(j.rubric.criteria[0].label, "Impact");
        assert_eq!(j.rubric.criteria[0].weight, 2.0);
    }

    #[test]
    fn publish_needs_judging_closed() {
        let mut j = open_jury();
        assert_eq!(
            j.apply(J1, &JuryCommand::Publish, exists)
                .unwrap_err()
                .code(),
            "judging_open"
        );
        j.apply(J1, &JuryCommand::CloseJudging, exists).unwrap();
        assert_eq!(
            j.apply(J1, &JuryCommand::Publish, exists).unwrap(),
            JuryChange::Publication { published: true }
        );
        assert!(j.published);
        j.apply(J1, &JuryCommand::Unpublish, exists).unwrap();
        assert!(!j.published);
    }

    #[test]
    fn survives_json_round_trip() {
        let mut j = open_jury();
        score(&mut j, J1, T1, "impact", 9).unwrap();
        set_rubric(
            &mut j,
            vec![
                Criterion::new("impact", "Impact", 0.333),
                Criterion::new("pitch", "Pitch", 1.7),
            ],
        )
        .unwrap();
        let back: Jury = serde_json::from_str(&serde_json::to_string(&j).unwrap()).unwrap();
        assert_eq!(back, j);
    }

    #[test]
    fn forget_team_drops_its_scores() {
        let mut j = open_jury();
        score(&mut j, J1, T1, "impact", 9).unwrap();
        score(&mut j, J1, T2, "impact", 9).unwrap();
        assert!(j.forget_team(T1));
        assert_eq!(j.score(J1, T1, "impact"), None);
        assert_eq!(j.score(J1, T2, "impact"), Some(9));
        assert!(!j.forget_team(T1));
    }
}
