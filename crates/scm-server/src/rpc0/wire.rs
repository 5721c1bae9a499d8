//! What an rpc0 proxy request carries, and what of the provider's answer
//! goes back.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, IF_NONE_MATCH};
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;

/// `{"type":"action","data":{…}}`.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: ProxyData,
}

/// The provider request as the client describes it. Every field but
/// `method` and `path` may be absent or `null`.
#[derive(Debug, Deserialize)]
pub struct ProxyData {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: Option<serde_json::Map<String, Value>>,
    /// The body: a string is sent as it is, any other JSON value as JSON.
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub params: Option<serde_json::Map<String, Value>>,
    /// Redirects are never followed by the server (credentials must not
    /// travel to another host): a 3xx goes back with its `Location`.
    #[serde(default)]
    pub allow_redirects: Option<bool>,
    /// The answer is always streamed.
    #[serde(default)]
    pub stream: Option<bool>,
}

/// Parses the body (after its signature was verified).
pub fn parse_body(body: &[u8]) -> Result<ProxyData, ApiError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|err| {
        ApiError::malformed(format!(
            "the body must be {{\"type\":\"action\",\"data\":{{\"method\",\"path\",…}}}}: {err}"
        ))
    })?;
    if envelope.kind != "action" {
        return Err(ApiError::malformed("`type` must be `action`"));
    }
    Ok(envelope.data)
}

/// The methods a proxied request may use.
pub fn parse_method(method: &str) -> Result<Method, ApiError> {
    match method.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::GET),
        "HEAD" => Ok(Method::HEAD),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "PATCH" => Ok(Method::PATCH),
        "DELETE" => Ok(Method::DELETE),
        _ => Err(ApiError::malformed(
            "`method` must be GET, HEAD, POST, PUT, PATCH or DELETE",
        )),
    }
}

/// The request headers a client may pass on; all others (authorization,
/// cookies, host, hop-by-hop) are dropped.
const FORWARDED: [HeaderName; 3] = [ACCEPT, CONTENT_TYPE, IF_NONE_MATCH];

pub fn forwarded_headers(
    headers: Option<&serde_json::Map<String, Value>>,
) -> Result<HeaderMap, ApiError> {
    let mut out = HeaderMap::new();
    for (name, value) in headers.into_iter().flatten() {
        let Some(name) = FORWARDED
            .iter()
            .find(|allowed| name.eq_ignore_ascii_case(allowed.as_str()))
        else {
            continue;
        };
        let value = match value {
            Value::Null => continue,
            Value::String(value) => value,
            _ => {
                return Err(ApiError::malformed(format!(
                    "header `{name}` must be a string"
                )))
            }
        };
        crate::limits::check_forwarded_header(name.as_str(), value)?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| ApiError::malformed(format!("header `{name}` has an invalid value")))?;
        out.insert(name.clone(), value);
    }
    Ok(out)
}

/// `params` as a query string: strings, numbers and booleans as they
/// read, lists as repeated keys (like Python's `requests`); `null` skips.
pub fn query_string(params: Option<&serde_json::Map<String, Value>>) -> Result<String, ApiError> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let scalar = |name: &str, value: &Value| -> Result<Option<String>, ApiError> {
        Ok(match value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            // Python's `str(True)`, as `requests` sends it.
            Value::Bool(true) => Some("True".into()),
            Value::Bool(false) => Some("False".into()),
            _ => {
                return Err(ApiError::malformed(format!(
                    "parameter `{name}` must be a string, number, boolean or list of them"
                )))
            }
        })
    };
    for (name, value) in params.into_iter().flatten() {
        match value {
            Value::Array(items) => {
                for item in items {
                    if let Some(item) = scalar(name, item)? {
                        query.append_pair(name, &item);
                    }
                }
            }
            value => {
                if let Some(value) = scalar(name, value)? {
                    query.append_pair(name, &value);
                }
            }
        }
    }
    Ok(query.finish())
}

/// The body to send, and the content type it implies when the client
/// named none.
pub fn request_body(data: Option<&Value>) -> Result<(Bytes, Option<&'static str>), ApiError> {
    match data {
        None | Some(Value::Null) => Ok((Bytes::new(), None)),
        Some(Value::String(text)) => Ok((Bytes::from(text.clone()), None)),
        Some(json) => Ok((
            Bytes::from(
                serde_json::to_vec(json).map_err(|err| ApiError::malformed(err.to_string()))?,
            ),
            Some("application/json"),
        )),
    }
}

