//! Questions on the wire: `{"type":"question","op":…}` requests and the
//! `questions` list everyone watching receives.
//!
//! The request mirrors [`QuestionCommand`] but is not it: `ask` names no
//! team (the hub adds the team on stage), and renaming a field here never
//! changes the journal.

use serde::{Deserialize, Serialize};

/// `{"type":"question","op":…}`: members ask and upvote; the moderator
/// picks and hides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum QuestionOp {
    Ask {
        text: String,
    },
    Upvote {
        question: u32,
    },
    Pick {
        #[serde(default)]
        question: Option<u32>,
    },
    Hide {
        question: u32,
    },
}

/// One visible question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionView {
    pub id: u32,
    pub team: u32,
    pub author: u32,
    pub text: String,
    pub votes: usize,
    /// Who upvoted (to grey out one's own upvote button).
    pub upvoters: Vec<u32>,
    pub asked_at: u64,
}
