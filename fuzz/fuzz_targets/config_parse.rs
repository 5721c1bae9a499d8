//! Config parsing: any text as the TOML config file. Parse errors must
//! never echo a value (the file holds secrets).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scm_server::config::ConfigError;

const MARKER: &str = "SECRETVALUEX";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(err) = toml::from_str::<scm_server::Config>(text) {
        let shown = ConfigError::parse(text, &err).to_string();
        if !text.contains(MARKER) {
            return;
        }
        // A quoted marker is a value: it must not be shown.
        let quoted = format!("\"{MARKER}\"");
        if text.contains(&quoted) && !text.replace(&quoted, "").contains(MARKER) {
            assert!(!shown.contains(MARKER), "{shown}");
        }
    }
});
