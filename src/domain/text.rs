//! Cleaning and checking user text (names, chat).
//!
//! Lengths count characters, not bytes, so French accents cost what they look.
//! Control characters are removed (chat keeps line breaks and tabs), and so are
//! the bidirectional override characters that can disguise text.

use super::error::DomainError;

/// Cleans a one-line name: control and bidi characters removed, whitespace
/// runs folded to one space, trimmed; then checks it is neither empty nor too long.
pub fn clean_name(field: &'static str, raw: &str, max_chars: usize) -> Result<String, DomainError> {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
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
    check_length(field, out, max_chars)
}

/// Cleans a chat message: control and bidi characters removed except line
/// breaks and tabs; leading and trailing whitespace trimmed.
pub fn clean_message(raw: &str, max_chars: usize) -> Result<String, DomainError> {
    let kept: String = raw.chars().filter(|c| !is_unwanted(*c, true)).collect();
    check_length("text", kept.trim().to_string(), max_chars)
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
    fn messages_keep_line_breaks() {
        assert_eq!(
            clean_message(" ligne 1\nligne 2\u{0000} ", 100).unwrap(),
            "ligne 1\nligne 2"
        );
    }
}
