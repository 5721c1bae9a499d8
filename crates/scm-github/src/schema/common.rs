//! Shapes shared by many endpoints: users, labels, ids.

use scm_core::model::{Author, Label};
use serde::{Deserialize, Deserializer};

/// GitHub ids are numbers; neutral ids are opaque strings.
pub fn id_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(u64),
        Text(String),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Number(n) => n.to_string(),
        Id::Text(s) => s,
    })
}

/// Like [`id_string`] for optional ids.
pub fn opt_id_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapper(#[serde(deserialize_with = "id_string")] String);
    Ok(Option::<Wrapper>::deserialize(deserializer)?.map(|w| w.0))
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhUser {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub id: Option<String>,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub html_url: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

impl From<GhUser> for Author {
    fn from(user: GhUser) -> Self {
        Author {
            id: user.id,
            username: user.login,
            display_name: user.name,
            email: user.email,
            avatar_url: user.avatar_url,
            html_url: user.html_url,
            kind: user.kind.map(|k| k.to_ascii_lowercase()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum GhLabel {
    Full {
        #[serde(default, deserialize_with = "opt_id_string")]
        id: Option<String>,
        name: String,
        color: Option<String>,
        description: Option<String>,
    },
    /// Some endpoints list labels as bare names.
    Name(String),
}

impl From<GhLabel> for Label {
    fn from(label: GhLabel) -> Self {
        match label {
            GhLabel::Full {
                id,
                name,
                color,
                description,
            } => Label {
                id,
                name,
                color,
                description,
            },
            GhLabel::Name(name) => Label {
                id: None,
                name,
                color: None,
                description: None,
            },
        }
    }
}

/// A commit's `author` account: GitHub sends `{}` (not `null`) when the
/// commit's author has no account. A user object without a `login` is "no
/// account" (`None`), never a malformed answer.
pub fn opt_account<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<GhUser>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    match value {
        Some(value) if value.get("login").is_some_and(|login| !login.is_null()) => {
            GhUser::deserialize(value)
                .map(Some)
                .map_err(serde::de::Error::custom)
        }
        _ => Ok(None),
    }
}

pub fn author(user: Option<GhUser>) -> Option<Author> {
    user.map(Author::from)
}
