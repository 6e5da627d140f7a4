//! The mentor help desk: teams ask for help, mentors claim, come, resolve.
//!
//! The queue is ordered by when a request was asked (then id), so a request
//! put back by `unclaim` returns to its former place. Each mentor sees the
//! requests matching their skills first, then the others, oldest first.

use super::error::DomainError;
use super::ids::{MemberId, Millis, TeamId};
use super::member::Member;
use super::permissions::{Permission, check};
use super::text::Message;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Topics a team can ask help about, and mentors' skills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpTag {
    Technique,
    Data,
    Legal,
    Security,
    Design,
    Pitch,
}

impl HelpTag {
    /// Every topic, in display order.
    pub const ALL: [HelpTag; 6] = [
        HelpTag::Technique,
        HelpTag::Data,
        HelpTag::Legal,
        HelpTag::Security,
        HelpTag::Design,
        HelpTag::Pitch,
    ];

    /// Words (French and English, lower case, without accents) that put a
    /// skill written on the sign-up form under this topic.
    fn keywords(self) -> &'static [&'static str] {
        match self {
            HelpTag::Technique => &[
                "technique",
                "tech",
                "dev",
                "developpement",
                "developer",
                "developpeur",
                "developpeuse",
                "code",
                "programmation",
                "programming",
                "software",
                "logiciel",
                "web",
                "backend",
                "frontend",
                "mobile",
                "api",
                "python",
                "rust",
                "java",
                "javascript",
                "typescript",
                "php",
                "cloud",
                "devops",
                "infrastructure",
            ],
            HelpTag::Data => &[
                "data",
                "donnee",
                "donnees",
                "open data",
                "statistique",
                "statistiques",
                "statistics",
                "sql",
                "base de donnees",
                "database",
                "ia",
                "ai",
                "machine learning",
                "apprentissage",
                "dataviz",
                "visualisation",
                "sig",
                "gis",
                "cartographie",
            ],
            HelpTag::Legal => &[
                "juridique",
                "legal",
                "droit",
                "law",
                "rgpd",
                "gdpr",
                "licence",
                "license",
                "conformite",
                "compliance",
                "marches publics",
            ],
            HelpTag::Security => &[
                "securite",
                "security",
                "cybersecurite",
                "cybersecurity",
                "cyber",
                "crypto",
                "cryptographie",
                "cryptography",
            ],
            HelpTag::Design => &[
                "design",
                "ux",
                "ui",
                "ergonomie",
                "graphisme",
                "graphic",
                "accessibilite",
                "accessibility",
                "a11y",
                "maquette",
                "prototype",
            ],
            HelpTag::Pitch => &[
                "pitch",
                "communication",
                "presentation",
                "storytelling",
                "business",
                "marketing",
                "prise de parole",
                "public speaking",
                "gestion de projet",
            ],
        }
    }

    /// The topics a free-text skill from the sign-up form is about
    /// ("Données ouvertes, SQL" → data), matched on whole words, without
    /// regard to case or accents. Most skills name one topic; none is fine.
    pub fn of_skill(skill: &str) -> Vec<HelpTag> {
        let plain: String = skill
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| match c {
                'à' | 'â' | 'ä' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'î' | 'ï' => 'i',
                'ô' | 'ö' => 'o',
                'ù' | 'û' | 'ü' => 'u',
                'ç' => 'c',
                c if c.is_alphanumeric() => c,
                _ => ' ',
            })
            .collect();
        let words: Vec<&str> = plain.split_whitespace().collect();
        let padded = format!(" {} ", words.join(" "));
        HelpTag::ALL
            .into_iter()
            .filter(|tag| {
                tag.keywords()
                    .iter()
                    .any(|k| padded.contains(&format!(" {k} ")))
            })
            .collect()
    }

    /// The topics of all of a person's skills, sorted, without repeats.
    pub fn of_skills(skills: &[String]) -> Vec<HelpTag> {
        let mut tags: Vec<HelpTag> = skills.iter().flat_map(|s| HelpTag::of_skill(s)).collect();
        tags.sort();
        tags.dedup();
        tags
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpState {
    Open,
    Claimed,
    Resolved,
    Cancelled,
}

/// A team's rating of the help it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub stars: u8,
    pub comment: String,
}

