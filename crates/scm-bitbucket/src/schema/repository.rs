//! Repositories, workspaces and permissions.

use scm_core::model::{Author, GitRepository, Permission, UserPermissions};
use serde::Deserialize;

use super::common::{timestamp, Account, Link};

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CloneLink {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub href: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RepoLinks {
    #[serde(default)]
    pub html: Option<Link>,
    #[serde(default)]
    pub clone: Vec<CloneLink>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct MainBranch {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Repository {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub owner: Option<Account>,
    #[serde(default)]
    pub is_private: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub mainbranch: Option<MainBranch>,
    #[serde(default)]
    pub links: RepoLinks,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub updated_on: Option<String>,
}

impl Repository {
    pub fn neutral(self) -> GitRepository {
        let clone = |kind: &str| {
            self.links
                .clone
                .iter()
                .find(|c| c.name.as_deref() == Some(kind))
                .and_then(|c| c.href.clone())
        };
        let full_name = self.full_name.clone().unwrap_or_default();
        GitRepository {
            id: self.uuid.clone().unwrap_or_else(|| full_name.clone()),
            name: self
                .name
                .clone()
                .or_else(|| full_name.rsplit('/').next().map(str::to_owned))
                .unwrap_or_default(),
            full_name,
            owner: self.owner.as_ref().map(Account::author),
            private: self.is_private.unwrap_or(false),
            // Bitbucket Cloud has no archived state.
            archived: false,
            default_branch: self.mainbranch.as_ref().and_then(|b| b.name.clone()),
            description: self.description.clone().filter(|d| !d.is_empty()),
            html_url: self.links.html.as_ref().and_then(|l| l.href.clone()),
            clone_url: clone("https"),
            ssh_url: clone("ssh"),
            created_at: timestamp(&self.created_on),
            updated_at: timestamp(&self.updated_on),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Workspace {
    #[serde(default)]
    pub slug: Option<String>,
}

/// `/user/workspaces` entries: `{workspace: {slug}}`, or a bare workspace
/// in older answers.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WorkspaceAccess {
    #[serde(default)]
    pub workspace: Option<Workspace>,
    #[serde(default)]
    pub slug: Option<String>,
}

impl WorkspaceAccess {
    pub fn slug(&self) -> Option<String> {
        self.workspace
            .as_ref()
            .and_then(|w| w.slug.clone())
            .or_else(|| self.slug.clone())
    }
}

/// `repository_permission` (effective) and `repository_user_permission`
/// (explicit) entries.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RepoPermission {
    #[serde(default)]
    pub permission: Option<String>,
    #[serde(default)]
    pub user: Option<Account>,
}

/// Bitbucket's levels: admin, write, read, none.
pub(crate) fn permission(level: Option<&str>) -> Permission {
    match level.unwrap_or("") {
        "admin" | "owner" => Permission::Admin,
        "write" | "collaborator" | "member" => Permission::Write,
        "read" => Permission::Read,
        _ => Permission::None,
    }
}

impl RepoPermission {
    pub fn neutral(self) -> Option<UserPermissions> {
        let user = self.user?;
        Some(UserPermissions {
            user: user.author(),
            permission: permission(self.permission.as_deref()),
            role_name: self.permission,
        })
    }
}

/// `/workspaces/{ws}/members` entries.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Membership {
    #[serde(default)]
    pub user: Option<Account>,
}

impl Membership {
    pub fn author(self) -> Option<Author> {
        self.user.map(|u| u.author())
    }
}
