//! Who may do what: the one role × action table the server enforces.
//!
//! Every refusal for lack of rights goes through [`check`], so the table here
//! is the whole truth; `docs/permissions.md` is written from it.

use super::error::DomainError;
use super::role::{Role, RoleSet};

/// An action subject to a role check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Step, walk, teleport.
    Move,
    SetStatus,
    ChatRoom,
    ChatTeam,
    ChatDirect,
    Announce,
    CreateTeam,
    JoinTeam,
    LeaveTeam,
    /// Ask for help, cancel and rate one's team's request.
    AskHelp,
    /// Set mentor skills; claim, unclaim and resolve requests.
    HandleHelp,
    /// Challenges, schedule, phases, team formation mode, teams and their
    /// challenges.
    ManageProgram,
    /// Import participants and teams from a CSV roster.
    ImportRoster,
    /// Bring everyone (or a role, or a team) to the amphitheatre.
    Summon,
    /// See help statistics and the whole queue.
    ViewHelpStats,
    /// Mute, kick, ban, delete messages, manage invites, read the audit log.
    Moderate,
    /// Run of show, timer, rubric, judging switches, voting settings,
    /// labels, leaderboard visibility.
    RunShow,
    /// Score teams (jurors).
    Score,
    /// Vote for a favourite team.
    Vote,
    /// Post ideas, support them, say one would like to work on one.
    ShareIdeas,
    /// Edit one's team's project page, upload its files, opt in to the gallery.
    EditProject,
    /// Ask the team on stage a written question, upvote questions.
    AskQuestions,
}

impl Permission {
    /// Every permission, in table order.
    pub const ALL: [Permission; 22] = [
        Permission::Move,
        Permission::SetStatus,
        Permission::ChatRoom,
        Permission::ChatTeam,
        Permission::ChatDirect,
        Permission::Announce,
        Permission::CreateTeam,
        Permission::JoinTeam,
        Permission::LeaveTeam,
        Permission::AskHelp,
        Permission::HandleHelp,
        Permission::ManageProgram,
        Permission::ImportRoster,
        Permission::Summon,
        Permission::ViewHelpStats,
        Permission::Moderate,
        Permission::RunShow,
        Permission::Score,
        Permission::Vote,
        Permission::ShareIdeas,
        Permission::EditProject,
        Permission::AskQuestions,
    ];

    /// Lower-case verb phrase, used in error messages ("may not …").
    pub fn describe(self) -> &'static str {
        match self {
            Permission::Move => "move",
            Permission::SetStatus => "set a status",
            Permission::ChatRoom => "chat in a room",
            Permission::ChatTeam => "chat in a team channel",
            Permission::ChatDirect => "send direct messages",
            Permission::Announce => "post announcements",
            Permission::CreateTeam => "create a team",
            Permission::JoinTeam => "join a team",
            Permission::LeaveTeam => "leave a team",
            Permission::AskHelp => "ask for help",
            Permission::HandleHelp => "handle help requests",
            Permission::ManageProgram => "change the programme",
            Permission::ImportRoster => "import a roster",
            Permission::Summon => "summon people",
            Permission::ViewHelpStats => "see help statistics",
            Permission::Moderate => "moderate",
            Permission::RunShow => "run the pitch session",
            Permission::Score => "score teams",
            Permission::Vote => "vote for a favourite",
            Permission::ShareIdeas => "share ideas",
            Permission::EditProject => "edit the team's project page",
            Permission::AskQuestions => "ask and upvote questions",
        }
    }

    /// The roles allowed to do it.
    pub fn roles(self) -> RoleSet {
        use Role::*;
        match self {
            Permission::Move
            | Permission::SetStatus
            | Permission::ChatRoom
            | Permission::ChatDirect => RoleSet::of(&[Moderator, Mentor, Jury, Participant]),
            Permission::ChatTeam => RoleSet::of(&[Mentor, Participant]),
            Permission::Announce => RoleSet::of(&[Moderator]),
            Permission::CreateTeam
            | Permission::JoinTeam
            | Permission::LeaveTeam
            | Permission::AskHelp => RoleSet::of(&[Participant]),
            Permission::HandleHelp => RoleSet::of(&[Mentor]),
            Permission::ManageProgram
            | Permission::ImportRoster
            | Permission::Summon
            | Permission::ViewHelpStats
            | Permission::Moderate
            | Permission::RunShow => RoleSet::of(&[Moderator]),
            Permission::Score => RoleSet::of(&[Jury]),
            Permission::Vote => RoleSet::of(&[Participant]),
            Permission::ShareIdeas => RoleSet::of(&[Participant]),
            Permission::EditProject => RoleSet::of(&[Participant]),
            Permission::AskQuestions => RoleSet::of(&[Moderator, Mentor, Jury, Participant]),
        }
    }
}

