//! rpc0 signatures: `Authorization: [rpcsignature ]rpc0:<hex>`, where
//! `hex` is HMAC-SHA256 under any one of the configured secrets.
//!
//! For a lookup (`GET`) the message is the organization id immediately
//! followed by the repository id as Python's `str()` renders it: `5`, or
//! `('github', 'owner/repo')`. For a proxied request (`POST`) it is the raw
//! body.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use scm_core::registry::RepositoryKey;
use scm_core::Secret;
use sha2::Sha256;
use subtle::Choice;

use crate::error::ApiError;

const PREFIX: &str = "rpcsignature ";
const SCHEME: &str = "rpc0:";

/// The signature bytes from the `Authorization` header.
pub fn parse_authorization(headers: &HeaderMap) -> Result<Vec<u8>, ApiError> {
    let value = headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::bad_signature("missing `Authorization`"))?
        .to_str()
        .map_err(|_| ApiError::bad_signature("`Authorization` is not visible ASCII"))?
        .trim();
    let value = value.strip_prefix(PREFIX).unwrap_or(value);
    value
        .strip_prefix(SCHEME)
        .and_then(|sig| hex::decode(sig.trim()).ok())
        .filter(|sig| sig.len() == 32)
        .ok_or_else(|| ApiError::bad_signature("`Authorization` must be `rpcsignature rpc0:<hex>`"))
}

/// Whether `given` is the HMAC of `message` under any of `secrets`. Every
/// secret is tried, each comparison in constant time, so the time taken
/// does not tell which secret (or how much of a signature) matched.
pub fn verify(secrets: &[Secret], message: &[u8], given: &[u8]) -> bool {
    let mut matched = Choice::from(0);
    for secret in secrets {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
            .expect("HMAC accepts any key length");
        mac.update(message);
        matched |= Choice::from(u8::from(mac.verify_slice(given).is_ok()));
    }
    matched.into()
}

/// `hex(HMAC-SHA256(secret, message))`, what a client sends after `rpc0:`.
pub fn sign(secret: &Secret, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The signed message of a lookup.
pub fn lookup_message(organization_id: i64, repository: &RepositoryKey) -> String {
    format!("{organization_id}{}", python_str(repository))
}

/// `str()` of the repository id as the Python client holds it: an `int`,
/// or a `(provider, external_id)` tuple.
pub fn python_str(repository: &RepositoryKey) -> String {
    match repository {
        RepositoryKey::Id(id) => id.to_string(),
        RepositoryKey::External(provider, external_id) => {
            format!("({}, {})", python_repr(provider), python_repr(external_id))
        }
    }
}

/// Python's `repr()` of a `str`: single quotes unless the text holds a
/// single quote and no double quote; backslash escapes for the quote, the
/// backslash, `\t`, `\n`, `\r` and non-printable characters.
///
/// Printability follows `str.isprintable()` for ASCII, Latin-1 and the
/// format, separator and private-use characters listed in
/// `non_printable`; a character Python treats differently (an
/// unassigned code point) makes the signature not match, which refuses the
/// request rather than accepting a wrong one.
pub fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if non_printable(c) => {
                let code = c as u32;
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Characters `str.isprintable()` rejects: controls (Cc), format
/// characters (Cf), separators other than the ASCII space (Zs, Zl, Zp),
/// private use (Co) and noncharacters.
fn non_printable(c: char) -> bool {
    let code = c as u32;
    matches!(code,
        0x00..=0x1f | 0x7f..=0xa0 | 0xad
        | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2
        | 0x1680 | 0x180e
        | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064 | 0x2066..=0x206f
        | 0x3000 | 0xd800..=0xf8ff | 0xfdd0..=0xfdef | 0xfeff | 0xfff9..=0xfffb
        | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f
        | 0xf0000..=0x10ffff)
        || code & 0xfffe == 0xfffe
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(external id, str(('github', external_id)))` pairs printed by
    /// CPython 3 itself (JSON-encoded).
    const CPYTHON: &str = r#"[
        ["owner/repo", "('github', 'owner/repo')"],
        ["it's", "('github', \"it's\")"],
        ["say \"hi\"", "('github', 'say \"hi\"')"],
        ["both ' and \"", "('github', 'both \\' and \"')"],
        ["back\\slash", "('github', 'back\\\\slash')"],
        ["tab\there", "('github', 'tab\\there')"],
        ["nl\nx", "('github', 'nl\\nx')"],
        ["bell\u0007", "('github', 'bell\\x07')"],
        ["del\u007f", "('github', 'del\\x7f')"],
        ["caf\u00e9", "('github', 'caf\u00e9')"],
        ["nbsp\u00a0x", "('github', 'nbsp\\xa0x')"],
        ["zw\u200bx", "('github', 'zw\\u200bx')"],
        ["emoji\ud83d\ude00", "('github', 'emoji\ud83d\ude00')"],
        ["priv\ue000", "('github', 'priv\\ue000')"],
        ["soft\u00adhy", "('github', 'soft\\xadhy')"],
        ["c1\u0085", "('github', 'c1\\x85')"]
    ]"#;

    #[test]
    fn renders_like_cpython() {
        let cases: Vec<(String, String)> = serde_json::from_str(CPYTHON).unwrap();
        for (external_id, want) in cases {
            let key = RepositoryKey::External("github".into(), external_id.clone());
            assert_eq!(python_str(&key), want, "{external_id:?}");
        }
        assert_eq!(python_str(&RepositoryKey::Id(5)), "5");
        assert_eq!(lookup_message(12, &RepositoryKey::Id(5)), "125");
    }

    #[test]
    fn any_configured_secret_verifies() {
        let secrets = [Secret::new("old"), Secret::new("new")];
        let message = b"1('github', 'o/r')";
        for secret in &secrets {
            let sig = hex::decode(sign(secret, message)).unwrap();
            assert!(verify(&secrets, message, &sig));
        }
        let wrong = hex::decode(sign(&Secret::new("other"), message)).unwrap();
        assert!(!verify(&secrets, message, &wrong));
        assert!(!verify(&[], message, &wrong));

        let mut headers = HeaderMap::new();
        let hex_sig = sign(&secrets[0], message);
        for value in [
            format!("rpcsignature rpc0:{hex_sig}"),
            format!("rpc0:{hex_sig}"),
        ] {
            headers.insert("authorization", value.parse().unwrap());
            assert_eq!(
                parse_authorization(&headers).unwrap(),
                hex::decode(&hex_sig).unwrap()
            );
        }
        for bad in ["rpc0:zz", "rpcsignature rpc1:00", "Bearer x", "rpc0:abcd"] {
            headers.insert("authorization", bad.parse().unwrap());
            assert_eq!(parse_authorization(&headers).unwrap_err().status, 401);
        }
    }
}
