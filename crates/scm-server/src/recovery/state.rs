//! Where each integration's reconciler stopped: the start of its last
//! finished pass, in the registry so a restart resumes from there.

use sqlx::Row;

use crate::registry::{Registry, Result};

impl Registry {
    /// The start (Unix seconds) of the integration's last finished pass.
    pub async fn recovery_last_success(&self, integration_id: i64) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT last_success_at FROM recovery_passes WHERE integration_id = $1")
                .bind(integration_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }

    pub async fn set_recovery_last_success(&self, integration_id: i64, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO recovery_passes (integration_id, last_success_at) VALUES ($1, $2) \
             ON CONFLICT (integration_id) DO UPDATE SET last_success_at = excluded.last_success_at",
        )
        .bind(integration_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
