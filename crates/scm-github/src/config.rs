//! Where GitHub is and how to authenticate to it.

use scm_core::{Error, Secret};
use url::Url;

/// Credentials for one GitHub integration.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A personal access token (classic or fine-grained).
    Token(Secret),
    /// A GitHub App installation: a JWT signed with the app's private key
    /// is exchanged for short-lived installation tokens.
    App(AppCredentials),
}

#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: String,
    /// The app's RSA private key, PEM.
    pub private_key: Secret,
    pub installation_id: String,
}

/// API and web locations. GitHub.com by default; GitHub Enterprise Server
/// through [`GitHubConfig::enterprise`] or explicit URLs. Nothing assumes
/// `github.com`.
#[derive(Debug, Clone)]
pub struct GitHubConfig {
    /// REST base, e.g. `https://api.github.com` or `https://ghe.example/api/v3`.
    pub api_url: String,
    /// GraphQL endpoint, e.g. `https://api.github.com/graphql` or
    /// `https://ghe.example/api/graphql`.
    pub graphql_url: String,
    /// Web base for links, e.g. `https://github.com`.
    pub web_url: String,
    pub credentials: Credentials,
}

fn normalize(url: &str) -> Result<String, Error> {
    let parsed = Url::parse(url)
        .map_err(|err| Error::invalid_input(format!("invalid URL `{url}`: {err}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::invalid_input(format!(
            "URL `{url}` must be http or https"
        )));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

impl GitHubConfig {
    /// GitHub.com.
    pub fn github_com(credentials: Credentials) -> Self {
        Self {
            api_url: "https://api.github.com".into(),
            graphql_url: "https://api.github.com/graphql".into(),
            web_url: "https://github.com".into(),
            credentials,
        }
    }

    /// GitHub Enterprise Server at `base` (e.g. `https://ghe.example.com`).
    pub fn enterprise(base: &str, credentials: Credentials) -> Result<Self, Error> {
        let base = normalize(base)?;
        Ok(Self {
            api_url: format!("{base}/api/v3"),
            graphql_url: format!("{base}/api/graphql"),
            web_url: base,
            credentials,
        })
    }

    /// Explicit URLs; the GraphQL endpoint is derived from the REST base
    /// (`…/api/v3` → `…/api/graphql`, otherwise `<api>/graphql`).
    pub fn custom(api_url: &str, web_url: &str, credentials: Credentials) -> Result<Self, Error> {
        let api_url = normalize(api_url)?;
        let web_url = normalize(web_url)?;
        let graphql_url = match api_url.strip_suffix("/api/v3") {
            Some(base) => format!("{base}/api/graphql"),
            None => format!("{api_url}/graphql"),
        };
        Ok(Self {
            api_url,
            graphql_url,
            web_url,
            credentials,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_urls() {
        let cfg =
            GitHubConfig::enterprise("https://ghe.example.com/", Credentials::Token("t".into()))
                .unwrap();
        assert_eq!(cfg.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(cfg.graphql_url, "https://ghe.example.com/api/graphql");
        let custom = GitHubConfig::custom(
            "http://127.0.0.1:4010",
            "https://github.com",
            Credentials::Token("t".into()),
        )
        .unwrap();
        assert_eq!(custom.graphql_url, "http://127.0.0.1:4010/graphql");
        assert!(GitHubConfig::custom(
            "ftp://x",
            "https://github.com",
            Credentials::Token("t".into())
        )
        .is_err());
    }
}
