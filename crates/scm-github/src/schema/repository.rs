//! Repositories, collaborators and app installations.

use std::collections::BTreeMap;

use scm_core::model::{AppInstallation, GitRepository, Permission, Timestamp, UserPermissions};
use serde::Deserialize;

use super::{author, id_string, GhUser};

#[derive(Debug, Clone, Deserialize)]
pub struct GhRepository {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub name: String,
    pub full_name: String,
    pub owner: Option<GhUser>,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub archived: bool,
    pub default_branch: Option<String>,
    pub description: Option<String>,
    pub html_url: Option<String>,
    pub clone_url: Option<String>,
    pub ssh_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl From<GhRepository> for GitRepository {
    fn from(repo: GhRepository) -> Self {
        GitRepository {
            id: repo.id,
            name: repo.name,
            full_name: repo.full_name,
            owner: author(repo.owner),
            private: repo.private,
            archived: repo.archived,
            default_branch: repo.default_branch,
            description: repo.description,
            html_url: repo.html_url,
            clone_url: repo.clone_url,
            ssh_url: repo.ssh_url,
            created_at: repo.created_at,
            updated_at: repo.updated_at,
        }
    }
}

/// `GET /repos/{owner}/{repo}/topics`.
#[derive(Debug, Clone, Deserialize)]
pub struct GhTopics {
    #[serde(default)]
    pub names: Vec<String>,
}

/// The `permissions` object GitHub puts on collaborators and repositories.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct GhPermissionFlags {
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub maintain: bool,
    #[serde(default)]
    pub push: bool,
    #[serde(default)]
    pub triage: bool,
    #[serde(default)]
    pub pull: bool,
}

impl GhPermissionFlags {
    /// The highest level the flags grant.
    pub fn highest(self) -> Permission {
        if self.admin {
            Permission::Admin
        } else if self.maintain {
            Permission::Maintain
        } else if self.push {
            Permission::Write
        } else if self.triage {
            Permission::Triage
        } else if self.pull {
            Permission::Read
        } else {
            Permission::None
        }
    }
}

/// A GitHub permission or role name → neutral level. GitHub's legacy
/// names (`push`, `pull`) are accepted too; custom role names are not
/// levels and give `None` (the caller falls back to another field).
pub fn permission_level(name: &str) -> Option<Permission> {
    Some(match name.to_ascii_lowercase().as_str() {
        "admin" => Permission::Admin,
        "maintain" => Permission::Maintain,
        "write" | "push" => Permission::Write,
        "triage" => Permission::Triage,
        "read" | "pull" => Permission::Read,
        "none" => Permission::None,
        _ => return None,
    })
}

/// One entry of `GET /repos/{owner}/{repo}/collaborators`.
#[derive(Debug, Clone, Deserialize)]
pub struct GhCollaborator {
    #[serde(flatten)]
    pub user: GhUser,
    pub permissions: Option<GhPermissionFlags>,
    pub role_name: Option<String>,
}

impl From<GhCollaborator> for UserPermissions {
    fn from(collaborator: GhCollaborator) -> Self {
        // The flags are the precise answer; the role name may be a custom
        // role that is not a level.
        let permission = collaborator
            .permissions
            .map(GhPermissionFlags::highest)
            .or_else(|| collaborator.role_name.as_deref().and_then(permission_level))
            .unwrap_or(Permission::None);
        UserPermissions {
            user: collaborator.user.into(),
            permission,
            role_name: collaborator.role_name,
        }
    }
}

/// `GET /repos/{owner}/{repo}/collaborators/{username}/permission`.
///
/// Its `permission` field only knows the legacy levels (`maintain` is
/// reported as `write`, `triage` as `read`); `role_name` and the user's
/// `permissions` flags are exact, so they win when present.
#[derive(Debug, Clone, Deserialize)]
pub struct GhPermissionAnswer {
    pub permission: String,
    pub role_name: Option<String>,
    pub user: Option<GhCollaborator>,
}

impl GhPermissionAnswer {
    pub fn into_permissions(self, username: &str) -> UserPermissions {
        let (user, flags) = match self.user {
            Some(c) => (c.user.into(), c.permissions),
            None => (
                scm_core::model::Author {
                    username: username.to_owned(),
                    ..Default::default()
                },
                None,
            ),
        };
        let permission = self
            .role_name
            .as_deref()
            .and_then(permission_level)
            .or_else(|| flags.map(GhPermissionFlags::highest))
            .or_else(|| permission_level(&self.permission))
            .unwrap_or(Permission::None);
        UserPermissions {
            user,
            permission,
            role_name: self.role_name,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhInstallation {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default, deserialize_with = "super::opt_id_string")]
    pub app_id: Option<String>,
    pub account: Option<GhUser>,
    pub repository_selection: Option<String>,
    #[serde(default)]
    pub permissions: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub events: Vec<String>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub suspended_at: Option<Timestamp>,
}

impl From<GhInstallation> for AppInstallation {
    fn from(installation: GhInstallation) -> Self {
        AppInstallation {
            id: installation.id,
            app_id: installation.app_id,
            account: author(installation.account),
            repository_selection: installation.repository_selection,
            permissions: installation
                .permissions
                .into_iter()
                .filter_map(|(name, level)| level.as_str().map(|l| (name, l.to_owned())))
                .collect(),
            events: installation.events,
            html_url: installation.html_url,
            created_at: installation.created_at,
            suspended_at: installation.suspended_at,
        }
    }
}

/// `GET /app`: the app behind App credentials.
#[derive(Debug, Clone, Deserialize)]
pub struct GhApp {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub html_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collaborator_flags_give_the_highest_level() {
        let c: GhCollaborator = serde_json::from_value(serde_json::json!({
            "login": "a", "id": 1,
            "permissions": {"admin": false, "maintain": true, "push": true, "triage": true, "pull": true},
            "role_name": "maintain"
        }))
        .unwrap();
        let p = UserPermissions::from(c);
        assert_eq!(p.permission, Permission::Maintain);
        assert_eq!(p.user.username, "a");
    }

    #[test]
    fn permission_answer_prefers_the_exact_role() {
        let answer: GhPermissionAnswer = serde_json::from_value(serde_json::json!({
            "permission": "write", "role_name": "maintain", "user": {"login": "b"}
        }))
        .unwrap();
        assert_eq!(
            answer.into_permissions("b").permission,
            Permission::Maintain
        );
        let custom: GhPermissionAnswer = serde_json::from_value(serde_json::json!({
            "permission": "read", "role_name": "security-auditor", "user": null
        }))
        .unwrap();
        let p = custom.into_permissions("c");
        assert_eq!(p.permission, Permission::Read);
        assert_eq!(p.user.username, "c");
        assert_eq!(p.role_name.as_deref(), Some("security-auditor"));
    }
}
