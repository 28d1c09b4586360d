-- Follow-up counts kept in the transactions that queue, answer or close a follow-up, so
-- the outcome report sums small tallies instead of every follow-up (a million a year at
-- a nation's scale): per session and the attendee's age band and device, and per
-- session and choice ticked.
CREATE TABLE followup_tallies (
    session_id BIGINT NOT NULL REFERENCES sessions(id),
    age_band TEXT NOT NULL,
    device TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    declined INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, age_band, device)
);
CREATE TABLE followup_choice_tallies (
    session_id BIGINT NOT NULL REFERENCES sessions(id),
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, kind, code)
);
INSERT INTO followup_tallies (session_id, age_band, device, sent, answered, used, on_own, unreachable, declined)
SELECT f.session_id, r.age_band,
       CASE WHEN r.has_smartphone THEN 'own' WHEN r.needs_loaner THEN 'loaner' ELSE 'none' END,
       COUNT(*),
       SUM(CASE WHEN f.answered_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.used_any THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.used_any AND NOT f.with_help THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.answered_at IS NULL AND f.closed_reason = 'unreachable' THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.answered_at IS NULL AND f.closed_reason = 'declined' THEN 1 ELSE 0 END)
FROM followups f JOIN registrations r ON r.id = f.registration_id
GROUP BY f.session_id, r.age_band, CASE WHEN r.has_smartphone THEN 'own' WHEN r.needs_loaner THEN 'loaner' ELSE 'none' END;
INSERT INTO followup_choice_tallies (session_id, kind, code, count, on_own)
SELECT session_id, kind, code, COUNT(*), SUM(CASE WHEN with_help = FALSE THEN 1 ELSE 0 END)
FROM followup_answer_choices GROUP BY session_id, kind, code;

-- The open-data file shows these counts, and it is kept like the public pages
-- (src/server/pagecache.rs): a change of them bumps the data version too, once per
-- transaction at its commit (see 0015).
CREATE CONSTRAINT TRIGGER data_version_followup_tallies AFTER INSERT OR UPDATE OR DELETE ON followup_tallies
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
