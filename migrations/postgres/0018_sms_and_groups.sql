-- SMS notices and group sign-ups (issue 17). A registration whose people agreed to SMS keeps the mobile
-- number the texts go to (the attendee's, else the registrant's) and when they agreed;
-- stopping SMS on the status page clears the number and keeps the time it stopped.
ALTER TABLE registrations ADD COLUMN sms_number TEXT;
ALTER TABLE registrations ADD COLUMN sms_consent_at TIMESTAMPTZ;
ALTER TABLE registrations ADD COLUMN sms_stopped_at TIMESTAMPTZ;

-- What the SMSC said of a message: its id for the message (delivery receipts name it),
-- and the receipt's final state when one came.
ALTER TABLE outbox ADD COLUMN remote_id TEXT;
ALTER TABLE outbox ADD COLUMN receipt TEXT;
ALTER TABLE outbox ADD COLUMN receipt_at TIMESTAMPTZ;
CREATE INDEX outbox_remote_id ON outbox (remote_id) WHERE remote_id IS NOT NULL;
-- Receipts that came before their message's id was written down (a fast SMSC), until
-- the message has it.
CREATE TABLE sms_receipts (
    remote_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    undelivered BOOLEAN NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
-- Texts people sent back (a reply of 「停止」 stops their SMS), until the housekeeping
-- reads and deletes them: no copy of them is kept.
CREATE TABLE sms_replies (
    id BIGSERIAL PRIMARY KEY,
    from_number TEXT NOT NULL,
    body_text TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

-- Several attendees in one sign-up (issue 17): every member points at the group's first
-- registration; a group that chose to wait together (`keeps_together`) is seated together.
ALTER TABLE registrations ADD COLUMN group_id BIGINT;
ALTER TABLE registrations ADD COLUMN keeps_together BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX registrations_group ON registrations (group_id) WHERE group_id IS NOT NULL;
