//! Errors to Sentry, from `scm serve` and `scm worker`.
//!
//! What becomes a Sentry event:
//! - every `error`-level log event of the platform: requests answered with
//!   a 5xx (an internal error, or a provider that still failed after the
//!   retries: `code` tells which), deliveries moved to the dead-letter
//!   store, failed acknowledgements;
//! - panics (the `sentry` panic integration), with the tags of the spans
//!   they happened in.
//!
//! Each event is tagged with what the surrounding spans recorded
//! ([`TAG_FIELDS`]: provider, action, referrer, listener, delivery id,
//! code, trace id). Nothing else of the process goes to Sentry: no
//! breadcrumbs (a server's breadcrumbs would mix unrelated requests), no
//! transactions (traces go over OTLP), no request data.
//!
//! [`scrub`] runs as `before_send` on every event: it drops request data,
//! cookies, query strings and user information, filters values under
//! sensitive keys and masks tokens, signatures and URL credentials inside
//! text. Log events never hold a secret to begin with; the scrubber is the
//! second line for panic messages and error texts that quote a provider.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use sentry::integrations::tracing::EventMapping;
use sentry::protocol::{Event, Value};
use tracing::field::{Field, Visit};
use tracing::Subscriber;
use tracing_subscriber::filter::{filter_fn, LevelFilter};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::{span_data, ObservabilityConfig};

/// Span and event fields that become tags of a Sentry event.
pub const TAG_FIELDS: [&str; 7] = [
    "provider",
    "action",
    "referrer",
    "listener",
    "delivery_id",
    "code",
    "trace_id",
];

/// What replaces a filtered value.
pub const FILTERED: &str = "[Filtered]";

/// Why error reporting could not start.
#[derive(Debug, thiserror::Error)]
#[error("SCM_SENTRY_DSN is not a valid Sentry DSN: {0}")]
pub struct ErrorReportingError(String);

/// Keeps the Sentry client; flushes pending events when dropped.
pub struct ErrorReporting {
    _client: sentry::ClientInitGuard,
}

/// The `tracing` layer that reports errors, and the client, when
/// `sentry_dsn` is set.
pub fn layer<S>(
    config: &ObservabilityConfig,
) -> Result<Option<(impl Layer<S>, ErrorReporting)>, ErrorReportingError>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let Some(dsn) = &config.sentry_dsn else {
        return Ok(None);
    };
    // The DSN's own text is never echoed: it carries the project's key.
    let dsn: sentry::types::Dsn = dsn
        .parse()
        .map_err(|err: sentry::types::ParseDsnError| ErrorReportingError(err.to_string()))?;
    let release = config
        .sentry_release
        .clone()
        .unwrap_or_else(|| concat!("scm@", env!("CARGO_PKG_VERSION")).to_owned());
    let client = sentry::init(sentry::ClientOptions {
        dsn: Some(dsn),
        release: Some(release.into()),
        environment: config.sentry_environment.clone().map(Cow::Owned),
        send_default_pii: false,
        max_breadcrumbs: 0,
        before_send: Some(Arc::new(|event: Event<'static>| {
            Some(scrub(with_panic_tags(event)))
        })),
        ..Default::default()
    });
    let reporter = sentry::integrations::tracing::layer()
        .span_filter(|_| false)
        .event_mapper(|event, ctx| report(event, &ctx));
    // Only the platform's spans (for their tags) and its errors reach
    // the layer; the answer depends on the call site, so `tracing` caches
    // it and the dependencies' debug events stay disabled.
    let relevant = filter_fn(|metadata| {
        let least = if metadata.is_span() {
            tracing::Level::INFO
        } else {
            tracing::Level::ERROR
        };
        metadata.target().starts_with("scm") && *metadata.level() <= least
    })
    .with_max_level_hint(LevelFilter::INFO);
    Ok(Some((
        SpanTags.and_then(reporter).with_filter(relevant),
        ErrorReporting { _client: client },
    )))
}

