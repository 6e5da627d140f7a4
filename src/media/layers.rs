//! Simulcast: which quality layer of a sender's video each receiver gets,
//! and how keyframe requests to a sender are merged.
//!
//! A browser sends its camera and its screen as up to three layers, told
//! apart by their rid ([`RIDS`], lowest first). The media task measures
//! each layer's bitrate as it arrives ([`LayerMeter`]) and keeps, for each
//! video track a receiver gets, a [`Forwarding`]: the layer it is sent now,
//! the layer it should get, and a ceiling that the receiver's own feedback
//! moves (loss in its RTCP receiver reports steps it down at once; a quiet
//! link lets it climb back one layer at a time, waiting longer after each
//! failed climb). A switch happens only on a keyframe of the new layer, so
//! the receiver's decoder never sees a frame it cannot decode; until then
//! the old layer goes on. One receiver's poor link changes only what that
//! receiver gets: the sender keeps sending every layer.
//!
//! Many receivers ask for keyframes at once (late joiners, layer switches,
//! losses): [`KeyframeGate`] lets at most one request per published layer
//! through each [`KEYFRAME_GAP`]; the others are merged into it.
//!
//! Everything here is pure: time is passed in, nothing touches a network.

use std::collections::HashMap;
use std::time::{Duration, Instant};
use str0m::media::{Mid, Rid};

/// The rids a browser sends, lowest quality first (`web/js/media.js`):
/// a quarter, a half and the full resolution.
pub const RIDS: [&str; 3] = ["q", "h", "f"];
/// The highest rank.
const TOP: usize = RIDS.len() - 1;
/// How long a layer's bytes are summed before its bitrate is updated.
const METER_WINDOW: Duration = Duration::from_millis(500);
/// A layer that sent nothing for this long is off (the sender stopped it).
const LAYER_IDLE: Duration = Duration::from_millis(1500);
/// A receiver report with at least this fraction lost: the layer is too
/// much for the receiver's link.
pub const LOSSY: f32 = 0.05;
/// A report with less than this lost counts as a quiet link.
pub const CLEAN: f32 = 0.01;
/// How long a link must stay quiet before the next layer up is tried.
const FIRST_CLIMB_WAIT: Duration = Duration::from_secs(4);
/// The longest wait before trying a layer up again.
const LONGEST_CLIMB_WAIT: Duration = Duration::from_secs(32);
/// Loss this soon after a climb means the climb failed.
const CLIMB_TRIAL: Duration = Duration::from_secs(6);
/// Least time between two keyframe requests for one published layer.
pub const KEYFRAME_GAP: Duration = Duration::from_millis(500);

/// A layer's rank, 0 the lowest; `None` for a rid this server does not know.
pub fn rank(rid: Rid) -> Option<usize> {
    RIDS.iter().position(|r| *r == &*rid)
}

/// A layer arriving from a sender now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    pub rid: Rid,
    pub rank: usize,
    /// Bits per second over the last measured window (0 until one ends).
    pub bps: u64,
}

#[derive(Debug, Clone, Copy)]
struct Meter {
    window_start: Instant,
    bytes: u64,
    bps: u64,
    last: Instant,
}

/// The layers a sender publishes and their bitrates, per video m-line.
#[derive(Debug, Default)]
pub struct LayerMeter {
    layers: HashMap<(Mid, Rid), Meter>,
}

impl LayerMeter {
    /// A frame of `bytes` arrived on layer `rid` of `mid`.
    pub fn record(&mut self, mid: Mid, rid: Rid, bytes: usize, now: Instant) {
        let meter = self.layers.entry((mid, rid)).or_insert(Meter {
            window_start: now,
            bytes: 0,
            bps: 0,
            last: now,
        });
        meter.bytes += bytes as u64;
        meter.last = now;
        let elapsed = now.duration_since(meter.window_start);
        if elapsed >= METER_WINDOW {
            meter.bps = meter.bytes * 8 * 1000 / (elapsed.as_millis().max(1) as u64);
            meter.bytes = 0;
            meter.window_start = now;
        }
    }

