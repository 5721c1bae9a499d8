//! Repositories, projects and repository permissions.

use scm_core::model::{Author, GitRepository, Permission, UserPermissions};
use serde::Deserialize;

use super::{BbLinks, BbRef, BbUser};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbProject {
    pub id: Option<i64>,
    pub key: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub public: bool,
    /// `NORMAL`, or `PERSONAL` for `~user` projects.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub owner: Option<BbUser>,
    #[serde(default)]
    pub links: BbLinks,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbRepository {
    pub id: Option<i64>,
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub archived: bool,
    /// Data Center 9.x and later; older versions need `/default-branch`.
    pub default_branch: Option<String>,
    pub project: Option<BbProject>,
    #[serde(default)]
    pub links: BbLinks,
}

impl BbRepository {
    /// `PRJ/my-repo`, the repository's full name on this platform.
    pub fn full_name(&self) -> String {
        let key = self
            .project
            .as_ref()
            .and_then(|p| p.key.clone())
            .unwrap_or_default();
        format!("{key}/{}", self.slug.clone().unwrap_or_default())
    }

    /// The neutral repository; `default_branch` (from `/branches/default`
    /// on versions that do not embed it) overrides the embedded one.
    pub fn into_repository(self, default_branch: Option<BbRef>) -> GitRepository {
        let full_name = self.full_name();
        let project = self.project.unwrap_or_default();
        // A project is public, or the repository is; either makes it readable
        // without an account.
        let private = !(self.public || project.public);
        let owner = match project.owner {
            Some(user) => Some(Author::from(user)),
            None => Some(Author {
                id: project.id.map(|id| id.to_string()),
                username: project.key.clone().unwrap_or_default(),
                display_name: project.name.clone(),
                html_url: project.links.web(),
                kind: Some("project".into()),
                ..Author::default()
            }),
        };
        let default_branch = default_branch
            .and_then(|r| r.display_id)
            .or(self.default_branch.map(|b| {
                b.strip_prefix("refs/heads/")
                    .map(str::to_owned)
                    .unwrap_or(b)
            }));
        GitRepository {
            id: self.id.map(|id| id.to_string()).unwrap_or_default(),
            name: self.name.or(self.slug).unwrap_or_default(),
            full_name,
            owner,
            private,
            archived: self.archived,
            default_branch,
            description: self.description,
            html_url: self
                .links
                .web()
                .map(|url| url.trim_end_matches("/browse").to_owned()),
            clone_url: self.links.clone_url("http"),
            ssh_url: self.links.clone_url("ssh"),
            created_at: None,
            updated_at: None,
        }
    }
}

/// One entry of `/permissions/users`.
#[derive(Debug, Clone, Deserialize)]
pub struct BbUserPermission {
    pub user: BbUser,
    /// `REPO_ADMIN`, `REPO_WRITE`, `REPO_READ` (or project/global levels).
    pub permission: Option<String>,
}

/// Data Center's permission names → the neutral levels.
pub fn permission_level(name: &str) -> Permission {
    match name {
        "REPO_ADMIN" | "PROJECT_ADMIN" | "ADMIN" | "SYS_ADMIN" => Permission::Admin,
        "REPO_WRITE" | "PROJECT_WRITE" => Permission::Write,
        "REPO_READ" | "PROJECT_READ" | "PROJECT_VIEW" => Permission::Read,
        _ => Permission::None,
    }
}

impl From<BbUserPermission> for UserPermissions {
    fn from(entry: BbUserPermission) -> Self {
        UserPermissions {
            user: entry.user.into(),
            permission: entry
                .permission
                .as_deref()
                .map_or(Permission::None, permission_level),
            role_name: entry.permission,
        }
    }
}

/// A repository label (`/labels`).
#[derive(Debug, Clone, Deserialize)]
pub struct BbLabel {
    pub name: String,
}