/// One help request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpRequest {
    pub id: u32,
    pub team: TeamId,
    pub asked_by: MemberId,
    pub tags: Vec<HelpTag>,
    pub description: String,
    pub asked_at: Millis,
    pub state: HelpState,
    pub mentor: Option<MemberId>,
    pub claimed_at: Option<Millis>,
    pub resolved_at: Option<Millis>,
    /// When it was first claimed; kept across unclaims for wait statistics.
    pub first_claimed_at: Option<Millis>,
    pub rating: Option<Rating>,
    /// A reminder went to the mentors. Not durable: after a restart a
    /// long-waiting request may be reminded once more, which is harmless.
    #[serde(skip)]
    pub reminded: bool,
}

impl HelpRequest {
    /// Open or claimed: still needs a mentor's attention.
    pub fn is_active(&self) -> bool {
        matches!(self.state, HelpState::Open | HelpState::Claimed)
    }
}

/// A mentor's skills and whether they take requests now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentorProfile {
    pub skills: Vec<HelpTag>,
    pub available: bool,
}

/// A change to the help desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum HelpCommand {
    Ask {
        tags: Vec<HelpTag>,
        /// Checked against [`MAX_HELP_TEXT_CHARS`] by the hub.
        description: Message,
    },
    Claim {
        request: u32,
    },
    Unclaim {
        request: u32,
    },
    Resolve {
        request: u32,
    },
    Cancel {
        request: u32,
    },
    Rate {
        request: u32,
        stars: u8,
        comment: Message,
    },
    SetProfile {
        skills: Vec<HelpTag>,
        available: bool,
    },
}

/// Longest request description or rating comment, in characters.
pub const MAX_HELP_TEXT_CHARS: usize = 500;
/// Handling time assumed before any request was resolved.
pub const DEFAULT_HANDLING_MS: u64 = 10 * 60 * 1000;

/// Every request and mentor profile of the event. Durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpDesk {
    pub requests: BTreeMap<u32, HelpRequest>,
    pub next_id: u32,
    pub mentors: BTreeMap<MemberId, MentorProfile>,
}

impl Default for HelpDesk {
    fn default() -> Self {
        HelpDesk {
            requests: BTreeMap::new(),
            next_id: 1,
            mentors: BTreeMap::new(),
        }
    }
}

/// Live help statistics for the moderator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HelpStats {
    pub open: usize,
    pub claimed: usize,
    pub resolved: usize,
    pub cancelled: usize,
    pub median_wait_ms: Option<u64>,
    pub median_handling_ms: Option<u64>,
    pub mentors_available: usize,
    pub per_mentor: Vec<MentorStats>,
}

/// One mentor's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MentorStats {
    pub mentor: u32,
    pub claimed: usize,
    pub resolved: usize,
    pub average_rating: Option<f64>,
}

impl HelpDesk {
    /// Checks a command from `actor` without changing anything.
    pub fn check(&self, actor: &Member, command: &HelpCommand) -> Result<(), DomainError> {
        match command {
            HelpCommand::Ask { tags, .. } => {
                check(actor.role, Permission::AskHelp)?;
                let team = actor.team.ok_or(DomainError::NoTeam)?;
                if let Some(open) = self.active_request_of(team) {
                    return Err(DomainError::HelpAlreadyOpen(open.id));
                }
                if tags.is_empty() {
                    return Err(DomainError::EmptyText { field: "tags" });
                }
            }
            HelpCommand::Claim { request } => {
                check(actor.role, Permission::HandleHelp)?;
                let found = self.request(*request)?;
                if let Some(current) = self.claimed_by(actor.id) {
                    return Err(DomainError::AlreadyClaiming(current.id));
                }
                if actor.team == Some(found.team) {
                    return Err(DomainError::OwnTeamRequest);
                }
                match found.state {
                    HelpState::Open => {}
                    HelpState::Claimed => return Err(DomainError::AlreadyClaimed(*request)),
                    HelpState::Resolved | HelpState::Cancelled => {
                        return Err(DomainError::HelpClosed(*request));
                    }
                }
            }
            HelpCommand::Unclaim { request } | HelpCommand::Resolve { request } => {
                check(actor.role, Permission::HandleHelp)?;
                let found = self.request(*request)?;
                if !found.is_active() {
                    return Err(DomainError::HelpClosed(*request));
                }
                if found.state != HelpState::Claimed || found.mentor != Some(actor.id) {
                    return Err(DomainError::NotYourClaim(*request));
                }
            }
            HelpCommand::Cancel { request } => {
                check(actor.role, Permission::AskHelp)?;
                let found = self.request(*request)?;
                if actor.team != Some(found.team) {
                    return Err(DomainError::NotYourTeamRequest(*request));
                }
                if !found.is_active() {
                    return Err(DomainError::HelpClosed(*request));
                }
            }
            HelpCommand::Rate { request, stars, .. } => {
                check(actor.role, Permission::AskHelp)?;
                let found = self.request(*request)?;
                if actor.team != Some(found.team) {
                    return Err(DomainError::NotYourTeamRequest(*request));
                }
                if found.state != HelpState::Resolved {
                    return Err(DomainError::NotResolved(*request));
                }
                if found.rating.is_some() {
                    return Err(DomainError::AlreadyRated(*request));
                }
                if !(1..=5).contains(stars) {
                    return Err(DomainError::OutOfRange {
                        field: "stars",
                        min: 1,
                        max: 5,
                        got: i64::from(*stars),
                    });
                }
            }
            HelpCommand::SetProfile { .. } => check(actor.role, Permission::HandleHelp)?,
        }
        Ok(())
    }

