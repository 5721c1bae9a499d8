//! App installations and the repositories they cover.

use serde::{Deserialize, Serialize};

use super::action::event_action;
use crate::model::{AppInstallation, Author, ResourceId};

event_action! {
    /// What happened to an installation of the platform's app.
    ///
    /// One enum for both GitHub's `installation` and
    /// `installation_repositories` events: the registry reacts to both the
    /// same way (enable or disable repositories).
    pub enum InstallationAction {
        Created => "created",
        Deleted => "deleted",
        Suspend => "suspend",
        Unsuspend => "unsuspend",
        NewPermissionsAccepted => "new_permissions_accepted",
        /// Repositories were added to the installation.
        RepositoriesAdded => "repositories_added",
        /// Repositories were removed from the installation.
        RepositoriesRemoved => "repositories_removed",
    }
}

/// A repository named in an installation event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationRepository {
    pub id: ResourceId,
    pub full_name: String,
    #[serde(default)]
    pub private: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationEvent {
    pub action: InstallationAction,
    pub installation: AppInstallation,
    /// Repositories added (or, for `created`, initially covered).
    #[serde(default)]
    pub repositories_added: Vec<InstallationRepository>,
    #[serde(default)]
    pub repositories_removed: Vec<InstallationRepository>,
    #[serde(default)]
    pub sender: Option<Author>,
}
