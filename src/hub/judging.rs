//! The pitch session in the hub: its requests (`pitch`, `jury`, `vote`,
//! `award`, `leaderboard`) turned into commands, timer and stage
//! announcements, each juror's sheet, the moderator's jury status, votes,
//! labels, and the leaderboard — the public view encoded once for everyone,
//! the full one for staff only.
//!
//! No score reaches anyone but jurors and the moderator unless the
//! leaderboard is published (the public view is `None` while hidden).

use super::actor::Hub;
use super::requests::Intent;
use super::sessions::Session;
use crate::domain::{Command, DomainError, MemberId, Role};
use crate::protocol::{ClientMsg, Encoded, ErrorCode, JurorProgress, ServerMsg, encoded};

/// What a pitch session request asks: the pitch, jury, vote, award or
/// leaderboard command it stands for.
pub(super) fn judging_intent(msg: ClientMsg) -> Result<Intent, (ErrorCode, String)> {
    use Intent::Durable;
    match msg {
        // The hub draws a shuffle's seed; it is journaled, so replay agrees.
        ClientMsg::Pitch { op } => Ok(Durable(Command::Pitch(
            op.into_command(rand::random::<u64>().max(1))
                .map_err(DomainError::from)?,
        ))),
        ClientMsg::Jury { op } => Ok(Durable(Command::Jury(op.into()))),
        ClientMsg::Vote { op } => Ok(Durable(Command::Vote(op.into()))),
        ClientMsg::Award { op } => Ok(Durable(Command::Award(
            op.try_into().map_err(DomainError::from)?,
        ))),
        ClientMsg::Leaderboard { op } => Ok(Durable(Command::Leaderboard(op.into()))),
        other => Err((
            ErrorCode::InvalidMessage,
            format!("not a pitch session request: {}", other.kind()),
        )),
    }
}

impl Hub {
    fn is_staff(&self, session: &Session) -> bool {
        matches!(self.role_of(session), Some(Role::Jury | Role::Moderator))
    }

    pub(super) fn pitch_frame(&self) -> Encoded {
        let show = &self.event().state().show;
        encoded(&ServerMsg::Pitch {
            order: show.order.iter().map(|t| t.0).collect(),
            timer: show.view(self.now()),
        })
    }

    pub(super) fn stage_frame(&self, team: Option<crate::domain::TeamId>) -> Encoded {
        let team_name = team
            .and_then(|t| self.event().team(t))
            .map(|t| t.name.clone());
        encoded(&ServerMsg::OnStage {
            team: team.map(|t| t.0),
            team_name,
        })
    }

    fn public_board_frame(&self) -> Encoded {
        let teams = self.event().team_ids();
        let board = self
            .event()
            .state()
            .leaderboard
            .public_view(&self.event().standings(&teams));
        encoded(&ServerMsg::Leaderboard { board })
    }

    fn staff_board_frame(&self) -> Encoded {
        let teams = self.event().team_ids();
        let board = self
            .event()
            .state()
            .leaderboard
            .staff_view(&self.event().standings(&teams));
        encoded(&ServerMsg::StaffLeaderboard { board })
    }

    fn votes_frame(&self, with_counts: bool) -> Encoded {
        let votes = &self.event().state().votes;
        let counts = if with_counts || votes.show_counts {
            Some(votes.counts().into_iter().map(|(t, n)| (t.0, n)).collect())
        } else {
            None
        };
        encoded(&ServerMsg::Votes {
            open: votes.open,
            per_voter: votes.per_voter,
            show_counts: votes.show_counts,
            counts,
        })
    }

    fn my_votes_frame(&self, voter: MemberId) -> Encoded {
        let votes = &self.event().state().votes;
        let ballot = votes.ballot(voter).iter().map(|t| t.0).collect();
        encoded(&ServerMsg::MyVotes {
            ballot,
            votes_left: votes.votes_left(voter),
        })
    }

    fn jury_sheet_frame(&self, juror: MemberId) -> Encoded {
        let jury = &self.event().state().jury;
        let teams = self.event().team_ids();
        let scores = jury
            .scores
            .get(&juror)
            .map(|sheets| sheets.iter().map(|(t, s)| (t.0, s)).collect())
            .unwrap_or_default();
        encoded(&ServerMsg::JurySheet {
            rubric: &jury.rubric,
            judging_open: jury.judging_open,
            published: jury.published,
            scores,
            progress: jury.progress(juror, &teams),
        })
    }

