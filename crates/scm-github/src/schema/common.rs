//! Shapes shared by many endpoints: users, labels, ids.

use std::fmt;

use scm_core::model::{Author, Label};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

/// GitHub ids are numbers; neutral ids are opaque strings. (A visitor,
/// not an untagged enum: that would buffer every id before trying it.)
pub fn id_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct IdVisitor;

    impl Visitor<'_> for IdVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative integer or a string id")
        }

        fn visit_u64<E: de::Error>(self, n: u64) -> Result<String, E> {
            Ok(n.to_string())
        }

        fn visit_i64<E: de::Error>(self, n: i64) -> Result<String, E> {
            u64::try_from(n)
                .map(|n| n.to_string())
                .map_err(|_| E::invalid_value(de::Unexpected::Signed(n), &self))
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
            Ok(s.to_owned())
        }

        fn visit_string<E: de::Error>(self, s: String) -> Result<String, E> {
            Ok(s)
        }
    }

    deserializer.deserialize_any(IdVisitor)
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

#[derive(Debug, Clone)]
pub enum GhLabel {
    Full {
        id: Option<String>,
        name: String,
        color: Option<String>,
        description: Option<String>,
    },
    /// Some endpoints list labels as bare names.
    Name(String),
}

/// The members of a full label; the rest (`url`, `node_id`, …) is skipped.
#[derive(Deserialize)]
struct GhLabelFields {
    #[serde(default, deserialize_with = "opt_id_string")]
    id: Option<String>,
    name: String,
    color: Option<String>,
    description: Option<String>,
}

/// A label object or a bare name, told apart by the JSON itself (an
/// untagged enum would first copy the whole object into a buffer).
impl<'de> Deserialize<'de> for GhLabel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelVisitor;

        impl<'de> Visitor<'de> for LabelVisitor {
            type Value = GhLabel;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a label object or a label name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<GhLabel, E> {
                Ok(GhLabel::Name(name.to_owned()))
            }

            fn visit_string<E: de::Error>(self, name: String) -> Result<GhLabel, E> {
                Ok(GhLabel::Name(name))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<GhLabel, A::Error> {
                let fields =
                    GhLabelFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(GhLabel::Full {
                    id: fields.id,
                    name: fields.name,
                    color: fields.color,
                    description: fields.description,
                })
            }
        }

        deserializer.deserialize_any(LabelVisitor)
    }
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
