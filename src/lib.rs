#![recursion_limit = "512"]

//! Ippo (一歩): schedules a city's smartphone courses for seniors, takes sign-ups,
//! and shows the programme's KPI. Grouped by feature; server-only code sits
//! behind the `ssr` feature inside each feature module.

#[macro_use]
extern crate rust_i18n;

// Japanese first; English is the only other language.
i18n!("locales", fallback = "ja");

pub mod app;
pub mod domain;
pub mod forms;
pub mod i18n;
pub mod time;

pub mod accounts;
pub mod exchange;
pub mod partners;
pub mod privacy;
pub mod registrations;
pub mod reports;
pub mod sessions;
pub mod surveys;
pub mod venues;

#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
