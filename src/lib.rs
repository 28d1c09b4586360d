#![recursion_limit = "512"]

//! Ippo (一歩): schedules a city's smartphone courses for seniors, takes sign-ups,
//! reaches people by mail, and shows the programme's KPI.
//!
//! The layers (docs/ARCHITECTURE.md draws them), each importing only those above it:
//! - vocabulary: `domain` (the glossary's codes and input parsers), `time`, `i18n`;
//! - infrastructure: `server` (configuration, storage, errors, middleware, metrics),
//!   `policy` (who may do what), `notify` (the outbox and its channels), `ui` (the page kit);
//! - features, grouped by domain, each with its types, storage, handlers and pages:
//!   `city` (the profile and wards), `accounts`, `venues`, `sessions`, `registrations`, `surveys`, `followups`, `partners`,
//!   `reports`, `exchange`, `privacy`, `seed`;
//! - the composition root, the only code that knows every feature: `app` (the pages),
//!   `routes` (the HTTP route table), `jobs` (the housekeeping loop) and `cli`.
//!
//! Only `islands` is compiled for the browser; everything else runs on the server.

pub mod islands;

#[cfg(feature = "ssr")]
#[macro_use]
extern crate rust_i18n;

// Japanese first; English is the only other language.
#[cfg(feature = "ssr")]
i18n!("locales", fallback = "ja");

#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod time;

#[cfg(feature = "ssr")]
pub mod notify;
#[cfg(feature = "ssr")]
pub mod policy;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod ui;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod city;
#[cfg(feature = "ssr")]
pub mod exchange;
#[cfg(feature = "ssr")]
pub mod followups;
#[cfg(feature = "ssr")]
pub mod partners;
#[cfg(feature = "ssr")]
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod registrations;
#[cfg(feature = "ssr")]
pub mod reports;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod surveys;
#[cfg(feature = "ssr")]
pub mod venues;

#[cfg(feature = "ssr")]
pub mod app;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod routes;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
