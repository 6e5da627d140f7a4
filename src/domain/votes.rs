//! The people's choice ("coup de cœur"): participants vote for their
//! favourite teams, never their own, while voting is open.
//!
//! Each voter has `per_voter` votes, at most one per team, and may take a
//! vote back while voting is open. The counts are always known to the
//! moderator; whether others see them live is the moderator's choice
//! (`show_counts`). Who may vote (a role check) is the caller's business.

use super::ids::{MemberId, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most votes one person may have.
pub const MAX_VOTES_PER_VOTER: u8 = 10;

/// A change to the vote. `Cast`/`Retract` come from voters, the rest from
/// the moderator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum VoteCommand {
    /// Vote for a team.
    Cast { team: TeamId },
    /// Take back one's vote for a team.
    Retract { team: TeamId },
    /// Voting opens. Idempotent.
    Open,
    /// Voting closes: ballots are final. Idempotent.
    Close,
    /// How many votes each person has (1 to 10). Lowering it below what
    /// someone has already cast is refused.
    SetPerVoter { per_voter: u8 },
    /// Whether everyone sees the counts live, or only the moderator.
    ShowCounts { show: bool },
}

/// Why a vote command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum VoteError {
    #[error("voting is closed")]
    VotingClosed,
    #[error("no team has id {0}")]
    UnknownTeam(u32),
    #[error("you cannot vote for your own team")]
    OwnTeamVote,
    #[error("you already voted for team {0}")]
    AlreadyVoted(u32),
    #[error("you have used all your {0} votes; take one back first")]
    NoVotesLeft(u8),
    #[error("you have not voted for team {0}")]
    NotVoted(u32),
    #[error("votes per person must be between 1 and {max} (got {got})")]
    PerVoterOutOfRange { got: u8, max: u8 },
    #[error("someone already cast {0} votes; the limit cannot go below that")]
    TooManyVotesCast(u8),
}

impl VoteError {
    /// Stable wire code: the variant's name in snake_case.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// What a successful command changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteChange {
    /// Nothing (an idempotent command repeated).
    Nothing,
    /// A ballot changed: the voter's own view and the counts change.
    Ballot { voter: MemberId, team: TeamId },
    /// Opening, closing, the number of votes or the counts' visibility.
    Settings,
}

/// Who votes, the rules, and every ballot. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Votes {
    pub open: bool,
    /// Votes per person.
    pub per_voter: u8,
    /// Everyone sees the counts live (otherwise only the moderator).
    pub show_counts: bool,
    /// voter → the teams they voted for, ascending.
    pub ballots: BTreeMap<MemberId, Vec<TeamId>>,
}

impl Default for Votes {
    fn default() -> Self {
        Votes {
            open: false,
            per_voter: 1,
            show_counts: false,
            ballots: BTreeMap::new(),
        }
    }
}

impl Votes {
    /// Checks a command without changing anything. `voter_team` is the
    /// acting person's team; `team_exists` tells whether a team id is known.
    pub fn check(
        &self,
        voter: MemberId,
        voter_team: Option<TeamId>,
        command: &VoteCommand,
        team_exists: impl Fn(TeamId) -> bool,
    ) -> Result<(), VoteError> {
        match command {
            VoteCommand::Cast { team } => {
                if !self.open {
                    return Err(VoteError::VotingClosed);
                }
                if !team_exists(*team) {
                    return Err(VoteError::UnknownTeam(team.0));
                }
                if voter_team == Some(*team) {
                    return Err(VoteError::OwnTeamVote);
                }
                let mine = self.ballot(voter);
                if mine.contains(team) {
                    return Err(VoteError::AlreadyVoted(team.0));
                }
                if mine.len() >= usize::from(self.per_voter) {
                    return Err(VoteError::NoVotesLeft(self.per_voter));
                }
                Ok(())
            }
            VoteCommand::Retract { team } => {
                if !self.open {
                    return Err(VoteError::VotingClosed);
                }
                if !self.ballot(voter).contains(team) {
                    return Err(VoteError::NotVoted(team.0));
                }
                Ok(())
            }
            VoteCommand::SetPerVoter { per_voter } => {
                if *per_voter == 0 || *per_voter > MAX_VOTES_PER_VOTER {
                    return Err(VoteError::PerVoterOutOfRange {
                        got: *per_voter,
                        max: MAX_VOTES_PER_VOTER,
                    });
                }
                let most = self.ballots.values().map(Vec::len).max().unwrap_or(0);
                if most > usize::from(*per_voter) {
                    return Err(VoteError::TooManyVotesCast(
                        u8::try_from(most).unwrap_or(u8::MAX),
                    ));
                }
                Ok(())
            }
            VoteCommand::Open | VoteCommand::Close | VoteCommand::ShowCounts { .. } => Ok(()),
        }
    }

