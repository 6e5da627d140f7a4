//! The leaderboard: ranking teams from the jury's scores, with an optional
//! per-juror normalization, deterministic tie-breaks, the people's choice
//! and the labels beside each row; and what spectators may see of it.
//!
//! The rules are written out with a worked example in `docs/judging.md`. In
//! short:
//!
//! 1. Every score is brought to a 0–10 scale (`value × 10 / max`).
//! 2. A juror's score for a team is the weighted mean of their criteria,
//!    `Σ w_c·s_c / Σ w_c`, and exists only when the juror scored **every**
//!    criterion for that team (a complete sheet).
//! 3. Raw team score: the mean of its jurors' scores.
//! 4. Normalized team score (optional): each juror's scores are turned into
//!    z-scores over the teams that juror scored, then mapped back onto the
//!    scale of all scores pooled: `n = G_mean + G_sd · (s − m_j) / sd_j`
//!    (population standard deviations). A juror with a single team, or who
//!    gave every team the same score, contributes `s − m_j + G_mean`. The team
//!    score is the mean of its jurors' normalized scores.
//! 5. Team scores are rounded to 4 decimals, and ranking compares the rounded
//!    values, so floating-point noise never decides a place.
//! 6. Ties: higher raw score (when ranking by normalized score), then more
//!    jurors, then more people's-choice votes, then lower team id. Teams
//!    nobody fully scored come last, by votes then team id.
//!
//! **Visibility is publication.** `hidden` means the ranking is unpublished:
//! spectators and participants get nothing ([`Leaderboard::public_view`]
//! returns `None`). `live`, `frozen` and `reveal` are publication states.
//! The jury and the moderator always see the full live board
//! ([`Leaderboard::staff_view`]).

use super::awards::Awards;
use super::ids::TeamId;
use super::jury::{Jury, Rubric};
use super::votes::Votes;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Standard deviations below this are treated as zero (every score equal).
const ZERO_SD: f64 = 1e-9;

/// Everything a ranking is computed from, borrowed from the event state.
#[derive(Debug, Clone, Copy)]
pub struct Standings<'a> {
    pub jury: &'a Jury,
    /// The teams to rank (the event's current teams).
    pub teams: &'a [TeamId],
    pub votes: &'a Votes,
    pub awards: &'a Awards,
}

/// One place of the ranking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// 1-based place; every row has its own place (ties are broken).
    pub rank: u32,
    pub team: TeamId,
    /// The score the ranking uses: `normalized` when normalization is on,
    /// else `raw`. `None` when no juror fully scored the team.
    pub score: Option<f64>,
    /// Mean of the jurors' weighted scores, 0–10, 4 decimals.
    pub raw: Option<f64>,
    /// Mean of the jurors' normalized scores, 4 decimals.
    pub normalized: Option<f64>,
    /// Jurors who scored every criterion for this team.
    pub jurors: u32,
    /// People's-choice votes.
    pub votes: u32,
    /// Ids of the labels the team holds, in definition order.
    pub labels: Vec<String>,
}

/// Scores compare bit for bit (`total_cmp`), so rows are `Eq` and a frozen
/// snapshot can live in the durable state.
impl PartialEq for Row {
    fn eq(&self, other: &Self) -> bool {
        self.rank == other.rank
            && self.team == other.team
            && same(self.score, other.score)
            && same(self.raw, other.raw)
            && same(self.normalized, other.normalized)
            && self.jurors == other.jurors
            && self.votes == other.votes
            && self.labels == other.labels
    }
}

impl Eq for Row {}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b).is_eq(),
        (None, None) => true,
        _ => false,
    }
}

/// Who may see what of the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Visibility {
    /// Unpublished: only the jury and the moderator see the ranking.
    #[default]
    Hidden,
    /// Published, and follows every score change.
    Live,
    /// Published as it was when frozen; the jury goes on behind it.
    Frozen {
        snapshot: Vec<Row>,
        normalized: bool,
    },
    /// The ceremony: places are shown from last to first, `revealed` of
    /// them so far.
    Reveal {
        snapshot: Vec<Row>,
        normalized: bool,
        revealed: usize,
    },
}

