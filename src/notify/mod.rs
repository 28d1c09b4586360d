//! Messages to people. A feature renders its message and writes it to the outbox in the
//! transaction of the change that causes it (`outbox::enqueue`); the worker of every
//! instance delivers due messages through the message's channel and retries failures.
//!
//! A channel is how a message travels (e-mail or SMS; not to be confused with a
//! registration's sign-up `domain::Channel`). A new channel is an addition: a variant
//! here, a transport module like `email`, and one arm in `worker::Channels::send`.

pub mod email;
pub mod outbox;
pub mod smpp;
pub mod sms;
pub mod worker;

use serde::{Deserialize, Serialize};

/// How a message travels; stored in the outbox's `channel` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    /// A text to a Japanese mobile number (070/080/090), in `recipient` as `09012345678`.
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        match code {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// Where a channel put a message it delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Handed to the server, which gave no id worth keeping (SMTP).
    Handed,
    /// Written to this file of the channel's folder (no server configured); retention
    /// and erasure delete it with the message.
    File(String),
    /// Accepted by the server under this id, which its delivery receipt will name (SMPP).
    Remote(String),
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
