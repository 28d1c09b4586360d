-- Attendance per meeting, after-course survey answers, and per-session tallies kept in
-- the same transaction as the rows they count, so the KPI report reads sessions only.
CREATE TABLE attendances (
    registration_id INTEGER NOT NULL REFERENCES registrations(id),
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    attendance TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    PRIMARY KEY (registration_id, meeting_id)
);

CREATE TABLE survey_responses (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    comprehension INTEGER CHECK (comprehension BETWEEN 1 AND 5),
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    wants_online_services BOOLEAN,
    topics_wanted TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    entered_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX survey_responses_session_idx ON survey_responses (session_id, id);

ALTER TABLE sessions ADD COLUMN attended_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN responses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN comprehension_answers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN comprehension_good INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN satisfaction_answers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN satisfaction_good INTEGER NOT NULL DEFAULT 0;
