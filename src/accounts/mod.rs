//! Accounts: users and their roles, passwords, API tokens, login and logout, and
//! finding the `policy::Viewer` of each request (cookie or bearer token).

pub mod handlers;
pub mod pages;
pub mod store;
