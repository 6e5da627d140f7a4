//! WebSocket close codes: why the server ended a connection, and what the
//! client should do next. `docs/protocol.md`'s close-code table lists exactly
//! these (a test keeps them equal).

/// Why the server closes a connection. The numeric code is what goes on the
/// wire; standard codes (1xxx) where one fits, 4xxx for Amphi's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseCode {
    /// The server is shutting down: reconnect with backoff, then `resume`.
    GoingAway,
    /// A frame over `max_frame_bytes`.
    TooBig,
    /// The server failed internally while serving this connection.
    InternalError,
    /// The same person connected elsewhere (another tab).
    Replaced,
    /// Kicked by the moderator (may come back).
    Kicked,
    /// No `hello` within the hello timeout.
    HelloTimeout,
    /// Banned by the moderator: do not reconnect.
    Banned,
    /// Too slow: the outbound queue overflowed or writes stayed blocked.
    TooSlow,
    /// Flood: over the message rate for too long.
    Flood,
}

impl CloseCode {
    /// Every close code, in the order `docs/protocol.md` lists them.
    pub const ALL: [CloseCode; 9] = [
        CloseCode::GoingAway,
        CloseCode::TooBig,
        CloseCode::InternalError,
        CloseCode::Replaced,
        CloseCode::Kicked,
        CloseCode::HelloTimeout,
        CloseCode::Banned,
        CloseCode::TooSlow,
        CloseCode::Flood,
    ];

    /// The number sent in the close frame.
    pub const fn code(self) -> u16 {
        match self {
            CloseCode::GoingAway => 1001,
            CloseCode::TooBig => 1009,
            CloseCode::InternalError => 1011,
            CloseCode::Replaced => 4001,
            CloseCode::Kicked => 4002,
            CloseCode::HelloTimeout => 4003,
            CloseCode::Banned => 4004,
            CloseCode::TooSlow => 4008,
            CloseCode::Flood => 4029,
        }
    }

    /// The close code with this number, if it is one of ours.
    pub fn from_code(code: u16) -> Option<CloseCode> {
        CloseCode::ALL.into_iter().find(|c| c.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_round_trip() {
        for close in CloseCode::ALL {
            assert_eq!(CloseCode::from_code(close.code()), Some(close));
        }
        assert_eq!(CloseCode::from_code(1000), None);
    }

    /// The numbers in the first column of `docs/protocol.md`'s close-code
    /// table, in order.
    fn documented_codes() -> Vec<u16> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/protocol.md");
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        let Some((_, table)) = doc.split_once("### Close codes") else {
            panic!("docs/protocol.md has no '### Close codes' section");
        };
        table
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .filter_map(|line| line.split('|').nth(1)?.trim().parse().ok())
            .collect()
    }

    #[test]
    fn the_protocol_doc_lists_exactly_these_codes() {
        let ours: Vec<u16> = CloseCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            documented_codes(),
            ours,
            "docs/protocol.md's close-code table and CloseCode differ"
        );
    }
}
