-- Sessions and their meetings. confirmed_count and waitlist_count are kept in the same
-- transaction as the registrations they count, so listings need no aggregation.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    venue_id INTEGER NOT NULL REFERENCES venues(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    loaner_devices INTEGER NOT NULL DEFAULT 0,
    instructors INTEGER NOT NULL DEFAULT 0,
    assistants INTEGER NOT NULL DEFAULT 0,
    slot_minutes INTEGER,
    advisors INTEGER,
    status TEXT NOT NULL DEFAULT 'scheduled',
    description TEXT NOT NULL DEFAULT '',
    what_to_bring TEXT NOT NULL DEFAULT '',
    survey_code TEXT NOT NULL,
    confirmed_count INTEGER NOT NULL DEFAULT 0,
    waitlist_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (confirmed_count <= capacity)
);
CREATE INDEX sessions_starts_at_idx ON sessions (starts_at);
CREATE INDEX sessions_venue_starts_at_idx ON sessions (venue_id, starts_at);
CREATE UNIQUE INDEX sessions_survey_code_key ON sessions (survey_code);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL
);
CREATE INDEX meetings_session_idx ON meetings (session_id, starts_at);