    /// The known layers of `mid` that flow now, lowest first.
    pub fn flowing(&self, mid: Mid, now: Instant) -> Vec<Flow> {
        let mut flows: Vec<Flow> = self
            .layers
            .iter()
            .filter(|((m, _), meter)| *m == mid && now.duration_since(meter.last) < LAYER_IDLE)
            .filter_map(|((_, rid), meter)| {
                rank(*rid).map(|rank| Flow {
                    rid: *rid,
                    rank,
                    bps: meter.bps,
                })
            })
            .collect();
        flows.sort_by_key(|f| f.rank);
        flows
    }
}

/// The best layer for a receiver: the highest flowing one at or under
/// `ceiling` whose bitrate fits `estimate` (the receiver's own bandwidth
/// estimate, when it sends one); the lowest flowing one when none does.
pub fn choose(flowing: &[Flow], ceiling: usize, estimate: Option<u64>) -> Option<Rid> {
    flowing
        .iter()
        .filter(|f| f.rank <= ceiling && estimate.is_none_or(|e| f.bps <= e))
        .max_by_key(|f| f.rank)
        .or_else(|| flowing.first())
        .map(|f| f.rid)
}

/// What to do with one frame of a simulcast layer for one receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Send it.
    Forward,
    /// Send it: it is the keyframe that switches the receiver to its layer.
    Switch,
    /// Not this receiver's layer.
    Drop,
    /// The layer the receiver should switch to, before its keyframe: drop
    /// it and ask the sender for a keyframe of it.
    AwaitKeyframe(Rid),
}

/// One video track a receiver gets from a simulcast sender.
#[derive(Debug, Clone)]
pub struct Forwarding {
    /// The layer sent now (`None` before the first keyframe).
    pub current: Option<Rid>,
    /// The highest rank the receiver's link is trusted with now.
    pub ceiling: usize,
    /// The receiver's own estimate of its bandwidth (REMB), if it sends one.
    pub estimate: Option<u64>,
    /// When the ceiling last moved.
    changed: Instant,
    /// When it last moved up, while that climb is on trial.
    climbed: Option<Instant>,
    /// How long the link must stay quiet before the next climb.
    climb_wait: Duration,
    /// NACK and packet totals at the last report.
    seen: (u64, u64),
}

impl Forwarding {
    /// A new receiver starts with the best layer; its feedback brings it down.
    pub fn new(now: Instant) -> Forwarding {
        Forwarding {
            current: None,
            ceiling: TOP,
            estimate: None,
            changed: now,
            climbed: None,
            climb_wait: FIRST_CLIMB_WAIT,
            seen: (0, 0),
        }
    }

    /// One frame of layer `rid` arrived; `flowing` are the sender's layers now.
    pub fn admit(&mut self, rid: Rid, keyframe: bool, flowing: &[Flow]) -> Admit {
        let target = choose(flowing, self.ceiling, self.estimate).unwrap_or(rid);
        if self.current == Some(target) || rid != target {
            return if self.current == Some(rid) {
                Admit::Forward
            } else {
                Admit::Drop
            };
        }
        // `rid` is the layer to switch to.
        if keyframe {
            self.current = Some(rid);
            Admit::Switch
        } else {
            Admit::AwaitKeyframe(rid)
        }
    }

    /// The receiver's feedback on this track since it started: the loss of
    /// its last receiver reports (if any came), and the NACKs and packets
    /// sent in all. The larger of the loss and the share of packets NACKed
    /// since the last report counts (retransmissions can hide loss from
    /// the reports, not from the NACKs).
    pub fn report(&mut self, loss: Option<f32>, nacks: u64, packets: u64, now: Instant) {
        let (nacks_before, packets_before) = self.seen;
        self.seen = (nacks, packets);
        let sent = packets.saturating_sub(packets_before);
        let nacked = if sent == 0 {
            0.0
        } else {
            nacks.saturating_sub(nacks_before) as f32 / sent as f32
        };
        let loss = loss.unwrap_or(0.0).max(nacked);
        if sent > 0 || loss > 0.0 {
            self.report_loss(loss, now);
        }
    }