/// The visibility without its data, for views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Hidden,
    Live,
    Frozen,
    Reveal,
}

/// A change to the leaderboard (moderator only; the caller checks the role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LeaderboardCommand {
    /// Rank by normalized (`true`) or raw (`false`) scores. A frozen or
    /// revealing board keeps the snapshot it has.
    SetNormalize { on: bool },
    /// Unpublish: spectators see nothing.
    Hide,
    /// Publish, following every change.
    Live,
    /// Publish the ranking as it is now and keep showing that; freezing a
    /// frozen board refreshes the snapshot.
    Freeze,
    /// Start the ceremony from the current ranking, nothing revealed yet.
    /// Needs judging closed, so the ranking is final.
    Reveal,
    /// Reveal the next place (from last to first).
    RevealNext,
}

/// Why a leaderboard command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum LeaderboardError {
    #[error("judging is still open; close it before the reveal")]
    JudgingOpen,
    #[error("no reveal is in progress")]
    NotRevealing,
    #[error("every place has been revealed")]
    RevealComplete,
}

impl LeaderboardError {
    /// Stable wire code: the variant's name in snake_case.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// What a successful command changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderboardChange {
    /// Nothing (an idempotent command repeated).
    Nothing,
    /// What the public sees changed: push the public view to everyone.
    Public,
    /// Only the staff view changed (normalization toggled while not live).
    Staff,
}

/// One place as spectators see it: no per-juror detail, ever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicRow {
    pub rank: u32,
    pub team: TeamId,
    pub score: Option<f64>,
    /// People's-choice votes, only while the moderator shows the counts.
    pub votes: Option<u32>,
    /// Display names of the labels the team holds (the public has no other
    /// way to learn them).
    pub labels: Vec<String>,
}

/// The leaderboard as spectators and participants see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicLeaderboard {
    pub mode: Mode,
    /// Whether `score` is the normalized score.
    pub normalized: bool,
    /// Number of places in all.
    pub total: usize,
    /// During a reveal, how many places (from the last) are shown.
    pub revealed: Option<usize>,
    /// The places shown, best first.
    pub rows: Vec<PublicRow>,
}

/// The leaderboard as the jury and the moderator see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffLeaderboard {
    pub mode: Mode,
    pub normalize: bool,
    /// The current ranking, always live.
    pub rows: Vec<Row>,
    /// What the public sees right now (`None` while hidden).
    pub public: Option<PublicLeaderboard>,
}

/// Visibility and ranking settings. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Leaderboard {
    pub visibility: Visibility,
    /// Rank by normalized scores.
    pub normalize: bool,
}

impl Leaderboard {
    /// The visibility without its data.
    pub fn mode(&self) -> Mode {
        match self.visibility {
            Visibility::Hidden => Mode::Hidden,
            Visibility::Live => Mode::Live,
            Visibility::Frozen { .. } => Mode::Frozen,
            Visibility::Reveal { .. } => Mode::Reveal,
        }
    }

    /// Whether the ranking is published (anything but hidden).
    pub fn is_published(&self) -> bool {
        self.visibility != Visibility::Hidden
    }

    /// Checks a command without changing anything.
    pub fn check(
        &self,
        command: &LeaderboardCommand,
        standings: &Standings,
    ) -> Result<(), LeaderboardError> {
        match command {
            LeaderboardCommand::Reveal if standings.jury.judging_open => {
                Err(LeaderboardError::JudgingOpen)
            }
            LeaderboardCommand::RevealNext => match &self.visibility {
                Visibility::Reveal {
                    snapshot, revealed, ..
                } if *revealed >= snapshot.len() => Err(LeaderboardError::RevealComplete),
                Visibility::Reveal { .. } => Ok(()),
                _ => Err(LeaderboardError::NotRevealing),
            },
            _ => Ok(()),
        }
    }

