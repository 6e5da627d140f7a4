//! The media socket's way out: consecutive packets to one address leave in
//! one system call, with UDP generic segmentation offload (GSO, Linux's
//! `UDP_SEGMENT`), instead of one `sendto` each.
//!
//! A forwarded video frame becomes several packets of the path's full size
//! (the last one shorter) for each receiver, and str0m hands a receiver's
//! packets out one after the other: they go as one buffer cut by the kernel
//! at the segment size. The kernel's per-send work (the system call, the
//! route, the socket) is then paid once per frame and receiver rather than
//! once per packet. Where the kernel refuses GSO the packets go one by one,
//! as before. A full socket buffer drops what does not fit (as UDP does).

use std::io::IoSlice;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use str0m::net::DatagramSend;
use tokio::net::UdpSocket;

/// Most segments in one send (the kernel's `UDP_MAX_SEGMENTS`).
const MAX_SEGMENTS: usize = 64;
/// Most bytes in one send (an IP datagram's limit, less headers).
const MAX_BYTES: usize = 65_000;

/// Packets waiting to leave for one address.
pub struct UdpOut {
    /// Whether the kernel takes GSO sends (cleared at the first refusal).
    gso: bool,
    to: Option<SocketAddr>,
    packets: Vec<DatagramSend>,
    bytes: usize,
}

impl Default for UdpOut {
    fn default() -> UdpOut {
        UdpOut {
            gso: cfg!(target_os = "linux"),
            to: None,
            packets: Vec::new(),
            bytes: 0,
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

    /// Queues a packet; what was queued for another address, or cannot be
    /// one segment run with it, leaves first.
    pub fn push(&mut self, socket: &UdpSocket, to: SocketAddr, packet: DatagramSend) {
        if self.to != Some(to) || !self.joins(packet.len()) {
            self.flush(socket);
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

    /// Sends what is queued.
    pub fn flush(&mut self, socket: &UdpSocket) {
        let Some(to) = self.to else {
            return;
        };
        if self.packets.len() > 1 && self.gso {
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

    #[tokio::test]
    async fn a_frame_sent_in_one_call_arrives_as_its_packets() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let receiver = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = receiver.local_addr().unwrap();
        // As in the media task, whose socket the reactor has seen writable
        // (tokio's try_send_to gives up on a socket it has not).
        socket.writable().await.unwrap();
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
}