/// Whether a provider response header may go back to the client: not a
/// hop-by-hop header (nor one the `Connection` header names), and nothing
/// that could carry credentials or session state.
pub fn returned_header(name: &HeaderName, connection_listed: &[String]) -> bool {
    const HOP_BY_HOP: [&str; 9] = [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    ];
    const CREDENTIAL_WORDS: [&str; 6] = [
        "authorization",
        "cookie",
        "token",
        "secret",
        "session",
        "auth",
    ];
    let name = name.as_str();
    !HOP_BY_HOP.contains(&name)
        && !connection_listed.iter().any(|listed| listed == name)
        && !CREDENTIAL_WORDS.iter().any(|word| name.contains(word))
}

/// The header names a `Connection` header lists (hop-by-hop too).
pub fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_negotiation_headers_are_forwarded() {
        let headers: serde_json::Map<String, Value> = serde_json::from_str(
            r#"{"Accept":"application/json","Authorization":"token x","Content-Type":"text/plain",
                "if-none-match":"\"abc\"","Host":"evil","Cookie":"a=b","X-Other":"1","accept-encoding":null}"#,
        )
        .unwrap();
        let out = forwarded_headers(Some(&headers)).unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out["accept"], "application/json");
        assert_eq!(out["if-none-match"], "\"abc\"");
        assert!(out.get("authorization").is_none());
        let bad: serde_json::Map<String, Value> =
            serde_json::from_str(r#"{"accept":"a\nb"}"#).unwrap();
        assert_eq!(forwarded_headers(Some(&bad)).unwrap_err().status, 400);
    }

    #[test]
    fn params_become_a_query() {
        let params: serde_json::Map<String, Value> = serde_json::from_str(
            r#"{"state":"open","per_page":100,"labels":["a b","c"],"draft":true,"skip":null}"#,
        )
        .unwrap();
        let query = query_string(Some(&params)).unwrap();
        let mut pairs: Vec<&str> = query.split('&').collect();
        pairs.sort_unstable();
        assert_eq!(
            pairs,
            [
                "draft=True",
                "labels=a+b",
                "labels=c",
                "per_page=100",
                "state=open"
            ]
        );
        let nested: serde_json::Map<String, Value> =
            serde_json::from_str(r#"{"x":{"y":1}}"#).unwrap();
        assert!(query_string(Some(&nested)).is_err());
        assert_eq!(query_string(None).unwrap(), "");
    }

    #[test]
    fn credential_and_hop_by_hop_headers_stay_behind() {
        let mut headers = HeaderMap::new();
        headers.insert("connection", "close, x-private".parse().unwrap());
        let listed = connection_listed(&headers);
        for name in [
            "set-cookie",
            "authorization",
            "transfer-encoding",
            "x-private",
            "x-github-token",
            "www-authenticate",
        ] {
            assert!(
                !returned_header(&HeaderName::from_static(name), &listed),
                "{name}"
            );
        }
        for name in [
            "etag",
            "link",
            "x-ratelimit-remaining",
            "content-type",
            "location",
        ] {
            assert!(
                returned_header(&HeaderName::from_static(name), &listed),
                "{name}"
            );
        }
    }

    #[test]
    fn bodies() {
        assert!(parse_body(br#"{"type":"other","data":{"method":"GET","path":"/"}}"#).is_err());
        let data = parse_body(
            br#"{"type":"action","data":{"method":"get","path":"/x","headers":null,"data":null,
                "params":null,"allow_redirects":null,"stream":null}}"#,
        )
        .unwrap();
        assert_eq!(parse_method(&data.method).unwrap(), Method::GET);
        assert!(parse_method("CONNECT").is_err());
        let (body, kind) = request_body(Some(&serde_json::json!({"a":1}))).unwrap();
        assert_eq!(
            (&body[..], kind),
            (&br#"{"a":1}"#[..], Some("application/json"))
        );
        let (body, kind) = request_body(Some(&Value::String("raw".into()))).unwrap();
        assert_eq!((&body[..], kind), (&b"raw"[..], None));
    }
}