    /// Checks then applies a command; snapshots are taken from `standings`.
    /// On error nothing changed.
    pub fn apply(
        &mut self,
        command: &LeaderboardCommand,
        standings: &Standings,
    ) -> Result<LeaderboardChange, LeaderboardError> {
        self.check(command, standings)?;
        Ok(match command {
            LeaderboardCommand::SetNormalize { on } => {
                if self.normalize == *on {
                    LeaderboardChange::Nothing
                } else {
                    self.normalize = *on;
                    if self.visibility == Visibility::Live {
                        LeaderboardChange::Public
                    } else {
                        LeaderboardChange::Staff
                    }
                }
            }
            LeaderboardCommand::Hide | LeaderboardCommand::Live => {
                let target = if *command == LeaderboardCommand::Hide {
                    Visibility::Hidden
                } else {
                    Visibility::Live
                };
                if self.visibility == target {
                    LeaderboardChange::Nothing
                } else {
                    self.visibility = target;
                    LeaderboardChange::Public
                }
            }
            LeaderboardCommand::Freeze => {
                self.visibility = Visibility::Frozen {
                    snapshot: rank(standings, self.normalize),
                    normalized: self.normalize,
                };
                LeaderboardChange::Public
            }
            LeaderboardCommand::Reveal => {
                self.visibility = Visibility::Reveal {
                    snapshot: rank(standings, self.normalize),
                    normalized: self.normalize,
                    revealed: 0,
                };
                LeaderboardChange::Public
            }
            LeaderboardCommand::RevealNext => {
                if let Visibility::Reveal { revealed, .. } = &mut self.visibility {
                    *revealed += 1;
                }
                LeaderboardChange::Public
            }
        })
    }

    /// What spectators and participants may see: `None` while hidden (no
    /// score of any kind), otherwise ranks, team scores, labels, and votes
    /// if the moderator shows the counts. Never any per-juror detail.
    pub fn public_view(&self, standings: &Standings) -> Option<PublicLeaderboard> {
        let show_votes = standings.votes.show_counts;
        let public = |rows: &[Row], mode, normalized, revealed: Option<usize>| {
            let total = rows.len();
            let from = revealed.map_or(0, |r| total.saturating_sub(r));
            PublicLeaderboard {
                mode,
                normalized,
                total,
                revealed,
                rows: rows[from..]
                    .iter()
                    .map(|r| PublicRow {
                        rank: r.rank,
                        team: r.team,
                        score: r.score,
                        votes: show_votes.then_some(r.votes),
                        labels: r
                            .labels
                            .iter()
                            .map(|id| {
                                standings
                                    .awards
                                    .get(id)
                                    .map_or_else(|| id.clone(), |a| a.name.clone())
                            })
                            .collect(),
                    })
                    .collect(),
            }
        };
        match &self.visibility {
            Visibility::Hidden => None,
            Visibility::Live => Some(public(
                &rank(standings, self.normalize),
                Mode::Live,
                self.normalize,
                None,
            )),
            Visibility::Frozen {
                snapshot,
                normalized,
            } => Some(public(snapshot, Mode::Frozen, *normalized, None)),
            Visibility::Reveal {
                snapshot,
                normalized,
                revealed,
            } => Some(public(
                snapshot,
                Mode::Reveal,
                *normalized,
                Some((*revealed).min(snapshot.len())),
            )),
        }
    }

    /// The full board for the jury and the moderator.
    pub fn staff_view(&self, standings: &Standings) -> StaffLeaderboard {
        StaffLeaderboard {
            mode: self.mode(),
            normalize: self.normalize,
            rows: rank(standings, self.normalize),
            public: self.public_view(standings),
        }
    }
}

/// One juror's weighted score for one team, on the 0–10 scale, or `None`
/// unless the juror scored every criterion of the rubric for the team.
pub fn juror_team_score(rubric: &Rubric, sheet: &BTreeMap<String, u8>) -> Option<f64> {
    let mut weighted = 0.0;
    let mut total = 0.0;
    for c in &rubric.criteria {
        let value = *sheet.get(&c.id)?;
        weighted += c.weight * f64::from(value) * 10.0 / f64::from(c.max.max(1));
        total += c.weight;
    }
    (total > 0.0).then(|| weighted / total)
}

/// Raw and normalized score of one team, before rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeamScore {
    pub raw: f64,
    pub normalized: f64,
    pub jurors: u32,
}