    /// The receiver lost `loss` (0 to 1) of this track lately.
    pub fn report_loss(&mut self, loss: f32, now: Instant) {
        let at = self.current.and_then(rank);
        if loss >= LOSSY {
            let Some(at) = at else { return };
            if at == 0 || self.ceiling < at {
                // Already as low as it goes, or a step down is under way.
                return;
            }
            if self
                .climbed
                .is_some_and(|t| now.duration_since(t) < CLIMB_TRIAL)
            {
                self.climb_wait = (self.climb_wait * 2).min(LONGEST_CLIMB_WAIT);
            }
            self.ceiling = at - 1;
            self.changed = now;
            self.climbed = None;
        } else if loss < CLEAN
            && self.ceiling < TOP
            && now.duration_since(self.changed) >= self.climb_wait
        {
            self.ceiling += 1;
            self.changed = now;
            self.climbed = Some(now);
        }
    }
}

/// Merges keyframe requests: at most one per published layer per
/// [`KEYFRAME_GAP`].
#[derive(Debug, Default)]
pub struct KeyframeGate {
    last: HashMap<(Mid, Option<Rid>), Instant>,
}

impl KeyframeGate {
    /// Whether a request for layer `rid` of `mid` goes to the sender now
    /// (then it is remembered); false: one went out less than a gap ago,
    /// and this one is merged into it.
    pub fn allow(&mut self, mid: Mid, rid: Option<Rid>, now: Instant) -> bool {
        match self.last.get(&(mid, rid)) {
            Some(at) if now.duration_since(*at) < KEYFRAME_GAP => false,
            _ => {
                self.last.insert((mid, rid), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flows(rates: &[(&str, u64)]) -> Vec<Flow> {
        rates
            .iter()
            .filter_map(|(rid, bps)| {
                let rid = Rid::from(*rid);
                rank(rid).map(|rank| Flow {
                    rid,
                    rank,
                    bps: *bps,
                })
            })
            .collect()
    }

    fn rid(s: &str) -> Rid {
        Rid::from(s)
    }

    #[test]
    fn the_best_flowing_layer_under_the_ceiling_and_the_estimate_is_chosen() {
        let all = flows(&[("q", 100_000), ("h", 300_000), ("f", 900_000)]);
        assert_eq!(choose(&all, 2, None), Some(rid("f")));
        assert_eq!(choose(&all, 1, None), Some(rid("h")));
        assert_eq!(choose(&all, 2, Some(500_000)), Some(rid("h")));
        // Nothing fits: the lowest layer still goes (never nothing).
        assert_eq!(choose(&all, 2, Some(50_000)), Some(rid("q")));
        // A camera sending two layers, a ceiling under both: the lower one.
        let two = flows(&[("h", 300_000), ("f", 900_000)]);
        assert_eq!(choose(&two, 0, None), Some(rid("h")));
        assert_eq!(choose(&[], 2, None), None);
        assert_eq!(rank(rid("x")), None, "unknown rids are not layers");
    }

    #[test]
    fn the_meter_measures_each_layer_and_forgets_a_stopped_one() {
        let mut meter = LayerMeter::default();
        let t0 = Instant::now();
        let mid = Mid::from("1");
        for i in 0..=10u64 {
            let at = t0 + Duration::from_millis(i * 50);
            meter.record(mid, rid("q"), 625, at); // 100 kbit/s
            meter.record(mid, rid("f"), 6250, at); // 1 Mbit/s
        }
        let now = t0 + Duration::from_millis(500);
        let got = meter.flowing(mid, now);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].rid, got[1].rid), (rid("q"), rid("f")));
        assert!((90_000..=120_000).contains(&got[0].bps), "{got:?}");
        assert!((900_000..=1_200_000).contains(&got[1].bps), "{got:?}");
        assert!(meter.flowing(Mid::from("2"), now).is_empty());
        // The full layer stops; the quarter goes on.
        let later = now + Duration::from_secs(2);
        meter.record(mid, rid("q"), 625, later);
        let got = meter.flowing(mid, later);
        assert_eq!(got.iter().map(|f| f.rid).collect::<Vec<_>>(), [rid("q")]);
    }

    #[test]
    fn a_switch_waits_for_a_keyframe_of_the_new_layer() {
        let t0 = Instant::now();
        let all = flows(&[("q", 100_000), ("h", 300_000), ("f", 900_000)]);
        let mut f = Forwarding::new(t0);
        // A new receiver: nothing until the full layer's keyframe.
        assert_eq!(f.admit(rid("q"), true, &all), Admit::Drop);
        assert_eq!(
            f.admit(rid("f"), false, &all),
            Admit::AwaitKeyframe(rid("f"))
        );
        assert_eq!(f.admit(rid("f"), true, &all), Admit::Switch);
        assert_eq!(f.admit(rid("f"), false, &all), Admit::Forward);
        assert_eq!(f.admit(rid("h"), true, &all), Admit::Drop);
        // Loss: the ceiling steps down; the full layer goes on until the
        // half layer's keyframe.
        f.report_loss(0.3, t0 + Duration::from_secs(1));
        assert_eq!(f.ceiling, 1);
        assert_eq!(f.admit(rid("f"), false, &all), Admit::Forward);
        assert_eq!(
            f.admit(rid("h"), false, &all),
            Admit::AwaitKeyframe(rid("h"))
        );
        assert_eq!(f.admit(rid("h"), true, &all), Admit::Switch);
        assert_eq!(f.admit(rid("f"), true, &all), Admit::Drop);
        assert_eq!(f.current, Some(rid("h")));
    }

    #[test]
    fn loss_steps_down_one_layer_per_report_and_a_quiet_link_climbs_back_slower_each_time() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut f = Forwarding::new(t0);
        f.current = Some(rid("f"));
        f.report_loss(0.2, at(2_000));
        assert_eq!(f.ceiling, 1);
        // Still on the full layer (no keyframe yet): no second step.
        f.report_loss(0.2, at(4_000));
        assert_eq!(f.ceiling, 1);
        f.current = Some(rid("h"));
        f.report_loss(0.2, at(6_000));
        assert_eq!(f.ceiling, 0);
        f.current = Some(rid("q"));
        f.report_loss(0.5, at(8_000));
        assert_eq!(f.ceiling, 0, "nothing under the lowest layer");
        // Quiet, but not long enough yet; then long enough: one layer up.
        f.report_loss(0.0, at(9_000));
        assert_eq!(f.ceiling, 0);
        f.report_loss(0.0, at(10_000));
        assert_eq!(f.ceiling, 1);
        // The climb fails: back down, and the next climb waits twice as long.
        f.current = Some(rid("h"));
        f.report_loss(0.1, at(12_000));
        assert_eq!(f.ceiling, 0);
        f.current = Some(rid("q"));
        f.report_loss(0.0, at(16_000));
        assert_eq!(f.ceiling, 0, "4 s is no longer enough");
        f.report_loss(0.0, at(20_000));
        assert_eq!(f.ceiling, 1);
        // Moderate loss (between clean and lossy) holds the ceiling.
        f.current = Some(rid("h"));
        f.report_loss(0.03, at(40_000));
        assert_eq!(f.ceiling, 1);
    }

