//! Shapes every Bitbucket resource shares: pages, links, accounts, text.

use scm_core::model::{Author, Sha, Timestamp};
use serde::Deserialize;

/// Bitbucket's list wrapper.
#[derive(Debug, Deserialize)]
pub(crate) struct Paged<T> {
    #[serde(default = "Vec::new")]
    pub values: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Link {
    #[serde(default)]
    pub href: Option<String>,
}

/// The `links` object; only the members we read.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Links {
    #[serde(default)]
    pub html: Option<Link>,
    #[serde(default)]
    pub avatar: Option<Link>,
}

impl Links {
    pub fn html(&self) -> Option<String> {
        self.html.as_ref().and_then(|l| l.href.clone())
    }
    pub fn avatar(&self) -> Option<String> {
        self.avatar.as_ref().and_then(|l| l.href.clone())
    }
}

/// A user, team or app account. Usernames were removed from Bitbucket
/// (2019): the stable ids are `uuid` (`{…}`) and the Atlassian `account_id`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Account {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub nickname: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub links: Links,
}

impl Account {
    /// The neutral author: `id` is the `{uuid}`; `username` is the
    /// Atlassian account id when there is one (what actions take to name a
    /// user), else the nickname, else the uuid.
    pub fn author(&self) -> Author {
        let username = self
            .account_id
            .clone()
            .or_else(|| self.nickname.clone())
            .or_else(|| self.username.clone())
            .or_else(|| self.uuid.clone())
            .unwrap_or_default();
        Author {
            id: self.uuid.clone().or_else(|| self.account_id.clone()),
            username,
            display_name: self.display_name.clone().or_else(|| self.nickname.clone()),
            email: None,
            avatar_url: self.links.avatar(),
            html_url: self.links.html(),
            kind: self.kind.clone(),
        }
    }

    /// Whether `id` (a `{uuid}`, a bare uuid or an account id) names this account.
    pub fn is(&self, id: &str) -> bool {
        let id = id.trim();
        let bare = |s: &str| {
            s.trim_matches(|c| c == '{' || c == '}')
                .to_ascii_lowercase()
        };
        self.uuid.as_deref().is_some_and(|u| bare(u) == bare(id))
            || self.account_id.as_deref() == Some(id)
    }
}

/// `{raw, markup, html}` text.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Rendered {
    #[serde(default)]
    pub raw: Option<String>,
}

impl Rendered {
    pub fn text(&self) -> String {
        self.raw.clone().unwrap_or_default()
    }
}

/// `{hash}` references to commits.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CommitRef {
    #[serde(default)]
    pub hash: Option<String>,
}

impl CommitRef {
    pub fn sha(&self) -> Option<Sha> {
        self.hash.as_deref().and_then(|h| Sha::new(h).ok())
    }
}

/// Bitbucket timestamps (`2023-08-14T11:38:53.460132+00:00`), leniently:
/// an unreadable date becomes `None` rather than failing the whole answer.
pub(crate) fn timestamp(value: &Option<String>) -> Option<Timestamp> {
    let value = value.as_deref()?.trim();
    chrono::DateTime::parse_from_rfc3339(value)
        .or_else(|_| chrono::DateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// A required sha; Bitbucket always sends one where this is used.
pub(crate) fn sha(value: &Option<String>, what: &str) -> Result<Sha, scm_core::Error> {
    value
        .as_deref()
        .and_then(|h| Sha::new(h).ok())
        .ok_or_else(|| {
            scm_core::Error::malformed(format!("Bitbucket sent a {what} without a commit hash"))
        })
}
