//! The instance: every event this server runs, and the operator who creates,
//! clones, archives and deletes them while the server keeps running.
//!
//! - [`Instance`] starts an event's hub ([`Instance::launch`]), creates a new
//!   event (settings, map and template checked first, then written and
//!   journaled, then started), stops and deletes one, and forwards the
//!   operator's settings and phase changes to the event's hub.
//! - [`maps`]: each event's own venue map; [`operator`]: the operator token;
//!   [`client`]: a client of the admin API; [`event_command`]: what each
//!   `amphi event …` subcommand asks of it.
//!
//! Creating, cloning and deleting are serialized (one at a time), so two
//! requests for the same slug cannot both succeed.

pub mod client;
pub mod event_command;
pub mod map_upload;
pub mod maps;
pub mod operator;

use crate::clock::Clock;
use crate::domain::lifecycle::LifecycleError;
use crate::domain::settings::{EventSettings, EventTemplate, SettingsError, UPLOADED_MAP};
use crate::domain::{Command, Event, EventPhase, EventState, Limits, Role};
use crate::hub::operator::{EventInfo, OperatorOp};
use crate::hub::{self, HubMsg, HubSettings, Refusal, Registry};
use crate::metrics::Metrics;
use crate::protocol::ErrorCode;
use crate::secret::{hash_token, new_token};
use crate::startup::{self, OpenedEvent};
use crate::store::{self, StoreOptions};
use map_upload::{MapUpload, MissingImage};
use maps::{EventMap, MapRefusal};
use operator::OperatorKey;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// What the operator sends to create an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateEvent {
    pub settings: EventSettings,
    /// Pitch durations, rubric, labels, challenges (defaults: the usual).
    #[serde(default)]
    pub template: Option<EventTemplate>,
    /// The Tiled map (JSON) when `settings.map` is `uploaded`.
    #[serde(default)]
    pub map_tmj: Option<String>,
    /// The uploaded map's files by name (external tilesets, PNG tileset
    /// images), each in base64.
    #[serde(default)]
    pub map_files: std::collections::BTreeMap<String, String>,
}

/// A new event, and its first moderator link (shown once).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Created {
    pub event: EventInfo,
    pub moderator_link: String,
}

/// Why the operator's request was refused. Nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Settings(#[from] SettingsError),
    #[error("{0}")]
    Map(MapRefusal),
    #[error("{0}")]
    Lifecycle(#[from] LifecycleError),
    #[error("no event is called '{0}'")]
    UnknownEvent(String),
    /// Refused by the event's rules (template, phase, …) or its hub.
    #[error("{}", .0.message)]
    Refused(Refusal),
    #[error("the store failed: {0}")]
    Store(String),
}

impl AdminError {
    /// The stable wire code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AdminError::Settings(e) => ErrorCode::Refused(e.code()),
            AdminError::Map(_) => ErrorCode::InvalidMap,
            AdminError::Lifecycle(e) => ErrorCode::Refused(e.code()),
            AdminError::UnknownEvent(_) => ErrorCode::UnknownEvent,
            AdminError::Refused(r) => r.code,
            AdminError::Store(_) => ErrorCode::StorageUnavailable,
        }
    }

    /// The request field it is about, when one is to blame.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AdminError::Settings(e) => Some(e.field()),
            AdminError::Map(_) => Some("map"),
            AdminError::Lifecycle(LifecycleError::UnknownPhase(_)) => Some("phase"),
            _ => None,
        }
    }

    /// Every problem of a refused map.
    pub fn problems(&self) -> &[String] {
        match self {
            AdminError::Map(refusal) => &refusal.problems,
            _ => &[],
        }
    }
}

impl From<Refusal> for AdminError {
    fn from(refusal: Refusal) -> Self {
        AdminError::Refused(refusal)
    }
}

/// Everything needed to start and stop events at run time.
pub struct Instance {
    registry: Arc<Registry>,
    hub_settings: HubSettings,
    metrics: Arc<Metrics>,
    shutdown: watch::Receiver<bool>,
    store: StoreOptions,
    data_dir: PathBuf,
    limits: Limits,
    clock: Clock,
    server_map: EventMap,
    operator: OperatorKey,
    /// Each running hub's task; it ends with the count of commands it
    /// abandoned.
    tasks: Mutex<HashMap<String, JoinHandle<usize>>>,
    /// Serializes create, clone and delete.
    changes: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

/// What [`Instance::new`] needs.
pub struct InstanceParts {
    pub registry: Arc<Registry>,
    pub hub_settings: HubSettings,
    pub metrics: Arc<Metrics>,
    pub shutdown: watch::Receiver<bool>,
    pub store: StoreOptions,
    pub data_dir: PathBuf,
    pub limits: Limits,
    pub clock: Clock,
    pub server_map: EventMap,
    pub operator: OperatorKey,
}

impl Instance {
    pub fn new(parts: InstanceParts) -> Instance {
        Instance {
            registry: parts.registry,
            hub_settings: parts.hub_settings,
            metrics: parts.metrics,
            shutdown: parts.shutdown,
            store: parts.store,
            data_dir: parts.data_dir,
            limits: parts.limits,
            clock: parts.clock,
            server_map: parts.server_map,
            operator: parts.operator,
            tasks: Mutex::new(HashMap::new()),
            changes: tokio::sync::Mutex::new(()),
        }
    }

