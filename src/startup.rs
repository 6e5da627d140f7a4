//! Opening the server's events at start (and offline, for `amphi dump`).
//!
//! [`open_events`] runs once, before any hub:
//!
//! 1. creates the data directory if needed (an unusable one stops the start);
//! 2. recovers every event directory under `<data_dir>/events/`
//!    ([`crate::store::list_events`], [`crate::store::open_event`] in
//!    `spawn_blocking`), logging each recovery warning, and rebuilds the live
//!    [`Event`] with [`crate::store::Recovered::event`]. Any store error
//!    (corrupt journal, newer format, locked directory, …) stops the start
//!    with a [`StartError::Store`] naming the event directory;
//! 3. on a data directory with no event yet, and `config.demo`, creates the
//!    demo event: its setup commands ([`demo::demo_setup`]) are applied *and
//!    journaled*, so its teams and invites survive restarts;
//! 4. with a `bootstrap_token`, makes sure every event has a moderator invite
//!    with that token's hash (journaled once);
//! 5. works out which join links can be shown at this start.
//!
//! # Join links
//!
//! Invite tokens are stored only as hashes, so a link can be printed only
//! when its token is created. At the demo's creation all five links are
//! returned, and the four non-moderator ones are written to
//! `<data_dir>/join-links.txt` (mode 0600) *before* the setup is journaled.
//! Later starts read the links back from that file, rebuilt with the current
//! base URL (the listen port may have changed) and without those whose invite
//! was revoked. The bootstrap moderator link is never written anywhere: later
//! starts only get a note saying it was printed at first start, unless the
//! operator chose the token (`bootstrap_token`), whose link is shown at every
//! start.

