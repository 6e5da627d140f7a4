//! The control channel between the venue server and a separate media
//! process (`amphi media`): what crosses it and how the venue proves itself.
//!
//! It is a TCP connection from the venue to the media process, one JSON
//! object per line. The media process speaks first with a random challenge;
//! the venue answers with HMAC-SHA256(shared secret, challenge); only then
//! does the media process say where browsers reach it and accept commands.
//! After that, the venue sends [`ControlCommand`]s (the hub's
//! [`MediaCommand`]s without their event sink) and the media process sends
//! [`MediaEvent`](super::MediaEvent)s. The channel is not encrypted: it is meant for loopback
//! or a private network (see `docs/media.md`).

use super::{ConversationId, MediaCommand, PeerId};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

/// Longest line either side accepts (an SDP is at most 60 KiB, escaped).
pub const MAX_LINE_BYTES: usize = 256 * 1024;

/// The media process's first line.
#[derive(Debug, Serialize, Deserialize)]
pub struct Challenge {
    /// 32 random bytes, hex.
    pub challenge: String,
}

/// The venue's answer to the challenge.
#[derive(Debug, Serialize, Deserialize)]
pub struct Proof {
    /// HMAC-SHA256(secret, challenge as sent), hex.
    pub proof: String,
}

/// The media process accepts the venue.
#[derive(Debug, Serialize, Deserialize)]
pub struct Welcome {
    /// Where browsers send media (the process's UDP socket).
    pub udp: SocketAddr,
}

/// A [`MediaCommand`] as it crosses the channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControlCommand {
    Offer {
        peer: PeerId,
        sdp: String,
    },
    Answer {
        peer: PeerId,
        sdp: String,
    },
    Conversation {
        id: ConversationId,
        members: Vec<PeerId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        speakers: Option<Vec<PeerId>>,
    },
    Mute {
        peer: PeerId,
        muted: bool,
    },
    AudioOnly {
        peer: PeerId,
        audio_only: bool,
    },
    Leave {
        peer: PeerId,
    },
}

impl ControlCommand {
    /// The wire form of a hub's command; the event sink stays behind.
    pub fn from_command(command: MediaCommand) -> ControlCommand {
        match command {
            MediaCommand::Offer { peer, sdp, .. } => ControlCommand::Offer { peer, sdp },
            MediaCommand::Answer { peer, sdp } => ControlCommand::Answer { peer, sdp },
            MediaCommand::Conversation {
                id,
                members,
                speakers,
            } => ControlCommand::Conversation {
                id,
                members,
                speakers,
            },
            MediaCommand::Mute { peer, muted } => ControlCommand::Mute { peer, muted },
            MediaCommand::AudioOnly { peer, audio_only } => {
                ControlCommand::AudioOnly { peer, audio_only }
            }
            MediaCommand::Leave { peer } => ControlCommand::Leave { peer },
        }
    }

    /// The command again, its events going to `events`.
    pub fn into_command(self, events: &super::EventSink) -> MediaCommand {
        match self {
            ControlCommand::Offer { peer, sdp } => MediaCommand::Offer {
                peer,
                sdp,
                events: events.clone(),
            },
            ControlCommand::Answer { peer, sdp } => MediaCommand::Answer { peer, sdp },
            ControlCommand::Conversation {
                id,
                members,
                speakers,
            } => MediaCommand::Conversation {
                id,
                members,
                speakers,
            },
            ControlCommand::Mute { peer, muted } => MediaCommand::Mute { peer, muted },
            ControlCommand::AudioOnly { peer, audio_only } => {
                MediaCommand::AudioOnly { peer, audio_only }
            }
            ControlCommand::Leave { peer } => MediaCommand::Leave { peer },
        }
    }
}

/// A fresh challenge.
pub fn challenge() -> Challenge {
    let bytes: [u8; 32] = rand::random();
    Challenge {
        challenge: hex::encode(bytes),
    }
}

fn key(secret: &str) -> aws_lc_rs::hmac::Key {
    aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes())
}

/// The venue's proof that it knows `secret`.
pub fn prove(secret: &str, challenge: &Challenge) -> Proof {
    let tag = aws_lc_rs::hmac::sign(&key(secret), challenge.challenge.as_bytes());
    Proof {
        proof: hex::encode(tag.as_ref()),
    }
}

/// Whether `proof` answers `challenge` for `secret` (compared in constant time).
pub fn verify(secret: &str, challenge: &Challenge, proof: &Proof) -> bool {
    let Ok(tag) = hex::decode(&proof.proof) else {
        return false;
    };
    aws_lc_rs::hmac::verify(&key(secret), challenge.challenge.as_bytes(), &tag).is_ok()
}

/// Reads one line of JSON, at most [`MAX_LINE_BYTES`]; `None` at the end.
pub async fn read<T: serde::de::DeserializeOwned>(
    reader: &mut (impl AsyncBufRead + Unpin),
) -> std::io::Result<Option<T>> {
    let mut line = Vec::new();
    let mut limited = tokio::io::AsyncReadExt::take(reader, MAX_LINE_BYTES as u64 + 1);
    let n = limited.read_until(b'\n', &mut line).await?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "control line too long or cut short",
        ));
    }
    serde_json::from_slice(&line)
        .map(Some)
        .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
}

/// Writes one value as a line of JSON.
pub async fn write<T: Serialize>(
    writer: &mut (impl AsyncWrite + Unpin),
    value: &T,
) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value)
        .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))?;
    line.push(b'\n');
    writer.write_all(&line).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_secret_answers_the_challenge() {
        let c = challenge();
        let proof = prove("north-wind", &c);
        assert!(verify("north-wind", &c, &proof));
        assert!(!verify("south-wind", &c, &proof));
        assert!(!verify("north-wind", &challenge(), &proof));
        let garbage = Proof { proof: "zz".into() };
        assert!(!verify("north-wind", &c, &garbage));
    }

    #[tokio::test]
    async fn lines_round_trip_and_long_ones_are_refused() {
        let command = ControlCommand::Conversation {
            id: ConversationId(3),
            members: vec![PeerId(1), PeerId(2)],
            speakers: None,
        };
        let mut buf = Vec::new();
        write(&mut buf, &command).await.unwrap();
        assert_eq!(
            String::from_utf8(buf.clone()).unwrap(),
            "{\"type\":\"conversation\",\"id\":3,\"members\":[1,2]}\n"
        );
        let back: Option<ControlCommand> = read(&mut buf.as_slice()).await.unwrap();
        assert_eq!(back, Some(command));
        let long = vec![b'x'; MAX_LINE_BYTES + 10];
        let refused: std::io::Result<Option<ControlCommand>> = read(&mut long.as_slice()).await;
        assert!(refused.is_err());
    }
}
