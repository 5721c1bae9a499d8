//! Shapes shared by every resource: pages, users, links and dates.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use scm_core::model::{Author, Sha, Timestamp};
use serde::{Deserialize, Deserializer};

/// One page of a list: `{size, limit, isLastPage, start, nextPageStart, values}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbPage<T> {
    #[serde(default = "Vec::new")]
    pub values: Vec<T>,
    /// Missing on some non-paged answers; treated as the last page then.
    #[serde(default = "yes")]
    pub is_last_page: bool,
    #[serde(default)]
    pub start: Option<i64>,
    #[serde(default)]
    pub next_page_start: Option<i64>,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

impl<T> BbPage<T> {
    /// A last page with nothing on it.
    pub fn empty() -> Self {
        Self {
            values: Vec::new(),
            is_last_page: true,
            start: None,
            next_page_start: None,
            size: None,
            limit: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// `{"href": ..., "name": ...}` inside `links`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BbLink {
    pub href: Option<String>,
    pub name: Option<String>,
}

/// `links: {self: [...], clone: [...]}`; entries may be `null`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BbLinks {
    #[serde(rename = "self", default)]
    pub self_links: Vec<Option<BbLink>>,
    #[serde(default)]
    pub clone: Vec<Option<BbLink>>,
}

impl BbLinks {
    /// The first `self` link.
    pub fn web(&self) -> Option<String> {
        self.self_links
            .iter()
            .flatten()
            .find_map(|link| link.href.clone())
    }

    /// The clone link named `name` (`http`, `ssh`).
    pub fn clone_url(&self, name: &str) -> Option<String> {
        self.clone
            .iter()
            .flatten()
            .find(|link| link.name.as_deref() == Some(name))
            .and_then(|link| link.href.clone())
    }
}

/// A user: `name` is the login, `slug` its URL-safe form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbUser {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub display_name: Option<String>,
    pub email_address: Option<String>,
    pub avatar_url: Option<String>,
    /// `NORMAL` or `SERVICE` (access tokens act as service users).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub links: BbLinks,
}

impl From<BbUser> for Author {
    fn from(user: BbUser) -> Self {
        let kind = user.kind.as_deref().map(|kind| match kind {
            "SERVICE" => "bot".to_owned(),
            "NORMAL" => "user".to_owned(),
            other => other.to_ascii_lowercase(),
        });
        Author {
            id: user.id.map(|id| id.to_string()),
            html_url: user.links.web(),
            username: user.name.or(user.slug).unwrap_or_default(),
            display_name: user.display_name,
            email: user.email_address,
            avatar_url: user.avatar_url,
            kind,
        }
    }
}

/// Dates arrive as epoch milliseconds (REST, most payloads) or as ISO
/// strings, with or without a colon in the offset (`2018-07-05T18:22:00+0000`).
pub fn de_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Timestamp>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Millis(i64),
        Float(f64),
        Text(String),
    }
    Ok(match Option::<Raw>::deserialize(deserializer)? {
        None => None,
        Some(Raw::Millis(ms)) => Utc.timestamp_millis_opt(ms).single(),
        Some(Raw::Float(ms)) => Utc.timestamp_millis_opt(ms as i64).single(),
        Some(Raw::Text(text)) => parse_date(&text),
    })
}

/// An ISO date in any of the forms Data Center writes, or epoch
/// milliseconds as text.
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Utc.timestamp_millis_opt(ms).single();
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

/// A commit id, or `None` when absent, empty or not hex.
pub fn sha(value: Option<&str>) -> Option<Sha> {
    value.and_then(|v| Sha::new(v).ok())
}

/// A commit id that must be there.
pub fn required_sha(value: Option<&str>, what: &str) -> scm_core::Result<Sha> {
    sha(value).ok_or_else(|| {
        scm_core::Error::malformed(format!("Bitbucket Data Center sent no valid {what}"))
    })
}

/// The all-zero id Data Center uses for a created or deleted ref.
pub fn is_zero_sha(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Dated {
        #[serde(default, deserialize_with = "de_date")]
        at: Option<Timestamp>,
    }

    #[test]
    fn dates_in_every_form() {
        let parse = |json: &str| serde_json::from_str::<Dated>(json).unwrap().at;
        let want = Utc.with_ymd_and_hms(2018, 7, 5, 18, 22, 0).unwrap();
        assert_eq!(parse(r#"{"at":1530814920000}"#), Some(want));
        assert_eq!(parse(r#"{"at":"2018-07-05T18:22:00+0000"}"#), Some(want));
        assert_eq!(parse(r#"{"at":"2018-07-05T18:22:00Z"}"#), Some(want));
        assert_eq!(parse(r#"{"at":"2018-07-05T20:22:00+02:00"}"#), Some(want));
        assert_eq!(parse(r#"{"at":"1530814920000"}"#), Some(want));
        assert_eq!(parse(r#"{"at":null}"#), None);
        assert_eq!(parse(r#"{}"#), None);
        assert_eq!(parse(r#"{"at":"yesterday"}"#), None);
    }
}
