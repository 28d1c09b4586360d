-- The attendance rate's base is the confirmed sign-ups of the sessions that have ended
-- (`reports::Tally::confirmed_held`). The cells kept every confirmed sign-up, so a report
-- took off those of the sessions of its year not ended yet: in the current year some 36,000
-- sessions at a nation's scale, the most of its time. Now the cells also keep
-- `confirmed_held`, the confirmed sign-ups of the sessions they count as ended, and each
-- session says whether they do (`ended_counted`). The housekeeping sets it once the
-- session has ended (`reports::store::count_ended`), a row at a time, so the triggers move
-- its sign-ups across under the session's own row lock as for any other write. The report
-- reads only the sessions whose flag is not yet right for its moment — those that ended
-- since the last round, or that an edit moved back into the future — by the two indexes
-- below: none or a few, where it read the months to come.

-- Sessions there are now count as ended (the column's first value costs no rewrite);
-- those still to end are then set back; new sessions start not counted.
ALTER TABLE sessions ADD COLUMN ended_counted BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE sessions ALTER COLUMN ended_counted SET DEFAULT FALSE;
-- (The data version's triggers are deferred to commit; run now, they leave no events
-- pending, which would forbid the index and the trigger below on this table.)
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE sessions SET ended_counted = FALSE WHERE ends_at > now();
-- The end of a session the cells do not count as ended (NULL once they do), and of one they
-- do (NULL until then): the report and the housekeeping ask for the first up to their
-- moment and the second after it (`reports::store::not_counted_right`, word for word).
-- Whole expressions, not the two columns: the planner's figures for each (gathered for
-- these indexes) say how few sessions that is, where the two columns' own figures
-- multiplied would say a tenth of the table.
CREATE INDEX sessions_not_counted_end_idx ON sessions ((CASE WHEN ended_counted THEN NULL ELSE ends_at END));
CREATE INDEX sessions_counted_end_idx ON sessions ((CASE WHEN ended_counted THEN ends_at END));

ALTER TABLE kpi_place_cells ADD COLUMN confirmed_held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kpi_time_cells ADD COLUMN confirmed_held INTEGER NOT NULL DEFAULT 0;
UPDATE kpi_place_cells c SET confirmed_held = x.n
FROM (SELECT ippo_fiscal_year(starts_at) AS fiscal_year, venue_id, kind, SUM(confirmed_count) AS n
      FROM sessions WHERE status <> 'cancelled' AND ended_counted
      GROUP BY 1, 2, 3) x
WHERE c.fiscal_year = x.fiscal_year AND c.venue_id = x.venue_id AND c.kind = x.kind;
UPDATE kpi_time_cells c SET confirmed_held = x.n
FROM (SELECT ippo_fiscal_year(starts_at) AS fiscal_year, kind, topic, ippo_fiscal_month(starts_at) AS month,
             SUM(confirmed_count) AS n
      FROM sessions WHERE status <> 'cancelled' AND ended_counted
      GROUP BY 1, 2, 3, 4) x
WHERE c.fiscal_year = x.fiscal_year AND c.kind = x.kind AND c.topic = x.topic AND c.month = x.month;

