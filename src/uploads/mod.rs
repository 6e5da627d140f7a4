//! Project files (slides and screenshots): what a file is, told from its
//! bytes, and where and how it is kept.
//!
//! - [`detect`]: the kind of a file from its magic numbers, with a structural
//!   sanity check, never from the name or the client's content type.
//! - [`files`]: the event's `files/` directory: content-addressed by SHA-256,
//!   written and fsynced (file, then directory) before the journaled command
//!   that references a file is applied, and swept of orphans at start.

pub mod detect;
pub mod files;
