//! The pitch session's requests as they travel on the wire: `pitch`, `jury`,
//! `vote`, `award` and `leaderboard`, each selecting its operation with `op`.
//!
//! They mirror the domain's commands on purpose but are not them: a wire
//! request holds only what a client may choose, and the hub turns it into the
//! command that is applied and journaled (adding what only the server
//! decides, such as the seed of a shuffle). Renaming a field here never
//! changes the journal, and a client cannot set a server-only field.

use crate::domain::TeamId;
use crate::domain::awards::{AwardCommand, AwardError, award_name};
use crate::domain::jury::{Criterion, JuryCommand};
use crate::domain::leaderboard::LeaderboardCommand;
use crate::domain::pitch::{PitchCommand, PitchError, speaker_message};
use crate::domain::votes::VoteCommand;
use serde::{Deserialize, Serialize};

/// `{"type":"pitch","op":…}`: the run of show and the timer (moderator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PitchOp {
    SetOrder {
        order: Vec<u32>,
    },
    /// The server draws the shuffle's seed.
    Shuffle,
    SetDurations {
        pitch_ms: u64,
        qa_ms: u64,
        warning_ms: u64,
        wrapup_ms: u64,
    },
    Start,
    Pause,
    Resume,
    AddTime {
        delta_ms: i64,
    },
    Stop,
    Next,
    Previous,
    Restart,
    SpeakerMessage {
        #[serde(default)]
        text: Option<String>,
    },
    StartQa,
}

impl PitchOp {
    /// The command to apply; `seed` is the server's draw for a shuffle.
    pub fn into_command(self, seed: u64) -> Result<PitchCommand, PitchError> {
        Ok(match self {
            PitchOp::SetOrder { order } => PitchCommand::SetOrder {
                order: order.into_iter().map(TeamId).collect(),
            },
            PitchOp::Shuffle => PitchCommand::Shuffle { seed },
            PitchOp::SetDurations {
                pitch_ms,
                qa_ms,
                warning_ms,
                wrapup_ms,
            } => PitchCommand::SetDurations {
                pitch_ms,
                qa_ms,
                warning_ms,
                wrapup_ms,
            },
            PitchOp::Start => PitchCommand::Start,
            PitchOp::Pause => PitchCommand::Pause,
            PitchOp::Resume => PitchCommand::Resume,
            PitchOp::AddTime { delta_ms } => PitchCommand::AddTime { delta_ms },
            PitchOp::Stop => PitchCommand::Stop,
            PitchOp::Next => PitchCommand::Next,
            PitchOp::Previous => PitchCommand::Previous,
            PitchOp::Restart => PitchCommand::Restart,
            PitchOp::SpeakerMessage { text } => PitchCommand::SpeakerMessage {
                text: speaker_message(text.as_deref())?,
            },
            PitchOp::StartQa => PitchCommand::StartQa,
        })
    }
}

/// `{"type":"jury","op":…}`: the rubric, scores and judging (jury, moderator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum JuryOp {
    SetRubric {
        criteria: Vec<Criterion>,
    },
    Score {
        team: u32,
        criterion: String,
        value: u8,
    },
    ClearScore {
        team: u32,
        criterion: String,
    },
    OpenJudging,
    CloseJudging,
    Publish,
    Unpublish,
}

impl From<JuryOp> for JuryCommand {
    fn from(op: JuryOp) -> JuryCommand {
        match op {
            JuryOp::SetRubric { criteria } => JuryCommand::SetRubric { criteria },
            JuryOp::Score {
                team,
                criterion,
                value,
            } => JuryCommand::Score {
                team: TeamId(team),
                criterion,
                value,
            },
            JuryOp::ClearScore { team, criterion } => JuryCommand::ClearScore {
                team: TeamId(team),
                criterion,
            },
            JuryOp::OpenJudging => JuryCommand::OpenJudging,
            JuryOp::CloseJudging => JuryCommand::CloseJudging,
            JuryOp::Publish => JuryCommand::Publish,
            JuryOp::Unpublish => JuryCommand::Unpublish,
        }
    }
}

