//! Raw provider requests, scoped to one repository.
//!
//! The older RPC protocol (rpc0) lets a client send a provider request
//! almost as-is: method, path, a few headers and a body. A provider that
//! can serve it implements [`RawProxy`]; the server never builds provider
//! URLs itself. What keeps such a request inside its repository is
//! [`ProxyScope::check`]: the path must stay below the repository's API
//! prefix (or match one of the few routes the provider lists explicitly),
//! and anything that could move it elsewhere after normalization —
//! dot-segments, encoded slashes or dots, backslashes, absolute URLs — is
//! refused before a byte is sent. A provider whose API names things by
//! encoded paths in one segment (a file path, a branch, a project path)
//! may admit encoded slashes; the path must then stay free of dot-segments
//! and empty segments with them decoded too, so no reading of it leaves the
//! scope.
//!
//! The same trait also lets a provider add what the rpc0 repository lookup
//! tells the older platform's clients ([`LookupFields`]).

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::error::{Error, Result};
use crate::provider::CallContext;
use crate::registry::RepositoryRecord;
use crate::transport::{HttpRequest, HttpResponse};

/// Which of the integration's identities sends the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CredentialSet {
    /// The installation (or the integration's token).
    #[default]
    Installation,
    /// The application itself (GitHub App JWT); providers without such an
    /// identity use their only one.
    Application,
}

/// A route outside the repository prefix that a provider lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraRoute {
    pub method: Method,
    /// The exact path (no prefix matching).
    pub path: &'static str,
    /// What the route can reach beyond the repository, for operators.
    pub risk: &'static str,
}

/// Where proxied requests for one repository may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyScope {
    /// The repository's API prefix, encoded, e.g. `/repos/acme/widgets`.
    pub prefix: String,
    /// Whether the provider matches names in the prefix without regard to
    /// ASCII case (GitHub does).
    pub case_insensitive: bool,
    /// Routes outside the prefix, allowed only when the caller opts in.
    pub extra: Vec<ExtraRoute>,
    /// Whether `%2F` may appear in the path (for an API that names a
    /// project, a file or a branch by one encoded segment). The path is
    /// then checked twice: as sent and with `%2F` decoded.
    pub encoded_slashes: bool,
}

/// A path that passed [`ProxyScope::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedPath {
    /// The path, unchanged (still percent-encoded).
    pub path: String,
    /// The query string without `?`, unchanged.
    pub query: Option<String>,
    /// Set when the path is one of [`ProxyScope::extra`].
    pub extra: bool,
}

impl ScopedPath {
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }
}

/// Why a proxied path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathRefused(pub String);

fn refuse<T>(detail: impl Into<String>) -> Result<T, PathRefused> {
    Err(PathRefused(detail.into()))
}

/// Percent-escapes that must not appear in a proxied path: they decode to
/// characters that change the path's structure (`/`, `\`, `.`, `%`) or to
/// control characters.
fn escape_is_dangerous(hi: u8, lo: u8, encoded_slashes: bool) -> bool {
    let hex = |c: u8| (c as char).to_digit(16);
    match (hex(hi), hex(lo)) {
        (Some(h), Some(l)) => {
            let byte = (h * 16 + l) as u8;
            if byte == b'/' {
                return !encoded_slashes;
            }
            matches!(byte, b'\\' | b'.' | b'%') || byte < 0x20 || byte == 0x7f
        }
        // A `%` not followed by two hex digits is malformed.
        _ => true,
    }
}

/// Checks the syntax every proxied path must have, whatever the scope.
fn check_syntax(raw: &str, encoded_slashes: bool) -> Result<(&str, Option<&str>), PathRefused> {
    if raw.len() > 2048 {
        return refuse("the path is longer than 2048 characters");
    }
    if !raw.starts_with('/') || raw.starts_with("//") {
        return refuse("the path must be relative to the API (start with a single `/`)");
    }
    if let Some(bad) = raw
        .bytes()
        .find(|b| !(0x21..0x7f).contains(b) || matches!(b, b'\\' | b'#'))
    {
        return refuse(format!(
            "the path contains a forbidden character (0x{bad:02x})"
        ));
    }
    let (path, query) = match raw.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (raw, None),
    };
    let bytes = path.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && escape_is_dangerous(
                bytes.get(i + 1).copied().unwrap_or(0),
                bytes.get(i + 2).copied().unwrap_or(0),
                encoded_slashes,
            )
        {
            return refuse("the path contains an encoded `/`, `\\`, `.`, `%` or control character");
        }
    }
    check_segments(path)?;
    if encoded_slashes {
        check_segments(&path.replace("%2F", "/").replace("%2f", "/"))?;
    }
    if let Some(query) = query {
        if query.bytes().any(|b| b == b'?') {
            return refuse("the query contains a second `?`");
        }
    }
    Ok((path, query))
}

