//! Shared test setup: a provider for `PRJ/my-repo` over a given REST
//! base, and a transport that records what was exchanged.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use scm_bitbucket_server::{BitbucketServer, BitbucketServerConfig, Credentials};
use scm_core::actions::Action;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::{HttpRequest, HttpResponse, ReqwestTransport, Transport};
use scm_core::{CallContext, Error, Handle};

pub const TOKEN: &str = "bbdc-http-access-token-0123456789";
pub const WEB: &str = "https://bitbucket.example.com/bitbucket";

/// A provider whose REST base is `api_url` (the instance's `{base}/rest`),
/// authenticated with an HTTP access token.
pub fn provider(api_url: &str, transport: Arc<dyn Transport>) -> BitbucketServer {
    let config = BitbucketServerConfig::custom(api_url, WEB, Credentials::Token(TOKEN.into()))
        .expect("valid URLs");
    BitbucketServer::with_auth(&config, transport).expect("valid credentials")
}

pub fn http() -> Arc<dyn Transport> {
    Arc::new(ReqwestTransport::new(std::time::Duration::from_secs(30)).expect("client"))
}

pub fn ctx() -> CallContext {
    CallContext::new(
        Arc::new(RepositoryRecord::direct("bitbucket_server", "PRJ/my-repo")),
        "tests",
    )
}

/// One request and its answer's status.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub uri: String,
    pub status: u16,
    pub authorization: Option<String>,
    pub violations: Option<String>,
}

/// Records every exchange; optionally adds `X-AUSERNAME` to answers of
/// `application-properties` (a header Data Center sends on every
/// authenticated answer but that no mock built from the description can
/// produce).
pub struct Recording {
    inner: Arc<dyn Transport>,
    username_header: Option<&'static str>,
    exchanges: Mutex<Vec<Exchange>>,
}

impl Recording {
    pub fn new(inner: Arc<dyn Transport>, username_header: Option<&'static str>) -> Self {
        Self {
            inner,
            username_header,
            exchanges: Mutex::new(Vec::new()),
        }
    }

    pub fn clear(&self) {
        self.exchanges.lock().unwrap().clear();
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().unwrap().clone()
    }
}

#[async_trait]
impl Transport for Recording {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let method = request.method().to_string();
        let uri = request.uri().to_string();
        let authorization = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut response = self.inner.send(request).await?;
        if let Some(name) = self.username_header {
            if uri.contains("/application-properties") && response.status().is_success() {
                response
                    .headers_mut()
                    .insert("x-ausername", name.parse().unwrap());
            }
        }
        let violations = response
            .headers()
            .get(scm_testkit::prism::VIOLATIONS_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.exchanges.lock().unwrap().push(Exchange {
            method,
            uri,
            status: response.status().as_u16(),
            authorization,
            violations,
        });
        Ok(response)
    }
}

/// Runs one action for `PRJ/my-repo` and returns its data (panics on an
/// error or a *not modified* answer).
pub async fn data<A: Action>(provider: &BitbucketServer, action: A) -> A::Output
where
    BitbucketServer: Handle<A>,
{
    provider
        .handle(action, &ctx())
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", A::NAME))
        .into_data()
        .expect("data, not `not modified`")
}

/// Runs one action that must fail, and returns the error.
pub async fn error<A: Action>(provider: &BitbucketServer, action: A) -> Error
where
    BitbucketServer: Handle<A>,
{
    match provider.handle(action, &ctx()).await {
        Ok(_) => panic!("{} succeeded", A::NAME),
        Err(err) => err,
    }
}

/// `create_commit` writing one UTF-8 file on `branch` on top of `parent`.
pub fn write_one_file(
    branch: &str,
    parent: &str,
    path: &str,
    content: &str,
) -> scm_core::actions::CreateCommit {
    scm_core::actions::CreateCommit {
        branch: branch.into(),
        parent_sha: scm_core::model::Sha::new(parent).unwrap(),
        message: "Add notes".into(),
        actions: vec![scm_core::model::CommitAction::Write {
            path: path.into(),
            content: content.into(),
            encoding: Default::default(),
            executable: false,
        }],
        force: false,
        create_branch: false,
        author: None,
        expected_head_sha: None,
    }
}