-- As in 0021, with `confirmed_held`.
CREATE OR REPLACE FUNCTION kpi_place_cells_add(s sessions, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF s.status = 'cancelled' THEN
        RETURN;
    END IF;
    INSERT INTO kpi_place_cells AS c (fiscal_year, venue_id, kind, sessions, capacity, confirmed, confirmed_held,
                                      attended, responses, comprehension_answers, comprehension_good,
                                      satisfaction_answers, satisfaction_good, responses_code, responses_paper,
                                      below_target, flagged)
    VALUES (ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, sign, sign * s.capacity, sign * s.confirmed_count,
            CASE WHEN s.ended_counted THEN sign * s.confirmed_count ELSE 0 END,
            sign * s.attended_count, sign * s.responses, sign * s.comprehension_answers, sign * s.comprehension_good,
            sign * s.satisfaction_answers, sign * s.satisfaction_good, sign * s.responses_code,
            sign * s.responses_paper,
            CASE WHEN s.comprehension_good * 5 < s.comprehension_answers * 4
                      OR s.satisfaction_good * 5 < s.satisfaction_answers * 4 THEN sign ELSE 0 END,
            CASE WHEN s.responses_code > s.attended_count AND s.responses_code > s.confirmed_count
                 THEN sign ELSE 0 END)
    ON CONFLICT (fiscal_year, venue_id, kind) DO UPDATE SET
        sessions = c.sessions + excluded.sessions, capacity = c.capacity + excluded.capacity,
        confirmed = c.confirmed + excluded.confirmed, confirmed_held = c.confirmed_held + excluded.confirmed_held,
        attended = c.attended + excluded.attended, responses = c.responses + excluded.responses,
        comprehension_answers = c.comprehension_answers + excluded.comprehension_answers,
        comprehension_good = c.comprehension_good + excluded.comprehension_good,
        satisfaction_answers = c.satisfaction_answers + excluded.satisfaction_answers,
        satisfaction_good = c.satisfaction_good + excluded.satisfaction_good,
        responses_code = c.responses_code + excluded.responses_code,
        responses_paper = c.responses_paper + excluded.responses_paper,
        below_target = c.below_target + excluded.below_target, flagged = c.flagged + excluded.flagged;
END;
$$;

CREATE OR REPLACE FUNCTION kpi_time_cells_add(s sessions, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF s.status = 'cancelled' THEN
        RETURN;
    END IF;
    INSERT INTO kpi_time_cells AS c (fiscal_year, kind, topic, month, sessions, capacity, confirmed, confirmed_held,
                                     attended, responses, comprehension_answers, comprehension_good,
                                     satisfaction_answers, satisfaction_good, responses_code, responses_paper)
    VALUES (ippo_fiscal_year(s.starts_at), s.kind, s.topic, ippo_fiscal_month(s.starts_at), sign, sign * s.capacity,
            sign * s.confirmed_count, CASE WHEN s.ended_counted THEN sign * s.confirmed_count ELSE 0 END,
            sign * s.attended_count, sign * s.responses, sign * s.comprehension_answers,
            sign * s.comprehension_good, sign * s.satisfaction_answers, sign * s.satisfaction_good,
            sign * s.responses_code, sign * s.responses_paper)
    ON CONFLICT (fiscal_year, kind, topic, month) DO UPDATE SET
        sessions = c.sessions + excluded.sessions, capacity = c.capacity + excluded.capacity,
        confirmed = c.confirmed + excluded.confirmed, confirmed_held = c.confirmed_held + excluded.confirmed_held,
        attended = c.attended + excluded.attended, responses = c.responses + excluded.responses,
        comprehension_answers = c.comprehension_answers + excluded.comprehension_answers,
        comprehension_good = c.comprehension_good + excluded.comprehension_good,
        satisfaction_answers = c.satisfaction_answers + excluded.satisfaction_answers,
        satisfaction_good = c.satisfaction_good + excluded.satisfaction_good,
        responses_code = c.responses_code + excluded.responses_code,
        responses_paper = c.responses_paper + excluded.responses_paper;
END;
$$;

-- The update trigger of 0021, which also fires when only `ended_counted` changed.
DROP TRIGGER kpi_cells_session_update ON sessions;
CREATE TRIGGER kpi_cells_session_update
    AFTER UPDATE OF starts_at, venue_id, kind, topic, status, capacity, confirmed_count, attended_count, responses,
                    comprehension_answers, comprehension_good, satisfaction_answers, satisfaction_good,
                    responses_code, responses_paper, ended_counted ON sessions
    FOR EACH ROW
    WHEN ((OLD.starts_at, OLD.venue_id, OLD.kind, OLD.topic, OLD.status = 'cancelled', OLD.capacity,
           OLD.confirmed_count, OLD.attended_count, OLD.responses, OLD.comprehension_answers, OLD.comprehension_good,
           OLD.satisfaction_answers, OLD.satisfaction_good, OLD.responses_code, OLD.responses_paper,
           OLD.ended_counted)
          IS DISTINCT FROM
          (NEW.starts_at, NEW.venue_id, NEW.kind, NEW.topic, NEW.status = 'cancelled', NEW.capacity,
           NEW.confirmed_count, NEW.attended_count, NEW.responses, NEW.comprehension_answers, NEW.comprehension_good,
           NEW.satisfaction_answers, NEW.satisfaction_good, NEW.responses_code, NEW.responses_paper,
           NEW.ended_counted))
    EXECUTE FUNCTION kpi_cells_session();
