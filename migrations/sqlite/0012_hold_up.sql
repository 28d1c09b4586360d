-- Browsers that logged in as someone before: they pass the per-address login lock that
-- strangers trying that address caused.
CREATE TABLE known_browsers (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX known_browsers_token_key ON known_browsers (token_hash);
CREATE INDEX known_browsers_user_idx ON known_browsers (user_id);

-- A referral records when the attendee agreed that their name and phone go to the shop.
ALTER TABLE referrals ADD COLUMN consent_at TEXT;

-- How a session's survey answers came: by its code (QR, public), typed from paper by
-- staff, or otherwise by staff; the KPI report shows them apart and flags sessions that
-- got more answers by code than people came.
ALTER TABLE sessions ADD COLUMN responses_code INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN responses_paper INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET responses_code = (SELECT COUNT(*) FROM survey_responses a WHERE a.session_id = sessions.id AND a.source = 'code');

-- Which worker holds a claimed message: a worker marks a message sent or failed only
-- while its lease is its own, and renews the lease while it is still sending.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;

-- The file a message was written to (without SMTP_URL, in <IPPO_DATA_DIR>/outbox/), so
-- retention and erasure delete that copy too.
ALTER TABLE outbox ADD COLUMN file_name TEXT;