    /// The media servers every event uses (`None`: voice and video off).
    pub fn media(&self) -> Option<&crate::media::nodes::MediaNodes> {
        self.hub_settings.media.as_ref()
    }

    /// Whether `token` is the operator's (never an event invite).
    pub fn is_operator_token(&self, token: &str) -> bool {
        self.operator.accepts(token)
    }

    /// The operator token, when it may be shown at this start.
    pub fn shown_operator_token(&self) -> Option<&str> {
        self.operator.shown.as_deref()
    }

    /// Starts the hub of an opened event and makes it reachable.
    pub fn launch(&self, opened: OpenedEvent) {
        let id = opened.durable.event().state().id.clone();
        self.metrics
            .register_store(&id, opened.durable.journal().health());
        let mut settings = self.hub_settings.clone();
        settings.map_url = opened
            .map
            .map_url
            .clone()
            .unwrap_or_else(|| format!("/api/events/{id}/map"));
        let (handle, task) = hub::spawn(
            opened.durable,
            opened.map.map_text.clone(),
            settings,
            self.metrics.clone(),
            self.shutdown.clone(),
        );
        self.registry.insert(handle);
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.insert(id, task);
        }
    }

    /// Every hub task, to wait for at shutdown.
    pub fn take_tasks(&self) -> Vec<JoinHandle<usize>> {
        match self.tasks.lock() {
            Ok(mut tasks) => tasks.drain().map(|(_, task)| task).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Asks an event's hub; `session` is a moderator's token, or `None`
    /// for the operator.
    pub async fn ask(
        &self,
        id: &str,
        session: Option<String>,
        op: OperatorOp,
    ) -> Result<EventInfo, AdminError> {
        let handle = self
            .registry
            .lookup(Some(id))
            .ok_or_else(|| AdminError::UnknownEvent(id.to_string()))?;
        let (reply, answer) = oneshot::channel();
        let stopped = || Refusal {
            code: ErrorCode::Overloaded,
            message: "the event is not running".into(),
        };
        if !handle.send(HubMsg::Operator { session, op, reply }).await {
            return Err(stopped().into());
        }
        Ok(answer.await.map_err(|_| stopped())??)
    }

    /// Every event, sorted by id.
    pub async fn list(&self) -> Vec<EventInfo> {
        let mut out = Vec::new();
        for id in self.registry.ids() {
            if let Ok(info) = self.ask(&id, None, OperatorOp::Info).await {
                out.push(info);
            }
        }
        out
    }

    /// Changes an event's settings (checked by the event: the slug and map
    /// stay).
    pub async fn configure(
        &self,
        id: &str,
        session: Option<String>,
        settings: EventSettings,
    ) -> Result<EventInfo, AdminError> {
        // Checked here first, for an error naming the field; the event
        // checks again when it applies the change.
        let info = self.ask(id, session.clone(), OperatorOp::Info).await?;
        match &info.settings {
            Some(current) => current.validate_change(&settings)?,
            None => settings.validate()?,
        }
        let command = Command::Configure { settings };
        self.ask(id, session, OperatorOp::Apply(command)).await
    }

    /// Moves an event to `phase` (archiving: operator only).
    pub async fn set_phase(
        &self,
        id: &str,
        session: Option<String>,
        phase: EventPhase,
    ) -> Result<EventInfo, AdminError> {
        let command = Command::SetEventPhase { phase };
        self.ask(id, session, OperatorOp::Apply(command)).await
    }

    /// Creates, journals and starts a new event in phase draft. Everything
    /// is checked before anything is written.
    pub async fn create(
        &self,
        request: CreateEvent,
        base_url: &str,
    ) -> Result<Created, AdminError> {
        let CreateEvent {
            settings,
            template,
            map_tmj,
            map_files,
        } = request;
        let (files, undecodable) = map_upload::decode_files(&map_files);
        let upload = map_tmj.map(|map_tmj| MapUpload { map_tmj, files });
        if !undecodable.is_empty() {
            // Listed with every other problem of the map.
            let mut problems: Vec<String> = undecodable.iter().map(ToString::to_string).collect();
            let (choice, slug) = (&settings.map, &settings.slug);
            let rest = maps::choose(
                choice,
                upload.as_ref(),
                slug,
                MissingImage::Refuse,
                &self.server_map,
            );
            if let Err(refusal) = rest {
                problems.extend(refusal.problems);
            }
            return Err(AdminError::Map(MapRefusal { problems }));
        }
        self.create_with(settings, template, upload, MissingImage::Refuse, base_url)
            .await
    }

    /// Creates an event from checked parts; `missing` says whether a
    /// tileset image not sent is refused (a new upload) or drawn as flat
    /// colours (a clone of a map stored before images were uploaded).
    async fn create_with(
        &self,
        settings: EventSettings,
        template: Option<EventTemplate>,
        upload: Option<MapUpload>,
        missing: MissingImage,
        base_url: &str,
    ) -> Result<Created, AdminError> {
        let _one_at_a_time = self.changes.lock().await;
        settings.validate()?;
        let slug = settings.slug.clone();
        let dir = store::event_dir(&self.data_dir, &slug)
            .map_err(|_| SettingsError::InvalidSlug(slug.clone()))?;
        if self.registry.lookup(Some(&slug)).is_some() || dir.exists() {
            return Err(SettingsError::DuplicateSlug(slug).into());
        }
        let map = maps::choose(
            &settings.map,
            upload.as_ref(),
            &slug,
            missing,
            &self.server_map,
        )
        .map_err(AdminError::Map)?;
        let token = new_token();
        let mut commands = vec![
            Command::SetEventPhase {
                phase: EventPhase::Draft,
            },
            Command::Configure {
                settings: settings.clone(),
            },
        ];
        let refused = |e: crate::domain::DomainError| Refusal {
            code: ErrorCode::from(&e),
            message: e.to_string(),
        };
        commands.extend(template.unwrap_or_default().commands().map_err(refused)?);
        commands.push(Command::AddInvite {
            token_hash: hash_token(&token),
            role: Role::Moderator,
            team: None,
        });
        // A dry run on a scratch event: a refused template writes nothing.
        let now = self.clock.now();
        let mut scratch = Event::new(
            EventState::new(&slug, &settings.title),
            map.venue.clone(),
            self.limits.clone(),
        );
        for command in &commands {
            scratch.apply(None, command, now).map_err(refused)?;
        }
        let fail = |e: String| AdminError::Store(e);
        let written = {
            let (dir, choice) = (dir.clone(), settings.map.clone());
            tokio::task::spawn_blocking(move || maps::write(&dir, &choice, upload.as_ref()))
                .await
                .map_err(|e| fail(e.to_string()))?
        };
        if let Err(e) = written {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(fail(e.to_string()));
        }
        let mut opened = startup::open_one(
            &self.data_dir,
            &slug,
            &self.server_map,
            &self.limits,
            &self.store,
        )
        .await
        .map_err(|e| fail(e.to_string()))?;
        let setup = commands.into_iter().map(|c| (None, c)).collect();
        startup::apply_and_journal(&mut opened, setup, now)
            .await
            .map_err(|e| fail(e.to_string()))?;
        self.launch(opened);
        tracing::info!(event = %slug, "event created");
        let event = self.ask(&slug, None, OperatorOp::Info).await?;
        let link = startup::join_link(base_url, &slug, Role::Moderator, &token);
        Ok(Created {
            event,
            moderator_link: link.url,
        })
    }

    /// A new event with another's settings, map and template (no people,
    /// no chat), under a new title and slug.
    pub async fn clone_event(
        &self,
        source: &str,
        title: &str,
        slug: &str,
        base_url: &str,
    ) -> Result<Created, AdminError> {
        let info = self.ask(source, None, OperatorOp::Info).await?;
        let mut settings = info
            .settings
            .clone()
            .unwrap_or_else(|| EventSettings::new(&info.title, &info.id));
        settings.title = title.to_string();
        settings.slug = slug.to_string();
        let upload = if settings.map == UPLOADED_MAP {
            let dir = store::event_dir(&self.data_dir, source)
                .map_err(|e| AdminError::Store(e.to_string()))?;
            let read = tokio::task::spawn_blocking(move || maps::read_upload(&dir))
                .await
                .map_err(|e| AdminError::Store(e.to_string()))?;
            Some(read.map_err(|e| AdminError::Store(e.to_string()))?)
        } else {
            None
        };
        self.create_with(
            settings,
            Some(info.template),
            upload,
            MissingImage::FlatColours,
            base_url,
        )
        .await
    }

    /// Stops an event's hub and deletes its directory, without stopping the
    /// server.
    pub async fn delete(&self, id: &str) -> Result<(), AdminError> {
        let _one_at_a_time = self.changes.lock().await;
        let handle = self
            .registry
            .remove(id)
            .ok_or_else(|| AdminError::UnknownEvent(id.to_string()))?;
        handle.send(HubMsg::Stop).await;
        let task = self.tasks.lock().ok().and_then(|mut t| t.remove(id));
        if let Some(task) = task {
            let _ = task.await;
        }
        let dir =
            store::event_dir(&self.data_dir, id).map_err(|e| AdminError::Store(e.to_string()))?;
        tokio::task::spawn_blocking(move || std::fs::remove_dir_all(&dir))
            .await
            .map_err(|e| AdminError::Store(e.to_string()))?
            .map_err(|e| AdminError::Store(e.to_string()))?;
        tracing::info!(event = %id, "event deleted");
        Ok(())
    }
}
