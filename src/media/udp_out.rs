//! The media socket's way out: consecutive packets to one address leave in
//! one system call, with UDP generic segmentation offload (GSO, Linux's
//! `UDP_SEGMENT`), instead of one `sendto` each; single packets to many
//! addresses leave together, in one `sendmmsg`.
//!
//! A forwarded video frame becomes several packets of the path's full size
//! (the last one shorter) for each receiver, and str0m hands a receiver's
//! packets out one after the other: they go as one buffer cut by the kernel
//! at the segment size. The kernel's per-send work (the system call, the
//! route, the socket) is then paid once per frame and receiver rather than
//! once per packet. Where the kernel refuses GSO the packets go one by one,
//! as before.
//!
//! An audio frame is one packet for each receiver: those are kept until
//! [`UdpOut::flush`] (the media task flushes once it has polled everyone a
//! burst touched) or until [`SINGLES_MAX`] wait, and then leave in one
//! system call. A run of several packets leaves at once, after the single
//! packets waiting for its address (a stream's packets keep their order).
//! A full socket buffer drops what does not fit (as UDP does).

use std::io::IoSlice;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use str0m::net::DatagramSend;
use tokio::net::UdpSocket;

/// Most segments in one send (the kernel's `UDP_MAX_SEGMENTS`).
const MAX_SEGMENTS: usize = 64;
/// Most bytes in one send (an IP datagram's limit, less headers).
const MAX_BYTES: usize = 65_000;
/// Most single packets kept for one `sendmmsg`.
pub const SINGLES_MAX: usize = 64;

/// Packets waiting to leave: a run for one address, and single packets.
pub struct UdpOut {
    /// Whether the kernel takes GSO sends (cleared at the first refusal).
    gso: bool,
    to: Option<SocketAddr>,
    packets: Vec<DatagramSend>,
    bytes: usize,
    /// Runs of one packet, each to its address, to leave together.
    singles: Vec<(SocketAddr, DatagramSend)>,
}

impl Default for UdpOut {
    fn default() -> UdpOut {
        UdpOut {
            gso: cfg!(target_os = "linux"),
            to: None,
            packets: Vec::new(),
            bytes: 0,
            singles: Vec::new(),
        }
    }
}

impl UdpOut {
    /// A way out that tries GSO only if `gso` (what another one learnt).
    pub fn with_gso(gso: bool) -> UdpOut {
        UdpOut {
            gso: gso && cfg!(target_os = "linux"),
            ..UdpOut::default()
        }
    }

    /// Whether the kernel is still believed to take GSO sends.
    pub fn gso(&self) -> bool {
        self.gso
    }

    /// Takes in what another way out on the same socket learnt (a spread
    /// poll's): once the kernel refused GSO, it is not tried again.
    pub fn learn_gso(&mut self, gso: bool) {
        self.gso &= gso;
    }

    /// Queues a packet; a run queued for another address, or that cannot
    /// take it as a segment, leaves first (a run of one waits with the
    /// other single packets).
    pub fn push(&mut self, socket: &UdpSocket, to: SocketAddr, packet: DatagramSend) {
        if self.to != Some(to) || !self.joins(packet.len()) {
            self.end_run(socket);
            self.to = Some(to);
        }
        self.bytes += packet.len();
        self.packets.push(packet);
    }

    /// Whether a packet of `len` bytes can follow the queued ones in one
    /// GSO send: every segment but the last has the first one's size.
    fn joins(&self, len: usize) -> bool {
        match (self.packets.first(), self.packets.last()) {
            (Some(first), Some(last)) => {
                self.gso
                    && last.len() == first.len()
                    && len <= first.len()
                    && self.packets.len() < MAX_SEGMENTS
                    && self.bytes + len <= MAX_BYTES
            }
            _ => true,
        }
    }

    /// Sends everything queued.
    pub fn flush(&mut self, socket: &UdpSocket) {
        self.end_run(socket);
        send_singles(socket, &mut self.singles);
    }

