//! Accounts: who is logged in, what their role lets them do, login/logout, API tokens.

use serde::{Deserialize, Serialize};

use crate::domain::Role;

pub mod pages;
#[cfg(feature = "ssr")]
pub mod handlers;
#[cfg(feature = "ssr")]
pub mod store;

/// The person behind a request: from the web session cookie or a bearer token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Venues a staff member works at.
    pub venue_ids: Vec<i64>,
    /// The shop of a partner staff member.
    pub partner_id: Option<i64>,
}

impl Viewer {
    /// Managers and administrators act on every venue, session and partner.
    pub fn is_manager(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Manager)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May see and change the personal data of this venue's sessions.
    pub fn works_at(&self, venue_id: i64) -> bool {
        self.is_manager() || (self.role == Role::Staff && self.venue_ids.contains(&venue_id))
    }

    pub fn is_staff(&self) -> bool {
        self.is_manager() || self.role == Role::Staff
    }
}

/// The logged-in person of the request being rendered (server side only; islands get `None`).
pub fn current_viewer() -> Option<Viewer> {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Viewer>().cloned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, venue_ids: Vec<i64>) -> Viewer {
        Viewer { user_id: 1, name: "x".into(), email: "x@example.jp".into(), role, venue_ids, partner_id: None }
    }

    #[test]
    fn staff_work_only_at_their_venues() {
        assert!(viewer(Role::Staff, vec![3]).works_at(3));
        assert!(!viewer(Role::Staff, vec![3]).works_at(4));
        assert!(viewer(Role::Manager, vec![]).works_at(4));
        assert!(viewer(Role::Admin, vec![]).works_at(4));
        assert!(!viewer(Role::Partner, vec![3]).works_at(3));
    }
}
