//! Storage of partners, session partners and referrals.
