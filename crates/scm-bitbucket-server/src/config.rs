//! Where a Bitbucket Data Center instance is and which credentials to use.

use scm_core::registration::normalize_base_url as normalize;
use scm_core::{Result, Secret};

/// How requests authenticate.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// An HTTP access token (personal, project or repository), sent as
    /// `Authorization: Bearer`.
    Token(Secret),
    /// HTTP Basic: a username and a password (or an HTTP access token
    /// used as the password).
    Basic { username: String, password: Secret },
}

/// One Data Center integration.
///
/// The instance may live under a context path (`https://host/bitbucket`);
/// REST resources are under `{api_url}` = `{base}/rest` (for example
/// `{api_url}/api/latest/projects/...`), web pages under `{web_url}` =
/// `{base}`.
#[derive(Debug, Clone)]
pub struct BitbucketServerConfig {
    /// `{base}/rest`, no trailing slash.
    pub api_url: String,
    /// `{base}`, no trailing slash: where pages, clone URLs and links live.
    pub web_url: String,
    pub credentials: Credentials,
    /// `ssh://git@host:7999` for SSH remotes; Data Center's SSH host and
    /// port are configured by the administrator, so `None` means "no SSH
    /// remote is reported".
    pub ssh_base: Option<String>,
}

impl BitbucketServerConfig {
    /// An instance at `base_url` (http or https, with or without a context
    /// path): REST under `{base_url}/rest`.
    pub fn new(base_url: &str, credentials: Credentials) -> Result<Self> {
        let web = normalize(base_url)?;
        Ok(Self {
            api_url: format!("{web}/rest"),
            web_url: web,
            credentials,
            ssh_base: None,
        })
    }

    /// Separate REST and web bases (a REST endpoint behind another proxy,
    /// or a test server).
    pub fn custom(api_url: &str, web_url: &str, credentials: Credentials) -> Result<Self> {
        Ok(Self {
            api_url: normalize(api_url)?,
            web_url: normalize(web_url)?,
            credentials,
            ssh_base: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_path_is_kept() {
        let config = BitbucketServerConfig::new(
            "https://git.example.com/bitbucket/",
            Credentials::Token("t".into()),
        )
        .unwrap();
        assert_eq!(config.api_url, "https://git.example.com/bitbucket/rest");
        assert_eq!(config.web_url, "https://git.example.com/bitbucket");
        let root =
            BitbucketServerConfig::new("http://bb:7990", Credentials::Token("t".into())).unwrap();
        assert_eq!(root.api_url, "http://bb:7990/rest");
        assert!(BitbucketServerConfig::new("ftp://x", Credentials::Token("t".into())).is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let creds = Credentials::Basic {
            username: "ci".into(),
            password: "hunter2-secret".into(),
        };
        assert!(!format!("{creds:?}").contains("hunter2"));
    }
}
