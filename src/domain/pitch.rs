//! The run of show: the order in which teams pitch, and the stage timer.
//!
//! The timer is server-authoritative. A running segment is stored as an
//! **absolute deadline in server time** ([`Timer::Running::deadline`]), never as
//! a remaining duration that would need ticking. Two consequences:
//!
//! - clients get the deadline once and count down on their own (after
//!   estimating their clock offset), so the hub sends nothing per second;
//! - a running timer survives a restart exactly: the snapshot (or the journal
//!   replay) restores the same deadline, and [`RunOfShow::view`] at the new
//!   `now` gives the right remaining time, including the time the server was
//!   down. A paused timer stores its remaining time and does not move.
//!
//! Remaining time is signed: below zero the team is in overtime and the
//! counter counts up. The phase (normal, warning, wrap-up, overtime) is derived
//! from the remaining time and the thresholds, never stored.
//!
//! Pure and deterministic: every function that depends on time takes `now`.

use super::ids::{Millis, TeamId};
use super::text::Name;
use serde::{Deserialize, Serialize};

/// Default pitch length: 3 minutes.
pub const DEFAULT_PITCH_MS: u64 = 180_000;
/// Default "warning" threshold: one minute left.
pub const DEFAULT_WARNING_MS: u64 = 60_000;
/// Default "wrap up" threshold: thirty seconds left.
pub const DEFAULT_WRAPUP_MS: u64 = 30_000;
/// Longest pitch or Q&A segment, and largest single time adjustment: one hour.
pub const MAX_SEGMENT_MS: u64 = 3_600_000;
/// Longest message to the speaker, in characters (it is shown on the timer).
pub const MAX_SPEAKER_MESSAGE_CHARS: usize = 140;
/// Most teams in a run of show.
pub const MAX_ORDER_LEN: usize = 500;

/// Which part of a team's turn the timer measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// The team talks.
    #[default]
    Pitch,
    /// Questions from the jury after the pitch.
    Qa,
}

/// The stage timer for the team on stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Timer {
    /// Not started: shows the full pitch length.
    #[default]
    Idle,
    /// Counting down to `deadline` (absolute server time, ms since the
    /// epoch). After it, the segment is in overtime.
    Running { deadline: Millis, segment: Segment },
    /// Stopped with `remaining_ms` left (negative: paused in overtime).
    Paused { remaining_ms: i64, segment: Segment },
    /// The moderator ended the segment; `remaining_ms` is where it stopped
    /// (negative: that much overtime), kept for the record and the display.
    Finished { remaining_ms: i64, segment: Segment },
}

/// The state of the timer without its data, for views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerState {
    Idle,
    Running,
    Paused,
    Finished,
}

/// How urgent the remaining time is; drives the colours on every screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerPhase {
    /// More than `warning_ms` left.
    Normal,
    /// At most `warning_ms` left.
    Warning,
    /// At most `wrapup_ms` left.
    WrapUp,
    /// Past the deadline: the counter counts up.
    Overtime,
}

impl TimerPhase {
    /// The phase for a remaining time (ms, negative in overtime).
    pub fn of(remaining_ms: i64, warning_ms: u64, wrapup_ms: u64) -> TimerPhase {
        if remaining_ms < 0 {
            TimerPhase::Overtime
        } else if remaining_ms <= ms_i64(wrapup_ms) {
            TimerPhase::WrapUp
        } else if remaining_ms <= ms_i64(warning_ms) {
            TimerPhase::Warning
        } else {
            TimerPhase::Normal
        }
    }
}

/// A change to the run of show (moderator only; the caller checks the role).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PitchCommand {
    /// Replace the order of teams. No duplicates; every team must exist.
    SetOrder {
        order: Vec<TeamId>,
    },
    /// Shuffle the current order with a seeded, deterministic shuffle. The
    /// hub draws the seed and journals it, so replay gives the same order.
    Shuffle {
        #[serde(default)]
        seed: u64,
    },
    /// Segment lengths and phase thresholds. They apply from the next start:
    /// a running segment keeps its deadline.
    SetDurations {
        pitch_ms: u64,
        qa_ms: u64,
        warning_ms: u64,
        wrapup_ms: u64,
    },
    /// Start the current team's pitch (the first team if none is on stage).
    Start,
    Pause,
    Resume,
    /// Add (positive) or remove (negative) time on a running or paused
    /// segment. Removing never goes below zero remaining (the deadline
    /// becomes `now`); in overtime, removing time changes nothing.
    AddTime {
        delta_ms: i64,
    },
    /// End the current segment early (or record where the overtime stopped).
    Stop,
    /// Put the next team on stage, timer idle.
    Next,
    /// Put the previous team back on stage, timer idle.
    Previous,
    /// Reset the current team's timer to idle at the full pitch length.
    Restart,
    /// A short message shown to the speaker on the timer ("wrap up"); `None`
    /// clears it (blank text becomes `None` in [`speaker_message`]). Cleared
    /// when the team on stage changes.
    SpeakerMessage {
        text: Option<Name>,
    },
    /// Start the Q&A segment for the team on stage (needs `qa_ms > 0`).
    StartQa,
}

