//! Criterion micro-benchmarks of the hub's hot paths:
//!
//! - applying a move (`Event::act` with `Action::Step`);
//! - encoding a tick batch for 400 avatars (`protocol::positions_frame`);
//! - routing one chat message to 1,000 sessions: encode once, then
//!   `SessionLink::send` of the shared frame to each (what the hub does per
//!   recipient);
//! - decoding a client's `step` request.
//!
//! Run with `cargo bench --bench hot_paths`.

use amphi::demo;
use amphi::domain::{Action, Command, Effect, Event, Limits, MemberId, Role};
use amphi::hub::SessionLink;
use amphi::protocol::{ChatView, PositionBatch, ServerMsg, decode, encode, positions_frame};
use amphi::venue::Venue;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The demo event with one connected participant, who may step freely.
fn event_with_avatar() -> Option<(Event, MemberId)> {
    let venue = Arc::new(Venue::from_tmj(Venue::DEFAULT_MAP_TMJ).ok()?);
    let limits = Limits {
        steps_per_second: 1000,
        ..Limits::default()
    };
    let (commands, _) = demo::demo_setup(&limits);
    let mut event = demo::apply_setup(venue, limits, &commands, 0);
    let join = Command::Join {
        name: amphi::domain::text::Name::parse("name", "Bench", 40).ok()?,
        role: Role::Participant,
        team: None,
        session_hash: "bench".into(),
        invite: None,
    };
    let effects = event.apply(None, &join, 0).ok()?;
    let member = effects.iter().find_map(|e| match e {
        Effect::MemberJoined { member } => Some(*member),
        _ => None,
    })?;
    event.act(member, &Action::Connect, 0).ok()?;
    Some((event, member))
}

fn apply_move(c: &mut Criterion) {
    let Some((mut event, member)) = event_with_avatar() else {
        eprintln!("cannot build the demo event; skipping apply_move");
        return;
    };
    // Find a direction that works from the spawn point.
    let mut now = 1_000;
    let dir = [(1, 0), (-1, 0), (0, 1), (0, -1)]
        .into_iter()
        .find(|(dx, dy)| {
            now += 1_000;
            let ok = event
                .act(member, &Action::Step { dx: *dx, dy: *dy }, now)
                .is_ok();
            if ok {
                now += 1_000;
                let _ = event.act(member, &Action::Step { dx: -dx, dy: -dy }, now);
            }
            ok
        })
        .unwrap_or((1, 0));
    let there = Action::Step {
        dx: dir.0,
        dy: dir.1,
    };
    let back = Action::Step {
        dx: -dir.0,
        dy: -dir.1,
    };
    let mut flip = false;
    c.bench_function("apply_move (Event::act Step)", |b| {
        b.iter(|| {
            now += 1_000;
            flip = !flip;
            let action = if flip { &there } else { &back };
            let effects = event.act(member, black_box(action), now);
            // Keep the moved list from growing, as the tick does.
            let _ = event.take_moved();
            black_box(effects)
        })
    });
}

fn encode_positions(c: &mut Criterion) {
    let avatars: Vec<[u32; 3]> = (1..=400u32)
        .map(|id| [id, 2 + id % 32, 2 + id % 22])
        .collect();
    let batch = PositionBatch {
        room: "amphi",
        area: [1, 1, 33, 23],
        full: false,
        t: 1,
    };
    c.bench_function("positions_frame (400 avatars)", |b| {
        b.iter(|| positions_frame(black_box(batch), black_box(&avatars)))
    });
    let frame = positions_frame(batch, &avatars);
    eprintln!("positions frame for 400 avatars: {} bytes", frame.len());
}

fn route_chat(c: &mut Criterion) {
    const SESSIONS: usize = 1000;
    let mut links = Vec::with_capacity(SESSIONS);
    let mut queues = Vec::with_capacity(SESSIONS);
    for conn in 0..SESSIONS {
        let (link, rx, _shared) = SessionLink::new(conn as u64, 1024);
        links.push(link);
        queues.push(rx);
    }
    let message = ChatView {
        seq: 42,
        channel: "room:amphi".into(),
        from: 7,
        from_name: "Zoé Martin".into(),
        at: 1_795_504_790_120,
        text: "Bonjour à toutes et tous ! Les pitchs commencent à 16 h.".into(),
    };
    c.bench_function("route chat to 1,000 sessions (encode once + send)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let frame = encode(&ServerMsg::Chat {
                    message: message.clone(),
                });
                for link in &links {
                    black_box(link.send(frame.clone()));
                }
                total += started.elapsed();
                // Empty the queues outside the timed part, as the
                // connection tasks would.
                for q in &mut queues {
                    while q.try_recv().is_some() {}
                }
            }
            total
        })
    });
}

fn decode_step(c: &mut Criterion) {
    c.bench_function("decode step request", |b| {
        b.iter(|| decode(black_box(r#"{"type":"step","dx":1,"dy":0,"rid":12}"#)))
    });
}

criterion_group!(
    benches,
    apply_move,
    encode_positions,
    route_chat,
    decode_step
);
criterion_main!(benches);
