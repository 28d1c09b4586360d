//! HTTP integration tests: the real server, real SQLite and PostgreSQL, a real SMTP server.

mod helpers;
mod smtp;

mod accounts;
mod operations;
mod partners;
mod registrations;
mod reports;
mod security;
mod sessions;
mod venues;