impl Permission {
    /// The wire messages (and chat scopes) governed by this permission.
    pub fn messages(self) -> &'static [&'static str] {
        match self {
            Permission::Move => &[
                "step",
                "walk_to",
                "walk",
                "teleport",
                "go_to_team",
                "media_offer",
                "media_answer",
                "media_leave",
                "media_settings",
                "media_ice_servers",
                "floor (raise, lower)",
            ],
            Permission::SetStatus => &["set_status"],
            Permission::ChatRoom => &["chat (scope room)"],
            Permission::ChatTeam => &["chat (scope team)"],
            Permission::ChatDirect => &["chat (scope direct)"],
            Permission::Announce => &["chat (scope announcement)"],
            Permission::CreateTeam => &["create_team"],
            Permission::JoinTeam => &["join_team"],
            Permission::LeaveTeam => &["leave_team"],
            Permission::AskHelp => &["ask_help", "cancel_help", "rate_help"],
            Permission::HandleHelp => &[
                "set_mentor_profile",
                "claim_help",
                "unclaim_help",
                "resolve_help",
            ],
            Permission::ManageProgram => &[
                "add_challenge",
                "update_challenge",
                "remove_challenge",
                "set_schedule",
                "set_phase",
                "set_team_formation",
                "add_team",
                "set_team_challenge",
                "idea (close, reopen, set_budget, make_team)",
                "project (set_deadline)",
            ],
            Permission::ImportRoster => &["POST /api/events/{id}/roster"],
            Permission::Summon => &["summon"],
            Permission::ViewHelpStats => &[
                "help_stats (pushed)",
                "help_queue of every request (pushed)",
            ],
            Permission::Moderate => &[
                "mute",
                "unmute",
                "kick",
                "ban",
                "delete_message",
                "create_invite",
                "revoke_invite",
                "rotate_invite",
                "list_invites",
                "get_audit_log",
                "media_mute",
            ],
            Permission::RunShow => &[
                "pitch (every op)",
                "jury (set_rubric, open_judging, close_judging, publish, unpublish)",
                "vote (open, close, set_per_voter, show_counts)",
                "award (every op)",
                "leaderboard (every op)",
                "GET /api/events/{id}/results",
                "question (pick, hide)",
                "floor (give, take, jurors_in_qa)",
            ],
            Permission::Score => &["jury (score, clear_score)"],
            Permission::Vote => &["vote (cast, retract)"],
            Permission::ShareIdeas => &["idea (post, support, withdraw, interest)"],
            Permission::EditProject => &[
                "project (update, set_public, remove_file)",
                "POST /api/events/{id}/project/files",
            ],
            Permission::AskQuestions => &["question (ask, upvote)"],
        }
    }
}

/// The permission table as Markdown: one row per permission, one column per
/// role. `docs/permissions.md` is this text; a test keeps them equal.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Permissions\n\nWho may do what. The server enforces every row; the web client only hides\nbuttons. This page is generated from `src/domain/permissions.rs` (a test\nfails when they differ; `AMPHI_WRITE_DOCS=1 cargo test permissions` rewrites it).\nMessages not listed (`hello`, `ping`, `view`, `react`) are open to everyone
(`react` to anonymous watchers too).\n\n| action | messages |",
    );
    for role in Role::ALL {
        out.push_str(&format!(" {role} |"));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    out.push('\n');
    for permission in Permission::ALL {
        let messages = permission
            .messages()
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!("| {} | {messages} |", permission.describe()));
        for role in Role::ALL {
            out.push_str(if permission.roles().contains(role) {
                " ✅ |"
            } else {
                " — |"
            });
        }
        out.push('\n');
    }
    out.push_str(
        "\nBeyond the role, some actions have conditions checked on the server: team\nchat and help requests need a team; a mentor never claims their own team's\nrequest; only the claiming mentor resolves; moderators cannot mute, kick or\nban another moderator; rooms admit only the roles on the map (the jury room:\njury and moderator).\n",
    );
    out
}

/// Refuses with [`DomainError::Forbidden`] unless `role` may do `what`.
pub fn check(role: Role, what: Permission) -> Result<(), DomainError> {
    if what.roles().contains(role) {
        Ok(())
    } else {
        Err(DomainError::Forbidden {
            role: role.as_str(),
            action: what.describe(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permissions_doc_is_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/permissions.md");
        let expected = markdown();
        if std::env::var_os("AMPHI_WRITE_DOCS").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/permissions.md is stale; run AMPHI_WRITE_DOCS=1 cargo test permissions"
        );
    }

    #[test]
    fn every_permission_governs_some_message() {
        for p in Permission::ALL {
            assert!(!p.messages().is_empty(), "{p:?}");
        }
    }

    #[test]
    fn spectators_only_watch() {
        for p in Permission::ALL {
            assert!(check(Role::Spectator, p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn only_the_moderator_announces() {
        assert!(check(Role::Moderator, Permission::Announce).is_ok());
        for role in [Role::Mentor, Role::Jury, Role::Participant] {
            assert_eq!(
                check(role, Permission::Announce),
                Err(DomainError::Forbidden {
                    role: role.as_str(),
                    action: "post announcements"
                })
            );
        }
    }
}
