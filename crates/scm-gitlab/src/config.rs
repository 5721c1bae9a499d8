//! Where a GitLab instance is and how to authenticate to it.

use scm_core::{Error, Secret};
use url::Url;

/// How the token is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenKind {
    /// Personal, project or group access token: `PRIVATE-TOKEN` header.
    #[default]
    PrivateToken,
    /// OAuth 2 access token: `Authorization: Bearer`.
    OAuthBearer,
}

/// One GitLab integration: GitLab.com or a self-managed instance, possibly
/// under a path prefix (`https://example.com/gitlab/api/v4`).
#[derive(Debug, Clone)]
pub struct GitLabConfig {
    /// REST base, e.g. `https://gitlab.com/api/v4`.
    pub api_url: String,
    /// Web base for links, e.g. `https://gitlab.com` or
    /// `https://example.com/gitlab`.
    pub web_url: String,
    pub token: Secret,
    pub token_kind: TokenKind,
    /// Host (and user) of SSH clone URLs, e.g. `git@gitlab.com`. Derived
    /// from `web_url` when `None`.
    pub ssh_remote: Option<String>,
}

impl GitLabConfig {
    /// GitLab.com with a personal, project or group access token.
    pub fn gitlab_com(token: Secret) -> Self {
        Self {
            api_url: "https://gitlab.com/api/v4".into(),
            web_url: "https://gitlab.com".into(),
            token,
            token_kind: TokenKind::PrivateToken,
            ssh_remote: None,
        }
    }

    /// A self-managed instance at `web_url` (http or https, with or
    /// without a path prefix); the API is `<web_url>/api/v4`.
    pub fn self_managed(web_url: &str, token: Secret, token_kind: TokenKind) -> Self {
        let web = web_url.trim_end_matches('/');
        Self {
            api_url: format!("{web}/api/v4"),
            web_url: web.to_owned(),
            token,
            token_kind,
            ssh_remote: None,
        }
    }

    /// Checks both URLs and removes trailing slashes.
    pub(crate) fn normalized(mut self) -> Result<Self, Error> {
        self.api_url = normalize(&self.api_url)?;
        self.web_url = normalize(&self.web_url)?;
        if self.token.is_empty() {
            return Err(Error::invalid_input("the GitLab token is empty"));
        }
        Ok(self)
    }

    /// `git@host` for SSH remotes.
    pub(crate) fn ssh_prefix(&self) -> Option<String> {
        if let Some(remote) = &self.ssh_remote {
            return Some(remote.clone());
        }
        let url = Url::parse(&self.web_url).ok()?;
        Some(format!("git@{}", url.host_str()?))
    }
}

fn normalize(url: &str) -> Result<String, Error> {
    let parsed = Url::parse(url)
        .map_err(|err| Error::invalid_input(format!("invalid URL `{url}`: {err}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::invalid_input(format!(
            "URL `{url}` must be http or https"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "URL `{url}` must not have a query or fragment"
        )));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_managed_keeps_the_prefix() {
        let config = GitLabConfig::self_managed(
            "http://git.example:8080/gl/",
            "t".into(),
            TokenKind::PrivateToken,
        )
        .normalized()
        .unwrap();
        assert_eq!(config.api_url, "http://git.example:8080/gl/api/v4");
        assert_eq!(config.web_url, "http://git.example:8080/gl");
        assert_eq!(config.ssh_prefix().as_deref(), Some("git@git.example"));
        assert!(
            GitLabConfig::self_managed("ftp://x", "t".into(), TokenKind::PrivateToken)
                .normalized()
                .is_err()
        );
        assert!(GitLabConfig::gitlab_com(Secret::new(""))
            .normalized()
            .is_err());
    }
}
