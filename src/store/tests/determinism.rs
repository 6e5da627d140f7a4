//! Replay determinism: the state rebuilt from disk equals the live state.

use super::*;
use crate::domain::{Event, EventState, Limits, Role, TeamId};
use crate::store::replay;
use crate::venue::Venue;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

pub(in crate::store::tests) fn venue() -> Arc<Venue> {
    Arc::new(Venue::from_tmj(Venue::DEFAULT_MAP_TMJ).unwrap())
}

pub(in crate::store::tests) fn fresh() -> EventState {
    EventState::new("test", "Test event")
}

/// Plays random durable commands the way the live hub does: apply first,
/// journal only what was accepted.
pub(in crate::store::tests) struct Driver {
    pub event: Event,
    pub journal: Journal,
    rng: StdRng,
    now: u64,
    counter: u64,
}

impl Driver {
    pub fn new(event: Event, journal: Journal, seed: u64) -> Driver {
        Driver {
            event,
            journal,
            rng: StdRng::seed_from_u64(seed),
            now: 1_700_000_000_000,
            counter: 0,
        }
    }

    fn random_member(&mut self) -> Option<MemberId> {
        let members: Vec<MemberId> = self.event.state().members.keys().copied().collect();
        (!members.is_empty()).then(|| members[self.rng.random_range(0..members.len())])
    }

    fn random_team(&mut self) -> Option<TeamId> {
        let teams: Vec<TeamId> = self.event.state().teams.keys().copied().collect();
        (!teams.is_empty()).then(|| teams[self.rng.random_range(0..teams.len())])
    }

    fn random_command(&mut self) -> (Option<MemberId>, Command) {
        self.counter += 1;
        let n = self.counter;
        match self.rng.random_range(0..10) {
            0 | 1 => {
                let role = Role::ALL[self.rng.random_range(0..Role::ALL.len())];
                let team = if self.rng.random_bool(0.3) {
                    self.random_team()
                } else {
                    None
                };
                (
                    None,
                    Command::Join {
                        name: format!("Personne {n}").into(),
                        role,
                        team,
                        session_hash: format!("{n:064x}"),
                        invite: None,
                    },
                )
            }
            2 => {
                let role = Role::ALL[self.rng.random_range(0..Role::ALL.len())];
                (
                    None,
                    Command::AddInvite {
                        token_hash: format!("invite{n:058x}"),
                        role,
                        team: None,
                    },
                )
            }
            3 => (
                self.random_member(),
                Command::CreateTeam {
                    name: format!("Équipe {n}").into(),
                    challenge: None,
                },
            ),
            4 => {
                let team = self.random_team().unwrap_or(TeamId(1));
                (self.random_member(), Command::JoinTeam { team })
            }
            5 => (self.random_member(), Command::LeaveTeam),
            _ => {
                let actor = self.random_member();
                let channel = match self.rng.random_range(0..4) {
                    0 => Channel::Announcements,
                    1 => Channel::Team(self.random_team().unwrap_or(TeamId(1))),
                    2 => {
                        let other = self.random_member().unwrap_or(MemberId(1));
                        Channel::direct(actor.unwrap_or(MemberId(1)), other)
                    }
                    _ => {
                        let venue = self.event.venue().clone();
                        let rooms: Vec<_> = venue.room_indices().collect();
                        let idx = rooms[self.rng.random_range(0..rooms.len())];
                        Channel::Room(venue.room(idx).id.clone())
                    }
                };
                (
                    actor,
                    Command::PostChat {
                        channel,
                        text: format!("message {n} — «ça marche»").into(),
                    },
                )
            }
        }
    }

    /// Plays `count` random commands; returns how many were accepted.
    pub fn play(&mut self, count: usize) -> usize {
        let mut accepted = 0;
        for _ in 0..count {
            self.now += self.rng.random_range(1..5_000);
            let (actor, command) = self.random_command();
            if self.event.apply(actor, &command, self.now).is_ok() {
                self.journal.append(self.now, actor, command).unwrap();
                accepted += 1;
            }
        }
        accepted
    }

    /// What a snapshot of the live state is requested with.
    pub fn snapshot_request(&self) -> (EventState, u64) {
        (self.event.state().clone(), self.journal.next_seq() - 1)
    }

    pub fn state_json(&self) -> String {
        serde_json::to_string(self.event.state()).unwrap()
    }

    pub async fn sync(&mut self) {
        let last = self.journal.next_seq() - 1;
        if last > 0 {
            wait_durable(&mut self.journal, last).await;
        }
    }
}

/// Opens `dir` and rebuilds the event from what is on disk.
pub(in crate::store::tests) fn reopen_state(
    dir: &Path,
) -> (String, Recovered, Journal, Snapshotter) {
    let (recovered, journal, snapshotter) = open(dir, &options());
    let event = recovered
        .event(fresh(), venue(), Limits::default())
        .unwrap();
    let json = serde_json::to_string(event.state()).unwrap();
    (json, recovered, journal, snapshotter)
}

#[tokio::test]
async fn replaying_the_journal_gives_the_live_state() {
    let tmp = TempDir::new("determinism");
    let (_, journal, snapshotter) = open(tmp.path(), &options());
    let event = Event::new(fresh(), venue(), Limits::default());
    let mut driver = Driver::new(event, journal, 7);
    let accepted = driver.play(3_000);
    assert!(accepted > 1_000, "only {accepted} accepted");
    let state = driver.event.state();
    assert!(state.members.len() > 50);
    assert!(state.teams.len() > 10);
    assert!(state.teams.values().any(|t| !t.members.is_empty()));
    assert!(!state.invites.is_empty());
    driver.sync().await;
    let live = driver.state_json();
    close(driver.journal, snapshotter).await;

    let (replayed, recovered, _, _) = reopen_state(tmp.path());
    assert_eq!(recovered.records.len(), accepted);
    assert_eq!(replayed, live);
}

#[tokio::test]
async fn snapshot_plus_tail_gives_the_live_state() {
    let tmp = TempDir::new("determinism-snap");
    let (_, journal, snapshotter) = open(tmp.path(), &options());
    let event = Event::new(fresh(), venue(), Limits::default());
    let mut driver = Driver::new(event, journal, 11);
    driver.play(1_500);
    let (state, covers) = driver.snapshot_request();
    snapshotter.request(state, covers);
    driver.play(1_500);
    driver.sync().await;
    let live = driver.state_json();
    close(driver.journal, snapshotter).await;

    let (replayed, recovered, _, _) = reopen_state(tmp.path());
    assert_eq!(recovered.covers_seq, covers);
    assert!(recovered.state.is_some());
    assert_eq!(recovered.records.first().map(|r| r.seq), Some(covers + 1));
    assert_eq!(replayed, live);
}

#[test]
fn a_refused_record_during_replay_names_its_seq() {
    let mut event = Event::new(fresh(), venue(), Limits::default());
    let records = vec![
        crate::store::Record {
            seq: 1,
            at: 5,
            actor: None,
            command: Command::CreateTeam {
                name: "A".into(),
                challenge: None,
            },
        },
        crate::store::Record {
            seq: 2,
            at: 6,
            actor: None,
            command: Command::JoinTeam { team: TeamId(99) },
        },
    ];
    let err = replay(&mut event, &records).unwrap_err();
    assert!(
        matches!(err, StoreError::ReplayRefused { seq: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("seq 2"), "{err}");
}
