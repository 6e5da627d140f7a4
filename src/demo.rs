//! The demo event created on a fresh data directory: a few teams and one
//! invite link per role, so a new organizer can try everything at once.

use crate::domain::text::Name;
use crate::domain::{Command, Event, EventSettings, EventState, Limits, MemberId, Millis, Role};
use crate::secret::{hash_token, new_token};
use crate::venue::Venue;
use std::sync::Arc;

/// Id of the demo event.
pub const DEMO_EVENT_ID: &str = "demo";

/// A setup command to apply (and journal) when creating an event.
pub type SetupCommand = (Option<MemberId>, Command);

/// The demo event's setup: durable commands, and the invite token per role
/// (tokens are secrets: only their hashes go into the commands).
pub fn demo_setup(limits: &Limits) -> (Vec<SetupCommand>, Vec<(Role, String)>) {
    let mut commands: Vec<SetupCommand> = vec![(
        None,
        Command::Configure {
            settings: demo_settings(limits),
        },
    )];
    commands.extend(
        ["Les Cartographes", "Open Mairie", "Data Gouv Squad"]
            .into_iter()
            .filter_map(|name| Name::parse("team name", name, limits.max_name_chars).ok())
            .map(|name| {
                (
                    None,
                    Command::CreateTeam {
                        name,
                        challenge: None,
                    },
                )
            }),
    );
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let token = new_token();
        commands.push((
            None,
            Command::AddInvite {
                token_hash: hash_token(&token),
                role,
                team: None,
            },
        ));
        tokens.push((role, token));
    }
    (commands, tokens)
}

/// Title of the demo event.
pub const DEMO_TITLE: &str = "Hackathon démo — Amphi";

/// The demo event's settings: the server's map, French first, no capacity,
/// teams as large as the configuration's limit.
pub fn demo_settings(limits: &Limits) -> EventSettings {
    let mut settings = EventSettings::new(DEMO_TITLE, DEMO_EVENT_ID);
    settings.team_size = u32::try_from(limits.max_team_size).unwrap_or(u32::MAX);
    settings
}

/// A new, empty demo event state.
pub fn demo_state() -> EventState {
    EventState::new(DEMO_EVENT_ID, DEMO_TITLE)
}

/// Applies setup commands to a fresh event (used when no journal is kept).
pub fn apply_setup(
    venue: Arc<Venue>,
    limits: Limits,
    commands: &[SetupCommand],
    now: Millis,
) -> Event {
    let mut event = Event::new(demo_state(), venue, limits);
    for (actor, command) in commands {
        if let Err(err) = event.apply(*actor, command, now) {
            tracing::warn!(%err, "demo setup command refused");
        }
    }
    event
}
