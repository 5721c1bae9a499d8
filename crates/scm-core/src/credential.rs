//! The one credential type of the platform.
//!
//! An integration authenticates with one [`Credential`], whatever its
//! provider: the registry stores it (sealed), the CLI builds it from flags,
//! and each provider's authentication layer turns it into headers. The
//! shapes are neutral (a token, an OAuth token, a username and secret, an
//! app installation); which header a token goes in is the provider's
//! business, and a provider refuses the kinds it cannot use
//! ([`crate::registration::ProviderRegistration::credential_kinds`]).
//!
//! Every secret part is a [`Secret`]: `Debug`, `Display` and the ordinary
//! `Serialize` redact it. Only [`Credential::to_sealed_json`] exposes the
//! values, for encryption at rest.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The kinds of credential, as providers declare what they accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// An access token; the provider chooses the header.
    Token,
    /// An OAuth 2.0 access token, sent as a bearer token.
    #[serde(rename = "oauth")]
    OAuth,
    /// HTTP Basic: a username (or e-mail) and a secret.
    Basic,
    /// An app installation (GitHub App).
    App,
}

impl CredentialKind {
    /// The stable name (`token`, `oauth`, `basic`, `app`), as listed by
    /// `scm integration list`.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Token => "token",
            CredentialKind::OAuth => "oauth",
            CredentialKind::Basic => "basic",
            CredentialKind::App => "app",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What renews an OAuth access token before it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthRefresh {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
}

/// How an integration authenticates, in provider-neutral terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credential {
    /// A personal, project, group, workspace or HTTP access token. The
    /// provider chooses the header (GitHub: `Authorization: Bearer`).
    Token { token: Secret },
    /// An OAuth 2.0 access token, sent as a bearer token. With `refresh`,
    /// the provider's authentication layer renews it before it expires.
    #[serde(rename = "oauth")]
    OAuth {
        token: Secret,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refresh: Option<OAuthRefresh>,
    },
    /// HTTP Basic: a username or e-mail address and a secret (a password
    /// or an API token).
    Basic { username: String, secret: Secret },
    /// An app installation: the app's id, its private key (PEM) and the
    /// installation acted through.
    App {
        app_id: String,
        private_key: Secret,
        installation_id: String,
    },
}

impl Credential {
    /// A plain access token.
    pub fn token(token: impl Into<Secret>) -> Self {
        Credential::Token {
            token: token.into(),
        }
    }

    pub fn kind(&self) -> CredentialKind {
        match self {
            Credential::Token { .. } => CredentialKind::Token,
            Credential::OAuth { .. } => CredentialKind::OAuth,
            Credential::Basic { .. } => CredentialKind::Basic,
            Credential::App { .. } => CredentialKind::App,
        }
    }

    /// Refuses credentials that could only send an empty or blank
    /// `Authorization` (an unset `$TOKEN` variable expands to nothing).
    pub fn validate(&self) -> Result<()> {
        let blank = |what: &str, value: &str| {
            if value.trim().is_empty() {
                Err(Error::invalid_input(format!(
                    "the {what} is empty; give a non-empty value"
                )))
            } else {
                Ok(())
            }
        };
        match self {
            Credential::Token { token } => blank("token", token.expose()),
            Credential::OAuth { token, refresh } => {
                if let Some(refresh) = refresh {
                    blank("OAuth client id", &refresh.client_id)?;
                    blank("OAuth client secret", refresh.client_secret.expose())?;
                    blank("OAuth refresh token", refresh.refresh_token.expose())?;
                    // The access token may be empty: the first call renews it.
                    Ok(())
                } else {
                    blank("OAuth token", token.expose())
                }
            }
            Credential::Basic { username, secret } => {
                blank("username", username)?;
                blank("secret", secret.expose())
            }
            Credential::App {
                app_id,
                private_key,
                installation_id,
            } => {
                blank("app id", app_id)?;
                blank("private key", private_key.expose())?;
                blank("installation id", installation_id)
            }
        }
    }

    /// Refuses (`invalid_input`) a credential whose kind `accepted` does
    /// not list, naming the provider and the kinds it takes.
    pub fn check_kind(&self, provider: &str, accepted: &[CredentialKind]) -> Result<()> {
        if accepted.contains(&self.kind()) {
            return Ok(());
        }
        let names: Vec<&str> = accepted.iter().map(|k| k.as_str()).collect();
        Err(Error::invalid_input(format!(
            "{provider} does not take {} credentials (it takes: {})",
            self.kind(),
            names.join(", ")
        )))
    }

    /// A stable, non-secret name for the identity behind this credential,
    /// for quota buckets and caches: the kind and, where the credential
    /// names one, its public part (app installation, username). Tokens are
    /// not named by any part of their value.
    pub fn identity(&self) -> String {
        match self {
            Credential::Token { .. } => "token".into(),
            Credential::OAuth { refresh, .. } => match refresh {
                Some(refresh) => format!("oauth:{}", refresh.client_id),
                None => "oauth".into(),
            },
            Credential::Basic { username, .. } => format!("basic:{username}"),
            Credential::App {
                app_id,
                installation_id,
                ..
            } => format!("app:{app_id}:installation:{installation_id}"),
        }
    }

