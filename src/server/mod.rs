//! Infrastructure: configuration, storage, errors, HTTP extractors and form posts,
//! middleware pieces, metrics, rate limits, the audit log and web sessions. It imports
//! no feature: features build on it.

pub mod api;
pub mod audit;
pub mod client;
pub mod config;
pub mod db;
pub mod download;
pub mod error;
pub mod forms;
pub mod metrics;
pub mod once;
pub mod pagecache;
pub mod ratelimit;
pub mod rounds;
pub mod routing;
pub mod state;
pub mod web_sessions;
