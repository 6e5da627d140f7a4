//! Integration tests of the hackathon features (issues 4, 5 and 8), through
//! the real server: teams, programme, summon, roster import, the help desk,
//! the pitch timer and clock sync, jury scoring, people's choice, the
//! leaderboard and its publication, the results export, and the permission
//! table enforced message by message.
//!
//! Time-dependent tests run on a hand-moved server clock
//! ([`common::TestServer::with_manual_clock`]), so they wait for no timer.
//!
//! - [`teams`]: team size, names, self-service switch, tables, phases, summon.
//! - [`roster`]: CSV import over HTTP, good and bad.
//! - [`help`]: the help desk with two teams and two mentors; reminders.
//! - [`pitch`]: the run of show and its timer; clients with skewed clocks.
//! - [`jury`]: rubric, scores, edits, progress.
//! - [`votes`]: people's choice.
//! - [`leaderboard`]: live, frozen, ceremony reveal.
//! - [`check_map`]: `amphi check-map` and the start error of a broken map.
//! - [`export`]: results as JSON and CSV over HTTP.
//! - [`no_leak`]: no score reaches a participant or a watcher before publication.
//! - [`ideas`]: the idea board, from ideas to teams.
//! - [`projects`]: project pages, their checks and their deadline.
//! - [`uploads`]: project files over HTTP: types, limits, headers.
//! - [`gallery`]: the public gallery and its open data.
//! - [`stage`]: reactions and questions during a pitch.
//! - [`permissions`]: every message × every role against the permission table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use amphi_testkit as common;

mod check_map;
mod export;
mod floor;
mod gallery;
mod help;
mod ideas;
mod jury;
mod leaderboard;
mod no_leak;
mod permissions;
mod pitch;
mod projects;
mod roster;
mod stage;
mod teams;
mod uploads;
mod votes;

use common::{Client, WAIT, is_type};
use serde_json::{Value, json};

/// Where the manual clock starts (a Thursday afternoon in 2027).
pub const T0: u64 = 1_800_000_000_000;

/// The demo event's teams, created empty at start with the first tables.
pub const CARTOGRAPHES: u32 = 1;
pub const OPEN_MAIRIE: u32 = 2;
pub const DATA_GOUV: u32 = 3;

/// A request of the pitch session: `{"type": kind, "op": op, ...fields}`.
pub fn op(kind: &str, op: &str, fields: Value) -> Value {
    let mut msg = json!({"type": kind, "op": op});
    if let (Some(target), Some(extra)) = (msg.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    msg
}

/// A one-criterion rubric, 0–10, so a team's score is the juror's mark.
pub fn single_criterion_rubric() -> Value {
    op(
        "jury",
        "set_rubric",
        json!({"criteria": [{"id": "overall", "label": "Note globale", "weight": 1.0, "max": 10}]}),
    )
}

/// Waits for a message of `kind` satisfying `pred`.
pub async fn wait_for(client: &mut Client, kind: &str, pred: impl Fn(&Value) -> bool) -> Value {
    client
        .recv_until(|m| is_type(m, kind) && pred(m), WAIT)
        .await
}

/// Waits for the `pitch` message whose timer satisfies `pred`.
pub async fn wait_timer(client: &mut Client, pred: impl Fn(&Value) -> bool) -> Value {
    let msg = wait_for(client, "pitch", |m| pred(&m["timer"])).await;
    msg["timer"].clone()
}

/// The team ids of a list of leaderboard rows, in order.
pub fn row_teams(rows: &Value) -> Vec<u64> {
    rows.as_array()
        .map(|rows| rows.iter().filter_map(|r| r["team"].as_u64()).collect())
        .unwrap_or_default()
}
