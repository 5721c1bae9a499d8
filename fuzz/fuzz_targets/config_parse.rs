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
        // A marker written as a value (`key = "SECRETVALUEX"`) must not be
        // shown. Where it is a key or a table name (`["SECRETVALUEX"]`),
        // the error may name it: that is the file's structure, not a value.
        if text.contains(MARKER) && only_as_values(text) {
            assert!(!shown.contains(MARKER), "{shown}");
        }
    }
});

/// Whether every occurrence of the marker is a basic string right after
/// an `=`.
fn only_as_values(text: &str) -> bool {
    text.match_indices(MARKER).all(|(at, _)| {
        text[..at].ends_with('"')
            && text[..at - 1].trim_end().ends_with('=')
            && text[at + MARKER.len()..].starts_with('"')
    })
}