/// Raw and normalized scores of every team some juror fully scored.
/// Unrounded; [`rank`] rounds them.
pub fn team_scores(jury: &Jury, teams: &[TeamId]) -> BTreeMap<TeamId, TeamScore> {
    // juror → [(team, score)] over complete sheets of existing teams.
    let mut per_juror: Vec<Vec<(TeamId, f64)>> = Vec::new();
    for sheets in jury.scores.values() {
        let scored: Vec<(TeamId, f64)> = teams
            .iter()
            .filter_map(|t| {
                let sheet = sheets.get(t)?;
                Some((*t, juror_team_score(&jury.rubric, sheet)?))
            })
            .collect();
        if !scored.is_empty() {
            per_juror.push(scored);
        }
    }
    let pooled: Vec<f64> = per_juror.iter().flatten().map(|(_, s)| *s).collect();
    let (global_mean, global_sd) = mean_sd(&pooled);

    // team → (sum raw, sum normalized, jurors)
    let mut sums: BTreeMap<TeamId, (f64, f64, u32)> = BTreeMap::new();
    for scored in &per_juror {
        let own: Vec<f64> = scored.iter().map(|(_, s)| *s).collect();
        let (mean, sd) = mean_sd(&own);
        for (team, s) in scored {
            let normalized = if own.len() >= 2 && sd > ZERO_SD {
                global_mean + global_sd * (s - mean) / sd
            } else {
                s - mean + global_mean
            };
            let e = sums.entry(*team).or_insert((0.0, 0.0, 0));
            e.0 += s;
            e.1 += normalized;
            e.2 += 1;
        }
    }
    sums.into_iter()
        .map(|(team, (raw, normalized, n))| {
            let n_f = f64::from(n);
            (
                team,
                TeamScore {
                    raw: raw / n_f,
                    normalized: normalized / n_f,
                    jurors: n,
                },
            )
        })
        .collect()
}

