-- The outbox carries messages of any channel (e-mail today); the worker sends each
-- through its channel's transport.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
