//! Repositories, people and permissions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ResourceId, Timestamp};

/// A user, bot or organization account on the provider.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Author {
    pub id: Option<ResourceId>,
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub html_url: Option<String>,
    /// `user`, `bot`, `organization`, … as the provider calls it.
    pub kind: Option<String>,
}

/// A repository as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GitRepository {
    pub id: ResourceId,
    pub name: String,
    /// `owner/name` (GitHub, Bitbucket) or `group/subgroup/name` (GitLab).
    pub full_name: String,
    pub owner: Option<Author>,
    pub private: bool,
    pub archived: bool,
    pub default_branch: Option<String>,
    pub description: Option<String>,
    pub html_url: Option<String>,
    pub clone_url: Option<String>,
    pub ssh_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// Permission levels, from highest to lowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Admin,
    Maintain,
    Write,
    Triage,
    Read,
    None,
}

/// What one user may do in the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserPermissions {
    pub user: Author,
    pub permission: Permission,
    /// The provider's own role name (`maintainer`, `developer`, …).
    pub role_name: Option<String>,
}

/// A label that can be put on issues and pull requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Label {
    pub id: Option<ResourceId>,
    pub name: String,
    /// Hex colour without `#`.
    pub color: Option<String>,
    pub description: Option<String>,
}

/// The app installation the platform acts through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppInstallation {
    pub id: ResourceId,
    pub app_id: Option<ResourceId>,
    pub account: Option<Author>,
    /// `all` or `selected`.
    pub repository_selection: Option<String>,
    /// Permission name → level (`read`, `write`, `admin`).
    pub permissions: BTreeMap<String, String>,
    pub events: Vec<String>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub suspended_at: Option<Timestamp>,
}
