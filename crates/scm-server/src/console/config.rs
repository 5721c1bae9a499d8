//! `[console]`: whether the operator console is served, and how its
//! sessions behave. Off unless an admin token is configured, so a server
//! upgraded without touching its configuration exposes nothing new.
//!
//! ```toml
//! [console]
//! admin_token = "…"              # SCM_CONSOLE_ADMIN_TOKEN; the console is off without it
//! session_ttl_secs = 43200       # SCM_CONSOLE_SESSION_TTL_SECS
//! secure_cookies = false         # SCM_CONSOLE_SECURE_COOKIES; also set per request behind TLS
//! login_attempts_per_minute = 10 # per client address
//! ```

use std::collections::HashMap;
use std::time::Duration;

use scm_core::Secret;
use serde::Deserialize;

use crate::config_error::ConfigError;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// The credential an operator logs in with. `None` (or empty): no console.
    pub admin_token: Option<Secret>,
    /// How long a session lasts after login.
    pub session_ttl_secs: u64,
    /// Marks the session cookie `Secure` on every answer (a TLS proxy in
    /// front that does not send `X-Forwarded-Proto`).
    pub secure_cookies: bool,
    /// Login attempts accepted per client address and minute.
    pub login_attempts_per_minute: u32,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            admin_token: None,
            session_ttl_secs: 12 * 3600,
            secure_cookies: false,
            login_attempts_per_minute: 10,
        }
    }
}

impl ConsoleConfig {
    /// Whether `/console` is served.
    pub fn enabled(&self) -> bool {
        self.admin_token.as_ref().is_some_and(|t| !t.is_empty())
    }

    /// How long a session lasts (`0` ends it at once: the configuration
    /// refuses it, tests use it).
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_ttl_secs)
    }

    /// `SCM_CONSOLE_ADMIN_TOKEN`, `SCM_CONSOLE_SESSION_TTL_SECS`,
    /// `SCM_CONSOLE_SECURE_COOKIES`.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let invalid = |name: &str, detail: String| ConfigError::Invalid {
            name: name.into(),
            detail,
        };
        if let Some(token) = env.get("SCM_CONSOLE_ADMIN_TOKEN") {
            self.admin_token = Some(Secret::new(token.trim().to_owned())).filter(|t| !t.is_empty());
        }
        if let Some(ttl) = env.get("SCM_CONSOLE_SESSION_TTL_SECS") {
            self.session_ttl_secs = ttl
                .trim()
                .parse()
                .map_err(|err| invalid("SCM_CONSOLE_SESSION_TTL_SECS", format!("{err}")))?;
        }
        if let Some(secure) = env.get("SCM_CONSOLE_SECURE_COOKIES") {
            self.secure_cookies = match secure.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(invalid(
                        "SCM_CONSOLE_SECURE_COOKIES",
                        "expected true or false".into(),
                    ))
                }
            };
        }
        if self.session_ttl_secs == 0 {
            return Err(invalid(
                "console",
                "`session_ttl_secs` must be positive".into(),
            ));
        }
        if self.login_attempts_per_minute == 0 {
            return Err(invalid(
                "console",
                "`login_attempts_per_minute` must be positive".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_without_a_token_and_env_wins() {
        assert!(!ConsoleConfig::default().enabled());
        let mut config: ConsoleConfig =
            toml::from_str("admin_token = \"from-file\"\nsession_ttl_secs = 60\n").unwrap();
        assert!(config.enabled());
        let env = HashMap::from([
            ("SCM_CONSOLE_ADMIN_TOKEN".to_owned(), "from-env".to_owned()),
            ("SCM_CONSOLE_SECURE_COOKIES".to_owned(), "1".to_owned()),
        ]);
        config.apply_env(&env).unwrap();
        assert_eq!(config.admin_token.as_ref().unwrap().expose(), "from-env");
        assert!(config.secure_cookies);
        assert_eq!(config.session_ttl(), Duration::from_secs(60));
        assert!(!format!("{config:?}").contains("from-env"));
        let env = HashMap::from([("SCM_CONSOLE_ADMIN_TOKEN".to_owned(), " ".to_owned())]);
        config.apply_env(&env).unwrap();
        assert!(!config.enabled());
    }
}
