//! `[recovery]`: which hook sources are reconciled, how often, and how
//! much of each integration's quota the reconciler may spend.
//!
//! ```toml
//! [recovery]
//! quota_share = 0.1        # of each integration's quota, for referrer `recovery`
//! interval_secs = 300      # between passes (a source may set its own)
//! lookback_secs = 259200   # the first pass looks this far back (GitHub keeps 3 days, GitLab lists 7)
//!
//! [[recovery.sources]]
//! integration = 1
//! source = "app"           # app | repository (or project) | organization (or group)
//! # hook_id = "123"        # for repository and organization hooks
//! # repository = "octocat/hello-world"  # the hook's repository (or one in its organization)
//! ```
//!
//! `project` and `group` are the same sources under the names some
//! providers give them: a project hook is a repository hook, a group hook
//! an organization hook (of the group owning `repository`).
//!
//! Without a source nothing runs: an integration is reconciled only when
//! a hook source is configured for it.

use scm_core::model::HookSource;
use serde::Deserialize;

use crate::config::ConfigError;

/// The referrer every recovery request is counted under.
pub const REFERRER: &str = "recovery";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecoveryConfig {
    /// Fraction of each integration's quota window reserved for (and
    /// capping) the reconciler; added to `[quota] allocations` as
    /// `recovery` unless that names it already.
    pub quota_share: f64,
    /// Seconds between passes of a source.
    pub interval_secs: u64,
    /// How far back the first pass of a source looks (later passes start
    /// at the last finished one).
    pub lookback_secs: u64,
    pub sources: Vec<HookSourceConfig>,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        Self {
            quota_share: 0.1,
            interval_secs: 300,
            lookback_secs: 3 * 24 * 3600,
            sources: Vec::new(),
        }
    }
}

/// One hook whose failed deliveries are recovered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookSourceConfig {
    pub integration: i64,
    pub source: HookSource,
    /// The hook of a `repository` or `organization` source.
    pub hook_id: Option<String>,
    /// The registered repository the requests are scoped to: the hook's
    /// own (repository), one in the organization (organization), or any
    /// of the integration's active repositories when left out (app).
    pub repository: Option<String>,
    pub interval_secs: Option<u64>,
}

impl RecoveryConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |detail: String| ConfigError::Invalid {
            name: "recovery".into(),
            detail,
        };
        if !(self.quota_share > 0.0 && self.quota_share <= 1.0) {
            return Err(invalid(
                "`quota_share` must be above 0 and at most 1".into(),
            ));
        }
        if self.interval_secs == 0 || self.sources.iter().any(|s| s.interval_secs == Some(0)) {
            return Err(invalid("intervals must be positive".into()));
        }
        for (index, source) in self.sources.iter().enumerate() {
            if self.sources[..index]
                .iter()
                .any(|other| other.integration == source.integration)
            {
                return Err(invalid(format!(
                    "integration {} has more than one source; its position is kept per integration",
                    source.integration
                )));
            }
            let needs_hook = source.source != HookSource::App;
            if needs_hook && source.hook_id.is_none() {
                return Err(invalid(format!(
                    "the {} source of integration {} needs `hook_id`",
                    source.source.as_str(),
                    source.integration
                )));
            }
            if needs_hook && source.repository.is_none() {
                return Err(invalid(format!(
                    "the {} source of integration {} needs `repository`",
                    source.source.as_str(),
                    source.integration
                )));
            }
        }
        Ok(())
    }

    /// Reserves `quota_share` for [`REFERRER`] when any source is set.
    pub fn reserve_quota(&self, quota: &mut crate::quota_store::QuotaConfig) {
        if !self.sources.is_empty() {
            quota
                .allocations
                .entry(REFERRER.to_owned())
                .or_insert(self.quota_share);
        }
    }

    pub fn interval(&self, source: &HookSourceConfig) -> std::time::Duration {
        std::time::Duration::from_secs(source.interval_secs.unwrap_or(self.interval_secs))
    }
}