/// `{"type":"vote","op":…}`: the people's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum VoteOp {
    Cast { team: u32 },
    Retract { team: u32 },
    Open,
    Close,
    SetPerVoter { per_voter: u8 },
    ShowCounts { show: bool },
}

impl From<VoteOp> for VoteCommand {
    fn from(op: VoteOp) -> VoteCommand {
        match op {
            VoteOp::Cast { team } => VoteCommand::Cast { team: TeamId(team) },
            VoteOp::Retract { team } => VoteCommand::Retract { team: TeamId(team) },
            VoteOp::Open => VoteCommand::Open,
            VoteOp::Close => VoteCommand::Close,
            VoteOp::SetPerVoter { per_voter } => VoteCommand::SetPerVoter { per_voter },
            VoteOp::ShowCounts { show } => VoteCommand::ShowCounts { show },
        }
    }
}

/// `{"type":"award","op":…}`: labels and awards (moderator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AwardOp {
    Define {
        id: String,
        name: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        unique: bool,
    },
    Remove {
        id: String,
    },
    Give {
        award: String,
        team: u32,
    },
    Take {
        award: String,
        team: u32,
    },
}

/// The command a request asks for; the label's name is cleaned and checked
/// here, once.
impl TryFrom<AwardOp> for AwardCommand {
    type Error = AwardError;

    fn try_from(op: AwardOp) -> Result<AwardCommand, AwardError> {
        Ok(match op {
            AwardOp::Define {
                id,
                name,
                description,
                unique,
            } => AwardCommand::Define {
                id,
                name: award_name(&name)?,
                description,
                unique,
            },
            AwardOp::Remove { id } => AwardCommand::Remove { id },
            AwardOp::Give { award, team } => AwardCommand::Give {
                award,
                team: TeamId(team),
            },
            AwardOp::Take { award, team } => AwardCommand::Take {
                award,
                team: TeamId(team),
            },
        })
    }
}

/// `{"type":"leaderboard","op":…}`: visibility and the ceremony (moderator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LeaderboardOp {
    SetNormalize { on: bool },
    Hide,
    Live,
    Freeze,
    Reveal,
    RevealNext,
}

impl From<LeaderboardOp> for LeaderboardCommand {
    fn from(op: LeaderboardOp) -> LeaderboardCommand {
        match op {
            LeaderboardOp::SetNormalize { on } => LeaderboardCommand::SetNormalize { on },
            LeaderboardOp::Hide => LeaderboardCommand::Hide,
            LeaderboardOp::Live => LeaderboardCommand::Live,
            LeaderboardOp::Freeze => LeaderboardCommand::Freeze,
            LeaderboardOp::Reveal => LeaderboardCommand::Reveal,
            LeaderboardOp::RevealNext => LeaderboardCommand::RevealNext,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ClientMsg, decode};

    #[test]
    fn a_client_cannot_choose_the_shuffle_seed() {
        let request = decode(r#"{"type":"pitch","op":"shuffle"}"#).unwrap();
        assert_eq!(
            request.msg,
            ClientMsg::Pitch {
                op: PitchOp::Shuffle
            }
        );
        // A seed on the wire is an unknown field, ignored like any other.
        let seeded = decode(r#"{"type":"pitch","op":"shuffle","seed":42}"#).unwrap();
        assert_eq!(seeded.msg, request.msg);
        assert_eq!(
            PitchOp::Shuffle.into_command(7),
            Ok(PitchCommand::Shuffle { seed: 7 })
        );
    }

    #[test]
    fn wire_ops_become_their_commands() {
        let request =
            decode(r#"{"type":"jury","op":"score","team":3,"criterion":"impact","value":8}"#)
                .unwrap();
        let ClientMsg::Jury { op } = request.msg else {
            panic!("{request:?}");
        };
        assert_eq!(
            JuryCommand::from(op),
            JuryCommand::Score {
                team: TeamId(3),
                criterion: "impact".into(),
                value: 8
            }
        );
        let op: VoteOp = serde_json::from_str(r#"{"op":"cast","team":2}"#).unwrap();
        assert_eq!(VoteCommand::from(op), VoteCommand::Cast { team: TeamId(2) });
    }
}
