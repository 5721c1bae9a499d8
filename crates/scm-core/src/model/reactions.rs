//! Reactions (GitHub reactions, GitLab award emoji, …).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Author, ResourceId, Timestamp};

/// The neutral reaction set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Reaction {
    #[serde(rename = "+1")]
    ThumbsUp,
    #[serde(rename = "-1")]
    ThumbsDown,
    #[serde(rename = "laugh")]
    Laugh,
    #[serde(rename = "confused")]
    Confused,
    #[serde(rename = "heart")]
    Heart,
    #[serde(rename = "hooray")]
    Hooray,
    #[serde(rename = "rocket")]
    Rocket,
    #[serde(rename = "eyes")]
    Eyes,
}

impl Reaction {
    pub const ALL: [Reaction; 8] = [
        Reaction::ThumbsUp,
        Reaction::ThumbsDown,
        Reaction::Laugh,
        Reaction::Confused,
        Reaction::Heart,
        Reaction::Hooray,
        Reaction::Rocket,
        Reaction::Eyes,
    ];

    /// The neutral wire name (`+1`, `laugh`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Reaction::ThumbsUp => "+1",
            Reaction::ThumbsDown => "-1",
            Reaction::Laugh => "laugh",
            Reaction::Confused => "confused",
            Reaction::Heart => "heart",
            Reaction::Hooray => "hooray",
            Reaction::Rocket => "rocket",
            Reaction::Eyes => "eyes",
        }
    }

    pub fn from_name(name: &str) -> Option<Reaction> {
        Reaction::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Reaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reaction by one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReactionResult {
    pub id: ResourceId,
    pub reaction: Reaction,
    pub author: Option<Author>,
    pub created_at: Option<Timestamp>,
}