    /// Checks then applies a command. On error nothing changed.
    pub fn apply(
        &mut self,
        voter: MemberId,
        voter_team: Option<TeamId>,
        command: &VoteCommand,
        team_exists: impl Fn(TeamId) -> bool,
    ) -> Result<VoteChange, VoteError> {
        self.check(voter, voter_team, command, team_exists)?;
        Ok(match command {
            VoteCommand::Cast { team } => {
                let ballot = self.ballots.entry(voter).or_default();
                ballot.push(*team);
                ballot.sort();
                VoteChange::Ballot { voter, team: *team }
            }
            VoteCommand::Retract { team } => {
                if let Some(ballot) = self.ballots.get_mut(&voter) {
                    ballot.retain(|t| t != team);
                    if ballot.is_empty() {
                        self.ballots.remove(&voter);
                    }
                }
                VoteChange::Ballot { voter, team: *team }
            }
            VoteCommand::Open | VoteCommand::Close => {
                let open = *command == VoteCommand::Open;
                if self.open == open {
                    VoteChange::Nothing
                } else {
                    self.open = open;
                    VoteChange::Settings
                }
            }
            VoteCommand::SetPerVoter { per_voter } => {
                if self.per_voter == *per_voter {
                    VoteChange::Nothing
                } else {
                    self.per_voter = *per_voter;
                    VoteChange::Settings
                }
            }
            VoteCommand::ShowCounts { show } => {
                if self.show_counts == *show {
                    VoteChange::Nothing
                } else {
                    self.show_counts = *show;
                    VoteChange::Settings
                }
            }
        })
    }

    /// The teams a person voted for, ascending.
    pub fn ballot(&self, voter: MemberId) -> &[TeamId] {
        self.ballots.get(&voter).map_or(&[], Vec::as_slice)
    }

    /// Votes a person has left.
    pub fn votes_left(&self, voter: MemberId) -> u8 {
        let used = u8::try_from(self.ballot(voter).len()).unwrap_or(u8::MAX);
        self.per_voter.saturating_sub(used)
    }

    /// Votes per team (teams without votes are absent).
    pub fn counts(&self) -> BTreeMap<TeamId, u32> {
        let mut counts = BTreeMap::new();
        for team in self.ballots.values().flatten() {
            *counts.entry(*team).or_insert(0) += 1;
        }
        counts
    }