/// An `error` event of the platform (the only events the layer's filter
/// lets through) as a Sentry event with its tags.
fn report<S>(event: &tracing::Event<'_>, ctx: &Context<'_, S>) -> EventMapping
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let mut report =
        sentry::integrations::tracing::event_from_event(event, None::<&Context<'_, S>>);
    if let Some(scope) = ctx.event_scope(event) {
        for span in scope.from_root() {
            if let Some(Tags(tags)) = span.extensions().get::<Tags>() {
                report
                    .tags
                    .extend(tags.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
            }
        }
    }
    let mut own = BTreeMap::new();
    event.record(&mut TagVisitor(&mut own));
    report
        .tags
        .extend(own.into_iter().map(|(k, v)| (k.to_owned(), v)));
    EventMapping::Event(report)
}

/// A panic's event with the tags of the spans it happened in.
///
/// The panic hook builds the event on the panicking thread, inside the
/// request's or listener run's spans, and `before_send` runs there too; an
/// event of another kind already has its tags from [`report`].
fn with_panic_tags(mut event: Event<'static>) -> Event<'static> {
    let panicked = event.exception.values.iter().any(|exception| {
        exception
            .mechanism
            .as_ref()
            .is_some_and(|mechanism| mechanism.ty == "panic")
    });
    if panicked {
        span_data::with_span(&tracing::Span::current(), |span| {
            // Innermost first: a run's tags win over its parents'.
            for ancestor in span.scope() {
                if let Some(Tags(tags)) = ancestor.extensions().get::<Tags>() {
                    for (key, value) in tags {
                        event
                            .tags
                            .entry((*key).to_owned())
                            .or_insert_with(|| value.clone());
                    }
                }
            }
        });
    }
    event
}

/// Keeps the [`TAG_FIELDS`] each span records, for [`report`].
struct SpanTags;

#[derive(Default)]
struct Tags(BTreeMap<&'static str, String>);

struct TagVisitor<'a>(&'a mut BTreeMap<&'static str, String>);

impl TagVisitor<'_> {
    fn keep(&mut self, field: &Field, value: String) {
        if let Some(name) = TAG_FIELDS.iter().find(|name| **name == field.name()) {
            self.0.insert(*name, value);
        }
    }
}

impl Visit for TagVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.keep(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.keep(field, format!("{value:?}"));
    }
}

impl<S> Layer<S> for SpanTags
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut tags = Tags::default();
        attrs.record(&mut TagVisitor(&mut tags.0));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(tags);
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id) {
            if let Some(Tags(tags)) = span.extensions_mut().get_mut::<Tags>() {
                values.record(&mut TagVisitor(tags));
            }
        }
    }
}

/// Parts of a key that mark its value as secret.
const SENSITIVE_KEYS: [&str; 12] = [
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "authorization",
    "cookie",
    "credential",
    "private",
    "dsn",
    "body",
    "payload",
];

/// Words after which the next word is a credential (`Bearer abc`).
const SCHEMES: [&str; 3] = ["bearer", "basic", "token"];

/// Prefixes of webhook signatures; the prefixes of provider tokens come
/// from each provider's registration
/// ([`ProviderRegistration::token_prefixes`](scm_core::registration::ProviderRegistration::token_prefixes)).
const SIGNATURE_PREFIXES: [&str; 2] = ["sha256=", "sha1="];

/// Every prefix that marks a credential in free text: the signature forms
/// and each registered provider's token forms, lower-cased.
fn token_prefixes() -> &'static [String] {
    static PREFIXES: OnceLock<Vec<String>> = OnceLock::new();
    PREFIXES.get_or_init(|| {
        SIGNATURE_PREFIXES
            .iter()
            .copied()
            .chain(
                scm_providers::PROVIDERS
                    .iter()
                    .flat_map(|provider| provider.token_prefixes().iter().copied()),
            )
            .map(str::to_ascii_lowercase)
            .collect()
    })
}

fn is_sensitive(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SENSITIVE_KEYS.iter().any(|part| key.contains(part))
}

/// Masks credentials inside free text: the word after `Bearer`, `Basic` or
/// `token`, values of `key=value` pairs whose key is sensitive, known token
/// and signature forms, and the user information of URLs.
pub fn scrub_text(text: &str) -> String {
    let mut out = Vec::new();
    let mut mask_next = false;
    for word in text.split(' ') {
        let bare = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
        let masked = if mask_next && !bare.is_empty() {
            FILTERED.to_owned()
        } else {
            scrub_word(word)
        };
        mask_next = SCHEMES.contains(&bare.to_ascii_lowercase().as_str());
        out.push(masked);
    }
    out.join(" ")
}

fn scrub_word(word: &str) -> String {
    if let Some((key, _)) = word.split_once(['=', ':']) {
        if is_sensitive(key) && !key.contains("//") {
            return format!("{key}={FILTERED}");
        }
    }
    let trimmed = word.trim_start_matches(|c: char| "\"'([{<".contains(c));
    let lowered = trimmed.to_ascii_lowercase();
    if token_prefixes()
        .iter()
        .any(|prefix| lowered.starts_with(prefix.as_str()))
    {
        return FILTERED.to_owned();
    }
    let Some(scheme_end) = word.find("://") else {
        return word.to_owned();
    };
    // A URL: its user information and its query (which may carry a
    // token or a signature) are masked; scheme, host and path are kept.
    let mut url = match word.find('@') {
        Some(at) if scheme_end < at => {
            format!("{}{FILTERED}{}", &word[..scheme_end + 3], &word[at..])
        }
        _ => word.to_owned(),
    };
    if let Some(query) = url.find('?') {
        url.truncate(query + 1);
        url.push_str(FILTERED);
    }
    url
}

