//! Replaying recovered journal records through the same `Event::apply` the
//! live hub uses, with the time taken from each record.

use super::StoreError;
use super::record::Record;
use super::recovery::Recovered;
use crate::domain::{Event, EventState, Limits};
use crate::venue::Venue;
use std::sync::Arc;

/// Applies `records` in order. A record the domain refuses is a hard error:
/// it was accepted live, so refusing it now means the journal and the rules
/// disagree, and the state after it would be wrong.
pub fn replay(event: &mut Event, records: &[Record]) -> Result<(), StoreError> {
    for record in records {
        event
            .apply(record.actor, &record.command, record.at)
            .map_err(|err| StoreError::ReplayRefused {
                seq: record.seq,
                reason: err.to_string(),
            })?;
    }
    Ok(())
}

impl Recovered {
    /// The live event: the snapshot's state (or `fresh` when there is no
    /// snapshot) with every recovered record replayed.
    pub fn event(
        &self,
        fresh: EventState,
        venue: Arc<Venue>,
        limits: Limits,
    ) -> Result<Event, StoreError> {
        let state = self.state.clone().unwrap_or(fresh);
        let mut event = Event::new(state, venue, limits);
        replay(&mut event, &self.records)?;
        Ok(event)
    }
}
