//! Shapes and value parsing shared by many endpoints: lenient ids,
//! timestamps and shas, users, labels.
//!
//! Every field is optional or defaulted: GitLab versions and editions
//! differ, and a missing field must never fail a whole response.

use scm_core::model::{Author, Label, Sha, Timestamp};
use scm_core::Error;
use serde::{Deserialize, Deserializer};

/// An id GitLab sends as a number (sometimes as a string).
pub(crate) fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    })
}

/// Timestamps in every format GitLab uses: RFC 3339, and the
/// `2013-12-03 17:23:34 UTC` / `+0100` forms of older webhooks.
pub(crate) fn parse_timestamp(value: &str) -> Option<Timestamp> {
    if let Ok(ts) = chrono::DateTime::parse_from_rfc3339(value) {
        return Some(ts.with_timezone(&chrono::Utc));
    }
    if let Ok(ts) = chrono::DateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S %z") {
        return Some(ts.with_timezone(&chrono::Utc));
    }
    let trimmed = value.strip_suffix(" UTC").unwrap_or(value);
    chrono::NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .map(|naive| naive.and_utc())
}

pub(crate) fn de_ts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(Option::<serde_json::Value>::deserialize(d)?
        .and_then(|v| v.as_str().and_then(parse_timestamp)))
}

pub(crate) fn sha(value: Option<&str>) -> Option<Sha> {
    value.and_then(|v| Sha::new(v).ok())
}

pub(crate) fn required_sha(value: Option<&str>, what: &str) -> Result<Sha, Error> {
    sha(value).ok_or_else(|| Error::malformed(format!("GitLab sent no valid sha for {what}")))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlUser {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub web_url: Option<String>,
    pub bot: Option<bool>,
}

impl GlUser {
    pub fn author(&self) -> Author {
        Author {
            id: self.id.clone(),
            username: self.username.clone().unwrap_or_default(),
            display_name: self.name.clone(),
            email: self.email.clone().filter(|e| !e.is_empty()),
            avatar_url: self.avatar_url.clone(),
            html_url: self.web_url.clone(),
            kind: Some(
                if self.bot == Some(true) {
                    "bot"
                } else {
                    "user"
                }
                .to_owned(),
            ),
        }
    }
}

pub(crate) fn author(user: &Option<GlUser>) -> Option<Author> {
    user.as_ref().map(GlUser::author)
}

/// Labels come as names (issues, MRs) or as objects (labels API).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum GlLabelRef {
    Name(String),
    Full(GlLabel),
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlLabel {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(alias = "title")]
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
}

impl GlLabel {
    pub fn label(self) -> Label {
        Label {
            id: self.id,
            name: self.name,
            color: self.color.map(|c| c.trim_start_matches('#').to_owned()),
            description: self.description.filter(|d| !d.is_empty()),
        }
    }
}

impl GlLabelRef {
    pub fn label(self) -> Label {
        match self {
            GlLabelRef::Name(name) => Label {
                id: None,
                name,
                color: None,
                description: None,
            },
            GlLabelRef::Full(label) => label.label(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_all_gitlab_formats() {
        let expect = "2013-12-03T17:23:34Z";
        for value in [
            "2013-12-03T17:23:34Z",
            "2013-12-03T17:23:34.000Z",
            "2013-12-03 17:23:34 UTC",
            "2013-12-03 18:23:34 +0100",
            "2013-12-03T09:23:34-08:00",
        ] {
            assert_eq!(
                parse_timestamp(value)
                    .unwrap()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                expect,
                "{value}"
            );
        }
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