/// The ranking of `standings.teams`, best first, by normalized scores when
/// `normalize`, else raw. Deterministic: see the module doc for tie-breaks.
pub fn rank(standings: &Standings, normalize: bool) -> Vec<Row> {
    let scores = team_scores(standings.jury, standings.teams);
    let votes = standings.votes.counts();
    let mut rows: Vec<Row> = standings
        .teams
        .iter()
        .map(|team| {
            let s = scores.get(team);
            let raw = s.map(|s| round4(s.raw));
            let normalized = s.map(|s| round4(s.normalized));
            Row {
                rank: 0,
                team: *team,
                score: if normalize { normalized } else { raw },
                raw,
                normalized,
                jurors: s.map_or(0, |s| s.jurors),
                votes: votes.get(team).copied().unwrap_or(0),
                labels: standings.awards.of_team(*team),
            }
        })
        .collect();
    rows.sort_by(|a, b| compare(a, b, normalize));
    rows.dedup_by_key(|r| r.team);
    for (i, row) in rows.iter_mut().enumerate() {
        row.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    rows
}

/// Better row first.
fn compare(a: &Row, b: &Row, normalize: bool) -> Ordering {
    let desc = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    desc(a.score, b.score)
        .then_with(|| {
            if normalize {
                desc(a.raw, b.raw)
            } else {
                Ordering::Equal
            }
        })
        .then_with(|| b.jurors.cmp(&a.jurors))
        .then_with(|| b.votes.cmp(&a.votes))
        .then_with(|| a.team.cmp(&b.team))
}

/// Rounds to 4 decimals. The result survives a JSON round trip bit for bit.
pub fn round4(x: f64) -> f64 {
    let r = (x * 10_000.0).round() / 10_000.0;
    // Avoid "-0" in exports.
    if r == 0.0 { 0.0 } else { r }
}

/// Mean and population standard deviation; (0, 0) for no values.
fn mean_sd(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::awards::AwardCommand;
    use crate::domain::ids::MemberId;
    use crate::domain::jury::{Criterion, JuryCommand};
    use crate::domain::votes::VoteCommand;

    const T1: TeamId = TeamId(1);
    const T2: TeamId = TeamId(2);
    const T3: TeamId = TeamId(3);
    const T4: TeamId = TeamId(4);
    const X: MemberId = MemberId(100);
    const Y: MemberId = MemberId(101);
    const Z: MemberId = MemberId(102);

    /// A jury with one criterion "overall" (0–10, weight 1), judging open.
    fn single_criterion_jury() -> Jury {
        let mut j = Jury::default();
        j.apply(
            X,
            &JuryCommand::SetRubric {
                criteria: vec![Criterion::new("overall", "Overall", 1.0)],
            },
            |_| true,
        )
        .unwrap();
        j.apply(X, &JuryCommand::OpenJudging, |_| true).unwrap();
        j
    }

    fn give(j: &mut Jury, juror: MemberId, team: TeamId, criterion: &str, value: u8) {
        j.apply(
            juror,
            &JuryCommand::Score {
                team,
                criterion: criterion.into(),
                value,
            },
            |_| true,
        )
        .unwrap();
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-9
    }

    fn order(rows: &[Row]) -> Vec<TeamId> {
        rows.iter().map(|r| r.team).collect()
    }

    #[test]
    fn weighted_score_of_a_sheet() {
        // impact weight 2, the four others weight 1: Σw = 6.
        let mut rubric = Rubric::default();
        rubric.criteria[0].weight = 2.0;
        let sheet: BTreeMap<String, u8> = [
            ("impact", 8),
            ("innovation", 6),
            ("feasibility", 7),
            ("use_of_data", 5),
            ("pitch", 9),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        // (2·8 + 6 + 7 + 5 + 9) / 6 = 43 / 6 = 7.1666…
        assert!(close(
            juror_team_score(&rubric, &sheet).unwrap(),
            43.0 / 6.0
        ));
        // A missing criterion: no score at all.
        let mut partial = sheet.clone();
        partial.remove("pitch");
        assert_eq!(juror_team_score(&rubric, &partial), None);
        // A criterion scored out of 20 is brought to /10: 15/20 → 7.5.
        let mut r20 = Rubric {
            criteria: vec![Criterion::new("overall", "Overall", 1.0)],
        };
        r20.criteria[0].max = 20;
        let s: BTreeMap<String, u8> = [("overall".to_string(), 15)].into();
        assert!(close(juror_team_score(&r20, &s).unwrap(), 7.5));
    }

    /// The worked example of docs/judging.md: two panels, a harsh juror X
    /// (teams 1 and 2) and a lenient juror Y (teams 3 and 4).
    #[test]
    fn normalization_puts_harsh_and_lenient_panels_on_one_scale() {
        let mut j = single_criterion_jury();
        give(&mut j, X, T1, "overall", 3);
        give(&mut j, X, T2, "overall", 1);
        give(&mut j, Y, T3, "overall", 9);
        give(&mut j, Y, T4, "overall", 7);
        let teams = [T1, T2, T3, T4];
        let scores = team_scores(&j, &teams);
        // Pooled scores {3, 1, 9, 7}: G_mean = 20/4 = 5;
        // deviations 3−5 = −2, 1−5 = −4, 9−5 = 4, 7−5 = 2;
        // variance = (4 + 16 + 16 + 4) / 4 = 10, G_sd = √10 ≈ 3.16228.
        // X: m = 2, sd = √((1 + 1)/2) = 1, z(T1) = +1, z(T2) = −1.
        // Y: m = 8, sd = 1, z(T3) = +1, z(T4) = −1.
        // Normalized: T1 = T3 = 5 + √10 ≈ 8.16228; T2 = T4 = 5 − √10 ≈ 1.83772.
        let sqrt10 = 10f64.sqrt();
        assert!(close(scores[&T1].normalized, 5.0 + sqrt10));
        assert!(close(scores[&T3].normalized, 5.0 + sqrt10));
        assert!(close(scores[&T2].normalized, 5.0 - sqrt10));
        assert!(close(scores[&T4].normalized, 5.0 - sqrt10));
        assert!(close(scores[&T1].raw, 3.0));

        let (votes, awards) = (Votes::default(), Awards::default());
        let s = Standings {
            jury: &j,
            teams: &teams,
            votes: &votes,
            awards: &awards,
        };
        // Raw: 9, 7, 3, 1.
        assert_eq!(order(&rank(&s, false)), vec![T3, T4, T1, T2]);
        // Normalized: T1 and T3 tie at 8.1623 → higher raw first (T3: 9 > 3);
        // T2 and T4 tie at 1.8377 → T4 (raw 7 > 1).
        let rows = rank(&s, true);
        assert_eq!(order(&rows), vec![T3, T1, T4, T2]);
        assert_eq!(rows[1].score, Some(8.1623));
        assert_eq!(rows[1].raw, Some(3.0));
        assert_eq!(rows[3].score, Some(1.8377));
        assert_eq!(
            rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
    }

    #[test]
    fn single_team_and_flat_jurors_are_shifted_not_scaled() {
        let mut j = single_criterion_jury();
        // X: T1 = 8, T2 = 4 (m = 6, sd = 2, z = ±1).
        give(&mut j, X, T1, "overall", 8);
        give(&mut j, X, T2, "overall", 4);
        // Y gives everyone 5 (sd = 0); Z scored T3 only.
        give(&mut j, Y, T1, "overall", 5);
        give(&mut j, Y, T2, "overall", 5);
        give(&mut j, Z, T3, "overall", 9);
        let scores = team_scores(&j, &[T1, T2, T3]);
        // Pool {8, 4, 5, 5, 9}: G_mean = 31/5 = 6.2;
        // deviations 1.8, −2.2, −1.2, −1.2, 2.8; squares 3.24 + 4.84 + 1.44
        // + 1.44 + 7.84 = 18.8; variance 3.76; G_sd = √3.76 ≈ 1.939072.
        let (gm, gsd) = (6.2, 3.76f64.sqrt());
        // X: T1 → 6.2 + 1.939072 = 8.139072; T2 → 6.2 − 1.939072 = 4.260928.
        // Y (flat, m = 5): T1, T2 → 5 − 5 + 6.2 = 6.2.
        // Z (one team, m = 9): T3 → 9 − 9 + 6.2 = 6.2.
        // T1 = (8.139072 + 6.2) / 2 = 7.169536; T2 = (4.260928 + 6.2) / 2 = 5.230464.
        assert!(close(scores[&T1].normalized, (gm + gsd + gm) / 2.0));
        assert!(close(scores[&T2].normalized, (gm - gsd + gm) / 2.0));
        assert!(close(scores[&T3].normalized, gm));
        assert_eq!(round4(scores[&T1].normalized), 7.1695);
        assert_eq!(round4(scores[&T2].normalized), 5.2305);
        // Raw: T1 = (8 + 5)/2 = 6.5, T2 = (4 + 5)/2 = 4.5, T3 = 9.
        assert!(close(scores[&T1].raw, 6.5));
        assert_eq!((scores[&T1].jurors, scores[&T3].jurors), (2, 1));
    }

    #[test]
    fn incomplete_sheets_do_not_count() {
        let mut j = Jury::default();
        j.apply(X, &JuryCommand::OpenJudging, |_| true).unwrap();
        for c in [
            "impact",
            "innovation",
            "feasibility",
            "use_of_data",
            "pitch",
        ] {
            give(&mut j, X, T1, c, 6);
        }
        // Y forgot "pitch" for T1.
        for c in ["impact", "innovation", "feasibility", "use_of_data"] {
            give(&mut j, Y, T1, c, 10);
        }
        let scores = team_scores(&j, &[T1, T2]);
        assert_eq!(scores[&T1].jurors, 1);
        assert!(close(scores[&T1].raw, 6.0));
        assert!(!scores.contains_key(&T2));
        // Scores of a team not in the list are ignored.
        give(&mut j, X, T3, "impact", 1);
        assert_eq!(team_scores(&j, &[T1]).len(), 1);
    }

    #[test]
    fn tie_breaks_are_deterministic() {
        let mut j = single_criterion_jury();
        // T1 and T2: 7 from one juror each; T3: 7 from two jurors; T4 unscored.
        give(&mut j, X, T1, "overall", 7);
        give(&mut j, Y, T2, "overall", 7);
        give(&mut j, X, T3, "overall", 7);
        give(&mut j, Y, T3, "overall", 7);
        let mut votes = Votes::default();
        votes.apply(X, None, &VoteCommand::Open, |_| true).unwrap();
        votes
            .apply(MemberId(1), None, &VoteCommand::Cast { team: T2 }, |_| true)
            .unwrap();
        let awards = Awards::default();
        let teams = [T4, T2, T1, T3];
        let s = Standings {
            jury: &j,
            teams: &teams,
            votes: &votes,
            awards: &awards,
        };
        // All at 7: T3 has two jurors; T2 has one vote; then T1 (lower id);
        // T4 has no score: last.
        assert_eq!(order(&rank(&s, false)), vec![T3, T2, T1, T4]);
        assert_eq!(order(&rank(&s, true)), vec![T3, T2, T1, T4]);
        // Unscored teams among themselves: votes, then id.
        let j0 = Jury::default();
        let s0 = Standings { jury: &j0, ..s };
        let rows = rank(&s0, false);
        assert_eq!(order(&rows), vec![T2, T1, T3, T4]);
        assert_eq!(rows[0].score, None);
    }

    #[test]
    fn rows_carry_votes_and_labels() {
        let mut j = single_criterion_jury();
        give(&mut j, X, T1, "overall", 5);
        let mut votes = Votes::default();
        votes.apply(X, None, &VoteCommand::Open, |_| true).unwrap();
        votes
            .apply(
                MemberId(5),
                Some(T2),
                &VoteCommand::Cast { team: T1 },
                |_| true,
            )
            .unwrap();
        let mut awards = Awards::suggested();
        awards
            .apply(
                &AwardCommand::Give {
                    award: "libris".into(),
                    team: T1,
                },
                |_| true,
            )
            .unwrap();
        let teams = [T1, T2];
        let s = Standings {
            jury: &j,
            teams: &teams,
            votes: &votes,
            awards: &awards,
        };
        let rows = rank(&s, false);
        assert_eq!(rows[0].votes, 1);
        assert_eq!(rows[0].labels, vec!["libris".to_string()]);
        assert_eq!(rows[1].labels, Vec::<String>::new());
    }

    struct Fixture {
        jury: Jury,
        teams: Vec<TeamId>,
        votes: Votes,
        awards: Awards,
    }

    impl Fixture {
        fn new() -> Fixture {
            let mut jury = single_criterion_jury();
            give(&mut jury, X, T1, "overall", 5);
            give(&mut jury, X, T2, "overall", 8);
            give(&mut jury, X, T3, "overall", 2);
            Fixture {
                jury,
                teams: vec![T1, T2, T3],
                votes: Votes::default(),
                awards: Awards::default(),
            }
        }

        fn standings(&self) -> Standings<'_> {
            Standings {
                jury: &self.jury,
                teams: &self.teams,
                votes: &self.votes,
                awards: &self.awards,
            }
        }
    }

    fn public_teams(p: &PublicLeaderboard) -> Vec<TeamId> {
        p.rows.iter().map(|r| r.team).collect()
    }

    #[test]
    fn hidden_shows_nothing_live_follows_scores() {
        let mut f = Fixture::new();
        let mut lb = Leaderboard::default();
        assert_eq!(lb.public_view(&f.standings()), None);
        assert!(!lb.is_published());
        // Staff see everything even while hidden.
        let staff = lb.staff_view(&f.standings());
        assert_eq!(order(&staff.rows), vec![T2, T1, T3]);
        assert_eq!(staff.public, None);

        assert_eq!(
            lb.apply(&LeaderboardCommand::Live, &f.standings()).unwrap(),
            LeaderboardChange::Public
        );
        assert_eq!(
            lb.apply(&LeaderboardCommand::Live, &f.standings()).unwrap(),
            LeaderboardChange::Nothing
        );
        give(&mut f.jury, X, T3, "overall", 10);
        let p = lb.public_view(&f.standings()).unwrap();
        assert_eq!(public_teams(&p), vec![T3, T2, T1]);
        assert_eq!(p.rows[0].score, Some(10.0));
        assert_eq!(p.rows[0].votes, None, "vote counts hidden");
        f.votes.show_counts = true;
        assert_eq!(
            lb.public_view(&f.standings()).unwrap().rows[0].votes,
            Some(0)
        );
    }

    #[test]
    fn freeze_keeps_the_snapshot_while_scores_change() {
        let mut f = Fixture::new();
        let mut lb = Leaderboard::default();
        lb.apply(&LeaderboardCommand::Freeze, &f.standings())
            .unwrap();
        let frozen = lb.public_view(&f.standings()).unwrap();
        assert_eq!(frozen.mode, Mode::Frozen);
        assert_eq!(public_teams(&frozen), vec![T2, T1, T3]);
        // The jury goes on: T3 now leads, but spectators keep the frozen view.
        give(&mut f.jury, X, T3, "overall", 10);
        assert_eq!(lb.public_view(&f.standings()), Some(frozen.clone()));
        assert_eq!(order(&lb.staff_view(&f.standings()).rows), vec![T3, T2, T1]);
        // Frozen state survives a snapshot round trip exactly.
        let back: Leaderboard = serde_json::from_str(&serde_json::to_string(&lb).unwrap()).unwrap();
        assert_eq!(back, lb);
        // Going live shows the new order.
        lb.apply(&LeaderboardCommand::Live, &f.standings()).unwrap();
        assert_eq!(
            public_teams(&lb.public_view(&f.standings()).unwrap()),
            vec![T3, T2, T1]
        );
    }

    #[test]
    fn reveal_goes_from_last_to_first() {
        let mut f = Fixture::new();
        let mut lb = Leaderboard::default();
        let err = lb
            .apply(&LeaderboardCommand::Reveal, &f.standings())
            .unwrap_err();
        assert_eq!(err.code(), "judging_open");
        assert_eq!(
            lb.apply(&LeaderboardCommand::RevealNext, &f.standings())
                .unwrap_err()
                .code(),
            "not_revealing"
        );
        f.jury
            .apply(X, &JuryCommand::CloseJudging, |_| true)
            .unwrap();
        lb.apply(&LeaderboardCommand::Reveal, &f.standings())
            .unwrap();
        let p = lb.public_view(&f.standings()).unwrap();
        assert_eq!((p.mode, p.total, p.revealed), (Mode::Reveal, 3, Some(0)));
        assert!(p.rows.is_empty());
        let mut seen = Vec::new();
        for _ in 0..3 {
            lb.apply(&LeaderboardCommand::RevealNext, &f.standings())
                .unwrap();
            let p = lb.public_view(&f.standings()).unwrap();
            // The newly revealed place is the best one shown so far.
            seen.push((p.rows[0].rank, p.rows[0].team));
        }
        assert_eq!(seen, vec![(3, T3), (2, T1), (1, T2)]);
        assert_eq!(
            lb.apply(&LeaderboardCommand::RevealNext, &f.standings())
                .unwrap_err()
                .code(),
            "reveal_complete"
        );
        let p = lb.public_view(&f.standings()).unwrap();
        assert_eq!(public_teams(&p), vec![T2, T1, T3]);
    }

    #[test]
    fn normalize_toggle_changes_the_public_board_only_when_live() {
        let f = Fixture::new();
        let mut lb = Leaderboard::default();
        assert_eq!(
            lb.apply(
                &LeaderboardCommand::SetNormalize { on: true },
                &f.standings()
            )
            .unwrap(),
            LeaderboardChange::Staff
        );
        lb.apply(&LeaderboardCommand::Live, &f.standings()).unwrap();
        assert_eq!(
            lb.apply(
                &LeaderboardCommand::SetNormalize { on: false },
                &f.standings()
            )
            .unwrap(),
            LeaderboardChange::Public
        );
    }

    #[test]
    fn round4_is_stable_through_json() {
        for x in [
            8.16227766, 1.83772234, 7.1666666, 0.00004, -0.00004, 9.99995,
        ] {
            let r = round4(x);
            let back: f64 = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
            assert_eq!(back.to_bits(), r.to_bits());
        }
        assert_eq!(round4(-0.00004).to_bits(), 0f64.to_bits());
    }
}
