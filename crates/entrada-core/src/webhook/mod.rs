//! Webhooks: signed, durable, observable delivery of check-in events to subscriber URLs.
//!
//! One module for the door device and the hub:
//!
//! * [`outbox`] – subscriptions, [`enqueue`] (inside the caller's transaction, so an event
//!   commits with the reading that caused it), resend, the delivery log;
//! * [`payload`] – the Access API webhook reference shapes, built from domain types;
//! * [`signature`] – `x-eventwo-access-signature` and Standard Webhooks signing and the
//!   receivers' verification helpers, constant-time;
//! * [`dispatch`] – the async dispatcher: concurrent across endpoints, one request in
//!   flight per endpoint, retries with backoff and jitter over ~3 days, auto-disable;
//! * [`schedule`] – the retry schedule, pure.
//!
//! See `docs/webhooks.md` for the receiver's view.

pub mod dispatch;
pub mod outbox;
pub mod payload;
pub mod schedule;
pub mod signature;
pub mod topic;

pub use dispatch::{DispatchConfig, Dispatcher, PassReport, ping};
pub use outbox::{
    Attempt, CreatedSubscription, Delivery, DeliveryFilter, FIRE_ON_DEVICE_KEY, Subscription,
    add_subscription, attempts, deliveries, enqueue, remove_subscription, resend, set_enabled,
    subscription, subscriptions,
};
pub use schedule::RetrySchedule;
pub use signature::{VerifyError, verify_eventwo, verify_standard};
pub use topic::{Topic, TopicError};

pub use outbox::{reading_created, reading_undone};

/// Errors of the webhook module, each one a thing an operator can fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] crate::Error),
    #[error("invalid webhook url {0}")]
    InvalidUrl(String),
    #[error("a subscription needs at least one topic")]
    NoTopics,
    #[error(transparent)]
    Topic(#[from] TopicError),
    #[error("no such webhook subscription: {0}")]
    NoSuchSubscription(String),
    #[error("no such webhook delivery: {0}")]
    NoSuchDelivery(String),
    #[error("webhook secret: {0}")]
    Secret(#[from] crate::secret::SecretError),
    #[error(
        "another webhook dispatcher is running on this replica ({0}); \
         it will deliver what is due"
    )]
    Busy(String),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Core(e.into())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Core(e.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
