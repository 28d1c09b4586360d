//! Who may do what: the viewer of a request and the rules of access, in one place.
//!
//! Every function that reads or changes protected data takes the `Viewer` and calls one
//! of the `require_*` rules below itself; handlers and pages only pass the viewer along.
//! The rules follow SPEC.md ("Staff see personal data of their own venues' sessions
//! only; partner staff only their shop's").

use serde::{Deserialize, Serialize};

use crate::{domain::Role, server::error::AppError};

/// The person behind a request: from the web session cookie or a bearer token, or the
/// operator at the server's command line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// `None` for the command line, which acts as an administrator.
    pub user_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Venues a staff member works at.
    pub venue_ids: Vec<i64>,
    /// The shop of a partner staff member.
    pub partner_id: Option<i64>,
}

/// The result of a rule: nothing, or 403.
pub type Allowed = Result<(), AppError>;

fn allow(yes: bool) -> Allowed {
    if yes {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

impl Viewer {
    /// The operator running `ippo` on the server (imports, seeding): an administrator
    /// with no account, recorded in the audit log without a user.
    pub fn command_line() -> Viewer {
        Viewer {
            user_id: None,
            name: "ippo".into(),
            email: String::new(),
            role: Role::Admin,
            venue_ids: Vec::new(),
            partner_id: None,
        }
    }

    /// Managers and administrators act on every venue, session and partner.
    pub fn is_manager(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Manager)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Staff of some venue, or a manager.
    pub fn is_staff(&self) -> bool {
        self.is_manager() || self.role == Role::Staff
    }

    /// May see and change the personal data of this venue's sessions.
    pub fn works_at(&self, venue_id: i64) -> bool {
        self.is_manager() || (self.role == Role::Staff && self.venue_ids.contains(&venue_id))
    }

    /// The shop this viewer works for, if they are partner staff.
    pub fn own_shop(&self) -> Option<i64> {
        self.partner_id.filter(|_| self.role == Role::Partner)
    }

    /// Schedules sessions, keeps venues and partners, reads reports.
    pub fn require_manager(&self) -> Allowed {
        allow(self.is_manager())
    }

    /// Accounts, the audit log and attendees' data requests.
    pub fn require_admin(&self) -> Allowed {
        allow(self.is_admin())
    }

    /// Staff pages in general (which sessions is decided per venue).
    pub fn require_staff(&self) -> Allowed {
        allow(self.is_staff())
    }

    /// The personal data of one venue's sessions.
    pub fn require_venue(&self, venue_id: i64) -> Allowed {
        allow(self.works_at(venue_id))
    }

    /// Managers act for every partner shop; partner staff only for their own.
    pub fn require_partner(&self, partner_id: i64) -> Allowed {
        allow(self.is_manager() || self.own_shop() == Some(partner_id))
    }

    /// Partner staff of some shop.
    pub fn require_own_shop(&self) -> Result<i64, AppError> {
        self.own_shop().ok_or(AppError::Forbidden)
    }
}

/// The viewer, or 401 when nobody is logged in.
pub fn logged_in(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    viewer.ok_or(AppError::Unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, venue_ids: Vec<i64>, partner_id: Option<i64>) -> Viewer {
        Viewer { user_id: Some(1), name: "x".into(), email: "x@example.jp".into(), role, venue_ids, partner_id }
    }

    #[test]
    fn staff_work_only_at_their_venues() {
        assert!(viewer(Role::Staff, vec![3], None).works_at(3));
        assert!(!viewer(Role::Staff, vec![3], None).works_at(4));
        assert!(viewer(Role::Manager, vec![], None).works_at(4));
        assert!(viewer(Role::Admin, vec![], None).works_at(4));
        assert!(!viewer(Role::Partner, vec![3], None).works_at(3));
    }

    #[test]
    fn partner_staff_act_for_their_own_shop_only() {
        assert!(viewer(Role::Partner, vec![], Some(2)).require_partner(2).is_ok());
        assert!(viewer(Role::Partner, vec![], Some(2)).require_partner(3).is_err());
        assert!(
            viewer(Role::Staff, vec![], Some(2)).require_partner(2).is_err(),
            "a shop id on a staff account grants nothing"
        );
        assert!(viewer(Role::Manager, vec![], None).require_partner(3).is_ok());
        assert!(Viewer::command_line().require_admin().is_ok());
    }
}