/// Why a run-of-show command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum PitchError {
    #[error("the run of show has no teams")]
    EmptyOrder,
    #[error("no team has id {0}")]
    UnknownTeam(u32),
    #[error("team {0} appears twice in the order")]
    DuplicateTeam(u32),
    #[error("the run of show is limited to {0} teams")]
    OrderTooLong(usize),
    #[error("{field} must be between {min} and {max} ms (got {got})")]
    DurationOutOfRange {
        field: &'static str,
        min: i64,
        max: i64,
        got: i64,
    },
    #[error("the wrap-up threshold must not exceed the warning threshold")]
    ThresholdsOutOfOrder,
    #[error("the timer is already {0}; {hint}", hint = started_hint(.0))]
    TimerAlreadyStarted(&'static str),
    #[error("the timer is not running")]
    TimerNotRunning,
    #[error("the timer is not paused ({0}); {hint}", hint = started_hint(.0))]
    TimerNotPaused(&'static str),
    #[error("no team is on stage")]
    NoCurrentTeam,
    #[error("this is the last team")]
    NoNextTeam,
    #[error("this is the first team")]
    NoPreviousTeam,
    #[error("no Q&A is configured (qa_ms is 0)")]
    NoQa,
    #[error("the Q&A has already started")]
    QaAlreadyStarted,
    #[error("the speaker message is {len} characters long; the limit is {max}")]
    TextTooLong { len: usize, max: usize },
}

/// What the moderator may do with the timer in `state`, for refusals: the
/// state machine told in one place (see docs/protocol.md, `pitch`).
fn started_hint(state: &str) -> &'static str {
    match state {
        "idle" => "use start",
        "running" => "use pause, stop or add_time",
        "paused" => "use resume, stop or restart",
        // Stopped: the segment is over; the same team again, or the next.
        _ => "use restart (this team again), next, or start_qa when a Q&A is set",
    }
}

impl PitchError {
    /// Stable wire code: the variant's name in snake_case.
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// The order of pitches, who is on stage, the timer and its settings. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunOfShow {
    /// Teams in pitching order.
    pub order: Vec<TeamId>,
    /// Index in `order` of the team on stage; `None` before the show starts.
    pub current: Option<usize>,
    /// Pitch length.
    pub pitch_ms: u64,
    /// Q&A length; 0 means no Q&A.
    pub qa_ms: u64,
    /// The warning phase starts when this much time is left.
    pub warning_ms: u64,
    /// The wrap-up phase starts when this much time is left.
    pub wrapup_ms: u64,
    pub timer: Timer,
    /// Shown to the speaker on the timer.
    pub speaker_message: Option<String>,
}

impl Default for RunOfShow {
    fn default() -> Self {
        RunOfShow {
            order: Vec::new(),
            current: None,
            pitch_ms: DEFAULT_PITCH_MS,
            qa_ms: 0,
            warning_ms: DEFAULT_WARNING_MS,
            wrapup_ms: DEFAULT_WRAPUP_MS,
            timer: Timer::Idle,
            speaker_message: None,
        }
    }
}

/// What every screen shows of the stage timer at one instant. Clients should
/// count down from `deadline` (server time, corrected by their clock offset)
/// rather than from `remaining_ms`, which is exact only at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerView {
    /// The team on stage.
    pub team: Option<TeamId>,
    /// Its index in the order (0-based).
    pub index: Option<usize>,
    /// How many teams pitch in all.
    pub count: usize,
    pub segment: Segment,
    pub state: TimerState,
    /// When the segment ends, in server time; only while running.
    pub deadline: Option<Millis>,
    /// Time left at `now`; negative in overtime.
    pub remaining_ms: i64,
    /// Configured length of the segment (before any added time).
    pub segment_ms: u64,
    pub phase: TimerPhase,
    pub warning_ms: u64,
    pub wrapup_ms: u64,
    /// The configured pitch and Q&A lengths (for the console's form).
    pub pitch_ms: u64,
    pub qa_ms: u64,
    pub speaker_message: Option<String>,
    /// The team after this one, to announce it.
    pub next_team: Option<TeamId>,
}

/// What a successful command changed, so the hub knows what to announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PitchChange {
    /// The order or the settings changed.
    Show,
    /// Only the timer (or the speaker message) changed.
    Timer,
    /// Another team is on stage (`None`: nobody): announce it, move the stage.
    Stage { team: Option<TeamId> },
}

