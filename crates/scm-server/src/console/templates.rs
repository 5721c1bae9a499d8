//! The pages' templates, compiled into the binary and rendered with
//! MiniJinja. Every `.html` template is autoescaped, so a value from a
//! webhook (a repository name, a listener's error) cannot become markup.

use minijinja::Environment;
use serde::Serialize;

/// (name, source) of every template.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("forms.html", include_str!("templates/forms.html")),
    ("login.html", include_str!("templates/login.html")),
    ("error.html", include_str!("templates/error.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("deliveries.html", include_str!("templates/deliveries.html")),
    ("delivery.html", include_str!("templates/delivery.html")),
    (
        "dead_letters.html",
        include_str!("templates/dead_letters.html"),
    ),
    ("listeners.html", include_str!("templates/listeners.html")),
    ("quotas.html", include_str!("templates/quotas.html")),
    (
        "integrations.html",
        include_str!("templates/integrations.html"),
    ),
    (
        "repositories.html",
        include_str!("templates/repositories.html"),
    ),
    ("keys.html", include_str!("templates/keys.html")),
    ("secrets.html", include_str!("templates/secrets.html")),
    (
        "capabilities.html",
        include_str!("templates/capabilities.html"),
    ),
];

/// The compiled templates.
pub struct Templates(Environment<'static>);

impl Templates {
    /// Compiles every template; a syntax error is a bug, caught by the
    /// unit test below before any server starts.
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("when", format_time);
        for (name, source) in TEMPLATES {
            if let Err(err) = env.add_template(name, source) {
                tracing::error!(template = name, error = %err, "console template does not compile");
            }
        }
        Self(env)
    }

    /// Renders `name` with `context`; the error page's text on failure.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, String> {
        self.0
            .get_template(name)
            .and_then(|template| template.render(context))
            .map_err(|err| {
                tracing::error!(template = name, error = %err, "console template failed");
                format!("the page `{name}` could not be rendered")
            })
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

/// `{{ unix_seconds|when }}`: RFC 3339 in UTC, or `-` for none.
fn format_time(value: Option<i64>) -> String {
    value
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let mut env = Environment::new();
        env.add_filter("when", format_time);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|err| panic!("{name}: {err:#}"));
        }
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
    }
}