    /// Applies a checked command; returns the request that changed, if any.
    pub fn apply(&mut self, actor: &Member, command: &HelpCommand, now: Millis) -> Option<u32> {
        match command {
            HelpCommand::Ask { tags, description } => {
                let id = self.next_id;
                self.next_id += 1;
                let mut tags = tags.clone();
                tags.sort();
                tags.dedup();
                let description = description.to_string();
                self.requests.insert(
                    id,
                    HelpRequest {
                        id,
                        team: actor.team?,
                        asked_by: actor.id,
                        tags,
                        description,
                        asked_at: now,
                        state: HelpState::Open,
                        mentor: None,
                        claimed_at: None,
                        resolved_at: None,
                        first_claimed_at: None,
                        rating: None,
                        reminded: false,
                    },
                );
                Some(id)
            }
            HelpCommand::Claim { request } => {
                let r = self.requests.get_mut(request)?;
                r.state = HelpState::Claimed;
                r.mentor = Some(actor.id);
                r.claimed_at = Some(now);
                r.first_claimed_at.get_or_insert(now);
                Some(*request)
            }
            HelpCommand::Unclaim { request } => {
                let r = self.requests.get_mut(request)?;
                r.state = HelpState::Open;
                r.mentor = None;
                r.claimed_at = None;
                Some(*request)
            }
            HelpCommand::Resolve { request } => {
                let r = self.requests.get_mut(request)?;
                r.state = HelpState::Resolved;
                r.resolved_at = Some(now);
                Some(*request)
            }
            HelpCommand::Cancel { request } => {
                let r = self.requests.get_mut(request)?;
                r.state = HelpState::Cancelled;
                r.resolved_at = Some(now);
                Some(*request)
            }
            HelpCommand::Rate {
                request,
                stars,
                comment,
            } => {
                let r = self.requests.get_mut(request)?;
                r.rating = Some(Rating {
                    stars: *stars,
                    comment: comment.to_string(),
                });
                Some(*request)
            }
            HelpCommand::SetProfile { skills, available } => {
                let mut skills = skills.clone();
                skills.sort();
                skills.dedup();
                self.mentors.insert(
                    actor.id,
                    MentorProfile {
                        skills,
                        available: *available,
                    },
                );
                None
            }
        }
    }

    /// Cancels a team's active request (the team was dissolved).
    pub fn cancel_for_team(&mut self, team: TeamId, now: Millis) -> Option<u32> {
        let id = self.active_request_of(team)?.id;
        let r = self.requests.get_mut(&id)?;
        r.state = HelpState::Cancelled;
        r.resolved_at = Some(now);
        Some(id)
    }

    fn request(&self, id: u32) -> Result<&HelpRequest, DomainError> {
        self.requests
            .get(&id)
            .ok_or(DomainError::UnknownRequest(id))
    }

    /// The team's open or claimed request.
    pub fn active_request_of(&self, team: TeamId) -> Option<&HelpRequest> {
        self.requests
            .values()
            .find(|r| r.team == team && r.is_active())
    }

    /// The request a mentor is handling.
    pub fn claimed_by(&self, mentor: MemberId) -> Option<&HelpRequest> {
        self.requests
            .values()
            .find(|r| r.state == HelpState::Claimed && r.mentor == Some(mentor))
    }

    /// Open requests, oldest first (the team-facing queue order).
    pub fn open_queue(&self) -> Vec<&HelpRequest> {
        let mut open: Vec<&HelpRequest> = self
            .requests
            .values()
            .filter(|r| r.state == HelpState::Open)
            .collect();
        open.sort_by_key(|r| (r.asked_at, r.id));
        open
    }

