//! Raise a hand and the floor: the amphitheatre's audience asks to speak,
//! the moderator gives (and takes back) the floor.
//!
//! On the stage (the amphitheatre's one conversation) only the speakers are
//! heard: whoever stands on the stage tiles, the moderators, and — decided
//! here — whoever **holds the floor**, and the jurors during Q&A when the
//! event allows it ([`jurors_may_speak`]). The hub asks these rules and tells
//! the media layer who is forwarded; a client never grants itself anything.
//!
//! - A hand is raised by someone standing in the amphitheatre; the queue
//!   keeps the order hands went up.
//! - The moderator gives the floor to someone whose hand is up, at most
//!   [`MAX_HOLDERS`] people at once (a small panel: one question and a
//!   follow-up, without the stage turning into a bubble).
//! - The floor ends when the moderator takes it back, when the holder lowers
//!   their hand, walks out of the amphitheatre or disconnects
//!   ([`Floor::keep`]). Taking it back also lowers the hand: asking again is
//!   raising it again.
//!
//! Ephemeral: the queue lives in the hub's memory and is not journaled (a
//! raised hand is worth nothing after a restart: everyone reconnects and the
//! Q&A goes on). Pure and deterministic; time is passed in.

use super::ids::{MemberId, Millis};
use super::pitch::{RunOfShow, Segment, Timer};

/// Most people holding the floor at once.
pub const MAX_HOLDERS: usize = 3;

/// Why a floor request was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum FloorError {
    #[error("hands are raised in the amphitheatre: walk in first")]
    NotInAmphitheatre,
    #[error("person {0} is not in the amphitheatre")]
    MemberNotInAmphitheatre(u32),
    #[error("person {0} has not raised a hand")]
    HandNotRaised(u32),
    #[error("person {0} does not hold the floor")]
    NotHoldingFloor(u32),
    #[error("{max} people hold the floor already; take it back from one first")]
    FloorFull { max: usize },
    #[error("moderators are always heard on the stage: no need to raise a hand")]
    AlreadySpeaker,
    #[error("this event has no settings yet: set them first (PUT /api/events/<id>/settings)")]
    NoSettings,
}

impl FloorError {
    /// Stable wire code: the variant's name in snake_case.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// A raised hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hand {
    pub member: MemberId,
    /// When it went up (server time, ms).
    pub raised_at: Millis,
}

/// The raised hands, in order, and who holds the floor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Floor {
    hands: Vec<Hand>,
    /// In the order the floor was given; each also has a raised hand.
    holders: Vec<MemberId>,
}

impl Floor {
    /// The raised hands, first raised first.
    pub fn hands(&self) -> &[Hand] {
        &self.hands
    }

    /// Who holds the floor, first given first.
    pub fn holders(&self) -> &[MemberId] {
        &self.holders
    }

    /// Whether `member` holds the floor.
    pub fn holds(&self, member: MemberId) -> bool {
        self.holders.contains(&member)
    }

    /// Whether `member`'s hand is up.
    pub fn raised(&self, member: MemberId) -> bool {
        self.hands.iter().any(|h| h.member == member)
    }

    /// `member` raises a hand (standing in the amphitheatre or not; a
    /// moderator needs none). Raising it again changes nothing (false).
    pub fn raise(
        &mut self,
        member: MemberId,
        in_amphitheatre: bool,
        moderator: bool,
        now: Millis,
    ) -> Result<bool, FloorError> {
        if moderator {
            return Err(FloorError::AlreadySpeaker);
        }
        if !in_amphitheatre {
            return Err(FloorError::NotInAmphitheatre);
        }
        if self.raised(member) {
            return Ok(false);
        }
        self.hands.push(Hand {
            member,
            raised_at: now,
        });
        Ok(true)
    }

    /// `member` lowers their hand, and so gives the floor up. Whether
    /// anything changed.
    pub fn lower(&mut self, member: MemberId) -> bool {
        let before = self.hands.len();
        self.hands.retain(|h| h.member != member);
        self.holders.retain(|m| *m != member);
        self.hands.len() != before
    }

