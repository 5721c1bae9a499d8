//! Where a Bitbucket Cloud integration lives: the API and web bases.
//!
//! Credentials are not part of this: they live in the authentication
//! transport layer ([`crate::auth`]), so action code never sees them.

use scm_core::Error;

/// The public API base.
pub const DEFAULT_API_URL: &str = "https://api.bitbucket.org/2.0";
/// The public web base (pages, clone URLs, OAuth token endpoint).
pub const DEFAULT_WEB_URL: &str = "https://bitbucket.org";

/// The two bases of one integration, normalized (no trailing slash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitbucketConfig {
    /// `https://api.bitbucket.org/2.0` in production; a local mock in tests.
    pub api_url: String,
    /// `https://bitbucket.org`; web links and clone URLs are built from it.
    pub web_url: String,
}

impl Default for BitbucketConfig {
    fn default() -> Self {
        Self {
            api_url: DEFAULT_API_URL.into(),
            web_url: DEFAULT_WEB_URL.into(),
        }
    }
}

impl BitbucketConfig {
    /// A configuration for other bases (tests, a proxy in front of Cloud).
    pub fn custom(api_url: impl Into<String>, web_url: impl Into<String>) -> Result<Self, Error> {
        Self {
            api_url: api_url.into(),
            web_url: web_url.into(),
        }
        .normalized()
    }

    /// Checks both bases (http or https, no query or fragment) and drops
    /// trailing slashes.
    pub fn normalized(self) -> Result<Self, Error> {
        Ok(Self {
            api_url: normalize_base(&self.api_url, "API")?,
            web_url: normalize_base(&self.web_url, "web")?,
        })
    }

    /// The host of the web base (`bitbucket.org`), for SSH remotes.
    pub fn web_host(&self) -> Option<String> {
        url::Url::parse(&self.web_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    }
}

/// Validates one base URL and removes its trailing slash.
pub fn normalize_base(value: &str, what: &str) -> Result<String, Error> {
    let trimmed = value.trim().trim_end_matches('/');
    let parsed = url::Url::parse(trimmed)
        .map_err(|_| Error::invalid_input(format!("the Bitbucket {what} URL is not a URL")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::invalid_input(format!(
            "the Bitbucket {what} URL must be http or https with a host"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "the Bitbucket {what} URL must not carry a query or fragment"
        )));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_are_checked_and_trimmed() {
        let c = BitbucketConfig::custom("http://127.0.0.1:9/", "https://bitbucket.org/").unwrap();
        assert_eq!(c.api_url, "http://127.0.0.1:9");
        assert_eq!(c.web_url, "https://bitbucket.org");
        assert_eq!(c.web_host().as_deref(), Some("bitbucket.org"));
        assert!(BitbucketConfig::custom("ftp://x", "https://bitbucket.org").is_err());
        assert!(BitbucketConfig::custom("https://x/?a=1", "https://bitbucket.org").is_err());
        assert!(BitbucketConfig::custom("not a url", "https://bitbucket.org").is_err());
    }
}
