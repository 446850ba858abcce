//! The webhook events Entrada fires, as data: the topics a subscription can name and the
//! Access API's payload shapes. Queuing them is `entrada-store`'s job, sending them
//! `entrada-webhook`'s.

pub mod payload;
mod topic;

pub use topic::{PING, Topic, TopicError};

/// How a webhook signing secret starts (Standard Webhooks): `whsec_` and the base64 of the
/// key's bytes.
pub const SECRET_PREFIX: &str = "whsec_";
