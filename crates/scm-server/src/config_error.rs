//! Why a configuration could not be loaded. Its own module so that the
//! configuration's sections (quota, rpc0, webhooks, queue), which
//! [`config`](crate::config) is made of, can report errors without
//! importing the module that imports them.

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading the config file: {0}")]
    Read(#[from] std::io::Error),
    #[error("config file: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("`{name}`: {detail}")]
    Invalid { name: String, detail: String },
}
