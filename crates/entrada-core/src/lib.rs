//! Entrada's core: the domain, the rules engine and the durable SQLite replica.
//!
//! The same crate runs on the door devices and inside the hub, so that one rules engine
//! judges every scan wherever it happens (see `DESIGN.md`). Decisions live in pure
//! functions ([`rules`], [`badge`]); side effects live at the edge ([`store`]).

pub mod badge;
pub mod csv;
pub mod demo;
pub mod domain;
pub mod error;
pub mod rules;
pub mod secret;
pub mod snapshot;
pub mod store;
pub mod sync;
pub mod time;
pub mod verdict;
pub mod webhook;

pub use domain::*;
pub use error::{Error, Result};
pub use store::Store;
pub use verdict::Verdict;