fn scrub_value(key: &str, value: &mut Value) {
    if is_sensitive(key) {
        *value = Value::String(FILTERED.to_owned());
        return;
    }
    match value {
        Value::String(text) => *text = scrub_text(text),
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_value("", item)),
        Value::Object(map) => map
            .iter_mut()
            .for_each(|(key, value)| scrub_value(key, value)),
        _ => {}
    }
}

fn scrub_map(map: &mut BTreeMap<String, Value>) {
    map.iter_mut()
        .for_each(|(key, value)| scrub_value(key, value));
}

/// The `before_send` of the Sentry client: what may leave the process.
pub fn scrub(mut event: Event<'static>) -> Event<'static> {
    event.user = None;
    event.server_name = None;
    if let Some(request) = event.request.as_mut() {
        request.data = None;
        request.cookies = None;
        request.query_string = None;
        request.env.clear();
        request.headers.retain(|name, _| !is_sensitive(name));
        if let Some(url) = request.url.as_mut() {
            url.set_query(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
    }
    event.message = event.message.as_deref().map(scrub_text);
    if let Some(entry) = event.logentry.as_mut() {
        entry.message = scrub_text(&entry.message);
        entry.params.iter_mut().for_each(|v| scrub_value("", v));
    }
    for exception in event.exception.values.iter_mut() {
        exception.value = exception.value.as_deref().map(scrub_text);
    }
    for (key, value) in event.tags.iter_mut() {
        *value = if is_sensitive(key) {
            FILTERED.to_owned()
        } else {
            scrub_text(value)
        };
    }
    scrub_map(&mut event.extra);
    for context in event.contexts.values_mut() {
        if let sentry::protocol::Context::Other(map) = context {
            scrub_map(map);
        }
    }
    event.breadcrumbs.values.clear();
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";
    const SECRET: &str = "hunter2-webhook-secret";

    #[test]
    fn text_loses_tokens_signatures_and_url_credentials() {
        let text = format!(
            "call failed: Authorization: Bearer {SECRET} token {SECRET} {TOKEN} \
             sha256=abcdef0123 https://user:{SECRET}@api.example.com/x password={SECRET}"
        );
        let scrubbed = scrub_text(&text);
        assert!(!scrubbed.contains(SECRET), "{scrubbed}");
        assert!(!scrubbed.contains(TOKEN), "{scrubbed}");
        assert!(!scrubbed.contains("abcdef0123"), "{scrubbed}");
        assert!(scrubbed.starts_with("call failed:"));
        assert!(scrubbed.contains("@api.example.com/x"));
        assert_eq!(
            scrub_text(&format!(
                "POST https://hooks.example/in?token={SECRET}&x=1 failed"
            )),
            "POST https://hooks.example/in?[Filtered] failed"
        );
        assert_eq!(scrub_text("provider answered 502"), "provider answered 502");
    }

    #[test]
    fn events_keep_their_tags_and_lose_every_secret() {
        let mut event = Event {
            message: Some(format!("panicked: token {SECRET}")),
            ..Default::default()
        };
        event.tags.insert("provider".into(), "github".into());
        event.tags.insert("webhook_secret".into(), SECRET.into());
        event.extra.insert("client_secret".into(), SECRET.into());
        event.extra.insert(
            "nested".into(),
            serde_json::json!({"authorization": SECRET, "list": [format!("Bearer {TOKEN}")]}),
        );
        let mut fields = BTreeMap::new();
        fields.insert("error".into(), Value::String(format!("401 for {TOKEN}")));
        fields.insert("body".into(), Value::String(SECRET.into()));
        event.contexts.insert(
            "Rust Tracing Fields".into(),
            sentry::protocol::Context::Other(fields),
        );
        event.request = Some(sentry::protocol::Request {
            url: Some(
                format!("https://x:{SECRET}@example.com/p?access_token={SECRET}")
                    .parse()
                    .unwrap(),
            ),
            data: Some(SECRET.into()),
            headers: [
                ("Authorization".to_owned(), format!("Bearer {SECRET}")),
                ("X-Hub-Signature-256".to_owned(), SECRET.to_owned()),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        });
        event.exception.values.push(sentry::protocol::Exception {
            ty: "panic".into(),
            value: Some(format!("token={SECRET}")),
            ..Default::default()
        });

        let scrubbed = scrub(event);
        let json = serde_json::to_string(&scrubbed).unwrap();
        assert!(!json.contains(SECRET), "{json}");
        assert!(!json.contains(TOKEN), "{json}");
        assert_eq!(scrubbed.tags["provider"], "github");
        assert_eq!(scrubbed.tags["webhook_secret"], FILTERED);
    }
}
