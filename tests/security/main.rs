//! Abuse resistance (issue 8), through the real server: contained panics,
//! rate limits and floods, connections per address, invite tokens,
//! moderation, security headers on every page, and a custom map's files
//! served from its map root only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use amphi_testkit as common;

mod floods;
mod headers;
mod moderation;
mod panics;
mod tokens;
mod venue_files;