/// No `.` or `..` segment, and no empty one but the last.
fn check_segments(path: &str) -> Result<(), PathRefused> {
    let segments: Vec<&str> = path[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        if *segment == "." || *segment == ".." {
            return refuse("the path contains a dot-segment");
        }
        if segment.is_empty() && i != last {
            return refuse("the path contains an empty segment");
        }
    }
    Ok(())
}

impl ProxyScope {
    /// Accepts `raw` (path and optional query, as the client sent them)
    /// when it stays inside this scope. `allow_extra` opts in to
    /// [`ProxyScope::extra`].
    pub fn check(
        &self,
        method: &Method,
        raw: &str,
        allow_extra: bool,
    ) -> Result<ScopedPath, PathRefused> {
        let (path, query) = check_syntax(raw, self.encoded_slashes)?;
        let scoped = |extra| ScopedPath {
            path: path.to_owned(),
            query: query.map(str::to_owned),
            extra,
        };
        let prefix = self.prefix.trim_end_matches('/');
        let head = path.get(..prefix.len());
        let rest = path.get(prefix.len()..).unwrap_or("");
        let same = match head {
            Some(head) if self.case_insensitive => head.eq_ignore_ascii_case(prefix),
            Some(head) => head == prefix,
            None => false,
        };
        if same && (rest.is_empty() || rest.starts_with('/')) {
            return Ok(scoped(false));
        }
        if let Some(route) = self
            .extra
            .iter()
            .find(|route| route.method == *method && route.path == path)
        {
            if allow_extra {
                return Ok(scoped(true));
            }
            return refuse(format!(
                "`{} {}` is outside the repository and not enabled on this server",
                route.method, route.path
            ));
        }
        refuse("the path is outside the repository the request is signed for")
    }
}

/// A provider request passed through for one repository.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: Method,
    /// A path accepted by the repository's [`ProxyScope`].
    pub path: ScopedPath,
    /// Only the headers the caller may set (content negotiation and
    /// validators); authentication is added by the provider's transport.
    pub headers: HeaderMap,
    pub body: Bytes,
    pub credentials: CredentialSet,
}

impl RawRequest {
    /// The HTTP request for `uri` (the provider's API base joined with
    /// [`RawRequest::path`]): the caller's headers, `accept` unless the
    /// caller named one, the body, and the call's request context (only
    /// `GET` and `HEAD` count as idempotent, for retries). The provider
    /// adds its own headers and extensions before sending it.
    pub fn into_http(self, uri: &str, accept: &str, ctx: &CallContext) -> Result<HttpRequest> {
        let idempotent = matches!(self.method, Method::GET | Method::HEAD);
        let accept = http::HeaderValue::from_str(accept)
            .map_err(|_| Error::invalid_input("invalid default `accept`"))?;
        let mut builder = http::Request::builder().method(self.method).uri(uri);
        if let Some(headers) = builder.headers_mut() {
            *headers = self.headers;
            headers.entry(http::header::ACCEPT).or_insert(accept);
        }
        let mut request = builder
            .body(self.body)
            .map_err(|err| Error::invalid_input(format!("invalid request: {err}")))?;
        request
            .extensions_mut()
            .insert(ctx.request_context(idempotent));
        Ok(request)
    }
}

/// A provider that can send raw requests for a repository through its
/// own transport stack (authentication, quota, retry).
#[async_trait]
pub trait RawProxy: Send + Sync + 'static {
    /// Where requests for `ctx.repository` may go.
    fn scope(&self, ctx: &CallContext) -> Result<ProxyScope>;

    /// Sends the request and returns the provider's answer as it is:
    /// error statuses are not mapped, the body is not read. Errors are
    /// only what prevented an answer (quota refusal, network failure).
    async fn send_raw(&self, request: RawRequest, ctx: &CallContext) -> Result<HttpResponse>;

    /// What the rpc0 repository lookup adds for `ctx.repository`; nothing
    /// by default.
    fn lookup_fields(&self, ctx: &CallContext) -> Result<LookupFields> {
        let _ = ctx;
        Ok(LookupFields::default())
    }
}

/// What the older platform's clients read about a repository beyond the
/// registry record, in their terms. `None` leaves a field as the registry
/// has it (or `null` where the registry has nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupFields {
    /// The provider's name as those clients know it, when it differs (a
    /// self-hosted variant named apart).
    pub provider_name: Option<String>,
    /// The external id in the form those clients parse, when it differs.
    pub external_id: Option<String>,
    /// The provider's web base (scheme, host, any path prefix), for links.
    pub web_base_url: Option<String>,
    /// The app installation the integration acts through, if any.
    pub installation_id: Option<String>,
    /// The repository's path on the provider's host, when its name alone
    /// does not give it.
    pub path: Option<String>,
}

