//! Roster imports: CSV → checked import → one durable command → personal
//! invite tokens returned to the moderator once the import is on disk.
//!
//! Parsing, checking the rows and making a token per row happen off the hub
//! ([`parse`], run by the HTTP handler on a blocking thread): a 20,000-line
//! file took the hub about a second, stalling everyone's requests. The hub
//! only checks who asks, resolves challenge titles and applies.

use super::Refusal;
use super::actor::{AfterCommit, Hub};
use crate::domain::roster::{RosterImport, RosterInvite, RosterRow, RosterTeam, parse_roster};
use crate::domain::{Command, DomainError, Role};
use crate::protocol::ErrorCode;
use crate::secret::{hash_token, new_token};
use serde::Serialize;
use tokio::sync::oneshot;

/// One personal invite created by an import (the token is shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedInvite {
    pub line: usize,
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
    pub token: String,
}

/// The hub's answer to an import.
pub type RosterReply = oneshot::Sender<Result<Vec<ImportedInvite>, Refusal>>;

fn refusal(code: ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

/// A roster parsed and checked, each row with its new invite token.
#[derive(Debug)]
pub struct ParsedRoster {
    rows: Vec<(RosterRow, String)>,
}

/// Parses and checks a CSV roster and makes a token per row. Pure and slow
/// on big files: run it off the hub (a blocking thread).
pub fn parse(csv: &[u8], max_name_chars: usize) -> Result<ParsedRoster, Refusal> {
    let rows = parse_roster(csv, max_name_chars).map_err(Refusal::from)?;
    Ok(ParsedRoster {
        rows: rows.into_iter().map(|row| (row, new_token())).collect(),
    })
}

impl Hub {
    pub(super) fn import_roster(
        &mut self,
        session_token: &str,
        roster: Result<ParsedRoster, Refusal>,
        reply: RosterReply,
    ) {
        match self.prepare_import(session_token, roster) {
            Ok((actor, import, invites)) => {
                let now = self.now();
                match self.apply_durable(Some(actor), Command::ImportRoster(import), now) {
                    Ok((seq, effects)) => {
                        self.durable
                            .hold(seq, effects, AfterCommit::Roster { reply, invites });
                    }
                    Err((code, message)) => {
                        let _ = reply.send(Err(refusal(code, message)));
                    }
                }
            }
            Err(err) => {
                let _ = reply.send(Err(err));
            }
        }
    }

    fn prepare_import(
        &self,
        session_token: &str,
        roster: Result<ParsedRoster, Refusal>,
    ) -> Result<(crate::domain::MemberId, RosterImport, Vec<ImportedInvite>), Refusal> {
        // The role first: only a moderator learns anything about the file.
        let actor = self.session_member_with(
            session_token,
            crate::domain::permissions::Permission::ImportRoster,
        )?;
        let rows = roster?.rows;
        let program = &self.event().state().program;
        let mut teams: Vec<RosterTeam> = Vec::new();
        let mut team_names = std::collections::HashSet::new();
        let mut invites = Vec::new();
        let mut created = Vec::new();
        for (row, token) in rows {
            let challenge = match &row.challenge {
                Some(title) => Some(program.challenge_by_title(title).map(|c| c.id).ok_or_else(
                    || {
                        Refusal::from(DomainError::InvalidRoster(format!(
                            "line {}: no challenge is called '{title}'",
                            row.line
                        )))
                    },
                )?),
                None => None,
            };
            if let Some(team) = &row.team
                && team_names.insert(team.to_ascii_lowercase())
            {
                teams.push(RosterTeam {
                    name: team.clone(),
                    challenge,
                });
            }
            invites.push(RosterInvite {
                name: row.name.clone(),
                role: row.role,
                team: row.team.clone(),
                token_hash: hash_token(&token),
            });
            created.push(ImportedInvite {
                line: row.line,
                name: row.name.to_string(),
                role: row.role,
                team: row.team.map(|t| t.to_string()),
                token,
            });
        }
        Ok((actor, RosterImport { teams, invites }, created))
    }
}
