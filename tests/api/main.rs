//! HTTP integration tests: the real server, real SQLite and PostgreSQL, a real SMTP server.

mod helpers;
mod smsc;
mod smtp;

mod abuse;
mod accounts;
mod changes;
mod city;
mod exchange;
mod followups;
mod groups;
mod inventory;
mod operations;
mod pagecache;
mod partners;
mod people;
mod registrations;
mod reports;
mod security;
mod sessions;
mod sms;
mod upgrade;
mod venues;
