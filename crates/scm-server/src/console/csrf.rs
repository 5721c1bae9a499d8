//! Every state change is a `POST` whose form carries its session's CSRF
//! token (`csrf`). [`Change`] extracts the session and the form together
//! and refuses the request (403) unless the token matches: another site
//! cannot make an operator's browser revoke a key, even where
//! `SameSite=Strict` is not honoured.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::session::{self, Session};
use super::SharedConsole;

/// A checked state change: the operator's session and the form's fields
/// (besides `csrf`).
pub struct Change<T> {
    pub operator: Session,
    pub form: T,
}

/// The form of a change that has no field but the token (logout).
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct WithToken<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

fn refused(why: &'static str) -> Response {
    (StatusCode::FORBIDDEN, why).into_response()
}

impl<T> FromRequest<SharedConsole> for Change<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(
        request: Request,
        state: &SharedConsole,
    ) -> Result<Self, Self::Rejection> {
        let Some(operator) = state.sessions.current(request.headers()) else {
            return Err(refused("no console session: log in again"));
        };
        let Form(WithToken { csrf, form }) = Form::<WithToken<T>>::from_request(request, state)
            .await
            .map_err(|_| refused("the form is malformed"))?;
        if !session::csrf_matches(&operator, &csrf) {
            tracing::warn!(target: "scm::console", session = %operator.tag, "console change refused: CSRF token mismatch");
            return Err(refused("the form's CSRF token does not match the session"));
        }
        Ok(Change { operator, form })
    }
}
