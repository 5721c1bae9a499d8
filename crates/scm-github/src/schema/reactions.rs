//! Reactions: GitHub's `content` names and GraphQL enum ↔ neutral.

use scm_core::model::{Reaction, ReactionResult, Timestamp};
use scm_core::Error;
use serde::Deserialize;

use super::{author, id_string, GhUser};

/// GitHub's REST `content` for a reaction (the neutral names are GitHub's).
pub fn reaction_content(reaction: Reaction) -> &'static str {
    reaction.as_str()
}

/// GitHub's REST `content` → neutral (GitHub's set is exactly the
/// neutral one; anything else is `None`).
pub fn reaction_from_content(content: &str) -> Option<Reaction> {
    Reaction::from_name(content)
}

/// The GraphQL `ReactionContent` enum value.
pub fn reaction_graphql(reaction: Reaction) -> &'static str {
    match reaction {
        Reaction::ThumbsUp => "THUMBS_UP",
        Reaction::ThumbsDown => "THUMBS_DOWN",
        Reaction::Laugh => "LAUGH",
        Reaction::Confused => "CONFUSED",
        Reaction::Heart => "HEART",
        Reaction::Hooray => "HOORAY",
        Reaction::Rocket => "ROCKET",
        Reaction::Eyes => "EYES",
    }
}

pub fn reaction_from_graphql(content: &str) -> Option<Reaction> {
    Reaction::ALL
        .into_iter()
        .find(|r| reaction_graphql(*r) == content)
}

/// One REST reaction.
#[derive(Debug, Clone, Deserialize)]
pub struct GhReaction {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub content: String,
    pub user: Option<GhUser>,
    pub created_at: Option<Timestamp>,
}

impl TryFrom<GhReaction> for ReactionResult {
    type Error = Error;
    fn try_from(reaction: GhReaction) -> Result<Self, Error> {
        let kind = reaction_from_content(&reaction.content)
            .ok_or_else(|| Error::malformed(format!("unknown reaction `{}`", reaction.content)))?;
        Ok(ReactionResult {
            id: reaction.id,
            reaction: kind,
            author: author(reaction.user),
            created_at: reaction.created_at,
        })
    }
}

/// A GraphQL `Reaction` (as selected by our mutations).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlReaction {
    pub id: String,
    pub database_id: Option<u64>,
    pub content: String,
    pub created_at: Option<Timestamp>,
    pub user: Option<GqlActor>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlActor {
    pub login: String,
    pub database_id: Option<u64>,
    pub avatar_url: Option<String>,
    pub url: Option<String>,
}

impl TryFrom<GqlReaction> for ReactionResult {
    type Error = Error;
    fn try_from(reaction: GqlReaction) -> Result<Self, Error> {
        let kind = reaction_from_graphql(&reaction.content)
            .ok_or_else(|| Error::malformed(format!("unknown reaction `{}`", reaction.content)))?;
        Ok(ReactionResult {
            // The REST id when GitHub gives it, so it can be used with the
            // REST delete endpoints; else the GraphQL node id.
            id: reaction
                .database_id
                .map_or(reaction.id, |id| id.to_string()),
            reaction: kind,
            author: reaction.user.map(|u| scm_core::model::Author {
                id: u.database_id.map(|id| id.to_string()),
                username: u.login,
                avatar_url: u.avatar_url,
                html_url: u.url,
                ..Default::default()
            }),
            created_at: reaction.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reaction_round_trips_both_ways() {
        for reaction in Reaction::ALL {
            assert_eq!(
                reaction_from_content(reaction_content(reaction)),
                Some(reaction)
            );
            assert_eq!(
                reaction_from_graphql(reaction_graphql(reaction)),
                Some(reaction)
            );
        }
        assert_eq!(reaction_from_content("+1"), Some(Reaction::ThumbsUp));
        assert_eq!(reaction_from_content("-1"), Some(Reaction::ThumbsDown));
        assert_eq!(reaction_from_content("thumbsup"), None);
        assert_eq!(
            reaction_from_graphql("THUMBS_DOWN"),
            Some(Reaction::ThumbsDown)
        );
    }

    #[test]
    fn unknown_reaction_is_a_typed_error() {
        let reaction: GhReaction =
            serde_json::from_value(serde_json::json!({"id": 1, "content": "party"})).unwrap();
        let err = ReactionResult::try_from(reaction).unwrap_err();
        assert_eq!(err.code(), "provider_malformed_response");
    }
}
