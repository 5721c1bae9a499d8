//! Small validated values shared by many actions.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A git object id: 4 to 64 hexadecimal characters (abbreviated or full,
/// SHA-1 or SHA-256).
///
/// Validated on construction and deserialization, so a value that reaches a
/// provider can go into a URL path without any chance of injecting `/` or `..`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Sha(String);

/// A string of 4 to 64 hex digits: the schema says what [`Sha::new`]
/// accepts, so a schema-valid request is never refused for it.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Sha {
    fn schema_name() -> String {
        "Sha".into()
    }

    fn is_referenceable() -> bool {
        false
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            string: Some(Box::new(schemars::schema::StringValidation {
                min_length: Some(4),
                max_length: Some(64),
                pattern: Some("^[0-9a-fA-F]{4,64}$".into()),
            })),
            ..Default::default()
        }
        .into()
    }
}

impl Sha {
    pub fn new(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        let valid = (4..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit());
        if valid {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!(
                "`{}` is not a git object id (4 to 64 hex digits)",
                value.chars().take(80).collect::<String>()
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sha {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Sha::new(raw).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Sha {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sha::new(s)
    }
}

/// A web or git remote of a repository (no HTTP call needed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GitRemote {
    /// HTTPS clone URL.
    pub https_url: String,
    /// SSH clone URL, when the provider has one.
    pub ssh_url: Option<String>,
}

/// Archive formats for `get_archive_link` and `download_archive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArchiveFormat {
    #[default]
    Tarball,
    Zipball,
}

/// A short-lived link to download an archive of the repository at a ref.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArchiveLink {
    pub url: String,
    pub format: ArchiveFormat,
}