    /// Open requests as a mentor with `skills` should see them: those sharing
    /// a tag with the skills first, then the rest; oldest first within each.
    pub fn queue_for(&self, skills: &[HelpTag]) -> Vec<&HelpRequest> {
        let mut open = self.open_queue();
        open.sort_by_key(|r| (!r.tags.iter().any(|t| skills.contains(t)), r.asked_at, r.id));
        open
    }

    /// 1-based place of an open request in the queue.
    pub fn position(&self, id: u32) -> Option<usize> {
        self.open_queue()
            .iter()
            .position(|r| r.id == id)
            .map(|i| i + 1)
    }

    /// Mentors who said they are available.
    pub fn mentors_available(&self) -> usize {
        self.mentors.values().filter(|m| m.available).count()
    }

    /// Median time from claim to resolution, over resolved requests.
    pub fn median_handling_ms(&self) -> Option<u64> {
        median(
            self.requests
                .values()
                .filter_map(|r| Some(r.resolved_at?.saturating_sub(r.claimed_at?)))
                .collect(),
        )
    }

    /// Estimated wait for the request at `position`: the queue ahead is
    /// served by the available mentors in waves, each lasting the median
    /// handling time (10 minutes before any data). `None` when no mentor is
    /// available, since no honest estimate exists then.
    pub fn estimate_wait_ms(&self, position: usize) -> Option<u64> {
        let mentors = self.mentors_available();
        if mentors == 0 {
            return None;
        }
        let handling = self.median_handling_ms().unwrap_or(DEFAULT_HANDLING_MS);
        let waves = position.saturating_sub(1) / mentors;
        Some(waves as u64 * handling + handling / 2)
    }

    /// Open requests waiting longer than `after_ms` that were not reminded yet;
    /// marks them reminded.
    pub fn take_due_reminders(&mut self, now: Millis, after_ms: u64) -> Vec<u32> {
        let mut due = Vec::new();
        for r in self.requests.values_mut() {
            if r.state == HelpState::Open
                && !r.reminded
                && now.saturating_sub(r.asked_at) >= after_ms
            {
                r.reminded = true;
                due.push(r.id);
            }
        }
        due
    }

    /// Figures for the moderator.
    pub fn stats(&self) -> HelpStats {
        let count = |s: HelpState| self.requests.values().filter(|r| r.state == s).count();
        let waits = self
            .requests
            .values()
            .filter_map(|r| Some(r.first_claimed_at?.saturating_sub(r.asked_at)))
            .collect();
        let mut per_mentor: BTreeMap<MemberId, (usize, usize, Vec<u8>)> = BTreeMap::new();
        for r in self.requests.values() {
            let Some(mentor) = r.mentor else { continue };
            let entry = per_mentor.entry(mentor).or_default();
            entry.0 += 1;
            if r.state == HelpState::Resolved {
                entry.1 += 1;
            }
            if let Some(rating) = &r.rating {
                entry.2.push(rating.stars);
            }
        }
        HelpStats {
            open: count(HelpState::Open),
            claimed: count(HelpState::Claimed),
            resolved: count(HelpState::Resolved),
            cancelled: count(HelpState::Cancelled),
            median_wait_ms: median(waits),
            median_handling_ms: self.median_handling_ms(),
            mentors_available: self.mentors_available(),
            per_mentor: per_mentor
                .into_iter()
                .map(|(mentor, (claimed, resolved, stars))| MentorStats {
                    mentor: mentor.0,
                    claimed,
                    resolved,
                    average_rating: (!stars.is_empty()).then(|| {
                        stars.iter().map(|s| f64::from(*s)).sum::<f64>() / stars.len() as f64
                    }),
                })
                .collect(),
        }
    }
}