    #[test]
    fn nacks_count_as_loss_when_the_reports_show_none() {
        let t0 = Instant::now();
        let mut f = Forwarding::new(t0);
        f.current = Some(rid("f"));
        f.report(Some(0.0), 0, 100, t0);
        assert_eq!(f.ceiling, 2);
        // 30 of the next 100 packets NACKed, the reports say nothing lost.
        f.report(Some(0.0), 30, 200, t0 + Duration::from_secs(2));
        assert_eq!(f.ceiling, 1);
    }

    #[test]
    fn keyframe_requests_for_one_layer_are_merged_within_the_gap() {
        let mut gate = KeyframeGate::default();
        let t0 = Instant::now();
        let mid = Mid::from("1");
        // Fifty late joiners at once: one request.
        let allowed = (0..50)
            .filter(|i| gate.allow(mid, Some(rid("f")), t0 + Duration::from_millis(*i)))
            .count();
        assert_eq!(allowed, 1);
        // Another layer, another m-line: their own requests.
        assert!(gate.allow(mid, Some(rid("q")), t0));
        assert!(gate.allow(Mid::from("2"), Some(rid("f")), t0));
        assert!(gate.allow(mid, None, t0));
        // After the gap, the next one goes.
        assert!(gate.allow(mid, Some(rid("f")), t0 + KEYFRAME_GAP));
    }
}