use crate::MapProblems;
use crate::clock::Clock;
use crate::config::Config;
use crate::demo::{self, SetupCommand};
use crate::domain::results::ExportFormat;
use crate::domain::{Command, Event, EventState, Limits, Millis, Role};
use crate::hub::{ApplyError, Durable};
use crate::instance::maps::EventMap;
use crate::map_files::MapRoot;
use crate::secret::hash_token;
use crate::store::{self, StoreError, StoreOptions};
use crate::venue::Venue;
use crate::{JoinLink, StartError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The file holding the non-moderator join links of the demo event.
pub const JOIN_LINKS_FILE: &str = "join-links.txt";

/// How long start-up waits for its own records (demo setup, bootstrap
/// invite) to become durable before giving up.
const SETUP_DURABLE_WAIT: Duration = Duration::from_secs(10);

/// One recovered (or newly created) event, ready for its hub.
#[derive(Debug)]
pub struct OpenedEvent {
    /// The event with its journal and snapshots: every setup command goes
    /// through [`Durable::apply`], as the hub's do.
    pub durable: Durable,
    /// The event's own map ([`crate::instance::maps`]).
    pub map: EventMap,
    /// The directory had neither snapshot nor record.
    fresh: bool,
    dir: PathBuf,
}

/// What [`open_events`] prepared.
#[derive(Debug)]
pub struct Opened {
    pub events: Vec<OpenedEvent>,
    /// The join links that can be shown at this start.
    pub links: Vec<JoinLink>,
    /// Notes for the operator about links that cannot be shown (stderr).
    pub notes: Vec<String>,
}

/// Recovers every stored event, creates the demo event on a fresh data
/// directory, applies the bootstrap token, and gathers the join links.
pub async fn open_events(
    config: &Config,
    server_map: &EventMap,
    clock: &Clock,
    options: &StoreOptions,
    base_url: &str,
) -> Result<Opened, StartError> {
    let data_dir = config.data_dir.as_path();
    // Durably: a power cut must not take back the data directory itself.
    store::layout::create_dir_durably(data_dir, options.fsync).map_err(|source| {
        StartError::DataDir {
            path: data_dir.display().to_string(),
            source,
        }
    })?;
    let ids = store::list_events(data_dir).map_err(|e| store_error(data_dir, e))?;
    let mut events = Vec::with_capacity(ids.len());
    for id in &ids {
        events.push(open_one(data_dir, id, server_map, &config.limits, options).await?);
    }

    let mut links = Vec::new();
    let mut notes = Vec::new();
    let bootstrap = config.bootstrap_token.as_ref().map(|t| t.expose());
    let first_start = config.demo && events.iter().all(|e| e.fresh);
    if first_start {
        let index = match events
            .iter()
            .position(|e| e.durable.event().state().id == demo::DEMO_EVENT_ID)
        {
            Some(index) => index,
            None => {
                let demo = open_one(
                    data_dir,
                    demo::DEMO_EVENT_ID,
                    server_map,
                    &config.limits,
                    options,
                )
                .await?;
                events.push(demo);
                events.len() - 1
            }
        };
        if let Some(demo) = events.get_mut(index) {
            links = create_demo(
                demo,
                &config.limits,
                data_dir,
                bootstrap.is_some(),
                clock.now(),
                base_url,
            )
            .await?;
        }
    } else if events.is_empty() {
        notes.push(format!(
            "no event is stored in {} and the demo event is switched off (demo = false): \
             nobody can join",
            data_dir.display()
        ));
    } else {
        links = saved_links(data_dir, &events, base_url, &mut notes);
        if bootstrap.is_none() {
            notes.push(
                "the bootstrap moderator link was printed at first start only; set \
                 AMPHI_BOOTSTRAP_TOKEN (or bootstrap_token) to choose a moderator link shown at \
                 every start"
                    .to_string(),
            );
        }
    }
    if let Some(token) = bootstrap {
        for opened in &mut events {
            ensure_bootstrap_invite(opened, token, clock.now()).await?;
            let id = opened.durable.event().state().id.clone();
            links.push(join_link(base_url, &id, Role::Moderator, token));
        }
    }
    links.sort_by_key(|l| Role::ALL.iter().position(|r| *r == l.role));
    Ok(Opened {
        events,
        links,
        notes,
    })
}

/// The results of one event, recovered offline, in `format` (`amphi
/// export`): the same body the moderator's HTTP export gives.
pub async fn export_event(
    config: &Config,
    event: Option<&str>,
    format: ExportFormat,
) -> Result<String, StartError> {
    let (state, map) = recover_offline(config, event).await?;
    let event = Event::new(state, map.venue, config.limits.clone());
    event
        .results(Clock::System.now())
        .render(format)
        .map_err(|e| StartError::Task(format!("cannot encode the results: {e}")))
}

/// Recovers one event offline and returns its state (`amphi dump`): the same
/// recovery as at start, with no hub and no server. Without `event`, the data
/// directory must hold exactly one event.
pub async fn dump_event(config: &Config, event: Option<&str>) -> Result<EventState, StartError> {
    Ok(recover_offline(config, event).await?.0)
}

/// Recovers one event offline: its state and its map.
async fn recover_offline(
    config: &Config,
    event: Option<&str>,
) -> Result<(EventState, EventMap), StartError> {
    let data_dir = config.data_dir.as_path();
    if !data_dir.is_dir() {
        return Err(StartError::DataDir {
            path: data_dir.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
        });
    }
    let ids = store::list_events(data_dir).map_err(|e| store_error(data_dir, e))?;
    let id = match (event, ids.as_slice()) {
        (Some(id), _) if ids.iter().any(|i| i == id) => id.to_string(),
        (Some(id), _) => {
            return Err(StartError::NoEvent(format!(
                "no event '{id}' in {} (stored: {})",
                data_dir.display(),
                listed(&ids)
            )));
        }
        (None, [only]) => only.clone(),
        (None, _) => {
            return Err(StartError::NoEvent(format!(
                "{} holds {} events ({}); choose one with --event",
                data_dir.display(),
                ids.len(),
                listed(&ids)
            )));
        }
    };
    let server_map = load_venue(config.map.as_deref(), config.map_root.as_deref())?.event_map();
    let opened = open_one(
        data_dir,
        &id,
        &server_map,
        &config.limits,
        &StoreOptions::default(),
    )
    .await?;
    let state = opened.durable.event().state().clone();
    opened.durable.close().await;
    Ok((state, opened.map))
}

fn listed(ids: &[String]) -> String {
    if ids.is_empty() {
        "none".to_string()
    } else {
        ids.join(", ")
    }
}

/// The state an event starts from when it has no snapshot: the journal holds
/// only commands, so the id and title come from here.
pub fn fresh_state(id: &str) -> EventState {
    if id == demo::DEMO_EVENT_ID {
        demo::demo_state()
    } else {
        EventState::new(id, id)
    }
}

/// Removes the project files the recovered state does not reference, and
/// reports any it references that are missing (there should be none: a file
/// is synced before the command referencing it is journaled).
fn sweep_files(id: &str, event_dir: &Path, event: &Event) {
    let dir = crate::uploads::files::files_dir(event_dir);
    match crate::uploads::files::sweep(&dir, event.state().projects.files()) {
        Ok((removed, missing)) => {
            if removed > 0 {
                tracing::info!(event = %id, removed, "unreferenced project files removed");
            }
            for name in missing {
                tracing::error!(event = %id, file = %name, "a referenced project file is missing");
            }
        }
        Err(err) => tracing::warn!(event = %id, %err, "project files could not be swept"),
    }
}

/// Opens and recovers `<data_dir>/events/<id>` off the async threads, on
/// the map its directory names (or `server_map`).
pub(crate) async fn open_one(
    data_dir: &Path,
    id: &str,
    server_map: &EventMap,
    limits: &Limits,
    options: &StoreOptions,
) -> Result<OpenedEvent, StartError> {
    let dir = store::event_dir(data_dir, id).map_err(|e| store_error(data_dir, e))?;
    let (id, limits, options) = (id.to_string(), limits.clone(), options.clone());
    let task_dir = dir.clone();
    let server_map = server_map.clone();
    tokio::task::spawn_blocking(move || {
        let map = crate::instance::maps::read(&task_dir, &id, &server_map).map_err(|e| {
            StartError::Setup {
                event: id.clone(),
                message: e.to_string(),
            }
        })?;
        let venue = map.venue.clone();
        let (recovered, journal, snapshotter) =
            store::open_event(&task_dir, &options).map_err(|e| store_error(&task_dir, e))?;
        for warning in &recovered.warnings {
            tracing::warn!(event = %id, "recovery: {warning}");
        }
        let mut event = recovered
            .event(fresh_state(&id), venue, limits)
            .map_err(|e| store_error(&task_dir, e))?;
        event.remember_places(store::places::read(&task_dir));
        sweep_files(&id, &task_dir, &event);
        tracing::info!(
            event = %id,
            snapshot = recovered.covers_seq,
            replayed = recovered.records.len(),
            next_seq = recovered.next_seq,
            "event recovered"
        );
        Ok::<_, StartError>(OpenedEvent {
            durable: Durable::new(event, journal, snapshotter),
            map,
            fresh: recovered.is_fresh(),
            dir: task_dir,
        })
    })
    .await
    .map_err(|e| StartError::Task(format!("opening {}: {e}", dir.display())))?
}

/// Sets up the demo event on its fresh directory: writes `join-links.txt`,
/// then applies and journals the setup, waiting until it is durable. Returns
/// every link created.
async fn create_demo(
    demo: &mut OpenedEvent,
    limits: &Limits,
    data_dir: &Path,
    operator_moderator: bool,
    now: Millis,
    base_url: &str,
) -> Result<Vec<JoinLink>, StartError> {
    let (mut commands, mut tokens) = demo::demo_setup(limits);
    if operator_moderator {
        // The operator chose the moderator's secret: no random one besides it.
        let dropped: Vec<String> = tokens
            .iter()
            .filter(|(role, _)| *role == Role::Moderator)
            .map(|(_, token)| hash_token(token))
            .collect();
        commands.retain(|(_, command)| {
            !matches!(command, Command::AddInvite { token_hash, .. } if dropped.contains(token_hash))
        });
        tokens.retain(|(role, _)| *role != Role::Moderator);
    }
    let id = demo.durable.event().state().id.clone();
    let links: Vec<JoinLink> = tokens
        .iter()
        .map(|(role, token)| join_link(base_url, &id, *role, token))
        .collect();
    let kept: Vec<&JoinLink> = links.iter().filter(|l| l.role != Role::Moderator).collect();
    write_join_links(data_dir, &kept)?;
    apply_and_journal(demo, commands, now).await?;
    tracing::info!(event = %id, "demo event created");
    Ok(links)
}

/// Adds the operator's moderator invite to `opened` unless an invite with
/// the same hash exists (even revoked: a moderator's revocation stands).
async fn ensure_bootstrap_invite(
    opened: &mut OpenedEvent,
    token: &str,
    now: Millis,
) -> Result<(), StartError> {
    let hash = hash_token(token);
    // An archived event is read-only: no new invite, not even this one.
    let archived = opened.durable.event().phase() == crate::domain::EventPhase::Archived;
    if archived
        || opened
            .durable
            .event()
            .state()
            .invites
            .iter()
            .any(|i| i.token_hash == hash)
    {
        return Ok(());
    }
    let command = Command::AddInvite {
        token_hash: hash,
        role: Role::Moderator,
        team: None,
    };
    apply_and_journal(opened, vec![(None, command)], now).await?;
    tracing::info!(event = %opened.durable.event().state().id, "bootstrap moderator invite added");
    Ok(())
}

/// Applies setup commands and journals them, then waits until they are durable.
pub(crate) async fn apply_and_journal(
    opened: &mut OpenedEvent,
    commands: Vec<SetupCommand>,
    now: Millis,
) -> Result<(), StartError> {
    let mut last = None;
    for (actor, command) in commands {
        let (seq, _effects) =
            opened
                .durable
                .apply(actor, command, now)
                .map_err(|err| match err {
                    ApplyError::Refused(err) => StartError::Setup {
                        event: opened.durable.event().state().id.clone(),
                        message: err.to_string(),
                    },
                    ApplyError::Unready(e) | ApplyError::Unjournaled(e) => {
                        store_error(&opened.dir, e)
                    }
                })?;
        last = Some(seq);
    }
    let Some(last) = last else {
        return Ok(());
    };
    let journal = opened.durable.journal_mut();
    let durable = async {
        while let Some(upto) = journal.durable().await {
            if upto >= last {
                return true;
            }
        }
        false
    };
    if let Ok(true) = tokio::time::timeout(SETUP_DURABLE_WAIT, durable).await {
        return Ok(());
    }
    let why = journal
        .health()
        .last_error()
        .unwrap_or_else(|| "the journal writer stopped".into());
    Err(store_error(
        &opened.dir,
        StoreError::Unavailable(format!(
            "the event's setup could not be saved within {SETUP_DURABLE_WAIT:?} ({why})"
        )),
    ))
}

/// A join link: `<base>/?event=<id>&invite=<token>`.
pub(crate) fn join_link(base_url: &str, event: &str, role: Role, token: &str) -> JoinLink {
    JoinLink {
        role,
        url: format!("{base_url}/?event={event}&invite={token}"),
        token: token.to_string(),
    }
}

/// Writes `join-links.txt` atomically (temp file, fsync, rename, fsync of
/// the directory), readable by its owner only.
fn write_join_links(data_dir: &Path, links: &[&JoinLink]) -> Result<(), StartError> {
    let path = data_dir.join(JOIN_LINKS_FILE);
    let tmp = data_dir.join(format!("{JOIN_LINKS_FILE}.tmp"));
    let mut text = String::from(
        "# Amphi join links, written when this data directory was set up.\n\
         # Keep this file private: anyone with a link joins with its role.\n\
         # The moderator link is not kept here (it was printed once, at first start).\n",
    );
    for link in links {
        text.push_str(&format!("{}: {}\n", link.role, link.url));
    }
    let fail = |source: std::io::Error| StartError::DataDir {
        path: path.display().to_string(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    drop(file);
    std::fs::rename(&tmp, &path).map_err(fail)?;
    store::layout::sync_dir(data_dir).map_err(fail)?;
    Ok(())
}

/// The links of `join-links.txt`, rebuilt on `base_url`; skips (with a note)
/// those of unknown events and revoked invites.
fn saved_links(
    data_dir: &Path,
    events: &[OpenedEvent],
    base_url: &str,
    notes: &mut Vec<String>,
) -> Vec<JoinLink> {
    let path = data_dir.join(JOIN_LINKS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %path.display(), %e, "cannot read the join links");
            }
            notes.push(format!(
                "no join links to show ({} is missing or unreadable): a moderator can create \
                 invites",
                path.display()
            ));
            return Vec::new();
        }
    };
    let mut links = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((role, event, token)) = parse_link_line(line) else {
            tracing::warn!(path = %path.display(), line, "ignoring a line of the join links file");
            continue;
        };
        let Some(opened) = events
            .iter()
            .find(|e| e.durable.event().state().id == event)
        else {
            continue;
        };
        let hash = hash_token(&token);
        let usable = opened
            .durable
            .event()
            .state()
            .invites
            .iter()
            .any(|i| i.token_hash == hash && !i.revoked);
        if usable {
            links.push(join_link(base_url, &event, role, &token));
        } else {
            notes.push(format!(
                "the saved {role} link of event {event} was revoked; not shown"
            ));
        }
    }
    links
}

