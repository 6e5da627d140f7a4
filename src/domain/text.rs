//! Cleaning and checking user text (names, chat).
//!
//! Lengths count characters, not bytes, so French accents cost what they look.
//! Control characters are removed (chat keeps line breaks and tabs), and so are
//! the bidirectional override characters that can disguise text. Names are
//! normalized (NFKC), and [`name_skeleton`] tells lookalike names apart from
//! genuinely different ones.
//!
//! Text is cleaned once, where a request becomes a command (the hub, the
//! roster and idea parsers): the result is a [`Name`] or a [`Message`], which
//! the domain's commands carry and never clean again. Features whose text has
//! other rules have their own checked types, built the same way where the
//! request arrives: `registration::CheckedSignUp` (the sign-up form),
//! `projects::CheckedFields` (a project page), `program::ChallengeText` (a
//! challenge's title and description, trimmed only, as they always were).

use super::error::DomainError;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// One line of text cleaned as a name is — a person's or team's name, an
/// idea's title or skills, an award label, the speaker's message — by
/// [`Name::parse`] where a request enters the hub, so the domain never cleans
/// it again.
///
/// Journaled as the plain string. Reading a record back cleans the stored
/// string (as [`clean_name`] does, which changes nothing in a clean one) but
/// never checks it: records written before the text was cleaned at the edge
/// hold it as it was sent, and the domain cleaned it when applying them; a
/// record a later rule would refuse (empty, too long) must still load.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    /// Cleans `raw` (see [`clean_name`]) and checks it is neither empty nor
    /// longer than `max_chars`; `field` names it in the refusal.
    pub fn parse(field: &'static str, raw: &str, max_chars: usize) -> Result<Name, DomainError> {
        clean_name(field, raw, max_chars).map(Name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A name made of stored text that was checked when it was written (an
    /// old record's name derived from an idea's title), trusted as reading a
    /// record is.
    pub(super) fn from_stored(stored: String) -> Name {
        Name(stored)
    }
}

/// A chat-like message (line breaks kept), cleaned and checked by
/// [`Message::parse`] at the hub's edge. Journaled and read back like
/// [`Name`]: the plain string, cleaned but never checked when read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Message(String);

impl Message {
    /// Cleans `raw` (see [`clean_message`]) and checks its length.
    pub fn parse(raw: &str, max_chars: usize) -> Result<Message, DomainError> {
        clean_message(raw, max_chars).map(Message)
    }

    /// Like [`Message::parse`] for text that may be left out (a rating's
    /// comment): blank text is the empty message; `field` names it in the
    /// refusal of a text that is too long.
    pub fn parse_optional(
        field: &'static str,
        raw: &str,
        max_chars: usize,
    ) -> Result<Message, DomainError> {
        let cleaned = message_cleaned(raw);
        if cleaned.is_empty() {
            return Ok(Message(cleaned));
        }
        check_length(field, cleaned, max_chars).map(Message)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Message {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        String::deserialize(deserializer).map(|stored| Name(name_cleaned(&stored)))
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Message, D::Error> {
        String::deserialize(deserializer).map(|stored| Message(message_cleaned(&stored)))
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Domain tests build commands from literals they know to be clean.
#[cfg(test)]
impl From<&str> for Name {
    fn from(raw: &str) -> Name {
        Name(raw.to_string())
    }
}

#[cfg(test)]
impl From<&str> for Message {
    fn from(raw: &str) -> Message {
        Message(raw.to_string())
    }
}

#[cfg(test)]
impl From<String> for Name {
    fn from(raw: String) -> Name {
        Name(raw)
    }
}

#[cfg(test)]
impl From<String> for Message {
    fn from(raw: String) -> Message {
        Message(raw)
    }
}

/// Cleans a one-line name: control and bidi characters removed, whitespace
/// runs folded to one space, trimmed; then checks it is neither empty nor too long.
pub fn clean_name(field: &'static str, raw: &str, max_chars: usize) -> Result<String, DomainError> {
    check_length(field, name_cleaned(raw), max_chars)
}

/// What [`clean_name`] makes of `raw`, unchecked.
fn name_cleaned(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    // NFKC: one form for "é" typed either way, fullwidth letters folded.
    for c in raw.nfkc() {
        if c.is_whitespace() {
            // Line breaks and tabs in a name become one space, like any run.
            pending_space = !out.is_empty();
        } else if !is_unwanted(c, false) {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// What a name looks like, for telling lookalikes apart: compatibility
/// decomposition, accents and invisible characters dropped, case folded,
/// letters that look Latin (Cyrillic "а", Greek "ο", digit "0"…) mapped to the
/// Latin letter, spaces and punctuation ignored. Two names with the same
/// skeleton would be mistaken for each other on screen.
pub fn name_skeleton(name: &str) -> String {
    name.nfkd()
        .filter(|c| !is_combining_mark(*c) && !is_bidi_control(*c) && !c.is_control())
        .flat_map(char::to_lowercase)
        .map(latin_lookalike)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The Latin letter a character is easily mistaken for (itself otherwise).
fn latin_lookalike(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ё' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ї' | 'ι' | 'ı' | '1' | 'l' | '|' => 'l',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'п' | 'η' => 'n',
        'о' | 'ο' | 'σ' | '0' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' | '5' => 's',
        'т' | 'τ' => 't',
        'υ' | 'μ' => 'u',
        'ν' => 'v',
        'ѡ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'ᴢ' => 'z',
        other => other,
    }
}

/// Cleans a chat message: control and bidi characters removed except line
/// breaks and tabs; leading and trailing whitespace trimmed.
pub fn clean_message(raw: &str, max_chars: usize) -> Result<String, DomainError> {
    check_length("text", message_cleaned(raw), max_chars)
}

/// What [`clean_message`] makes of `raw`, unchecked.
fn message_cleaned(raw: &str) -> String {
    let kept: String = raw.chars().filter(|c| !is_unwanted(*c, true)).collect();
    kept.trim().to_string()
}

/// Refuses `text` if it is longer than `max` characters, as it is (for
/// text kept as typed, not cleaned).
pub fn check_max_chars(field: &'static str, text: &str, max: usize) -> Result<(), DomainError> {
    let len = text.chars().count();
    if len > max {
        return Err(DomainError::TextTooLong { field, len, max });
    }
    Ok(())
}

fn check_length(field: &'static str, text: String, max: usize) -> Result<String, DomainError> {
    let len = text.chars().count();
    if len == 0 {
        return Err(DomainError::EmptyText { field });
    }
    if len > max {
        return Err(DomainError::TextTooLong { field, len, max });
    }
    Ok(text)
}

fn is_unwanted(c: char, keep_line_breaks: bool) -> bool {
    if keep_line_breaks && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control() || is_bidi_control(c)
}

/// Unicode bidirectional formatting characters (embeddings, overrides, isolates, marks).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_controls_and_fold_spaces() {
        assert_eq!(
            clean_name("name", "  Zoé \t\u{202E}Martin\u{0007} ", 40).unwrap(),
            "Zoé Martin"
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(clean_name("name", &"é".repeat(40), 40).is_ok());
        assert_eq!(
            clean_name("name", &"é".repeat(41), 40),
            Err(DomainError::TextTooLong {
                field: "name",
                len: 41,
                max: 40
            })
        );
    }

    #[test]
    fn empty_after_cleaning_is_refused() {
        assert_eq!(
            clean_name("name", " \u{202E} ", 40),
            Err(DomainError::EmptyText { field: "name" })
        );
        assert_eq!(
            clean_message("\n\n", 10),
            Err(DomainError::EmptyText { field: "text" })
        );
    }

    #[test]
    fn names_are_nfkc_normalized() {
        // "e" + combining acute becomes the single "é"; fullwidth letters fold.
        assert_eq!(clean_name("name", "Zoe\u{301}", 40).unwrap(), "Zoé");
        assert_eq!(clean_name("name", "ＡＢＣ", 40).unwrap(), "ABC");
    }

    #[test]
    fn lookalike_names_share_a_skeleton() {
        let skeleton = name_skeleton("Alice Martin");
        for lookalike in [
            "alice martin",
            "Аlice Martin",
            "A1ice Martin",
            "Alicé  Martin",
            "Alice\u{200F}Martin",
            "ALICE-MARTIN",
        ] {
            assert_eq!(name_skeleton(lookalike), skeleton, "{lookalike}");
        }
        assert_ne!(name_skeleton("Alice Marton"), skeleton);
    }

    #[test]
    fn text_stored_as_sent_is_read_back_cleaned_as_the_domain_cleaned_it() {
        // Records written before text was cleaned at the edge.
        let stored: Name = serde_json::from_str(r#"" Zo\u0065\u0301  \u202eMartin\n""#).unwrap();
        assert_eq!(stored, Name::parse("name", " Zoé  Martin", 40).unwrap());
        let stored: Message = serde_json::from_str(r#""  salut\u0000\n à tous \u2066 ""#).unwrap();
        assert_eq!(stored.as_str(), "salut\n à tous");
        // Blank text cleans to nothing rather than failing to load.
        let stored: Name = serde_json::from_str(r#""   ""#).unwrap();
        assert!(stored.is_empty());
    }

    #[test]
    fn optional_text_may_be_blank_but_not_too_long() {
        assert!(
            Message::parse_optional("comment", " \u{202e} ", 5)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            Message::parse_optional("comment", " merci ", 5)
                .unwrap()
                .as_str(),
            "merci"
        );
        assert_eq!(
            Message::parse_optional("comment", "merci!", 5),
            Err(DomainError::TextTooLong {
                field: "comment",
                len: 6,
                max: 5
            })
        );
    }

    #[test]
    fn stored_text_is_read_back_as_written_without_checking() {
        let name = Name::parse("name", " Zoé  Martin ", 40).unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), r#""Zoé Martin""#);
        // A stored name a later rule would refuse (empty, too long) loads.
        let stored: Name = serde_json::from_str(r#""""#).unwrap();
        assert_eq!(stored.as_str(), "");
        let long = "x".repeat(500);
        let stored: Message = serde_json::from_str(&format!("\"{long}\"")).unwrap();
        assert_eq!(stored.as_str(), long);
    }

    #[test]
    fn messages_keep_line_breaks() {
        assert_eq!(
            clean_message(" ligne 1\nligne 2\u{0000} ", 100).unwrap(),
            "ligne 1\nligne 2"
        );
    }
}
