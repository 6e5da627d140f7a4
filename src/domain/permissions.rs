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
    /// Challenges, schedule, phases, team formation mode.
    ManageProgram,
    /// Import participants and teams from a CSV roster.
    ImportRoster,
    /// Bring everyone (or a role, or a team) to the amphitheatre.
    Summon,
    /// See help statistics and the whole queue.
    ViewHelpStats,
    /// Mute, kick, ban, delete messages, manage invites, read the audit log.
    Moderate,
}

impl Permission {
    /// Every permission, in table order.
    pub const ALL: [Permission; 16] = [
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
            | Permission::Moderate => RoleSet::of(&[Moderator]),
        }
    }
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
