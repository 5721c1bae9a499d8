//! Who is logged in: sessions held in this process, the cookie that names
//! one, the admin-token check and the per-address login limit.
//!
//! Sessions live in memory: a restart logs every operator out, and behind
//! a load balancer an operator needs a sticky route. That keeps the
//! registry free of login state and makes revoking every session as easy
//! as restarting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cookie::{Cookie, SameSite};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::HeaderMap;
use scm_core::Secret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE: &str = "scm_console";

/// One logged-in operator.
#[derive(Debug, Clone)]
pub struct Session {
    /// Names the session in logs: never the id itself, which is the
    /// credential the cookie carries.
    pub tag: String,
    /// The token every state-changing form of this session must carry.
    pub csrf: String,
    expires_at: Instant,
}

/// Sessions by id, with their lifetime.
pub struct Sessions {
    ttl: Duration,
    by_id: Mutex<HashMap<String, Session>>,
}

fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

impl Sessions {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            by_id: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.by_id.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a session; its id (for the cookie) and the session.
    pub fn open(&self) -> (String, Session) {
        let id = random_hex(32);
        let session = Session {
            tag: hex::encode(&Sha256::digest(id.as_bytes())[..4]),
            csrf: random_hex(32),
            expires_at: Instant::now() + self.ttl,
        };
        let now = Instant::now();
        let mut map = self.map();
        map.retain(|_, s| s.expires_at > now);
        map.insert(id.clone(), session.clone());
        (id, session)
    }

    /// The live session the request's cookie names, if any.
    pub fn current(&self, headers: &HeaderMap) -> Option<Session> {
        let id = session_id(headers)?;
        let mut map = self.map();
        match map.get(&id) {
            Some(session) if session.expires_at > Instant::now() => Some(session.clone()),
            Some(_) => {
                map.remove(&id);
                None
            }
            None => None,
        }
    }

    /// Ends the request's session (logout).
    pub fn close(&self, headers: &HeaderMap) {
        if let Some(id) = session_id(headers) {
            self.map().remove(&id);
        }
    }
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

/// Whether the answer's cookie gets `Secure`: configured so, or the
/// request reached a TLS proxy that says so.
pub fn secure(configured: bool, headers: &HeaderMap) -> bool {
    configured
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// `Set-Cookie` for a session (`id`), or for clearing it (`None`).
pub fn set_cookie(id: Option<&str>, ttl: Duration, secure: bool) -> String {
    let mut cookie = Cookie::build((COOKIE, id.unwrap_or("").to_owned()))
        .path("/console")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure);
    cookie = match id {
        Some(_) => cookie.max_age(cookie::time::Duration::seconds(
            i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
        )),
        None => cookie.max_age(cookie::time::Duration::ZERO),
    };
    cookie.build().to_string()
}

/// Compares a submitted admin token with the configured one in constant
/// time (an empty configured token never matches).
pub fn token_matches(configured: &Secret, given: &str) -> bool {
    !configured.is_empty() && bool::from(given.as_bytes().ct_eq(configured.expose().as_bytes()))
}

/// Compares a form's CSRF token with its session's.
pub fn csrf_matches(session: &Session, given: &str) -> bool {
    !given.is_empty() && bool::from(given.as_bytes().ct_eq(session.csrf.as_bytes()))
}

/// Login attempts per client address.
pub struct LoginLimiter(DefaultKeyedRateLimiter<IpAddr>);

impl LoginLimiter {
    pub fn per_minute(attempts: u32) -> Self {
        let attempts = NonZeroU32::new(attempts).unwrap_or(NonZeroU32::MIN);
        Self(RateLimiter::keyed(Quota::per_minute(attempts)))
    }

    /// Takes one attempt for `address`; `false` when it has none left.
    pub fn attempt(&self, address: IpAddr) -> bool {
        if self.0.len() > 10_000 {
            self.0.retain_recent();
        }
        self.0.check_key(&address).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, value.parse().unwrap());
        headers
    }

    #[test]
    fn a_session_is_found_by_its_cookie_until_it_expires_or_closes() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let (id, session) = sessions.open();
        let headers = with_cookie(&format!("other=1; {COOKIE}={id}"));
        assert_eq!(sessions.current(&headers).unwrap().csrf, session.csrf);
        assert!(!session.tag.is_empty() && !id.starts_with(&session.tag));
        sessions.close(&headers);
        assert!(sessions.current(&headers).is_none());

        let expired = Sessions::new(Duration::ZERO);
        let (id, _) = expired.open();
        assert!(expired
            .current(&with_cookie(&format!("{COOKIE}={id}")))
            .is_none());
    }

    #[test]
    fn cookie_attributes() {
        let cookie = set_cookie(Some("abc"), Duration::from_secs(60), true);
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/console",
            "Max-Age=60",
        ] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!set_cookie(Some("abc"), Duration::from_secs(60), false).contains("Secure"));
        assert!(set_cookie(None, Duration::ZERO, false).contains("Max-Age=0"));
    }

    #[test]
    fn tokens_and_the_limit() {
        assert!(token_matches(&Secret::new("t0k"), "t0k"));
        assert!(!token_matches(&Secret::new("t0k"), "t0"));
        assert!(!token_matches(&Secret::new(""), ""));
        let limiter = LoginLimiter::per_minute(2);
        let address = IpAddr::from([127, 0, 0, 1]);
        assert!(limiter.attempt(address) && limiter.attempt(address));
        assert!(!limiter.attempt(address));
        assert!(limiter.attempt(IpAddr::from([127, 0, 0, 2])));
    }
}
