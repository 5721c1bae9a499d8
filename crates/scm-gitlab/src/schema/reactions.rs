//! Award emoji (GitLab's reactions).

use scm_core::model::{ReactionResult, Timestamp};
use scm_core::Error;
use serde::Deserialize;

use super::common::{author, de_id, de_ts, GlUser};
use crate::emoji;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlAward {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub name: String,
    pub user: Option<GlUser>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
}

impl GlAward {
    /// `None` for emoji outside the neutral set.
    pub fn reaction(self) -> Result<Option<ReactionResult>, Error> {
        let Some(reaction) = emoji::from_gitlab(&self.name) else {
            return Ok(None);
        };
        Ok(Some(ReactionResult {
            id: self
                .id
                .ok_or_else(|| Error::malformed("GitLab sent an award emoji without an id"))?,
            reaction,
            author: author(&self.user),
            created_at: self.created_at,
        }))
    }
}
