//! Messages to people. A feature renders its message and writes it to the outbox in the
//! transaction of the change that causes it (`outbox::enqueue`); the worker of every
//! instance delivers due messages through the message's channel and retries failures.
//!
//! A channel is how a message travels (today e-mail; not to be confused with a
//! registration's sign-up `domain::Channel`). A new channel is an addition: a variant
//! here, a transport module like `email`, and one arm in `worker::Channels::send`.

pub mod email;
pub mod outbox;
pub mod worker;

use serde::{Deserialize, Serialize};

/// How a message travels; stored in the outbox's `channel` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        match code {
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

/// Why a channel did not deliver a message, and whether trying again could help.
#[derive(Debug)]
pub struct SendFailure {
    /// A refusal that no retry will change: the message is given up and marked failed.
    pub permanent: bool,
    pub reason: String,
}

impl SendFailure {
    pub fn permanent(err: impl std::fmt::Display) -> SendFailure {
        SendFailure { permanent: true, reason: err.to_string() }
    }

    pub fn transient(err: impl std::fmt::Display) -> SendFailure {
        SendFailure { permanent: false, reason: err.to_string() }
    }
}