    /// Sends the run being built, or keeps it with the single packets if it
    /// is one packet.
    fn end_run(&mut self, socket: &UdpSocket) {
        let Some(to) = self.to.take() else {
            return;
        };
        if self.packets.len() == 1 {
            self.singles.extend(self.packets.drain(..).map(|p| (to, p)));
            self.clear();
            if self.singles.len() >= SINGLES_MAX {
                send_singles(socket, &mut self.singles);
            }
            return;
        }
        // Single packets to the same address go first: a run must not
        // overtake earlier packets of its streams.
        if self.singles.iter().any(|(address, _)| *address == to) {
            send_singles(socket, &mut self.singles);
        }
        if self.gso {
            match send_segmented(socket, to, &self.packets) {
                Ok(()) => return self.clear(),
                Err(nix::errno::Errno::EAGAIN) => return self.clear(),
                Err(err) => {
                    tracing::info!(%err, "no UDP segmentation offload: media packets go one by one");
                    self.gso = false;
                }
            }
        }
        for packet in &self.packets {
            let _ = socket.try_send_to(packet, to);
        }
        self.clear();
    }

    fn clear(&mut self) {
        self.packets.clear();
        self.bytes = 0;
    }
}

/// Sends single packets, each to its address, in as few calls as the
/// kernel allows; empties `singles`.
fn send_singles(socket: &UdpSocket, singles: &mut Vec<(SocketAddr, DatagramSend)>) {
    match singles.as_slice() {
        [] => {}
        [(to, packet)] => {
            let _ = socket.try_send_to(packet, *to);
        }
        _ => send_many(socket, singles),
    }
    singles.clear();
}

