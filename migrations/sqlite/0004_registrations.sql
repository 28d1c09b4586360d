-- One attendee in one session. Personal data is blanked by the retention job
-- (anonymised_at); status, attendance and counts stay for the KPI.
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    status TEXT NOT NULL,
    attendance TEXT NOT NULL DEFAULT 'unknown',
    channel TEXT NOT NULL,
    slot_starts_at TEXT,
    attendee_name TEXT NOT NULL,
    attendee_kana TEXT NOT NULL,
    attendee_phone TEXT NOT NULL,
    age_band TEXT NOT NULL,
    has_smartphone BOOLEAN NOT NULL,
    smartphone_os TEXT,
    needs_loaner BOOLEAN NOT NULL,
    accessibility_needs TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    registrant_name TEXT NOT NULL,
    registrant_email TEXT,
    registrant_phone TEXT,
    registrant_relation TEXT NOT NULL,
    consent_at TEXT NOT NULL,
    cancel_token TEXT NOT NULL,
    idempotency_key TEXT,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    cancelled_at TEXT,
    reminder_queued_at TEXT,
    anonymised_at TEXT
);
CREATE UNIQUE INDEX registrations_cancel_token_key ON registrations (cancel_token);
CREATE UNIQUE INDEX registrations_session_idempotency_key ON registrations (session_id, idempotency_key);
CREATE INDEX registrations_session_status_idx ON registrations (session_id, status, id);
