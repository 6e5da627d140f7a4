//! S1 with held keys (`--walk LEN`): each avatar walks back and forth along
//! a straight segment of `LEN` tiles as the web client does while an arrow
//! key is held: one `walk` message when a leg starts (the key goes down or
//! turns), and the server walks the avatar tile by tile at
//! `steps_per_second`, which must equal `--rate`.
//!
//! - **move→seen**: the client predicts its avatar as the web client does,
//!   one tile per period from the leg's message on; for each predicted tile,
//!   from the time the prediction reached it to the first `positions` batch
//!   showing the avatar there. This is step mode's measure (a step's send
//!   time is the time the client showed the tile), so both modes compare.
//!
//! The segment is found before measuring with paced, acknowledged steps.

use super::Ctx;
use super::s1_positions::{read_positions, step_and_wait};
use crate::client::{self, Ws};
use crate::clock;
use crate::recorder::{Lat, Recorder};
use futures_util::{SinkExt, StreamExt};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use tokio_tungstenite::tungstenite::Message;

type Xy = (i64, i64);

/// A straight segment the avatar walks: from `a`, `len` tiles towards `dir`.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub a: Xy,
    pub dir: Xy,
    pub len: i64,
}

impl Segment {
    fn tile(&self, k: i64) -> Xy {
        (self.a.0 + self.dir.0 * k, self.a.1 + self.dir.1 * k)
    }

    /// The `j`-th tile of the back-and-forth walk after leaving `a` (j ≥ 1),
    /// whether it starts a leg, and that leg's start tile and direction.
    fn nth(&self, j: u64) -> (Xy, Option<(Xy, Xy)>) {
        let len = self.len.max(1) as u64;
        let (leg, k) = ((j - 1) / len, (j - 1) % len);
        let forth = leg % 2 == 0;
        let (start, dir, along) = if forth {
            (self.a, self.dir, k as i64 + 1)
        } else {
            let back = (-self.dir.0, -self.dir.1);
            (self.tile(self.len), back, self.len - k as i64 - 1)
        };
        (self.tile(along), (k == 0).then_some((start, dir)))
    }
}

/// Steps from `a` towards `dir` up to `len` times while the server accepts
/// and the room stays the same, then back: the segment the walk will use.
/// Paced at `rate` steps a second, so the server's speed limit holds.
pub async fn probe_segment(
    ws: &mut Ws,
    ctx: &Ctx,
    same_room: impl Fn(Xy) -> bool,
    a: Xy,
    dir: Xy,
    len: i64,
    rate: f64,
) -> anyhow::Result<Segment> {
    let pause = std::time::Duration::from_secs_f64(1.0 / rate.max(1.0));
    let mut rid = 50;
    let mut got = 0;
    while got < len && same_room((a.0 + dir.0 * (got + 1), a.1 + dir.1 * (got + 1))) {
        tokio::time::sleep(pause).await;
        rid += 1;
        if !step_and_wait(ws, ctx, dir, rid).await? {
            break;
        }
        got += 1;
    }
    for _ in 0..got {
        tokio::time::sleep(pause).await;
        rid += 1;
        if !step_and_wait(ws, ctx, (-dir.0, -dir.1), rid).await? {
            anyhow::bail!("could not walk back along the probed segment");
        }
    }
    if got == 0 {
        anyhow::bail!("no segment to walk from {a:?}");
    }
    Ok(Segment { a, dir, len: got })
}

/// Walks the segment from `start` (µs) to `end` on a fixed schedule (open
/// loop), and measures move→seen for every predicted tile.
#[allow(clippy::too_many_arguments)]
pub async fn walk_loop(
    ws: &mut Ws,
    rec: &Recorder,
    id: u32,
    seg: Segment,
    first: u64,
    period: u64,
    end: u64,
    local_arrivals: &mut Vec<u64>,
) -> anyhow::Result<()> {
    let move_seen = rec.lat("move_to_seen");
    let tick_lat = rec.lat("tick_to_receive");
    let tiles = rec.counter("steps_sent");
    let walks = rec.counter("walks_sent");
    let pattern = format!("[{id},");
    let drain_until = end + 3_000_000;
    let mut pending: VecDeque<(u64, Xy)> = VecDeque::new();
    let (mut next, mut j, mut rid, mut refused) = (first, 1u64, 100u64, false);
    loop {
        let sending = next < end && !refused;
        if !sending && pending.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            _ = clock::sleep_until_us(if sending { next } else { drain_until }) => {
                if !sending {
                    break;
                }
                let (tile, leg) = seg.nth(j);
                if let Some(((x, y), (dx, dy))) = leg {
                    rid += 1;
                    let msg = format!(
                        r#"{{"type":"walk","x":{x},"y":{y},"dx":{dx},"dy":{dy},"rid":{rid}}}"#
                    );
                    ws.send(Message::text(msg)).await?;
                    walks.fetch_add(1, Ordering::Relaxed);
                }
                tiles.fetch_add(1, Ordering::Relaxed);
                pending.push_back((next, tile));
                j += 1;
                next += period;
            }
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        client::record_end(rec, frame);
                        break;
                    }
                    Some(Ok(_)) => continue,
                };
                let now = clock::now_us();
                match client::kind(&text) {
                    "positions" => {
                        if let Some(seen) =
                            read_positions(&text, now, rec, &tick_lat, local_arrivals, &pattern)
                        {
                            resolve(&mut pending, seen, now, &move_seen, rec);
                        }
                    }
                    "error" => {
                        // A refused walk (the room filled up, say): this
                        // client stops; what it predicted will not be seen.
                        client::on_error(rec, &text);
                        rec.add("steps_refused_or_invalidated", pending.len() as u64);
                        rec.add("clients_stopped_after_refusals", 1);
                        pending.clear();
                        refused = true;
                    }
                    _ => {}
                }
            }
        }
    }
    rec.add("steps_unseen", pending.len() as u64);
    Ok(())
}

/// Marks the oldest predicted tile equal to `seen` as seen, and every older
/// one with it (the avatar passed them; a batch may show two steps at once).
fn resolve(pending: &mut VecDeque<(u64, Xy)>, seen: Xy, now: u64, lat: &Lat, rec: &Recorder) {
    let Some(k) = pending.iter().position(|(_, tile)| *tile == seen) else {
        return;
    };
    for (intended, _) in pending.drain(..=k) {
        lat.record(now.saturating_sub(intended));
        rec.add("steps_seen", 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_goes_back_and_forth_with_one_message_per_leg() {
        let seg = Segment {
            a: (10, 5),
            dir: (1, 0),
            len: 3,
        };
        let walked: Vec<_> = (1..=7).map(|j| seg.nth(j)).collect();
        assert_eq!(
            walked,
            vec![
                ((11, 5), Some(((10, 5), (1, 0)))),
                ((12, 5), None),
                ((13, 5), None),
                ((12, 5), Some(((13, 5), (-1, 0)))),
                ((11, 5), None),
                ((10, 5), None),
                ((11, 5), Some(((10, 5), (1, 0)))),
            ]
        );
    }
}