impl RunOfShow {
    /// The team on stage.
    pub fn current_team(&self) -> Option<TeamId> {
        self.current.and_then(|i| self.order.get(i).copied())
    }

    /// Checks a command without changing anything. `team_exists` tells
    /// whether a team id is known in the event (used by `set_order`).
    pub fn check(
        &self,
        command: &PitchCommand,
        team_exists: impl Fn(TeamId) -> bool,
    ) -> Result<(), PitchError> {
        match command {
            PitchCommand::SetOrder { order } => check_order(order, team_exists),
            PitchCommand::Shuffle { .. } => {
                if self.order.is_empty() {
                    Err(PitchError::EmptyOrder)
                } else {
                    Ok(())
                }
            }
            PitchCommand::SetDurations {
                pitch_ms,
                qa_ms,
                warning_ms,
                wrapup_ms,
            } => {
                in_range("pitch_ms", *pitch_ms, 1_000)?;
                in_range("qa_ms", *qa_ms, 0)?;
                in_range("warning_ms", *warning_ms, 0)?;
                in_range("wrapup_ms", *wrapup_ms, 0)?;
                if wrapup_ms > warning_ms {
                    return Err(PitchError::ThresholdsOutOfOrder);
                }
                Ok(())
            }
            PitchCommand::Start => {
                if self.order.is_empty() {
                    return Err(PitchError::EmptyOrder);
                }
                match self.timer {
                    Timer::Idle => Ok(()),
                    Timer::Running { .. } => Err(PitchError::TimerAlreadyStarted("running")),
                    Timer::Paused { .. } => Err(PitchError::TimerAlreadyStarted("paused")),
                    Timer::Finished { .. } => Err(PitchError::TimerAlreadyStarted("finished")),
                }
            }
            PitchCommand::Pause | PitchCommand::Stop => match self.timer {
                Timer::Running { .. } => Ok(()),
                Timer::Paused { .. } if *command == PitchCommand::Stop => Ok(()),
                _ => Err(PitchError::TimerNotRunning),
            },
            PitchCommand::Resume => match self.timer {
                Timer::Paused { .. } => Ok(()),
                Timer::Idle => Err(PitchError::TimerNotPaused("idle")),
                Timer::Running { .. } => Err(PitchError::TimerNotPaused("running")),
                Timer::Finished { .. } => Err(PitchError::TimerNotPaused("finished")),
            },
            PitchCommand::AddTime { delta_ms } => {
                let max = ms_i64(MAX_SEGMENT_MS);
                if !(-max..=max).contains(delta_ms) {
                    return Err(PitchError::DurationOutOfRange {
                        field: "delta_ms",
                        min: -max,
                        max,
                        got: *delta_ms,
                    });
                }
                match self.timer {
                    Timer::Running { .. } | Timer::Paused { .. } => Ok(()),
                    _ => Err(PitchError::TimerNotRunning),
                }
            }
            PitchCommand::Next => {
                if self.order.is_empty() {
                    return Err(PitchError::EmptyOrder);
                }
                match self.current {
                    Some(i) if i + 1 >= self.order.len() => Err(PitchError::NoNextTeam),
                    _ => Ok(()),
                }
            }
            PitchCommand::Previous => match self.current {
                Some(i) if i > 0 => Ok(()),
                _ => Err(PitchError::NoPreviousTeam),
            },
            PitchCommand::Restart => self
                .current_team()
                .map(|_| ())
                .ok_or(PitchError::NoCurrentTeam),
            PitchCommand::SpeakerMessage { .. } => Ok(()),
            PitchCommand::StartQa => {
                if self.current_team().is_none() {
                    return Err(PitchError::NoCurrentTeam);
                }
                if self.qa_ms == 0 {
                    return Err(PitchError::NoQa);
                }
                match self.timer {
                    Timer::Running {
                        segment: Segment::Qa,
                        ..
                    }
                    | Timer::Paused {
                        segment: Segment::Qa,
                        ..
                    } => Err(PitchError::QaAlreadyStarted),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Checks then applies a command at server time `now`. On error nothing
    /// changed.
    pub fn apply(
        &mut self,
        command: &PitchCommand,
        now: Millis,
        team_exists: impl Fn(TeamId) -> bool,
    ) -> Result<PitchChange, PitchError> {
        self.check(command, team_exists)?;
        let change = match command {
            PitchCommand::SetOrder { order } => {
                let before = self.current_team();
                self.order = order.clone();
                self.keep_on_stage(before)
            }
            PitchCommand::Shuffle { seed } => {
                let before = self.current_team();
                shuffle(&mut self.order, *seed);
                self.keep_on_stage(before)
            }
            PitchCommand::SetDurations {
                pitch_ms,
                qa_ms,
                warning_ms,
                wrapup_ms,
            } => {
                self.pitch_ms = *pitch_ms;
                self.qa_ms = *qa_ms;
                self.warning_ms = *warning_ms;
                self.wrapup_ms = *wrapup_ms;
                PitchChange::Show
            }
            PitchCommand::Start => {
                let first = self.current.is_none();
                if first {
                    self.current = Some(0);
                }
                self.timer = Timer::Running {
                    deadline: now.saturating_add(self.pitch_ms),
                    segment: Segment::Pitch,
                };
                if first {
                    PitchChange::Stage {
                        team: self.current_team(),
                    }
                } else {
                    PitchChange::Timer
                }
            }
            PitchCommand::Pause => {
                if let Timer::Running { deadline, segment } = self.timer {
                    self.timer = Timer::Paused {
                        remaining_ms: remaining(deadline, now),
                        segment,
                    };
                }
                PitchChange::Timer
            }
            PitchCommand::Resume => {
                if let Timer::Paused {
                    remaining_ms,
                    segment,
                } = self.timer
                {
                    self.timer = Timer::Running {
                        deadline: offset(now, remaining_ms),
                        segment,
                    };
                }
                PitchChange::Timer
            }
            PitchCommand::Stop => {
                if let Some((remaining_ms, segment)) = self.remaining_and_segment(now) {
                    self.timer = Timer::Finished {
                        remaining_ms,
                        segment,
                    };
                }
                PitchChange::Timer
            }
            PitchCommand::AddTime { delta_ms } => {
                match &mut self.timer {
                    Timer::Running { deadline, .. } => {
                        let left = remaining(*deadline, now);
                        *deadline = offset(now, adjusted(left, *delta_ms));
                    }
                    Timer::Paused { remaining_ms, .. } => {
                        *remaining_ms = adjusted(*remaining_ms, *delta_ms);
                    }
                    Timer::Idle | Timer::Finished { .. } => {}
                }
                PitchChange::Timer
            }
            PitchCommand::Next => {
                let next = self.current.map_or(0, |i| i + 1);
                self.go_to(next)
            }
            PitchCommand::Previous => {
                let previous = self.current.map_or(0, |i| i.saturating_sub(1));
                self.go_to(previous)
            }
            PitchCommand::Restart => {
                self.timer = Timer::Idle;
                PitchChange::Timer
            }
            PitchCommand::SpeakerMessage { text } => {
                // Blank only in records written before the edge turned
                // blank text into `None`: it cleared the message then too.
                self.speaker_message = text
                    .as_ref()
                    .filter(|t| !t.is_empty())
                    .map(|t| t.to_string());
                PitchChange::Timer
            }
            PitchCommand::StartQa => {
                self.timer = Timer::Running {
                    deadline: now.saturating_add(self.qa_ms),
                    segment: Segment::Qa,
                };
                PitchChange::Timer
            }
        };
        Ok(change)
    }

    /// Removes a team that no longer exists (dissolved). If it was on stage,
    /// the team that takes its place in the order is on stage, timer idle.
    /// Returns whether anything changed.
    pub fn remove_team(&mut self, team: TeamId) -> bool {
        let Some(pos) = self.order.iter().position(|t| *t == team) else {
            return false;
        };
        self.order.remove(pos);
        if let Some(cur) = self.current {
            if cur == pos {
                self.timer = Timer::Idle;
                self.speaker_message = None;
                self.current = if self.order.is_empty() {
                    None
                } else {
                    Some(cur.min(self.order.len() - 1))
                };
            } else if cur > pos {
                self.current = Some(cur - 1);
            }
        }
        true
    }

    /// The timer as every screen shows it at `now`.
    pub fn view(&self, now: Millis) -> TimerView {
        let (state, segment, deadline, remaining_ms) = match self.timer {
            Timer::Idle => (
                TimerState::Idle,
                Segment::Pitch,
                None,
                ms_i64(self.pitch_ms),
            ),
            Timer::Running { deadline, segment } => (
                TimerState::Running,
                segment,
                Some(deadline),
                remaining(deadline, now),
            ),
            Timer::Paused {
                remaining_ms,
                segment,
            } => (TimerState::Paused, segment, None, remaining_ms),
            Timer::Finished {
                remaining_ms,
                segment,
            } => (TimerState::Finished, segment, None, remaining_ms),
        };
        let segment_ms = match segment {
            Segment::Pitch => self.pitch_ms,
            Segment::Qa => self.qa_ms,
        };
        TimerView {
            team: self.current_team(),
            index: self.current.filter(|i| *i < self.order.len()),
            count: self.order.len(),
            segment,
            state,
            deadline,
            remaining_ms,
            segment_ms,
            phase: TimerPhase::of(remaining_ms, self.warning_ms, self.wrapup_ms),
            warning_ms: self.warning_ms,
            wrapup_ms: self.wrapup_ms,
            pitch_ms: self.pitch_ms,
            qa_ms: self.qa_ms,
            speaker_message: self.speaker_message.clone(),
            next_team: self
                .current
                .map_or(Some(0), |i| i.checked_add(1))
                .and_then(|i| self.order.get(i).copied()),
        }
    }

    fn remaining_and_segment(&self, now: Millis) -> Option<(i64, Segment)> {
        match self.timer {
            Timer::Running { deadline, segment } => Some((remaining(deadline, now), segment)),
            Timer::Paused {
                remaining_ms,
                segment,
            } => Some((remaining_ms, segment)),
            Timer::Idle | Timer::Finished { .. } => None,
        }
    }

    fn go_to(&mut self, index: usize) -> PitchChange {
        self.current = Some(index);
        self.timer = Timer::Idle;
        self.speaker_message = None;
        PitchChange::Stage {
            team: self.current_team(),
        }
    }

    /// After the order changed: the team that was on stage stays on stage
    /// (at its new index) with its timer; if it left the order, the show goes
    /// back to "not started".
    fn keep_on_stage(&mut self, before: Option<TeamId>) -> PitchChange {
        let Some(team) = before else {
            self.current = None;
            return PitchChange::Show;
        };
        match self.order.iter().position(|t| *t == team) {
            Some(i) => {
                self.current = Some(i);
                PitchChange::Show
            }
            None => {
                self.current = None;
                self.timer = Timer::Idle;
                self.speaker_message = None;
                PitchChange::Stage { team: None }
            }
        }
    }
}

fn check_order(order: &[TeamId], team_exists: impl Fn(TeamId) -> bool) -> Result<(), PitchError> {
    if order.len() > MAX_ORDER_LEN {
        return Err(PitchError::OrderTooLong(MAX_ORDER_LEN));
    }
    let mut seen = std::collections::BTreeSet::new();
    for team in order {
        if !team_exists(*team) {
            return Err(PitchError::UnknownTeam(team.0));
        }
        if !seen.insert(*team) {
            return Err(PitchError::DuplicateTeam(team.0));
        }
    }
    Ok(())
}

fn in_range(field: &'static str, value: u64, min: u64) -> Result<(), PitchError> {
    if (min..=MAX_SEGMENT_MS).contains(&value) {
        Ok(())
    } else {
        Err(PitchError::DurationOutOfRange {
            field,
            min: ms_i64(min),
            max: ms_i64(MAX_SEGMENT_MS),
            got: ms_i64(value),
        })
    }
}

/// The speaker's message as the moderator typed it: one cleaned line of at
/// most [`MAX_SPEAKER_MESSAGE_CHARS`], or `None` when absent or blank.
pub fn speaker_message(text: Option<&str>) -> Result<Option<Name>, PitchError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let Ok(name) = Name::parse("speaker_message", text, usize::MAX) else {
        return Ok(None);
    };
    let len = name.chars().count();
    if len > MAX_SPEAKER_MESSAGE_CHARS {
        return Err(PitchError::TextTooLong {
            len,
            max: MAX_SPEAKER_MESSAGE_CHARS,
        });
    }
    Ok(Some(name))
}

/// Remaining time after adding `delta`: removing time never goes below zero,
/// and never deepens an overtime.
fn adjusted(remaining_ms: i64, delta_ms: i64) -> i64 {
    let sum = remaining_ms.saturating_add(delta_ms);
    if delta_ms < 0 && sum < 0 {
        remaining_ms.min(0)
    } else {
        sum
    }
}

/// Signed time from `now` to `deadline`.
fn remaining(deadline: Millis, now: Millis) -> i64 {
    if deadline >= now {
        ms_i64(deadline - now)
    } else {
        -ms_i64(now - deadline)
    }
}

/// `now + delta`, saturating at the ends of the clock.
fn offset(now: Millis, delta_ms: i64) -> Millis {
    if delta_ms >= 0 {
        now.saturating_add(delta_ms.unsigned_abs())
    } else {
        now.saturating_sub(delta_ms.unsigned_abs())
    }
}

fn ms_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// SplitMix64: a tiny, well-mixed generator. Its output for a seed is fixed
/// forever, which the journal replay relies on (unlike `rand`'s generators,
/// whose streams may change between versions).
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fisher–Yates shuffle driven by SplitMix64 from `seed`.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    for i in (1..items.len()).rev() {
        let bound = (i + 1) as u64;
        // Rejection sampling keeps the draw unbiased.
        let zone = u64::MAX - (u64::MAX % bound);
        let mut r = splitmix64(&mut state);
        while r >= zone {
            r = splitmix64(&mut state);
        }
        let j = usize::try_from(r % bound).unwrap_or(0);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: TeamId = TeamId(1);
    const T2: TeamId = TeamId(2);
    const T3: TeamId = TeamId(3);

    fn any(_: TeamId) -> bool {
        true
    }

    fn show() -> RunOfShow {
        let mut s = RunOfShow::default();
        s.apply(
            &PitchCommand::SetOrder {
                order: vec![T1, T2, T3],
            },
            0,
            any,
        )
        .unwrap();
        s
    }

    fn run(s: &mut RunOfShow, c: PitchCommand, now: Millis) -> PitchChange {
        s.apply(&c, now, any).unwrap()
    }

    fn err(s: &mut RunOfShow, c: PitchCommand, now: Millis) -> &'static str {
        let before = s.clone();
        let e = s.apply(&c, now, any).unwrap_err();
        assert_eq!(*s, before, "a refused command changes nothing");
        e.code()
    }

    #[test]
    fn full_run_of_show_for_three_teams() {
        let mut s = show();
        let t0 = 1_000_000;
        assert_eq!(s.view(t0).team, None);
        assert_eq!(s.view(t0).next_team, Some(T1));
        assert_eq!(err(&mut s, PitchCommand::Pause, t0), "timer_not_running");
        assert_eq!(err(&mut s, PitchCommand::Resume, t0), "timer_not_paused");

        // Team 1 starts: 180 s to go.
        assert_eq!(
            run(&mut s, PitchCommand::Start, t0),
            PitchChange::Stage { team: Some(T1) }
        );
        let v = s.view(t0 + 100_000);
        assert_eq!(v.team, Some(T1));
        assert_eq!(v.deadline, Some(t0 + 180_000));
        assert_eq!(v.remaining_ms, 80_000);
        assert_eq!(v.phase, TimerPhase::Normal);
        assert_eq!(
            err(&mut s, PitchCommand::Start, t0 + 1),
            "timer_already_started"
        );

        // Pause at 100 s: 80 s left, frozen while paused.
        run(&mut s, PitchCommand::Pause, t0 + 100_000);
        assert_eq!(s.view(t0 + 500_000).remaining_ms, 80_000);
        assert_eq!(s.view(t0 + 500_000).state, TimerState::Paused);
        assert_eq!(s.view(t0 + 500_000).deadline, None);
        // Add 30 s while paused: 110 s left.
        run(
            &mut s,
            PitchCommand::AddTime { delta_ms: 30_000 },
            t0 + 200_000,
        );
        // Resume at 300 s: deadline = 300 + 110 = 410 s.
        run(&mut s, PitchCommand::Resume, t0 + 300_000);
        assert_eq!(s.view(t0 + 300_000).deadline, Some(t0 + 410_000));
        // Remove 10 s while running: deadline 400 s.
        run(
            &mut s,
            PitchCommand::AddTime { delta_ms: -10_000 },
            t0 + 350_000,
        );
        assert_eq!(s.view(t0 + 350_000).remaining_ms, 50_000);
        assert_eq!(s.view(t0 + 350_000).phase, TimerPhase::Warning);
        assert_eq!(s.view(t0 + 375_000).phase, TimerPhase::WrapUp);
        // Overtime: 12 s past the deadline, counting up.
        let v = s.view(t0 + 412_000);
        assert_eq!(v.remaining_ms, -12_000);
        assert_eq!(v.phase, TimerPhase::Overtime);

        // Next: team 2, idle at the full length, message cleared.
        run(
            &mut s,
            PitchCommand::SpeakerMessage {
                text: speaker_message(Some("  Concluez  ")).unwrap(),
            },
            t0 + 413_000,
        );
        assert_eq!(s.view(0).speaker_message.as_deref(), Some("Concluez"));
        assert_eq!(
            run(&mut s, PitchCommand::Next, t0 + 420_000),
            PitchChange::Stage { team: Some(T2) }
        );
        let v = s.view(t0 + 420_000);
        assert_eq!(
            (v.team, v.index, v.state),
            (Some(T2), Some(1), TimerState::Idle)
        );
        assert_eq!(v.remaining_ms, 180_000);
        assert_eq!(v.speaker_message, None);
        assert_eq!(v.next_team, Some(T3));

        // Team 2 starts, then is restarted.
        run(&mut s, PitchCommand::Start, t0 + 430_000);
        run(&mut s, PitchCommand::Restart, t0 + 440_000);
        assert_eq!(s.view(t0 + 900_000).state, TimerState::Idle);
        assert_eq!(s.view(t0 + 900_000).remaining_ms, 180_000);
        run(&mut s, PitchCommand::Start, t0 + 450_000);
        run(&mut s, PitchCommand::Stop, t0 + 600_000);
        let v = s.view(t0 + 700_000);
        assert_eq!((v.state, v.remaining_ms), (TimerState::Finished, 30_000));

        // Previous goes back to team 1, next twice reaches team 3, then no more.
        run(&mut s, PitchCommand::Previous, t0 + 610_000);
        assert_eq!(s.current_team(), Some(T1));
        assert_eq!(
            err(&mut s, PitchCommand::Previous, t0 + 611_000),
            "no_previous_team"
        );
        run(&mut s, PitchCommand::Next, t0 + 612_000);
        run(&mut s, PitchCommand::Next, t0 + 613_000);
        assert_eq!(s.current_team(), Some(T3));
        assert_eq!(s.view(0).next_team, None);
        assert_eq!(
            err(&mut s, PitchCommand::Next, t0 + 614_000),
            "no_next_team"
        );
    }

    #[test]
    fn removing_time_never_goes_below_zero() {
        let mut s = show();
        run(&mut s, PitchCommand::Start, 0);
        run(
            &mut s,
            PitchCommand::AddTime { delta_ms: -500_000 },
            170_000,
        );
        // 10 s were left; the deadline becomes now.
        assert_eq!(s.view(170_000).deadline, Some(170_000));
        assert_eq!(s.view(170_000).remaining_ms, 0);
        // In overtime, removing time changes nothing; adding time shortens it.
        run(&mut s, PitchCommand::AddTime { delta_ms: -5_000 }, 180_000);
        assert_eq!(s.view(180_000).remaining_ms, -10_000);
        run(&mut s, PitchCommand::AddTime { delta_ms: 15_000 }, 180_000);
        assert_eq!(s.view(180_000).remaining_ms, 5_000);
        // Paused in overtime keeps the negative remaining time.
        run(&mut s, PitchCommand::Pause, 190_000);
        assert_eq!(s.view(999_999).remaining_ms, -5_000);
        run(&mut s, PitchCommand::AddTime { delta_ms: -1 }, 190_000);
        assert_eq!(s.view(999_999).remaining_ms, -5_000);
        run(&mut s, PitchCommand::Resume, 200_000);
        assert_eq!(s.view(200_000).deadline, Some(195_000));
        assert_eq!(
            err(
                &mut s,
                PitchCommand::AddTime {
                    delta_ms: 3_600_001
                },
                0
            ),
            "duration_out_of_range"
        );
    }

    #[test]
    fn phase_thresholds_are_inclusive() {
        let p = |r| TimerPhase::of(r, 60_000, 30_000);
        assert_eq!(p(60_001), TimerPhase::Normal);
        assert_eq!(p(60_000), TimerPhase::Warning);
        assert_eq!(p(30_001), TimerPhase::Warning);
        assert_eq!(p(30_000), TimerPhase::WrapUp);
        assert_eq!(p(0), TimerPhase::WrapUp);
        assert_eq!(p(-1), TimerPhase::Overtime);
        // Configurable thresholds.
        let mut s = show();
        run(
            &mut s,
            PitchCommand::SetDurations {
                pitch_ms: 120_000,
                qa_ms: 60_000,
                warning_ms: 20_000,
                wrapup_ms: 10_000,
            },
            0,
        );
        run(&mut s, PitchCommand::Start, 0);
        assert_eq!(s.view(95_000).phase, TimerPhase::Normal);
        assert_eq!(s.view(100_000).phase, TimerPhase::Warning);
        assert_eq!(s.view(110_000).phase, TimerPhase::WrapUp);
        assert_eq!(
            err(
                &mut s,
                PitchCommand::SetDurations {
                    pitch_ms: 120_000,
                    qa_ms: 0,
                    warning_ms: 10_000,
                    wrapup_ms: 20_000
                },
                0
            ),
            "thresholds_out_of_order"
        );
        assert_eq!(
            err(
                &mut s,
                PitchCommand::SetDurations {
                    pitch_ms: 0,
                    qa_ms: 0,
                    warning_ms: 0,
                    wrapup_ms: 0
                },
                0
            ),
            "duration_out_of_range"
        );
    }

    #[test]
    fn qa_follows_the_pitch() {
        let mut s = show();
        assert_eq!(err(&mut s, PitchCommand::StartQa, 0), "no_current_team");
        run(&mut s, PitchCommand::Start, 0);
        assert_eq!(err(&mut s, PitchCommand::StartQa, 0), "no_qa");
        run(
            &mut s,
            PitchCommand::SetDurations {
                pitch_ms: 180_000,
                qa_ms: 120_000,
                warning_ms: 60_000,
                wrapup_ms: 30_000,
            },
            0,
        );
        run(&mut s, PitchCommand::StartQa, 170_000);
        let v = s.view(200_000);
        assert_eq!((v.segment, v.segment_ms), (Segment::Qa, 120_000));
        assert_eq!(v.remaining_ms, 90_000);
        assert_eq!(err(&mut s, PitchCommand::StartQa, 0), "qa_already_started");
    }

    #[test]
    fn a_running_timer_survives_a_restart() {
        let mut s = show();
        let t0 = 1_700_000_000_000;
        run(&mut s, PitchCommand::Start, t0);
        run(
            &mut s,
            PitchCommand::AddTime { delta_ms: 20_000 },
            t0 + 10_000,
        );
        // Snapshot at t0 + 60 s, the server dies and comes back at t0 + 150 s.
        let snapshot = serde_json::to_string(&s).unwrap();
        let back: RunOfShow = serde_json::from_str(&snapshot).unwrap();
        assert_eq!(back, s);
        // 200 s in all; 150 s elapsed, including the downtime.
        assert_eq!(back.view(t0 + 150_000).remaining_ms, 50_000);
        assert_eq!(back.view(t0 + 150_000).state, TimerState::Running);
        // A paused timer does not move across a restart.
        let mut p = back.clone();
        run(&mut p, PitchCommand::Pause, t0 + 160_000);
        let p: RunOfShow = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(p.view(t0 + 10_000_000).remaining_ms, 40_000);
    }

    #[test]
    fn order_rules() {
        let mut s = RunOfShow::default();
        assert_eq!(err(&mut s, PitchCommand::Start, 0), "empty_order");
        assert_eq!(err(&mut s, PitchCommand::Next, 0), "empty_order");
        assert_eq!(
            err(
                &mut s,
                PitchCommand::SetOrder {
                    order: vec![T1, T1]
                },
                0
            ),
            "duplicate_team"
        );
        let e = s
            .apply(
                &PitchCommand::SetOrder {
                    order: vec![T1, T2],
                },
                0,
                |t| t == T1,
            )
            .unwrap_err();
        assert_eq!(e.code(), "unknown_team");

        // Reordering keeps the team on stage, with its timer. (The first
        // `next` puts the first team on stage.)
        let mut s = show();
        run(&mut s, PitchCommand::Next, 0);
        assert_eq!(s.current_team(), Some(T1));
        run(&mut s, PitchCommand::Next, 0);
        run(&mut s, PitchCommand::Next, 0);
        run(&mut s, PitchCommand::Start, 0);
        run(
            &mut s,
            PitchCommand::SetOrder {
                order: vec![T2, T3, T1],
            },
            1,
        );
        assert_eq!((s.current, s.current_team()), (Some(1), Some(T3)));
        assert_eq!(s.view(1).state, TimerState::Running);
        // Dropping it from the order puts nobody on stage.
        assert_eq!(
            run(&mut s, PitchCommand::SetOrder { order: vec![T1] }, 2),
            PitchChange::Stage { team: None }
        );
        assert_eq!((s.current, s.timer), (None, Timer::Idle));
    }

    #[test]
    fn removing_a_team_keeps_the_stage_consistent() {
        let mut s = show();
        for _ in 0..3 {
            run(&mut s, PitchCommand::Next, 0);
        }
        assert!(s.remove_team(T1));
        assert_eq!(s.current_team(), Some(T3));
        run(&mut s, PitchCommand::Start, 0);
        assert!(s.remove_team(T3));
        assert_eq!((s.current_team(), s.timer), (Some(T2), Timer::Idle));
        assert!(!s.remove_team(T3));
    }

    #[test]
    fn shuffle_is_deterministic_and_a_permutation() {
        let mut a: Vec<u32> = (0..20).collect();
        let mut b = a.clone();
        shuffle(&mut a, 42);
        shuffle(&mut b, 42);
        assert_eq!(a, b);
        assert_ne!(a, (0..20).collect::<Vec<_>>());
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
        let mut c: Vec<u32> = (0..20).collect();
        shuffle(&mut c, 43);
        assert_ne!(a, c);
        // Frozen output for one seed: replay of old journals depends on it.
        // (Computed independently from the SplitMix64 reference.)
        let mut d = vec![1, 2, 3, 4, 5];
        shuffle(&mut d, 7);
        assert_eq!(d, vec![5, 2, 4, 1, 3]);
    }

    #[test]
    fn speaker_message_limits() {
        let mut s = show();
        assert_eq!(speaker_message(Some("   ")), Ok(None));
        assert_eq!(speaker_message(None), Ok(None));
        assert_eq!(
            speaker_message(Some(&"é".repeat(141))).unwrap_err().code(),
            "text_too_long"
        );
        let text = speaker_message(Some(" Concluez ")).unwrap();
        run(&mut s, PitchCommand::SpeakerMessage { text }, 0);
        assert_eq!(s.speaker_message.as_deref(), Some("Concluez"));
    }
}
