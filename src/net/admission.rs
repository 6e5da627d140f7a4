//! Admission of new connections: how many one address may hold, and how
//! fast it may open new ones. Refused upgrades get HTTP 429.
//!
//! Defaults are generous because a whole ministry may sit behind one NAT
//! address; they stop a single machine from exhausting the server.

use dashmap::DashMap;
use serde::Deserialize;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

/// Per-address connection limits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionLimits {
    /// Open WebSocket connections one address may hold.
    pub per_ip: usize,
    /// New connections per second one address may open, sustained.
    pub new_per_second: f64,
    /// New connections one address may open at once.
    pub new_burst: u32,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            per_ip: 1000,
            new_per_second: 50.0,
            new_burst: 200,
        }
    }
}

/// Why an upgrade was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("too many connections from this address")]
    TooMany,
    #[error("connecting too fast from this address")]
    TooFast,
}

/// Live counts per address.
#[derive(Debug)]
pub struct Admission {
    limits: ConnectionLimits,
    start: Instant,
    open: DashMap<IpAddr, usize>,
    /// Theoretical arrival time of the next allowed connection (seconds since `start`).
    next: DashMap<IpAddr, f64>,
}

/// Holds one admitted connection's place; gives it back when dropped.
#[derive(Debug)]
pub struct Admitted {
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let emptied = match self.admission.open.get_mut(&self.ip) {
            Some(mut count) => {
                *count = count.saturating_sub(1);
                *count == 0
            }
            None => false,
        };
        if emptied {
            self.admission
                .open
                .remove_if(&self.ip, |_, count| *count == 0);
        }
    }
}

impl Admission {
    pub fn new(limits: ConnectionLimits) -> Arc<Admission> {
        Arc::new(Admission {
            limits,
            start: Instant::now(),
            open: DashMap::new(),
            next: DashMap::new(),
        })
    }

    /// Admits a connection from `ip`, or says why not.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Admitted, Refused> {
        let now = self.start.elapsed().as_secs_f64();
        let interval = 1.0 / self.limits.new_per_second.max(0.001);
        let tolerance = interval * f64::from(self.limits.new_burst.saturating_sub(1));
        {
            let mut next = self.next.entry(ip).or_insert(0.0);
            if now + tolerance < *next {
                return Err(Refused::TooFast);
            }
            *next = next.max(now) + interval;
        }
        let mut open = self.open.entry(ip).or_insert(0);
        if *open >= self.limits.per_ip {
            return Err(Refused::TooMany);
        }
        *open += 1;
        Ok(Admitted {
            admission: self.clone(),
            ip,
        })
    }

    /// Open connections from `ip`.
    pub fn open_from(&self, ip: IpAddr) -> usize {
        self.open.get(&ip).map(|c| *c).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn caps_open_connections_per_address() {
        let admission = Admission::new(ConnectionLimits {
            per_ip: 2,
            new_per_second: 1000.0,
            new_burst: 1000,
        });
        let a = admission.admit(ip(1)).unwrap();
        let _b = admission.admit(ip(1)).unwrap();
        assert_eq!(admission.admit(ip(1)).unwrap_err(), Refused::TooMany);
        assert!(
            admission.admit(ip(2)).is_ok(),
            "other addresses are not affected"
        );
        drop(a);
        assert_eq!(admission.open_from(ip(1)), 1);
        assert!(admission.admit(ip(1)).is_ok());
    }

    #[test]
    fn limits_the_connection_rate_per_address() {
        let admission = Admission::new(ConnectionLimits {
            per_ip: 100,
            new_per_second: 0.001,
            new_burst: 3,
        });
        let held: Vec<Admitted> = (0..3).map(|_| admission.admit(ip(1)).unwrap()).collect();
        assert_eq!(admission.admit(ip(1)).unwrap_err(), Refused::TooFast);
        assert_eq!(held.len(), 3);
    }
}
