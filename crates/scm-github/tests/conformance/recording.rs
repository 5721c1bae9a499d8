//! A transport that records each exchange with prism and answers GraphQL
//! locally.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use scm_core::transport::{Body, HttpRequest, HttpResponse, Transport};
use scm_core::Error;
use scm_testkit::prism::VIOLATIONS_HEADER;

/// Answers a GraphQL request body with a JSON response body.
pub type GraphqlResponder = Box<dyn Fn(&serde_json::Value) -> serde_json::Value + Send + Sync>;

#[derive(Clone)]
pub struct Exchange {
    pub method: String,
    pub uri: String,
    pub status: u16,
    pub violations: Option<String>,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} -> {}", self.method, self.uri, self.status)?;
        if let Some(violations) = &self.violations {
            write!(f, " {violations}")?;
        }
        Ok(())
    }
}

pub struct Recording {
    inner: Arc<dyn Transport>,
    graphql: GraphqlResponder,
    exchanges: Mutex<Vec<Exchange>>,
}

impl Recording {
    pub fn new(inner: Arc<dyn Transport>, graphql: GraphqlResponder) -> Self {
        Self {
            inner,
            graphql,
            exchanges: Mutex::new(Vec::new()),
        }
    }

    pub fn clear(&self) {
        self.exchanges.lock().unwrap().clear();
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().unwrap().clone()
    }

    /// Exchanges whose request broke the description: prism answered 422,
    /// 404/405 (no such operation) or listed request violations. Violations
    /// of the *response* are GitHub's own examples disagreeing with its
    /// schemas, not ours to fail on.
    pub fn rejected(&self) -> Vec<Exchange> {
        self.exchanges()
            .into_iter()
            .filter(|e| {
                matches!(e.status, 404 | 405 | 422)
                    || e.violations.as_deref().is_some_and(has_request_violation)
            })
            .collect()
    }
}

fn is_local(uri: &http::Uri) -> bool {
    matches!(uri.host(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

fn has_request_violation(violations: &str) -> bool {
    let parsed: Vec<serde_json::Value> = serde_json::from_str(violations).unwrap_or_default();
    parsed.iter().any(|v| v["location"][0] == "request")
}

#[async_trait]
impl Transport for Recording {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let method = request.method().to_string();
        let uri = request.uri().to_string();
        if request.uri().path().ends_with("/graphql") {
            let body: serde_json::Value =
                serde_json::from_slice(request.body()).unwrap_or_default();
            let answer = (self.graphql)(&body);
            self.exchanges.lock().unwrap().push(Exchange {
                method,
                uri,
                status: 200,
                violations: None,
            });
            return Ok(http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from(serde_json::to_vec(&answer).unwrap()))
                .unwrap());
        }
        if !is_local(request.uri()) {
            // A redirect target from one of GitHub's examples (signed log
            // and archive URLs on other hosts): never leave the machine;
            // answer with a small stand-in file.
            self.exchanges.lock().unwrap().push(Exchange {
                method,
                uri,
                status: 200,
                violations: None,
            });
            return Ok(http::Response::builder()
                .status(200)
                .header("content-type", "application/octet-stream")
                .body(Body::from("redirect target stand-in\n"))
                .unwrap());
        }
        let response = self.inner.send(request).await?;
        let violations = response
            .headers()
            .get(VIOLATIONS_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.exchanges.lock().unwrap().push(Exchange {
            method,
            uri,
            status: response.status().as_u16(),
            violations,
        });
        Ok(response)
    }
}
