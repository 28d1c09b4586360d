-- E-mails are written here in the same transaction as the change that causes them;
-- the delivery worker claims them with a lease (locked_until) and retries with backoff.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    ics TEXT,
    registration_id INTEGER REFERENCES registrations(id),
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_pending_idx ON outbox (sent_at, next_attempt_at);
