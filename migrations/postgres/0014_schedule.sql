-- How many meetings a session has and whether they repeat weekly (same time, a week
-- apart), so listings can say 「全4回（毎週木曜）」 without reading every meeting.
ALTER TABLE sessions ADD COLUMN meeting_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN weekly BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE sessions SET meeting_count = (SELECT COUNT(*) FROM meetings m WHERE m.session_id = sessions.id);
UPDATE sessions SET weekly = meeting_count > 1 AND NOT EXISTS (
    SELECT 1 FROM meetings m
    WHERE m.session_id = sessions.id AND m.starts_at > sessions.starts_at
      AND NOT EXISTS (
          SELECT 1 FROM meetings p
          WHERE p.session_id = m.session_id AND p.starts_at = m.starts_at - INTERVAL '7 days'
            AND p.ends_at - p.starts_at = m.ends_at - m.starts_at
      )
);