    /// The credential with its secret values in clear, as JSON, for
    /// encryption at rest only. Never log or display the result.
    pub fn to_sealed_json(&self) -> String {
        serde_json::to_string(&Sealed::from(self)).unwrap_or_default()
    }

    /// Reads what [`Credential::to_sealed_json`] wrote. Also reads the
    /// registry's earlier form (`{"kind":"token","token":…}` and
    /// `{"kind":"app",…}`), which is the same shape.
    pub fn from_sealed_json(json: &str) -> Result<Self> {
        let sealed: Sealed = serde_json::from_str(json).map_err(|err| {
            // serde's message names fields and positions, never values.
            Error::invalid_input(format!("unreadable stored credential: {err}"))
        })?;
        Ok(sealed.into())
    }
}

/// The sealed form: the same shape as [`Credential`] with every secret as
/// a plain string (so it serializes in clear, for encryption only).
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Sealed {
    Token {
        token: String,
    },
    #[serde(rename = "oauth")]
    OAuth {
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refresh: Option<SealedRefresh>,
    },
    Basic {
        username: String,
        secret: String,
    },
    App {
        app_id: String,
        private_key: String,
        installation_id: String,
    },
}

#[derive(Serialize, Deserialize)]
struct SealedRefresh {
    client_id: String,
    client_secret: String,
    refresh_token: String,
}

impl From<&Credential> for Sealed {
    fn from(credential: &Credential) -> Self {
        let open = |secret: &Secret| secret.expose().to_owned();
        match credential {
            Credential::Token { token } => Sealed::Token { token: open(token) },
            Credential::OAuth { token, refresh } => Sealed::OAuth {
                token: open(token),
                refresh: refresh.as_ref().map(|r| SealedRefresh {
                    client_id: r.client_id.clone(),
                    client_secret: open(&r.client_secret),
                    refresh_token: open(&r.refresh_token),
                }),
            },
            Credential::Basic { username, secret } => Sealed::Basic {
                username: username.clone(),
                secret: open(secret),
            },
            Credential::App {
                app_id,
                private_key,
                installation_id,
            } => Sealed::App {
                app_id: app_id.clone(),
                private_key: open(private_key),
                installation_id: installation_id.clone(),
            },
        }
    }
}

impl From<Sealed> for Credential {
    fn from(sealed: Sealed) -> Self {
        match sealed {
            Sealed::Token { token } => Credential::Token {
                token: token.into(),
            },
            Sealed::OAuth { token, refresh } => Credential::OAuth {
                token: token.into(),
                refresh: refresh.map(|r| OAuthRefresh {
                    client_id: r.client_id,
                    client_secret: r.client_secret.into(),
                    refresh_token: r.refresh_token.into(),
                }),
            },
            Sealed::Basic { username, secret } => Credential::Basic {
                username,
                secret: secret.into(),
            },
            Sealed::App {
                app_id,
                private_key,
                installation_id,
            } => Credential::App {
                app_id,
                private_key: private_key.into(),
                installation_id,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Credential> {
        vec![
            Credential::token("tok-1"),
            Credential::OAuth {
                token: "oauth-2".into(),
                refresh: Some(OAuthRefresh {
                    client_id: "client".into(),
                    client_secret: "csecret-3".into(),
                    refresh_token: "refresh-4".into(),
                }),
            },
            Credential::Basic {
                username: "me@example.com".into(),
                secret: "api-5".into(),
            },
            Credential::App {
                app_id: "1".into(),
                private_key: "pem-6".into(),
                installation_id: "2".into(),
            },
        ]
    }

    #[test]
    fn sealed_form_round_trips_and_the_ordinary_forms_redact() {
        for credential in all() {
            let sealed = credential.to_sealed_json();
            assert_eq!(Credential::from_sealed_json(&sealed).unwrap(), credential);
            let shown = format!(
                "{credential:?} {} {}",
                serde_json::to_string(&credential).unwrap(),
                credential.identity()
            );
            for secret in [
                "tok-1",
                "oauth-2",
                "csecret-3",
                "refresh-4",
                "api-5",
                "pem-6",
            ] {
                assert!(!shown.contains(secret), "{secret} leaked: {shown}");
            }
        }
    }

    #[test]
    fn reads_the_registry_s_earlier_sealed_form() {
        let token = Credential::from_sealed_json(r#"{"kind":"token","token":"t"}"#).unwrap();
        assert_eq!(token, Credential::token("t"));
        let app = Credential::from_sealed_json(
            r#"{"kind":"app","app_id":"1","private_key":"k","installation_id":"2"}"#,
        )
        .unwrap();
        assert_eq!(app.kind(), CredentialKind::App);
    }

    #[test]
    fn blank_secrets_and_foreign_kinds_are_refused() {
        for blank in ["", "  ", "\t\n"] {
            let err = Credential::token(blank).validate().unwrap_err();
            assert_eq!(err.code(), "invalid_input");
        }
        assert!(Credential::Basic {
            username: "".into(),
            secret: "s".into()
        }
        .validate()
        .is_err());
        for credential in all() {
            credential.validate().unwrap();
        }
        let err = Credential::token("t")
            .check_kind("prov", &[CredentialKind::Basic])
            .unwrap_err();
        assert!(err.to_string().contains("takes: basic"), "{err}");
    }
}
