//! The server: configuration, storage, errors, the HTTP stack and the command line.

pub mod api;
pub mod audit;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod metrics;
pub mod ratelimit;
pub mod state;
pub mod web_sessions;