/// `role: <url with event=… and invite=…>` → (role, event, token).
fn parse_link_line(line: &str) -> Option<(Role, String, String)> {
    let (role, url) = line.split_once(':')?;
    let role: Role = role.trim().parse().ok()?;
    let query = url.split_once('?')?.1;
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Some((role, param("event")?, param("invite")?))
}

/// A store failure, with the directory it concerns.
pub(crate) fn store_error(path: &Path, source: StoreError) -> StartError {
    StartError::Store {
        path: path.to_path_buf(),
        source,
    }
}

/// The configured venue: what clients draw and what loading it warned about.
pub struct LoadedVenue {
    pub venue: Venue,
    /// The map clients draw (served at `map_url`).
    pub map_text: Arc<str>,
    /// Where clients fetch it; `None`: per event, `/api/events/<id>/map`.
    pub map_url: Option<String>,
    /// What was adjusted or ignored in the map; print them for the operator.
    pub warnings: Vec<String>,
}

impl LoadedVenue {
    /// The server's map as events use it (the `default` map choice).
    pub fn event_map(&self) -> EventMap {
        EventMap {
            venue: Arc::new(self.venue.clone()),
            map_text: self.map_text.clone(),
            map_url: self.map_url.clone(),
        }
    }
}

/// The configured map (read inside its map root), or the embedded default
/// venue. A broken map gives every problem at once.
pub fn load_venue(path: Option<&Path>, root: Option<&Path>) -> Result<LoadedVenue, StartError> {
    let Some(path) = path else {
        let venue = Venue::from_tmj(Venue::DEFAULT_MAP_TMJ).map_err(|e| StartError::Map {
            path: "<embedded default>".into(),
            problems: MapProblems(vec![e]),
        })?;
        return Ok(LoadedVenue {
            venue,
            map_text: Arc::from(Venue::DEFAULT_MAP_TMJ),
            map_url: Some("/assets/maps/default.tmj".into()),
            warnings: Vec::new(),
        });
    };
    let shown = path.display().to_string();
    let disk = MapRoot::for_map(path, root)
        .and_then(|root| root.load(path))
        .map_err(|e| StartError::ReadMap(e.to_string()))?;
    let report = disk.report;
    let (Some(venue), Some(drawable)) = (report.venue, report.drawable) else {
        return Err(StartError::Map {
            path: shown,
            problems: MapProblems(report.problems),
        });
    };
    Ok(LoadedVenue {
        venue,
        map_text: Arc::from(drawable.to_string()),
        map_url: None,
        warnings: report.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_lines_parse_back() {
        let link = join_link("http://h:1", "demo", Role::Jury, "abc123");
        let line = format!("{}: {}", link.role, link.url);
        assert_eq!(
            parse_link_line(&line),
            Some((Role::Jury, "demo".into(), "abc123".into()))
        );
        assert_eq!(parse_link_line("jury: http://h/?event=demo"), None);
        assert_eq!(parse_link_line("nobody: http://h/?event=d&invite=x"), None);
    }

    #[test]
    fn demo_fresh_state_has_the_demo_title() {
        assert_eq!(fresh_state("demo"), demo::demo_state());
        assert_eq!(fresh_state("other").id, "other");
    }
}
