//! Why a configuration could not be loaded. Its own module so that the
//! configuration's sections (quota, rpc0, webhooks, queue), which
//! [`config`](crate::config) is made of, can report errors without
//! importing the module that imports them.

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading the config file: {0}")]
    Read(#[from] std::io::Error),
    /// Where the file is malformed and why, without its text: the TOML
    /// parser quotes the offending line and values, which may be secrets.
    #[error("config file, line {line}, column {column}: {message}")]
    Parse {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("`{name}`: {detail}")]
    Invalid { name: String, detail: String },
}

impl ConfigError {
    /// A parse error of `source` with the position kept and every quoted
    /// value in the parser's message replaced by `"…"`.
    pub fn parse(source: &str, err: &toml::de::Error) -> Self {
        let offset = err.span().map_or(0, |span| span.start.min(source.len()));
        let before = source.as_bytes().get(..offset).unwrap_or_default();
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Self::Parse {
            line,
            column,
            message: redact_quoted(err.message().trim()),
        }
    }
}

/// `invalid type: string "s3cret"` → `invalid type: string "…"`.
fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '"' {
            if !inside {
                out.push_str("\"…\"");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A malformed file never echoes its values (here, secrets).
    #[test]
    fn parse_errors_never_echo_values() {
        for source in [
            "[rpc0]\nsecrets = \"hunter2-secret\"\n",
            "[rpc0]\nsecrets = [\"hunter2-secret\n",
            "[rpc0]\nsecrets = [\"hunter2-secret\"] x\n",
            "[quota]\nredis_url = 7\nkey_prefix = \"hunter2-secret\" = 1\n",
        ] {
            let err = toml::from_str::<crate::Config>(source).unwrap_err();
            let err = ConfigError::parse(source, &err);
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(!shown.contains("hunter2"), "{shown}");
                assert!(shown.contains("line") || shown.contains("Parse"), "{shown}");
            }
        }
        let err = toml::from_str::<crate::Config>("\n\nlisen = 1\n").unwrap_err();
        let shown = ConfigError::parse("\n\nlisen = 1\n", &err).to_string();
        assert!(
            shown.starts_with("config file, line 3, column 1:"),
            "{shown}"
        );
        assert!(shown.contains("lisen"), "{shown}");
    }
}