    /// The moderator gives `member` the floor: their hand must be up and
    /// they must stand in the amphitheatre. Giving it again changes nothing.
    pub fn give(&mut self, member: MemberId, in_amphitheatre: bool) -> Result<bool, FloorError> {
        if !in_amphitheatre {
            return Err(FloorError::MemberNotInAmphitheatre(member.0));
        }
        if !self.raised(member) {
            return Err(FloorError::HandNotRaised(member.0));
        }
        if self.holds(member) {
            return Ok(false);
        }
        if self.holders.len() >= MAX_HOLDERS {
            return Err(FloorError::FloorFull { max: MAX_HOLDERS });
        }
        self.holders.push(member);
        Ok(true)
    }

    /// The moderator takes the floor back from `member`; their hand goes
    /// down too.
    pub fn take(&mut self, member: MemberId) -> Result<(), FloorError> {
        if !self.holds(member) {
            return Err(FloorError::NotHoldingFloor(member.0));
        }
        self.lower(member);
        Ok(())
    }

    /// Keeps only the hands (and holders) of people still `present` in the
    /// amphitheatre (connected and standing in it); whether any went.
    pub fn keep(&mut self, present: impl Fn(MemberId) -> bool) -> bool {
        let before = self.hands.len();
        self.hands.retain(|h| present(h.member));
        let hands = &self.hands;
        self.holders
            .retain(|m| hands.iter().any(|h| h.member == *m));
        self.hands.len() != before
    }
}

/// Whether the stage is in *Q&A*: a team is on stage and its pitch is over
/// while the next team is not yet called — the timer is in its Q&A segment
/// (running or paused, overtime included), or the pitch segment was stopped
/// (the moderator ended the pitch; with no Q&A segment configured, this is
/// the time between one pitch and the next). Not during the pitch, before
/// the first start, or once the Q&A segment itself is stopped.
pub fn in_qa(show: &RunOfShow) -> bool {
    show.current_team().is_some()
        && match show.timer {
            Timer::Running { segment, .. } | Timer::Paused { segment, .. } => {
                segment == Segment::Qa
            }
            Timer::Finished { segment, .. } => segment == Segment::Pitch,
            Timer::Idle => false,
        }
}

