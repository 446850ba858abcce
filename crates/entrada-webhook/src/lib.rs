//! Webhooks: signed, observable delivery of check-in events to subscriber URLs, from the
//! durable outbox the replica keeps.
//!
//! One crate for the door device and the hub:
//!
//! * [`dispatch`] – the async dispatcher: concurrent across endpoints, one request in
//!   flight per endpoint, retries with backoff and jitter over ~3 days, auto-disable;
//! * [`signature`] – `x-eventwo-access-signature` and Standard Webhooks signing and the
//!   receivers' verification helpers, constant-time;
//! * [`schedule`] – the retry schedule, pure.
//!
//! Subscriptions, the outbox and the delivery log are tables of the replica, so their
//! statements are `entrada_store::webhooks`'s (an event is queued in the transaction of the
//! reading that caused it); the topics and payload shapes are `entrada_domain::webhook`'s.
//! Both are re-exported here, so a caller has one place for the whole webhook API.
//!
//! See `docs/webhooks.md` for the receiver's view.

pub mod dispatch;
pub mod schedule;
pub mod signature;

pub use dispatch::{DispatchConfig, Dispatcher, PassReport, ping};
pub use entrada_domain::webhook::{Topic, TopicError, payload};
pub use entrada_store::webhooks::{
    Attempt, CreatedSubscription, Delivery, DeliveryFilter, FIRE_ON_DEVICE_KEY, Subscription,
    add_subscription, attempts, deliveries, enqueue, reading_created, reading_undone,
    remove_subscription, resend, set_enabled, subscription, subscriptions,
};
pub use schedule::RetrySchedule;
pub use signature::{VerifyError, verify_eventwo, verify_standard};

/// Errors of delivery, each one a thing an operator can fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] entrada_store::Error),
    #[error("webhook secret: {0}")]
    Secret(#[from] entrada_secret::SecretError),
    #[error(
        "another webhook dispatcher is running on this replica ({0}); \
         it will deliver what is due"
    )]
    Busy(String),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
