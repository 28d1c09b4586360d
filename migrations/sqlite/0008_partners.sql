-- Partner shops' part in sessions (instructor or support) and referrals (紹介) of
-- attendees to a shop for follow-up. A referral is open until the shop marks it handled;
-- one open referral per attendee and shop, so a double tap refers once.
CREATE TABLE session_partners (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (session_id, partner_id)
);
CREATE INDEX session_partners_partner_idx ON session_partners (partner_id);

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations(id),
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    reason TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    handled_at TEXT,
    handled_by INTEGER REFERENCES users(id)
);
CREATE INDEX referrals_partner_idx ON referrals (partner_id, created_at);
CREATE INDEX referrals_registration_idx ON referrals (registration_id);
CREATE UNIQUE INDEX referrals_open_key ON referrals (registration_id, partner_id) WHERE handled_at IS NULL;
