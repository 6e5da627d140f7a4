// The venue's geometry (size in tiles, rooms, stage), from
// `GET /api/events/<id>/venue`: the `welcome` only says where it is
// (`venue_url`), since it never changes while the server runs. The store
// needs it to take the `welcome`, so a page loads it before connecting.

/**
 * A `prepare` step for `Connection`: loads the venue into `store`, once.
 * Rejects when the server cannot be reached (the connection retries).
 */
export function venueLoader(eventId, store) {
  return async () => {
    if (store.venue) return;
    const res = await fetch(`/api/events/${encodeURIComponent(eventId)}/venue`, { credentials: 'same-origin' });
    // No such event: nothing to load; the `hello` will be refused and say so.
    if (res.status === 404) return;
    if (!res.ok) throw new Error(`venue: HTTP ${res.status}`);
    store.setVenue(await res.json());
  };
}
