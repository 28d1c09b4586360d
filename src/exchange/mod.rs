//! Data exchange by CSV: import and export of venues, sessions and partners.

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod import;
pub mod pages;
