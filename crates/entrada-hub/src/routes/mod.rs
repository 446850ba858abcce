//! The HTTP surface: one module per resource of the Access API, then the extensions.

mod accesses;
mod admin;
mod attendance;
mod attendees;
mod discovery;
mod events;
mod feeds;
mod search;
mod tags;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::{get, post, put};

use crate::auth;
use crate::error::ApiError;
use crate::state::Shared;
pub(crate) use crate::state::db;

/// Largest request body: a 4 MB photo plus the other multipart fields and encoding overhead.
pub const MAX_BODY: usize = 6 * 1024 * 1024;

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::Status(StatusCode::METHOD_NOT_ALLOWED)
}

pub fn router(state: Shared) -> Router {
    let (event_root, event_checkpoints) = if state.plain {
        (get(events::list), get(events::checkpoints))
    } else {
        (
            get(events::list).post(admin::create_event),
            get(events::checkpoints).post(admin::create_checkpoint),
        )
    };
    let mut protected = Router::new()
        .route("/attendee", get(attendees::list).post(attendees::create))
        .route(
            "/attendee/{id}",
            get(attendees::get)
                .patch(attendees::update)
                .delete(attendees::delete),
        )
        .route(
            "/attendee/{id}/tags/{tag_id}",
            put(attendees::add_tag).delete(attendees::remove_tag),
        )
        .route("/attendee/{id}/activate", put(attendees::activate))
        .route("/attendee/{id}/deactivate", put(attendees::deactivate))
        .route("/tag", get(tags::list).post(tags::create))
        .route(
            "/tag/{id}",
            get(tags::get).patch(tags::update).delete(tags::delete),
        )
        .route("/checkpoint/{id}/accesses", post(accesses::create))
        .route("/event", event_root)
        .route("/event/{id}/checkpoints", event_checkpoints)
        .route("/event/{id}/attendance", get(attendance::list))
        .route("/event/{id}/attendance/{attendee}", get(attendance::get))
        .route(
            "/event/{id}/attendance/{attendee}/attend",
            put(attendance::attend),
        )
        .route(
            "/event/{id}/attendance/{attendee}/confirm",
            put(attendance::confirm),
        )
        .route(
            "/event/{id}/attendance/{attendee}/reject",
            put(attendance::reject),
        )
        .route(
            "/event/{id}/attendance/{attendee}/leave",
            put(attendance::leave),
        )
        .route("/search/attendee", get(search::attendees))
        .route("/search/event", get(search::events));
    if !state.plain {
        protected = protected
            .route("/event/{id}", get(admin::get_event))
            .route(
                "/checkpoint/{id}",
                get(admin::get_checkpoint).patch(admin::update_checkpoint),
            )
            .route(
                "/event/{id}/rooms",
                get(admin::rooms).post(admin::create_room),
            )
            .route("/event/{id}/changes", get(feeds::changes))
            .route(
                "/event/{id}/readings",
                get(feeds::readings).post(feeds::upload),
            )
            .route("/webhooks", get(webhooks::list).post(webhooks::create))
            .route(
                "/webhooks/{id}",
                get(webhooks::get).delete(webhooks::delete),
            )
            .route("/webhooks/{id}/enable", put(webhooks::enable))
            .route("/webhooks/{id}/disable", put(webhooks::disable))
            .route("/webhooks/{id}/deliveries", get(webhooks::deliveries));
    }
    let protected = protected.route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ));
    let mut public = Router::new()
        .route("/oauth/v2/token", post(auth::token))
        .route("/attendee/photo/{token}", get(attendees::photo))
        .route("/openapi.json", get(discovery::openapi));
    if !state.plain {
        public = public.route("/capabilities", get(discovery::capabilities));
    }
    public
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}
