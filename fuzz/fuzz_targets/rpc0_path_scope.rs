//! rpc0 path scoping: any path and query against a repository scope,
//! with and without encoded slashes (GitLab names files and projects by
//! one `%2F`-encoded segment). A path that passes must stay under the
//! prefix (or be the opted-in extra route), and has no `..` segment, as
//! sent or with `%2F` decoded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scm_core::proxy::{ExtraRoute, ProxyScope};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    for encoded_slashes in [false, true] {
        let scope = ProxyScope {
            prefix: "/repos/acme/widgets".into(),
            case_insensitive: true,
            extra: vec![ExtraRoute {
                method: http::Method::POST,
                path: "/graphql",
                risk: "fuzz",
            }],
            encoded_slashes,
        };
        for method in [http::Method::GET, http::Method::POST, http::Method::DELETE] {
            for allow_extra in [false, true] {
                if let Ok(scoped) = scope.check(&method, raw, allow_extra) {
                    let lower = scoped.path.to_ascii_lowercase();
                    assert!(
                        scoped.extra || lower.starts_with("/repos/acme/widgets"),
                        "escaped the scope: {raw:?}"
                    );
                    let decoded = lower.replace("%2f", "/");
                    assert!(
                        !decoded.split('/').any(|s| s == ".." || s == "%2e%2e"),
                        "dot-dot: {raw:?}"
                    );
                }
            }
        }
    }
});
