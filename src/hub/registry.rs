//! The server's live events, by id.
//!
//! A `DashMap` so connection tasks can look events up concurrently. Lookups
//! clone the handle out at once: no map guard is ever held across an `.await`.

use super::EventHandle;
use dashmap::DashMap;

/// Every event this server runs, and which one a `hello` without `event` joins.
#[derive(Debug, Default)]
pub struct Registry {
    events: DashMap<String, EventHandle>,
    default_event: std::sync::RwLock<Option<String>>,
}

impl Registry {
    /// Adds (or replaces) an event. The first one added becomes the default.
    pub fn insert(&self, handle: EventHandle) {
        let id = handle.id.to_string();
        if let Ok(mut default) = self.default_event.write() {
            default.get_or_insert_with(|| id.clone());
        }
        self.events.insert(id, handle);
    }

    /// The event with this id, or the default event when `id` is `None`.
    pub fn lookup(&self, id: Option<&str>) -> Option<EventHandle> {
        let id = match id {
            Some(id) => id.to_string(),
            None => self.default_event.read().ok()?.clone()?,
        };
        self.events.get(&id).map(|entry| entry.value().clone())
    }

    /// The event whose slug is `slug` (an event's slug is its id): the one
    /// lookup for pages under `/e/<slug>/…`.
    pub fn by_slug(&self, slug: &str) -> Option<EventHandle> {
        self.lookup(Some(slug))
    }

    /// Takes an event out (it is being deleted); new lookups miss it.
    pub fn remove(&self, id: &str) -> Option<EventHandle> {
        self.events.remove(id).map(|(_, handle)| handle)
    }

    /// Every event's id, sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.events.iter().map(|e| e.key().clone()).collect();
        ids.sort();
        ids
    }

    /// Drops every handle (at shutdown) so hubs see their inbox close.
    pub fn clear(&self) {
        self.events.clear();
    }
}