/// Picks the raw proxy for a repository's integration (the counterpart of
/// [`ProviderResolver`](crate::provider::ProviderResolver)). Providers that
/// cannot proxy answer `Error::Unsupported`-like errors of their choice.
#[async_trait]
pub trait ProxyResolver: Send + Sync {
    async fn proxy_for(&self, repository: &RepositoryRecord) -> Result<Arc<dyn RawProxy>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> ProxyScope {
        ProxyScope {
            prefix: "/repos/acme/widgets".into(),
            case_insensitive: true,
            extra: vec![ExtraRoute {
                method: Method::POST,
                path: "/graphql",
                risk: "any node the credentials can see",
            }],
            encoded_slashes: false,
        }
    }

    #[test]
    fn paths_inside_the_repository_pass() {
        let s = scope();
        for ok in [
            "/repos/acme/widgets",
            "/repos/acme/widgets/",
            "/repos/acme/widgets/issues/1/comments",
            "/repos/Acme/Widgets/pulls?state=open&per_page=100",
            "/repos/acme/widgets/contents/docs%20dir/a%C3%A9.md",
            "/repos/acme/widgets/git/refs/heads/feature/x",
        ] {
            let checked = s.check(&Method::GET, ok, false).unwrap();
            assert!(!checked.extra);
            assert_eq!(checked.path_and_query(), ok);
        }
        assert!(
            s.check(&Method::POST, "/graphql", true).unwrap().extra,
            "opted-in extra route"
        );
    }

    #[test]
    fn escapes_are_refused() {
        let s = scope();
        for bad in [
            "/repos/acme/widgets/../other",
            "/repos/acme/widgets/issues/../../../user",
            "/repos/acme/widgets/./issues",
            "/repos/acme/widgets/%2F..%2Fother",
            "/repos/acme/widgets/%2e%2e/other",
            "/repos/acme/widgets/%2E%2E/other",
            "/repos/acme/widgets/%252e%252e/other",
            "/repos/acme/widgets/%5C..%5Cother",
            "/repos/acme/widgets/..\\..\\user",
            "/repos/acme/widgets//issues",
            "/repos/acme/widgets/%",
            "/repos/acme/widgets/%zz",
            "/repos/acme/widgets-evil/issues",
            "/repos/acme/widget",
            "/repos/acme",
            "/repos/other/repo/issues",
            "/user",
            "/graphql",
            "//evil.example/repos/acme/widgets",
            "https://evil.example/repos/acme/widgets",
            "repos/acme/widgets",
            "",
            "/repos/acme/widgets/issues#frag",
            "/repos/acme/widgets/issues 1",
            "/repos/acme/widgets/issues?x=1?y=2",
            "/repos/acme/widgets/é",
        ] {
            assert!(s.check(&Method::GET, bad, true).is_err(), "{bad:?} passed");
        }
        // The extra route needs its method and the opt-in.
        assert!(s.check(&Method::POST, "/graphql", false).is_err());
        assert!(s.check(&Method::GET, "/graphql", true).is_err());
        assert!(s.check(&Method::POST, "/graphql/x", true).is_err());
    }

    #[test]
    fn encoded_slashes_when_the_provider_admits_them() {
        let s = ProxyScope {
            prefix: "/projects/group%2Fsub%2Fproject".into(),
            case_insensitive: true,
            extra: Vec::new(),
            encoded_slashes: true,
        };
        for ok in [
            "/projects/group%2Fsub%2Fproject",
            "/projects/Group%2fSub%2FProject/issues",
            "/projects/group%2Fsub%2Fproject/repository/files/docs%2Fa.md/raw?ref=main",
            "/projects/group%2Fsub%2Fproject/repository/branches/feature%2Fx",
            "/projects/group%2Fsub%2Fproject/repository/files/docs%2F.gitignore",
        ] {
            assert!(s.check(&Method::GET, ok, false).is_ok(), "{ok:?} refused");
        }
        for bad in [
            "/projects/group%2Fsub%2Fproject/repository/files/..%2F..%2F..%2Fuser",
            "/projects/group%2Fsub%2Fproject%2F..%2F..%2Fother%2Fproject/issues",
            "/projects/group%2Fsub%2Fproject/repository/files/a%2F%2Fb",
            "/projects/group%2Fsub%2Fproject/repository/files/a%2F.%2Fb",
            "/projects/group%2Fsub%2Fproject/repository/files/%2e%2e",
            "/projects/group%2Fsub%2Fproject/%5C..",
            "/projects/group%2Fsub%2Fproject-evil/issues",
            "/projects/group%2Fsub/issues",
            "/projects/group/sub/project/issues",
        ] {
            assert!(s.check(&Method::GET, bad, true).is_err(), "{bad:?} passed");
        }
        // Without the opt-in, an encoded slash stays refused.
        let strict = ProxyScope {
            encoded_slashes: false,
            ..s
        };
        assert!(strict
            .check(&Method::GET, "/projects/group%2Fsub%2Fproject", false)
            .is_err());
    }
}