/// Whether jurors are heard on the stage now without asking: the event
/// allows it (`jurors_speak_in_qa`) and the stage is in Q&A.
pub fn jurors_may_speak(jurors_speak_in_qa: bool, show: &RunOfShow) -> bool {
    jurors_speak_in_qa && in_qa(show)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TeamId;

    const A: MemberId = MemberId(1);
    const B: MemberId = MemberId(2);

    fn raised(members: &[u32]) -> Floor {
        let mut floor = Floor::default();
        for (i, m) in members.iter().enumerate() {
            floor.raise(MemberId(*m), true, false, i as Millis).unwrap();
        }
        floor
    }

    #[test]
    fn hands_queue_in_the_order_they_went_up_and_raising_twice_changes_nothing() {
        let mut floor = raised(&[3, 1, 2]);
        assert_eq!(floor.raise(A, true, false, 99), Ok(false));
        let order: Vec<u32> = floor.hands().iter().map(|h| h.member.0).collect();
        assert_eq!(order, vec![3, 1, 2]);
        assert_eq!(floor.hands()[1].raised_at, 1);
        assert!(floor.lower(A));
        assert!(!floor.lower(A));
        let order: Vec<u32> = floor.hands().iter().map(|h| h.member.0).collect();
        assert_eq!(order, vec![3, 2]);
    }

    #[test]
    fn a_hand_goes_up_only_in_the_amphitheatre_and_never_a_moderators() {
        let mut floor = Floor::default();
        assert_eq!(
            floor.raise(A, false, false, 0),
            Err(FloorError::NotInAmphitheatre)
        );
        assert_eq!(
            floor.raise(A, true, true, 0),
            Err(FloorError::AlreadySpeaker)
        );
        assert!(floor.hands().is_empty());
    }

    #[test]
    fn the_floor_goes_to_a_raised_hand_in_the_amphitheatre_only() {
        let mut floor = raised(&[1]);
        assert_eq!(floor.give(B, true), Err(FloorError::HandNotRaised(2)));
        assert_eq!(
            floor.give(A, false),
            Err(FloorError::MemberNotInAmphitheatre(1))
        );
        assert!(floor.holders().is_empty());
        assert_eq!(floor.give(A, true), Ok(true));
        assert_eq!(floor.give(A, true), Ok(false));
        assert!(floor.holds(A));
        assert!(floor.raised(A), "the hand stays up while speaking");
    }

    #[test]
    fn at_most_max_holders_hold_the_floor() {
        let ids: Vec<u32> = (1..=MAX_HOLDERS as u32 + 1).collect();
        let mut floor = raised(&ids);
        for id in &ids[..MAX_HOLDERS] {
            assert_eq!(floor.give(MemberId(*id), true), Ok(true));
        }
        let last = MemberId(ids[MAX_HOLDERS]);
        assert_eq!(
            floor.give(last, true),
            Err(FloorError::FloorFull { max: MAX_HOLDERS })
        );
        floor.take(A).unwrap();
        assert_eq!(floor.give(last, true), Ok(true));
    }

    #[test]
    fn taking_the_floor_back_lowers_the_hand_and_needs_a_holder() {
        let mut floor = raised(&[1, 2]);
        assert_eq!(floor.take(A), Err(FloorError::NotHoldingFloor(1)));
        floor.give(A, true).unwrap();
        floor.take(A).unwrap();
        assert!(!floor.holds(A) && !floor.raised(A));
        assert!(floor.raised(B));
    }

    #[test]
    fn lowering_the_hand_or_walking_out_ends_the_floor() {
        let mut floor = raised(&[1, 2]);
        floor.give(A, true).unwrap();
        floor.give(B, true).unwrap();
        assert!(floor.lower(A));
        assert_eq!(floor.holders(), &[B]);
        assert!(!floor.keep(|m| m == B), "nobody else had a hand up");
        assert!(floor.keep(|m| m != B));
        assert!(floor.holders().is_empty() && floor.hands().is_empty());
    }

    fn show(timer: Timer) -> RunOfShow {
        RunOfShow {
            order: vec![TeamId(1), TeamId(2)],
            current: Some(0),
            timer,
            ..RunOfShow::default()
        }
    }

    #[test]
    fn qa_is_the_qa_segment_or_a_stopped_pitch_with_a_team_on_stage() {
        let qa = Segment::Qa;
        let pitch = Segment::Pitch;
        let cases = [
            (Timer::Idle, false),
            (
                Timer::Running {
                    deadline: 9,
                    segment: pitch,
                },
                false,
            ),
            (
                Timer::Paused {
                    remaining_ms: 5,
                    segment: pitch,
                },
                false,
            ),
            (
                Timer::Finished {
                    remaining_ms: 0,
                    segment: pitch,
                },
                true,
            ),
            (
                Timer::Running {
                    deadline: 9,
                    segment: qa,
                },
                true,
            ),
            (
                Timer::Paused {
                    remaining_ms: -5,
                    segment: qa,
                },
                true,
            ),
            (
                Timer::Finished {
                    remaining_ms: 0,
                    segment: qa,
                },
                false,
            ),
        ];
        for (timer, expected) in cases {
            assert_eq!(in_qa(&show(timer)), expected, "{timer:?}");
            assert_eq!(jurors_may_speak(true, &show(timer)), expected, "{timer:?}");
            assert!(!jurors_may_speak(false, &show(timer)), "{timer:?}");
        }
        let nobody = RunOfShow {
            current: None,
            ..show(Timer::Finished {
                remaining_ms: 0,
                segment: pitch,
            })
        };
        assert!(!in_qa(&nobody), "no team on stage, no Q&A");
    }
}