    /// Votes for one team.
    pub fn count(&self, team: TeamId) -> u32 {
        let n = self.ballots.values().filter(|b| b.contains(&team)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The counts as people other than the moderator may see them: `None`
    /// while the moderator keeps them hidden.
    pub fn public_counts(&self) -> Option<BTreeMap<TeamId, u32>> {
        self.show_counts.then(|| self.counts())
    }

    /// Drops every vote for a team that no longer exists (the voters get
    /// their vote back). Returns whether anything changed.
    pub fn forget_team(&mut self, team: TeamId) -> bool {
        let mut changed = false;
        for ballot in self.ballots.values_mut() {
            let before = ballot.len();
            ballot.retain(|t| *t != team);
            changed |= ballot.len() != before;
        }
        self.ballots.retain(|_, b| !b.is_empty());
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: MemberId = MemberId(1);
    const BOB: MemberId = MemberId(2);
    const T1: TeamId = TeamId(1);
    const T2: TeamId = TeamId(2);
    const T3: TeamId = TeamId(3);

    fn exists(t: TeamId) -> bool {
        (1..=3).contains(&t.0)
    }

    fn vote(
        v: &mut Votes,
        who: MemberId,
        own: Option<TeamId>,
        c: VoteCommand,
    ) -> Result<VoteChange, &'static str> {
        let before = v.clone();
        v.apply(who, own, &c, exists).map_err(|e| {
            assert_eq!(*v, before, "a refused command changes nothing");
            e.code()
        })
    }

    fn opened() -> Votes {
        let mut v = Votes::default();
        vote(&mut v, ALICE, None, VoteCommand::Open).unwrap();
        v
    }

    #[test]
    fn closed_voting_refuses_ballots() {
        let mut v = Votes::default();
        assert_eq!(
            vote(&mut v, ALICE, None, VoteCommand::Cast { team: T1 }),
            Err("voting_closed")
        );
    }

    #[test]
    fn one_vote_never_for_ones_own_team() {
        let mut v = opened();
        assert_eq!(
            vote(&mut v, ALICE, Some(T1), VoteCommand::Cast { team: T1 }),
            Err("own_team_vote")
        );
        assert_eq!(
            vote(
                &mut v,
                ALICE,
                Some(T1),
                VoteCommand::Cast { team: TeamId(9) }
            ),
            Err("unknown_team")
        );
        vote(&mut v, ALICE, Some(T1), VoteCommand::Cast { team: T2 }).unwrap();
        assert_eq!(
            vote(&mut v, ALICE, Some(T1), VoteCommand::Cast { team: T2 }),
            Err("already_voted")
        );
        assert_eq!(
            vote(&mut v, ALICE, Some(T1), VoteCommand::Cast { team: T3 }),
            Err("no_votes_left")
        );
        assert_eq!(v.votes_left(ALICE), 0);
        // Retract, then vote elsewhere.
        vote(&mut v, ALICE, Some(T1), VoteCommand::Retract { team: T2 }).unwrap();
        assert_eq!(
            vote(&mut v, ALICE, Some(T1), VoteCommand::Retract { team: T2 }),
            Err("not_voted")
        );
        vote(&mut v, ALICE, Some(T1), VoteCommand::Cast { team: T3 }).unwrap();
        assert_eq!(v.ballot(ALICE), &[T3]);
    }

    #[test]
    fn several_votes_and_counts() {
        let mut v = opened();
        vote(
            &mut v,
            ALICE,
            None,
            VoteCommand::SetPerVoter { per_voter: 2 },
        )
        .unwrap();
        vote(&mut v, ALICE, None, VoteCommand::Cast { team: T3 }).unwrap();
        vote(&mut v, ALICE, None, VoteCommand::Cast { team: T1 }).unwrap();
        vote(&mut v, BOB, Some(T2), VoteCommand::Cast { team: T3 }).unwrap();
        assert_eq!(v.ballot(ALICE), &[T1, T3]);
        assert_eq!(v.counts(), BTreeMap::from([(T1, 1), (T3, 2)]));
        assert_eq!((v.count(T3), v.count(T2)), (2, 0));
        // Counts hidden from the public until the moderator shows them.
        assert_eq!(v.public_counts(), None);
        vote(&mut v, ALICE, None, VoteCommand::ShowCounts { show: true }).unwrap();
        assert_eq!(v.public_counts(), Some(v.counts()));
        // Alice cast two: the limit cannot go back to one.
        assert_eq!(
            vote(
                &mut v,
                ALICE,
                None,
                VoteCommand::SetPerVoter { per_voter: 1 }
            ),
            Err("too_many_votes_cast")
        );
        assert_eq!(
            vote(
                &mut v,
                ALICE,
                None,
                VoteCommand::SetPerVoter { per_voter: 0 }
            ),
            Err("per_voter_out_of_range")
        );
        // Closed: ballots are final.
        vote(&mut v, ALICE, None, VoteCommand::Close).unwrap();
        assert_eq!(
            vote(&mut v, ALICE, None, VoteCommand::Retract { team: T1 }),
            Err("voting_closed")
        );
        assert_eq!(
            vote(&mut v, ALICE, None, VoteCommand::Close),
            Ok(VoteChange::Nothing)
        );
        // A dissolved team's votes go back to the voters.
        assert!(v.forget_team(T3));
        assert_eq!(v.counts(), BTreeMap::from([(T1, 1)]));
        assert_eq!(v.ballot(BOB), &[] as &[TeamId]);
    }

    #[test]
    fn survives_json_round_trip() {
        let mut v = opened();
        vote(&mut v, ALICE, None, VoteCommand::Cast { team: T2 }).unwrap();
        let back: Votes = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(back, v);
    }
}
