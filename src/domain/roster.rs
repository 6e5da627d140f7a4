//! Importing participants and teams from a CSV roster.
//!
//! The moderator uploads a CSV (see `docs/roster.md`); each row becomes a
//! personal invite (name, role, team). The whole file is checked first and
//! applied as one durable command, so a bad line changes nothing.

use super::error::DomainError;
use super::role::Role;
use super::text::Name;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One person of a roster, after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub name: Name,
    pub role: Role,
    pub team: Option<Name>,
    pub challenge: Option<String>,
}

/// A team to create (or reuse, if one has this name) during an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterTeam {
    pub name: Name,
    pub challenge: Option<u32>,
}

/// A personal invite created by an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterInvite {
    pub name: Name,
    pub role: Role,
    /// Name of the team (one of the import's teams, or an existing one).
    pub team: Option<Name>,
    pub token_hash: String,
}

/// The durable content of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterImport {
    pub teams: Vec<RosterTeam>,
    pub invites: Vec<RosterInvite>,
}

fn bad(line: usize, message: impl std::fmt::Display) -> DomainError {
    DomainError::InvalidRoster(format!("line {line}: {message}"))
}

/// Parses a roster file: UTF-8 (a BOM is allowed), `,` or `;` separated,
/// RFC 4180 quoting, a header naming the columns. `name` is required;
/// `role` (default participant), `team` and `challenge` are optional.
pub fn parse_roster(bytes: &[u8], max_name_chars: usize) -> Result<Vec<RosterRow>, DomainError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let line = bytes[..err.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(bad(
                line,
                "the file is not UTF-8 text; save it as CSV UTF-8",
            ));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().next().unwrap_or("");
    let delimiter = if header_line.contains(';') && !header_line.contains(',') {
        ';'
    } else {
        ','
    };
    let records = split_records(text, delimiter)?;
    let Some((header_at, header)) = records.first() else {
        return Err(bad(1, "the file is empty"));
    };
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    let name_col =
        column(&["name", "nom"]).ok_or_else(|| bad(*header_at, "missing column 'name'"))?;
    let role_col = column(&["role", "rôle"]);
    let team_col = column(&["team", "equipe", "équipe"]);
    let challenge_col = column(&["challenge", "defi", "défi"]);

    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, fields) in records.iter().skip(1) {
        let line = *line;
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if fields.len() != header.len() {
            return Err(bad(
                line,
                format!("{} fields, the header has {}", fields.len(), header.len()),
            ));
        }
        let field = |col: Option<usize>| col.map(|c| fields[c].trim()).filter(|v| !v.is_empty());
        let name =
            Name::parse("name", &fields[name_col], max_name_chars).map_err(|e| bad(line, e))?;
        if let Some(first) = seen.insert(name.to_lowercase(), line) {
            return Err(bad(
                line,
                format!("'{name}' is already listed on line {first}"),
            ));
        }
        let role = match field(role_col) {
            None => Role::Participant,
            Some(role) => {
                parse_role(role).ok_or_else(|| bad(line, format!("unknown role '{role}'")))?
            }
        };
        let team = field(team_col)
            .map(|t| Name::parse("team", t, max_name_chars))
            .transpose()
            .map_err(|e| bad(line, e))?;
        rows.push(RosterRow {
            line,
            name,
            role,
            team,
            challenge: field(challenge_col).map(str::to_string),
        });
    }
    if rows.is_empty() {
        return Err(bad(header_at + 1, "no people listed after the header"));
    }
    Ok(rows)
}

/// Role names in English or French.
fn parse_role(text: &str) -> Option<Role> {
    match text.trim().to_lowercase().as_str() {
        "moderator" | "modérateur" | "moderateur" | "modératrice" | "moderatrice" => {
            Some(Role::Moderator)
        }
        "mentor" | "mentore" => Some(Role::Mentor),
        "jury" | "juré" | "jure" | "jurée" => Some(Role::Jury),
        "participant" | "participante" => Some(Role::Participant),
        "spectator" | "spectateur" | "spectatrice" => Some(Role::Spectator),
        _ => None,
    }
}

/// Splits CSV text into records of fields, each with its starting line.
fn split_records(text: &str, delimiter: char) -> Result<Vec<(usize, Vec<String>)>, DomainError> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_quotes, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => in_quotes = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
            }
            (false, '\r') => {}
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut fields)));
                line += 1;
                record_line = line;
            }
            (false, c) if c == delimiter => fields.push(std::mem::take(&mut field)),
            (false, c) => field.push(c),
        }
    }
    if in_quotes {
        return Err(bad(record_line, "a quoted field is never closed"));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((record_line, fields));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<Vec<RosterRow>, DomainError>) -> String {
        match result {
            Err(DomainError::InvalidRoster(m)) => m,
            other => panic!("expected a roster error, got {other:?}"),
        }
    }

    #[test]
    fn parses_a_french_excel_export() {
        let csv = "\u{feff}Nom;Rôle;Équipe;Défi\r\nZoé Martin;participante;Les Cartographes;Open data\r\n\"Dupont; Jean\";mentor;;\r\nAli;;Les Cartographes;\r\n";
        let rows = parse_roster(csv.as_bytes(), 40).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].name.as_str(), "Zoé Martin");
        assert_eq!(rows[0].team.as_deref(), Some("Les Cartographes"));
        assert_eq!(rows[0].challenge.as_deref(), Some("Open data"));
        assert_eq!(
            (rows[1].name.as_str(), rows[1].role, rows[1].team.as_deref()),
            ("Dupont; Jean", Role::Mentor, None)
        );
        assert_eq!((rows[2].line, rows[2].role), (4, Role::Participant));
    }

    #[test]
    fn quoted_fields_may_hold_quotes_and_line_breaks() {
        let csv = "name,team\n\"Anne \"\"Nan\"\" B\",\"Team\nA\"\nBob,X\n";
        let rows = parse_roster(csv.as_bytes(), 40).unwrap();
        assert_eq!(rows[0].name.as_str(), "Anne \"Nan\" B");
        assert_eq!(rows[0].team.as_deref(), Some("Team A"));
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            message(parse_roster(b"team\nX\n", 40)),
            "line 1: missing column 'name'"
        );
        assert_eq!(
            message(parse_roster(b"name,role\nA,participant\nB,chef\n", 40)),
            "line 3: unknown role 'chef'"
        );
        assert_eq!(
            message(parse_roster(b"name\nZoe\nAli\nzoe\n", 40)),
            "line 4: 'zoe' is already listed on line 2"
        );
        assert_eq!(
            message(parse_roster(b"name,team\nA\n", 40)),
            "line 2: 1 fields, the header has 2"
        );
        assert_eq!(
            message(parse_roster(b"name\nOK\nZo\xe9\n", 40)),
            "line 3: the file is not UTF-8 text; save it as CSV UTF-8"
        );
        assert_eq!(
            message(parse_roster(b"name\n\"open\n", 40)),
            "line 2: a quoted field is never closed"
        );
        assert_eq!(
            message(parse_roster(b"name\n", 40)),
            "line 2: no people listed after the header"
        );
        assert!(
            message(parse_roster("name\n\u{202e}\n".as_bytes(), 40))
                .starts_with("line 2: name is empty")
        );
    }
}
