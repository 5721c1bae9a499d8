//! Credential flags, shared by `scm <provider> <action>` and
//! `scm integration add`, derived from the credential kinds providers
//! declare.
//!
//! - a token: `--token` (an access token, in the header the provider
//!   chooses); with `--oauth` it is an OAuth access token, renewed with
//!   `--oauth-refresh-token`, `--oauth-client-id` and
//!   `--oauth-client-secret` when the provider supports that;
//! - basic: `--username` (or e-mail address) with `--token` as the secret
//!   (an API token or password);
//! - an app installation: `--app-id`, `--private-key-file`,
//!   `--installation-id`.
//!
//! Blank values are refused ([`Credential::validate`]), so an unset
//! `$TOKEN` never becomes an empty `Authorization` header.

use clap::{Arg, ArgAction, ArgMatches};
use scm_core::credential::{Credential, CredentialKind, OAuthRefresh};
use scm_core::{Error, Secret};

/// The flags for credentials of `kinds` (each flag once). `token_env` is
/// the environment variable `--token` falls back to.
pub fn args(kinds: &[CredentialKind], token_env: String) -> Vec<Arg> {
    let has = |kind| kinds.contains(&kind);
    let mut args = Vec::new();
    if has(CredentialKind::Token) || has(CredentialKind::OAuth) || has(CredentialKind::Basic) {
        args.push(
            Arg::new("token")
                .long("token")
                .value_name("TOKEN")
                .env(token_env)
                .hide_env_values(true)
                .help("Access token (with --username: the API token or password)"),
        );
    }
    if has(CredentialKind::OAuth) {
        args.push(
            Arg::new("oauth")
                .long("oauth")
                .action(ArgAction::SetTrue)
                .help("The token is an OAuth access token (sent as a bearer token)"),
        );
        for (id, long, help) in [
            (
                "oauth_refresh_token",
                "oauth-refresh-token",
                "OAuth refresh token: renew the access token before it expires",
            ),
            (
                "oauth_client_id",
                "oauth-client-id",
                "OAuth client id (with --oauth-refresh-token)",
            ),
            (
                "oauth_client_secret",
                "oauth-client-secret",
                "OAuth client secret (with --oauth-refresh-token)",
            ),
        ] {
            args.push(Arg::new(id).long(long).hide_env_values(true).help(help));
        }
    }
    if has(CredentialKind::Basic) {
        args.push(
            Arg::new("username")
                .long("username")
                .value_name("NAME|EMAIL")
                .help("Basic credentials: the username or e-mail address; --token is the secret"),
        );
    }
    if has(CredentialKind::App) {
        args.push(
            Arg::new("app_id")
                .long("app-id")
                .help("App id (app installation)"),
        );
        args.push(
            Arg::new("private_key_file")
                .long("private-key-file")
                .value_name("PEM")
                .help("The app's private key (PEM file)"),
        );
        args.push(
            Arg::new("installation_id")
                .long("installation-id")
                .help("The app installation to act through"),
        );
    }
    args
}

/// The union of every provider's credential kinds.
pub fn all_kinds<'a>(kinds: impl IntoIterator<Item = &'a [CredentialKind]>) -> Vec<CredentialKind> {
    let mut all: Vec<CredentialKind> = Vec::new();
    for kind in kinds.into_iter().flatten() {
        if !all.contains(kind) {
            all.push(*kind);
        }
    }
    all
}

/// The credential the flags describe. Exactly one shape must be given.
pub fn credential(matches: &ArgMatches) -> Result<Credential, Error> {
    let text = |key: &str| matches.try_get_one::<String>(key).ok().flatten().cloned();
    let flag = |key: &str| {
        matches
            .try_get_one::<bool>(key)
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false)
    };
    let app = (
        text("app_id"),
        text("private_key_file"),
        text("installation_id"),
    );
    let refresh = (
        text("oauth_refresh_token"),
        text("oauth_client_id"),
        text("oauth_client_secret"),
    );
    let credential = match (text("token"), text("username"), app, flag("oauth"), refresh) {
        (None, None, (Some(app_id), Some(key_file), Some(installation_id)), false, _) => {
            let key = std::fs::read_to_string(&key_file).map_err(|err| {
                Error::invalid_input(format!(
                    "cannot read the private key file {key_file}: {err}"
                ))
            })?;
            Credential::App {
                app_id,
                private_key: Secret::new(key),
                installation_id,
            }
        }
        (token, None, (None, None, None), true, (Some(refresh), Some(id), Some(secret))) => {
            Credential::OAuth {
                token: Secret::new(token.unwrap_or_default()),
                refresh: Some(OAuthRefresh {
                    client_id: id,
                    client_secret: Secret::new(secret),
                    refresh_token: Secret::new(refresh),
                }),
            }
        }
        (Some(token), None, (None, None, None), true, (None, None, None)) => Credential::OAuth {
            token: Secret::new(token),
            refresh: None,
        },
        (Some(token), Some(username), (None, None, None), false, (None, None, None)) => {
            Credential::Basic {
                username,
                secret: Secret::new(token),
            }
        }
        (Some(token), None, (None, None, None), false, (None, None, None)) => {
            Credential::token(token)
        }
        _ => {
            return Err(Error::invalid_input(
                "give one credential: --token [--oauth | --username NAME], \
                 --oauth with --oauth-refresh-token, --oauth-client-id and --oauth-client-secret, \
                 or all of --app-id, --private-key-file and --installation-id",
            ))
        }
    };
    credential.validate()?;
    Ok(credential)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str]) -> Result<Credential, Error> {
        let kinds = [
            CredentialKind::Token,
            CredentialKind::OAuth,
            CredentialKind::Basic,
            CredentialKind::App,
        ];
        let command = clap::Command::new("t").args(args(&kinds, "SCM_TEST_UNSET_TOKEN".into()));
        let matches = command
            .try_get_matches_from(std::iter::once("t").chain(argv.iter().copied()))
            .unwrap();
        credential(&matches)
    }

    #[test]
    fn each_shape_of_flags_is_one_credential_kind() {
        assert_eq!(
            parse(&["--token", "t"]).unwrap().kind(),
            CredentialKind::Token
        );
        assert_eq!(
            parse(&["--token", "t", "--oauth"]).unwrap().kind(),
            CredentialKind::OAuth
        );
        assert_eq!(
            parse(&["--token", "t", "--username", "me@example.com"])
                .unwrap()
                .kind(),
            CredentialKind::Basic
        );
        let refreshed = parse(&[
            "--oauth",
            "--oauth-refresh-token",
            "r",
            "--oauth-client-id",
            "c",
            "--oauth-client-secret",
            "s",
        ])
        .unwrap();
        assert!(matches!(
            refreshed,
            Credential::OAuth {
                refresh: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn blank_or_mixed_credentials_are_refused() {
        for argv in [
            &["--token", ""][..],
            &["--token", "  "],
            &[],
            &["--token", "t", "--app-id", "1"],
            &["--username", "me"],
        ] {
            let err = parse(argv).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{argv:?}");
        }
    }
}
