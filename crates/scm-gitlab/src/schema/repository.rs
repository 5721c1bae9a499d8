//! Projects (repositories), their namespaces, and project members with
//! their access levels.

use scm_core::model::{Author, GitRepository, Permission, Timestamp, UserPermissions};
use scm_core::Error;
use serde::Deserialize;

use super::common::{de_id, de_ts, GlUser};

/// A project member with an access level.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlMember {
    #[serde(flatten)]
    pub user: GlUser,
    pub access_level: Option<u32>,
}

/// GitLab access levels → neutral permissions and role names.
pub(crate) fn permission(access_level: Option<u32>) -> (Permission, Option<String>) {
    let role = |r: &str| Some(r.to_owned());
    match access_level.unwrap_or(0) {
        50.. => (Permission::Admin, role("owner")),
        40..=49 => (Permission::Maintain, role("maintainer")),
        30..=39 => (Permission::Write, role("developer")),
        20..=29 => (Permission::Triage, role("reporter")),
        15..=19 => (Permission::Read, role("planner")),
        10..=14 => (Permission::Read, role("guest")),
        5..=9 => (Permission::Read, role("minimal_access")),
        _ => (Permission::None, None),
    }
}

impl GlMember {
    pub fn permissions(&self) -> UserPermissions {
        let (permission, role_name) = permission(self.access_level);
        UserPermissions {
            user: self.user.author(),
            permission,
            role_name,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlNamespace {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub path: Option<String>,
    pub full_path: Option<String>,
    pub kind: Option<String>,
    pub avatar_url: Option<String>,
    pub web_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlProject {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub path: Option<String>,
    pub path_with_namespace: Option<String>,
    pub namespace: Option<GlNamespace>,
    pub visibility: Option<String>,
    #[serde(default)]
    pub archived: bool,
    pub default_branch: Option<String>,
    pub description: Option<String>,
    pub web_url: Option<String>,
    pub http_url_to_repo: Option<String>,
    pub ssh_url_to_repo: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub last_activity_at: Option<Timestamp>,
    #[serde(default)]
    pub topics: Option<Vec<String>>,
    #[serde(default)]
    pub tag_list: Option<Vec<String>>,
}

impl GlProject {
    pub fn repository(self) -> Result<GitRepository, Error> {
        let id = self
            .id
            .ok_or_else(|| Error::malformed("GitLab sent a project without an id"))?;
        let path = self.path.or(self.name.clone()).unwrap_or_default();
        let full_name = self.path_with_namespace.unwrap_or_else(|| path.clone());
        Ok(GitRepository {
            id,
            name: path,
            full_name,
            owner: self.namespace.map(|ns| Author {
                id: ns.id,
                username: ns.full_path.or(ns.path).unwrap_or_default(),
                display_name: ns.name,
                email: None,
                avatar_url: ns.avatar_url,
                html_url: ns.web_url,
                kind: ns.kind,
            }),
            private: self.visibility.as_deref() != Some("public"),
            archived: self.archived,
            default_branch: self.default_branch,
            description: self.description.filter(|d| !d.is_empty()),
            html_url: self.web_url,
            clone_url: self.http_url_to_repo,
            ssh_url: self.ssh_url_to_repo,
            created_at: self.created_at,
            updated_at: self.updated_at.or(self.last_activity_at),
        })
    }

    pub fn topics(self) -> Vec<String> {
        self.topics.or(self.tag_list).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_levels() {
        assert_eq!(permission(Some(50)).0, Permission::Admin);
        assert_eq!(permission(Some(40)).0, Permission::Maintain);
        assert_eq!(permission(Some(30)).0, Permission::Write);
        assert_eq!(permission(Some(20)).0, Permission::Triage);
        assert_eq!(permission(Some(10)).0, Permission::Read);
        assert_eq!(permission(None).0, Permission::None);
    }
}
