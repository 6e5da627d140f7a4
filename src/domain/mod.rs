//! The pure core: an event's state and the rules that change it.
//!
//! No IO and no clock reads: every change gets an explicit `now`. The same
//! [`Event::apply`] runs live in the hub and when the journal is replayed,
//! which makes recovery exact and lets the rules be tested without a network.
//!
//! - [`event`]: the [`Event`], its durable [`EventState`], `apply`/`act`/`advance`.
//! - [`command`]: durable [`Command`]s, ephemeral [`Action`]s, resulting [`Effect`]s.
//! - [`movement`]: walls, speed, room access and capacity; [`walking`]: a
//!   held key's walk; [`placement`]:
//!   never two avatars put on one tile; [`places`]: where people stood,
//!   kept across a restart.
//! - [`conversations`]: who talks with whom (rooms and bubbles).
//! - [`chat`], [`member`], [`team`], [`presence`]: the parts of the state.
//! - [`teams`]: forming teams, tables, dissolution, roster imports, summons.
//! - [`program`]: challenges, schedule, phases; [`help`]: the mentor help desk;
//!   [`roster`]: CSV roster parsing.
//! - [`moderation`]: mute, kick, ban, message deletion, invites, audit log.
//! - [`judging`]: the pitch session bound to the event: [`pitch`] (run of
//!   show, timer), [`jury`], [`votes`], [`awards`], [`leaderboard`], [`results`].
//! - [`permissions`]: the role × action table.
//! - [`ideas`]: the idea board, and ideas turned into teams;
//!   [`projects`]: each team's project page, frozen at the deadline;
//!   [`gallery`]: the public pages, as JSON, CSV and DCAT-AP.
//! - [`questions`]: written questions to the team on stage, upvoted and picked.
//! - [`reactions`]: the audience's reactions, counted per second (not durable).
//! - [`floor`]: raised hands and who holds the floor on the stage (not durable).
//! - [`text`]: cleaning of user text, and the checked [`text::Name`] and
//!   [`text::Message`] commands carry; [`limits`]: tunable limits.
//! - [`settings`]: an event's settings and template as data;
//!   [`lifecycle`]: its phases (draft … archived) and what each allows;
//!   [`registration`]: public sign-up and the moderator's decisions;
//!   [`privacy`]: personal data, erasure and the retention purge.

pub mod awards;
pub mod chat;
pub mod command;
pub mod conversations;
pub mod error;
pub mod event;
pub mod floor;
pub mod gallery;
pub mod help;
pub mod ideas;
pub mod ids;
pub mod judging;
pub mod jury;
pub mod leaderboard;
pub mod lifecycle;
pub mod limits;
pub mod member;
pub mod moderation;
mod movement;
pub mod permissions;
pub mod pitch;
mod placement;
pub mod places;
pub mod presence;
pub mod privacy;
pub mod program;
pub mod projects;
pub mod questions;
pub mod reactions;
pub mod registration;
pub mod results;
pub mod role;
pub mod roster;
pub mod settings;
pub mod team;
mod teams;
pub mod text;
pub mod votes;
mod walking;

pub use chat::{Channel, ChatLog, ChatMessage};
pub use command::{Action, Command, Effect};
pub use error::DomainError;
pub use event::{ChatTarget, Event, EventState};
pub use ids::{MemberId, Millis, TeamId};
pub use lifecycle::EventPhase;
pub use limits::Limits;
pub use presence::Status;
pub use role::{Role, RoleSet};
pub use settings::{EventSettings, EventTemplate};
pub use teams::SummonTarget;
