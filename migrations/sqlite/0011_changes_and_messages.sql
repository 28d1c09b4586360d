-- A session's schedule version: it grows with every change of a date, time or place, and
-- is the SEQUENCE of its calendar files, so a calendar replaces the entry it sent before.
ALTER TABLE sessions ADD COLUMN schedule_sequence INTEGER NOT NULL DEFAULT 0;

-- What an idempotency key was first used with: the same key with another body is refused.
ALTER TABLE registrations ADD COLUMN idempotency_hash TEXT;
-- When a waitlisted person was told that no seat opened before the session began.
ALTER TABLE registrations ADD COLUMN waitlist_closed_at TEXT;

-- A message that will never be delivered (a permanent refusal): stopped, with the reason.
ALTER TABLE outbox ADD COLUMN failed_at TEXT;

-- People staff must phone: they have no e-mail and something changed, or a mail to them
-- could not be delivered. Open until someone marks the call done.
CREATE TABLE call_tasks (
    id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations(id),
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    done_at TEXT,
    done_by INTEGER REFERENCES users(id),
    -- For an undeliverable mail: which one, so it is put on the list once.
    outbox_id INTEGER REFERENCES outbox(id)
);
CREATE INDEX call_tasks_registration_idx ON call_tasks (registration_id);
CREATE UNIQUE INDEX call_tasks_outbox_key ON call_tasks (outbox_id);

-- One-time keys of submitted forms: a key seen before is a repeat of the same submission
-- (a double tap, a browser retry), answered with what the first one made.
CREATE TABLE submissions (
    key TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    -- A hash of what was sent: the same key with something else is refused.
    fingerprint TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX submissions_created_idx ON submissions (created_at);