    fn jury_status_frame(&self) -> Encoded {
        let jury = &self.event().state().jury;
        let teams = self.event().team_ids();
        let jurors = self
            .event()
            .state()
            .members
            .values()
            .filter(|m| m.role == Role::Jury)
            .map(|m| {
                let progress = jury.progress(m.id, &teams);
                JurorProgress {
                    id: m.id.0,
                    name: m.name.clone(),
                    scored: progress.scored,
                    remaining: progress.remaining,
                }
            })
            .collect();
        encoded(&ServerMsg::JuryStatus {
            rubric: &jury.rubric,
            judging_open: jury.judging_open,
            published: jury.published,
            jurors,
        })
    }

    fn awards_frame(&self) -> Encoded {
        encoded(&ServerMsg::Awards {
            awards: &self.event().state().awards.awards,
        })
    }

    pub(super) fn push_pitch(&self) {
        self.deliver(self.pitch_frame(), self.sessions.everyone());
    }

    pub(super) fn push_stage(&self, team: Option<crate::domain::TeamId>) {
        self.deliver(self.stage_frame(team), self.sessions.everyone());
    }

    /// Leaderboard after a change: the public view to everyone but staff,
    /// the full view to staff.
    pub(super) fn push_leaderboard(&mut self) {
        let public = self.public_board_frame();
        // Most changes (a score while hidden or frozen) leave the public view
        // as it was: then thousands of screens need nothing.
        let unchanged = self
            .last_public_board
            .as_ref()
            .is_some_and(|last| last.frame.as_str() == public.frame.as_str());
        if !unchanged {
            self.last_public_board = Some(public.clone());
            self.deliver(
                public,
                self.sessions.everyone().filter(|s| !self.is_staff(s)),
            );
        }
        let staff = self.staff_board_frame();
        self.deliver(staff, self.sessions.members().filter(|s| self.is_staff(s)));
    }

    pub(super) fn push_jury(&self) {
        for session in self.sessions.members() {
            match self.role_of(session) {
                Some(Role::Jury) => self.deliver(
                    self.jury_sheet_frame(session.member),
                    std::iter::once(session),
                ),
                Some(Role::Moderator) => {
                    self.deliver(self.jury_status_frame(), std::iter::once(session))
                }
                _ => {}
            }
        }
    }

    pub(super) fn push_votes(&self, voter: Option<MemberId>) {
        let moderator = |s: &&Session| self.role_of(s) == Some(Role::Moderator);
        self.deliver(
            self.votes_frame(false),
            self.sessions.everyone().filter(|s| !moderator(s)),
        );
        self.deliver(
            self.votes_frame(true),
            self.sessions.members().filter(moderator),
        );
        if let Some(session) = voter.and_then(|v| self.sessions.of_member(v)) {
            self.deliver(
                self.my_votes_frame(session.member),
                std::iter::once(session),
            );
        }
    }

    pub(super) fn push_awards(&self) {
        self.deliver(
            self.awards_frame(),
            self.sessions.members().filter(|s| self.is_staff(s)),
        );
    }

    /// What a newly joined member (or watcher) should know of the session.
    pub(super) fn send_judging_on_join(&self, session: &Session) {
        let one = || std::iter::once(session);
        self.deliver(self.pitch_frame(), one());
        let role = self.role_of(session);
        let staff = matches!(role, Some(Role::Jury | Role::Moderator));
        if staff {
            self.deliver(self.staff_board_frame(), one());
            self.deliver(self.awards_frame(), one());
        } else {
            self.deliver(self.public_board_frame(), one());
        }
        self.deliver(self.votes_frame(role == Some(Role::Moderator)), one());
        match role {
            Some(Role::Jury) => self.deliver(self.jury_sheet_frame(session.member), one()),
            Some(Role::Moderator) => self.deliver(self.jury_status_frame(), one()),
            Some(Role::Participant) => self.deliver(self.my_votes_frame(session.member), one()),
            _ => {}
        }
    }
}