#[cfg(target_os = "linux")]
fn send_many(socket: &UdpSocket, singles: &[(SocketAddr, DatagramSend)]) {
    use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, sendmmsg};
    let slices: Vec<[IoSlice<'_>; 1]> = singles.iter().map(|(_, p)| [IoSlice::new(p)]).collect();
    let addresses: Vec<Option<SockaddrStorage>> = singles
        .iter()
        .map(|(to, _)| Some(SockaddrStorage::from(*to)))
        .collect();
    let mut start = 0;
    // Each call sends from the first packet not yet sent: a packet the
    // kernel refuses is skipped; a full socket buffer drops the rest.
    while start < singles.len() {
        let (Some(slices), Some(addresses)) = (slices.get(start..), addresses.get(start..)) else {
            break;
        };
        let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(slices.len(), None);
        match sendmmsg(
            socket.as_raw_fd(),
            &mut headers,
            slices,
            addresses,
            [],
            MsgFlags::MSG_DONTWAIT,
        ) {
            Ok(sent) => start += sent.count().max(1),
            Err(nix::errno::Errno::EAGAIN) => break,
            Err(_) => start += 1,
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn send_many(socket: &UdpSocket, singles: &[(SocketAddr, DatagramSend)]) {
    for (to, packet) in singles {
        let _ = socket.try_send_to(packet, *to);
    }
}

#[cfg(target_os = "linux")]
fn send_segmented(
    socket: &UdpSocket,
    to: SocketAddr,
    packets: &[DatagramSend],
) -> Result<(), nix::errno::Errno> {
    use nix::sys::socket::{ControlMessage, MsgFlags, SockaddrStorage, sendmsg};
    let slices: Vec<IoSlice<'_>> = packets.iter().map(|p| IoSlice::new(p)).collect();
    let segment = packets
        .first()
        .and_then(|p| u16::try_from(p.len()).ok())
        .ok_or(nix::errno::Errno::EINVAL)?;
    let address = SockaddrStorage::from(to);
    sendmsg(
        socket.as_raw_fd(),
        &slices,
        &[ControlMessage::UdpGsoSegments(&segment)],
        MsgFlags::MSG_DONTWAIT,
        Some(&address),
    )
    .map(|_| ())
}

#[cfg(not(target_os = "linux"))]
fn send_segmented(
    _socket: &UdpSocket,
    _to: SocketAddr,
    _packets: &[DatagramSend],
) -> Result<(), nix::errno::Errno> {
    Err(nix::errno::Errno::EINVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn bound() -> UdpSocket {
        UdpSocket::bind("127.0.0.1:0").await.unwrap()
    }

    /// A socket to send from, as the media task's: one the reactor has seen
    /// writable (tokio's try_send_to gives up on a socket it has not).
    async fn sender() -> UdpSocket {
        let socket = bound().await;
        socket.writable().await.unwrap();
        socket
    }

    #[tokio::test]
    async fn a_frame_sent_in_one_call_arrives_as_its_packets() {
        let socket = sender().await;
        let receiver = bound().await;
        let to = receiver.local_addr().unwrap();
        let mut out = UdpOut::default();
        let sizes = [1200usize, 1200, 1200, 700, 90];
        for (i, size) in sizes.iter().enumerate() {
            out.push(&socket, to, vec![i as u8; *size].into());
        }
        out.flush(&socket);
        let mut buf = [0u8; 2000];
        for (i, size) in sizes.iter().enumerate() {
            let n =
                tokio::time::timeout(std::time::Duration::from_secs(5), receiver.recv(&mut buf))
                    .await
                    .unwrap()
                    .unwrap();
            assert_eq!(n, *size, "packet {i}");
            assert!(buf[..n].iter().all(|b| *b == i as u8), "packet {i}");
        }
    }

    async fn receive(receiver: &UdpSocket) -> Vec<u8> {
        let mut buf = [0u8; 2000];
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), receiver.recv(&mut buf))
            .await
            .expect("a packet within 5 s")
            .unwrap();
        buf[..n].to_vec()
    }

    #[tokio::test]
    async fn single_packets_to_many_addresses_leave_together_at_the_flush() {
        let socket = sender().await;
        let receivers = [bound().await, bound().await, bound().await];
        let mut out = UdpOut::default();
        // Receiver 0: an audio packet, then a two-packet video frame for
        // receiver 1, then audio for receivers 2 and 0.
        let to = |i: usize| receivers[i].local_addr().unwrap();
        out.push(&socket, to(0), vec![10; 90].into());
        out.push(&socket, to(1), vec![11; 1200].into());
        out.push(&socket, to(1), vec![12; 500].into());
        out.push(&socket, to(2), vec![13; 80].into());
        out.push(&socket, to(0), vec![14; 70].into());
        // The video frame has left (its run ended); the audio waits.
        assert_eq!(receive(&receivers[1]).await, vec![11; 1200]);
        assert_eq!(receive(&receivers[1]).await, vec![12; 500]);
        let mut buf = [0u8; 16];
        assert!(
            receivers[0].try_recv(&mut buf).is_err(),
            "nothing before the flush"
        );
        out.flush(&socket);
        assert_eq!(receive(&receivers[0]).await, vec![10; 90]);
        assert_eq!(receive(&receivers[0]).await, vec![14; 70]);
        assert_eq!(receive(&receivers[2]).await, vec![13; 80]);
    }

    #[tokio::test]
    async fn single_packets_leave_without_a_flush_once_enough_wait() {
        let (socket, a, b) = (sender().await, bound().await, bound().await);
        let mut out = UdpOut::default();
        // Alternating addresses: each packet is a run of one. The last one
        // pushed ends the run before it, which makes SINGLES_MAX.
        for i in 0..=SINGLES_MAX {
            let to = if i % 2 == 0 { &a } else { &b };
            out.push(&socket, to.local_addr().unwrap(), vec![i as u8; 60].into());
        }
        for i in 0..SINGLES_MAX {
            let from = if i % 2 == 0 { &a } else { &b };
            assert_eq!(receive(from).await, vec![i as u8; 60], "packet {i}");
        }
    }

    #[tokio::test]
    async fn a_run_never_overtakes_a_single_packet_waiting_for_its_address() {
        let (socket, a, b) = (sender().await, bound().await, bound().await);
        let (to_a, to_b) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let mut out = UdpOut::default();
        // The last packet of one frame for A (alone: a run of one, it
        // waits), a packet for B, then A's next frame (a run of two).
        out.push(&socket, to_a, vec![1; 700].into());
        out.push(&socket, to_b, vec![9; 100].into());
        out.push(&socket, to_a, vec![2; 1200].into());
        out.push(&socket, to_a, vec![3; 800].into());
        out.flush(&socket);
        assert_eq!(receive(&a).await, vec![1; 700]);
        assert_eq!(receive(&a).await, vec![2; 1200]);
        assert_eq!(receive(&a).await, vec![3; 800]);
        assert_eq!(receive(&b).await, vec![9; 100]);
    }
}