/// The median of durations (mean of the two middle values for an even count).
pub fn median(mut values: Vec<u64>) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::Role;

    fn member(id: u32, role: Role, team: Option<u32>) -> Member {
        Member {
            id: MemberId(id),
            name: format!("m{id}"),
            role,
            team: team.map(TeamId),
            session_hash: String::new(),
            muted: false,
            banned: false,
        }
    }

    fn run(
        desk: &mut HelpDesk,
        actor: &Member,
        command: HelpCommand,
        now: Millis,
    ) -> Result<Option<u32>, DomainError> {
        desk.check(actor, &command)?;
        Ok(desk.apply(actor, &command, now))
    }

    fn ask(tags: &[HelpTag]) -> HelpCommand {
        HelpCommand::Ask {
            tags: tags.to_vec(),
            description: "On bloque sur l'API".into(),
        }
    }

    #[test]
    fn queue_puts_matching_skills_first_then_oldest() {
        let mut desk = HelpDesk::default();
        run(
            &mut desk,
            &member(1, Role::Participant, Some(1)),
            ask(&[HelpTag::Legal]),
            10,
        )
        .unwrap();
        run(
            &mut desk,
            &member(2, Role::Participant, Some(2)),
            ask(&[HelpTag::Data]),
            20,
        )
        .unwrap();
        run(
            &mut desk,
            &member(3, Role::Participant, Some(3)),
            ask(&[HelpTag::Data, HelpTag::Design]),
            30,
        )
        .unwrap();
        let ids = |q: Vec<&HelpRequest>| q.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(desk.queue_for(&[HelpTag::Data])), [2, 3, 1]);
        assert_eq!(ids(desk.queue_for(&[HelpTag::Legal])), [1, 2, 3]);
        assert_eq!(ids(desk.queue_for(&[])), [1, 2, 3]);
        assert_eq!(desk.position(3), Some(3));
    }

    #[test]
    fn unclaim_returns_a_request_to_its_former_place() {
        let mut desk = HelpDesk::default();
        let mentor = member(9, Role::Mentor, None);
        run(
            &mut desk,
            &member(1, Role::Participant, Some(1)),
            ask(&[HelpTag::Data]),
            10,
        )
        .unwrap();
        run(
            &mut desk,
            &member(2, Role::Participant, Some(2)),
            ask(&[HelpTag::Data]),
            20,
        )
        .unwrap();
        run(&mut desk, &mentor, HelpCommand::Claim { request: 1 }, 30).unwrap();
        assert_eq!(desk.position(2), Some(1));
        run(&mut desk, &mentor, HelpCommand::Unclaim { request: 1 }, 40).unwrap();
        assert_eq!((desk.position(1), desk.position(2)), (Some(1), Some(2)));
    }

    #[test]
    fn claims_are_exclusive_and_checked() {
        let mut desk = HelpDesk::default();
        let (a, b) = (member(8, Role::Mentor, None), member(9, Role::Mentor, None));
        let team_member = member(1, Role::Participant, Some(1));
        run(&mut desk, &team_member, ask(&[HelpTag::Data]), 10).unwrap();
        run(
            &mut desk,
            &member(2, Role::Participant, Some(2)),
            ask(&[HelpTag::Data]),
            11,
        )
        .unwrap();
        assert_eq!(
            run(&mut desk, &team_member, ask(&[HelpTag::Data]), 12),
            Err(DomainError::HelpAlreadyOpen(1))
        );
        assert!(matches!(
            run(
                &mut desk,
                &team_member,
                HelpCommand::Claim { request: 2 },
                12
            ),
            Err(DomainError::Forbidden { .. })
        ));
        run(&mut desk, &a, HelpCommand::Claim { request: 1 }, 20).unwrap();
        assert_eq!(
            run(&mut desk, &b, HelpCommand::Claim { request: 1 }, 21),
            Err(DomainError::AlreadyClaimed(1))
        );
        assert_eq!(
            run(&mut desk, &a, HelpCommand::Claim { request: 2 }, 21),
            Err(DomainError::AlreadyClaiming(1))
        );
        assert_eq!(
            run(&mut desk, &b, HelpCommand::Resolve { request: 1 }, 22),
            Err(DomainError::NotYourClaim(1))
        );
        assert_eq!(
            run(&mut desk, &b, HelpCommand::Claim { request: 77 }, 22),
            Err(DomainError::UnknownRequest(77))
        );
        let own = member(7, Role::Mentor, Some(2));
        assert_eq!(
            run(&mut desk, &own, HelpCommand::Claim { request: 2 }, 22),
            Err(DomainError::OwnTeamRequest)
        );
        run(&mut desk, &a, HelpCommand::Resolve { request: 1 }, 30).unwrap();
        assert_eq!(
            run(&mut desk, &b, HelpCommand::Claim { request: 1 }, 31),
            Err(DomainError::HelpClosed(1))
        );
    }

    #[test]
    fn only_the_team_cancels_and_rates_once_after_resolution() {
        let mut desk = HelpDesk::default();
        let mentor = member(9, Role::Mentor, None);
        let asker = member(1, Role::Participant, Some(1));
        let other = member(2, Role::Participant, Some(2));
        run(&mut desk, &asker, ask(&[HelpTag::Pitch]), 10).unwrap();
        assert_eq!(
            run(&mut desk, &other, HelpCommand::Cancel { request: 1 }, 11),
            Err(DomainError::NotYourTeamRequest(1))
        );
        let rate = |stars| HelpCommand::Rate {
            request: 1,
            stars,
            comment: "merci".into(),
        };
        assert_eq!(
            run(&mut desk, &asker, rate(5), 12),
            Err(DomainError::NotResolved(1))
        );
        run(&mut desk, &mentor, HelpCommand::Claim { request: 1 }, 20).unwrap();
        run(&mut desk, &mentor, HelpCommand::Resolve { request: 1 }, 80).unwrap();
        assert!(matches!(
            run(&mut desk, &asker, rate(6), 90),
            Err(DomainError::OutOfRange { .. })
        ));
        run(&mut desk, &asker, rate(4), 90).unwrap();
        assert_eq!(
            run(&mut desk, &asker, rate(5), 91),
            Err(DomainError::AlreadyRated(1))
        );
    }

    #[test]
    fn wait_estimate_uses_median_handling_and_available_mentors() {
        let mut desk = HelpDesk::default();
        assert_eq!(desk.estimate_wait_ms(1), None);
        desk.mentors.insert(
            MemberId(8),
            MentorProfile {
                skills: vec![],
                available: true,
            },
        );
        desk.mentors.insert(
            MemberId(9),
            MentorProfile {
                skills: vec![],
                available: true,
            },
        );
        // No history: 10 min handling. Positions 1-2 are in the first wave.
        assert_eq!(desk.estimate_wait_ms(1), Some(300_000));
        assert_eq!(desk.estimate_wait_ms(2), Some(300_000));
        assert_eq!(desk.estimate_wait_ms(3), Some(900_000));
        // Handled in 60 s and 120 s: median 90 s.
        for (id, claimed, resolved) in [(1, 0, 60_000), (2, 0, 120_000)] {
            desk.requests.insert(
                id,
                HelpRequest {
                    id,
                    team: TeamId(id),
                    asked_by: MemberId(id),
                    tags: vec![],
                    description: String::new(),
                    asked_at: 0,
                    state: HelpState::Resolved,
                    mentor: Some(MemberId(8)),
                    claimed_at: Some(claimed),
                    resolved_at: Some(resolved),
                    first_claimed_at: Some(claimed),
                    rating: None,
                    reminded: false,
                },
            );
        }
        assert_eq!(desk.median_handling_ms(), Some(90_000));
        assert_eq!(desk.estimate_wait_ms(3), Some(90_000 + 45_000));
    }

    #[test]
    fn reminders_fire_once_for_long_waits() {
        let mut desk = HelpDesk::default();
        run(
            &mut desk,
            &member(1, Role::Participant, Some(1)),
            ask(&[HelpTag::Data]),
            0,
        )
        .unwrap();
        assert!(desk.take_due_reminders(299_999, 300_000).is_empty());
        assert_eq!(desk.take_due_reminders(300_000, 300_000), [1]);
        assert!(desk.take_due_reminders(900_000, 300_000).is_empty());
    }

    #[test]
    fn stats_count_states_and_ratings() {
        let mut desk = HelpDesk::default();
        let mentor = member(9, Role::Mentor, None);
        let asker = member(1, Role::Participant, Some(1));
        run(&mut desk, &asker, ask(&[HelpTag::Data]), 0).unwrap();
        run(&mut desk, &mentor, HelpCommand::Claim { request: 1 }, 1_000).unwrap();
        run(
            &mut desk,
            &mentor,
            HelpCommand::Resolve { request: 1 },
            5_000,
        )
        .unwrap();
        run(
            &mut desk,
            &asker,
            HelpCommand::Rate {
                request: 1,
                stars: 4,
                comment: "".into(),
            },
            6_000,
        )
        .unwrap();
        run(&mut desk, &asker, ask(&[HelpTag::Data]), 7_000).unwrap();
        let stats = desk.stats();
        assert_eq!((stats.open, stats.claimed, stats.resolved), (1, 0, 1));
        assert_eq!(
            (stats.median_wait_ms, stats.median_handling_ms),
            (Some(1_000), Some(4_000))
        );
        assert_eq!(stats.per_mentor[0].average_rating, Some(4.0));
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
    }
}
