-- The KPI report's sums kept by its own keys, so a year's report reads a few thousand
-- cells instead of every session of the year (108,775 at a nation's scale, read from a table
-- of a million). Two tables, as the report groups: by place (`kpi_place_cells`: fiscal
-- year, venue, kind — the venue, ward and kind lines and the totals, with how many sessions
-- are below the target and flagged) and by time (`kpi_time_cells`: fiscal year, kind, topic
-- and month of the start in Tokyo, 0 = April … 11 = March as `time::fiscal_months`). Kept
-- apart, a nation's year is some 8,500 and 230 cells; one table keyed by all of them would
-- hold nearly a cell per session. (A report narrowed to one venue or ward reads its months
-- from that place's sessions.) Triggers keep them: a session written, moved, cancelled,
-- restored or deleted leaves its old cells with its old counts and joins its new ones with
-- its new counts, in the same transaction. Cancelled sessions count nowhere, as the report
-- leaves them out. Below the target (`reports::TARGET`, 80%) is good / answers < 0.8,
-- written good × 5 < answers × 4 so that it is exact in integers; flagged is more answers
-- by code than people came and than were confirmed (`reports::store::SUSPICIOUS`).

-- The month of the fiscal year (0 = April … 11 = March, Tokyo time) of a moment.
CREATE FUNCTION ippo_fiscal_month(t TIMESTAMPTZ) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
    SELECT (CAST(EXTRACT(MONTH FROM t AT TIME ZONE 'Asia/Tokyo') AS INTEGER) + 8) % 12
$$;

CREATE TABLE kpi_place_cells (
    fiscal_year INTEGER NOT NULL,
    venue_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    sessions INTEGER NOT NULL DEFAULT 0,
    capacity INTEGER NOT NULL DEFAULT 0,
    confirmed INTEGER NOT NULL DEFAULT 0,
    attended INTEGER NOT NULL DEFAULT 0,
    responses INTEGER NOT NULL DEFAULT 0,
    comprehension_answers INTEGER NOT NULL DEFAULT 0,
    comprehension_good INTEGER NOT NULL DEFAULT 0,
    satisfaction_answers INTEGER NOT NULL DEFAULT 0,
    satisfaction_good INTEGER NOT NULL DEFAULT 0,
    responses_code INTEGER NOT NULL DEFAULT 0,
    responses_paper INTEGER NOT NULL DEFAULT 0,
    below_target INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, venue_id, kind)
);
CREATE TABLE kpi_time_cells (
    fiscal_year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    month INTEGER NOT NULL,
    sessions INTEGER NOT NULL DEFAULT 0,
    capacity INTEGER NOT NULL DEFAULT 0,
    confirmed INTEGER NOT NULL DEFAULT 0,
    attended INTEGER NOT NULL DEFAULT 0,
    responses INTEGER NOT NULL DEFAULT 0,
    comprehension_answers INTEGER NOT NULL DEFAULT 0,
    comprehension_good INTEGER NOT NULL DEFAULT 0,
    satisfaction_answers INTEGER NOT NULL DEFAULT 0,
    satisfaction_good INTEGER NOT NULL DEFAULT 0,
    responses_code INTEGER NOT NULL DEFAULT 0,
    responses_paper INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, kind, topic, month)
);

-- Adds `sign` times session `s` to its place cell (nothing while it is cancelled).
CREATE FUNCTION kpi_place_cells_add(s sessions, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF s.status = 'cancelled' THEN
        RETURN;
    END IF;
    INSERT INTO kpi_place_cells AS c (fiscal_year, venue_id, kind, sessions, capacity, confirmed, attended, responses,
                                      comprehension_answers, comprehension_good, satisfaction_answers,
                                      satisfaction_good, responses_code, responses_paper, below_target, flagged)
    VALUES (ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, sign, sign * s.capacity, sign * s.confirmed_count,
            sign * s.attended_count, sign * s.responses, sign * s.comprehension_answers, sign * s.comprehension_good,
            sign * s.satisfaction_answers, sign * s.satisfaction_good, sign * s.responses_code,
            sign * s.responses_paper,
            CASE WHEN s.comprehension_good * 5 < s.comprehension_answers * 4
                      OR s.satisfaction_good * 5 < s.satisfaction_answers * 4 THEN sign ELSE 0 END,
            CASE WHEN s.responses_code > s.attended_count AND s.responses_code > s.confirmed_count
                 THEN sign ELSE 0 END)
    ON CONFLICT (fiscal_year, venue_id, kind) DO UPDATE SET
        sessions = c.sessions + excluded.sessions, capacity = c.capacity + excluded.capacity,
        confirmed = c.confirmed + excluded.confirmed, attended = c.attended + excluded.attended,
        responses = c.responses + excluded.responses,
        comprehension_answers = c.comprehension_answers + excluded.comprehension_answers,
        comprehension_good = c.comprehension_good + excluded.comprehension_good,
        satisfaction_answers = c.satisfaction_answers + excluded.satisfaction_answers,
        satisfaction_good = c.satisfaction_good + excluded.satisfaction_good,
        responses_code = c.responses_code + excluded.responses_code,
        responses_paper = c.responses_paper + excluded.responses_paper,
        below_target = c.below_target + excluded.below_target, flagged = c.flagged + excluded.flagged;
END;
$$;

-- Adds `sign` times session `s` to its time cell (nothing while it is cancelled).
CREATE FUNCTION kpi_time_cells_add(s sessions, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF s.status = 'cancelled' THEN
        RETURN;
    END IF;
    INSERT INTO kpi_time_cells AS c (fiscal_year, kind, topic, month, sessions, capacity, confirmed, attended, responses,
                                     comprehension_answers, comprehension_good, satisfaction_answers,
                                     satisfaction_good, responses_code, responses_paper)
    VALUES (ippo_fiscal_year(s.starts_at), s.kind, s.topic, ippo_fiscal_month(s.starts_at), sign, sign * s.capacity,
            sign * s.confirmed_count, sign * s.attended_count, sign * s.responses, sign * s.comprehension_answers,
            sign * s.comprehension_good, sign * s.satisfaction_answers, sign * s.satisfaction_good,
            sign * s.responses_code, sign * s.responses_paper)
    ON CONFLICT (fiscal_year, kind, topic, month) DO UPDATE SET
        sessions = c.sessions + excluded.sessions, capacity = c.capacity + excluded.capacity,
        confirmed = c.confirmed + excluded.confirmed, attended = c.attended + excluded.attended,
        responses = c.responses + excluded.responses,
        comprehension_answers = c.comprehension_answers + excluded.comprehension_answers,
        comprehension_good = c.comprehension_good + excluded.comprehension_good,
        satisfaction_answers = c.satisfaction_answers + excluded.satisfaction_answers,
        satisfaction_good = c.satisfaction_good + excluded.satisfaction_good,
        responses_code = c.responses_code + excluded.responses_code,
        responses_paper = c.responses_paper + excluded.responses_paper;
END;
$$;

-- A session written: its old counts leave its cells, its new ones join. The cells are
-- locked in one order whatever moved where (place cells before time cells, each by key),
-- so two sessions moved past each other cannot deadlock.
CREATE FUNCTION kpi_cells_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM kpi_place_cells_add(NEW, 1);
        PERFORM kpi_time_cells_add(NEW, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM kpi_place_cells_add(OLD, -1);
        PERFORM kpi_time_cells_add(OLD, -1);
    ELSE
        IF (ippo_fiscal_year(OLD.starts_at), OLD.venue_id, OLD.kind)
           <= (ippo_fiscal_year(NEW.starts_at), NEW.venue_id, NEW.kind) THEN
            PERFORM kpi_place_cells_add(OLD, -1);
            PERFORM kpi_place_cells_add(NEW, 1);
        ELSE
            PERFORM kpi_place_cells_add(NEW, 1);
            PERFORM kpi_place_cells_add(OLD, -1);
        END IF;
        IF (ippo_fiscal_year(OLD.starts_at), OLD.kind, OLD.topic, ippo_fiscal_month(OLD.starts_at))
           <= (ippo_fiscal_year(NEW.starts_at), NEW.kind, NEW.topic, ippo_fiscal_month(NEW.starts_at)) THEN
            PERFORM kpi_time_cells_add(OLD, -1);
            PERFORM kpi_time_cells_add(NEW, 1);
        ELSE
            PERFORM kpi_time_cells_add(NEW, 1);
            PERFORM kpi_time_cells_add(OLD, -1);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER kpi_cells_session_insert_delete AFTER INSERT OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kpi_cells_session();
-- Only the columns the cells hold: the other edits (title, description, updated_at …)
-- leave them alone.
CREATE TRIGGER kpi_cells_session_update
    AFTER UPDATE OF starts_at, venue_id, kind, topic, status, capacity, confirmed_count, attended_count, responses,
                    comprehension_answers, comprehension_good, satisfaction_answers, satisfaction_good,
                    responses_code, responses_paper ON sessions
    FOR EACH ROW
    WHEN ((OLD.starts_at, OLD.venue_id, OLD.kind, OLD.topic, OLD.status = 'cancelled', OLD.capacity,
           OLD.confirmed_count, OLD.attended_count, OLD.responses, OLD.comprehension_answers, OLD.comprehension_good,
           OLD.satisfaction_answers, OLD.satisfaction_good, OLD.responses_code, OLD.responses_paper)
          IS DISTINCT FROM
          (NEW.starts_at, NEW.venue_id, NEW.kind, NEW.topic, NEW.status = 'cancelled', NEW.capacity,
           NEW.confirmed_count, NEW.attended_count, NEW.responses, NEW.comprehension_answers, NEW.comprehension_good,
           NEW.satisfaction_answers, NEW.satisfaction_good, NEW.responses_code, NEW.responses_paper))
    EXECUTE FUNCTION kpi_cells_session();

-- The report lists the sessions below the target, the lowest rate first (comprehension or
-- satisfaction, whichever is lower), by this index: it holds only those sessions, in that
-- order, so a year's list reads its first hundred entries and not the year. Its
-- expression and condition are those `reports::store` asks, word for word (the planner
-- matches them as written).
CREATE INDEX sessions_below_target_idx ON sessions (
    (CASE WHEN comprehension_answers = 0 AND satisfaction_answers = 0 THEN NULL
          WHEN comprehension_answers = 0 THEN CAST(satisfaction_good AS DOUBLE PRECISION) / satisfaction_answers
          WHEN satisfaction_answers = 0
               OR comprehension_good * satisfaction_answers <= satisfaction_good * comprehension_answers
          THEN CAST(comprehension_good AS DOUBLE PRECISION) / comprehension_answers
          ELSE CAST(satisfaction_good AS DOUBLE PRECISION) / satisfaction_answers END),
    starts_at, id)
    WHERE status <> 'cancelled'
      AND (comprehension_good * 5 < comprehension_answers * 4 OR satisfaction_good * 5 < satisfaction_answers * 4);

-- The cells count every confirmed registration; the attendance rate's base is those of the
-- sessions that have ended, so the report subtracts the sessions of its year not ended yet,
-- found by this index (a few months' sessions, not the year's).
CREATE INDEX sessions_ends_at_idx ON sessions (ends_at, starts_at);

-- The counts so far.
INSERT INTO kpi_place_cells (fiscal_year, venue_id, kind, sessions, capacity, confirmed, attended, responses,
    comprehension_answers, comprehension_good, satisfaction_answers, satisfaction_good, responses_code,
    responses_paper, below_target, flagged)
SELECT ippo_fiscal_year(starts_at), venue_id, kind, COUNT(*), SUM(capacity), SUM(confirmed_count),
    SUM(attended_count), SUM(responses), SUM(comprehension_answers), SUM(comprehension_good),
    SUM(satisfaction_answers), SUM(satisfaction_good), SUM(responses_code), SUM(responses_paper),
    SUM(CASE WHEN comprehension_good * 5 < comprehension_answers * 4
                  OR satisfaction_good * 5 < satisfaction_answers * 4 THEN 1 ELSE 0 END),
    SUM(CASE WHEN responses_code > attended_count AND responses_code > confirmed_count THEN 1 ELSE 0 END)
FROM sessions WHERE status <> 'cancelled'
GROUP BY ippo_fiscal_year(starts_at), venue_id, kind;
INSERT INTO kpi_time_cells (fiscal_year, kind, topic, month, sessions, capacity, confirmed, attended,
    responses, comprehension_answers, comprehension_good, satisfaction_answers, satisfaction_good, responses_code,
    responses_paper)
SELECT ippo_fiscal_year(starts_at), kind, topic, ippo_fiscal_month(starts_at), COUNT(*), SUM(capacity),
    SUM(confirmed_count), SUM(attended_count), SUM(responses), SUM(comprehension_answers),
    SUM(comprehension_good), SUM(satisfaction_answers), SUM(satisfaction_good), SUM(responses_code),
    SUM(responses_paper)
FROM sessions WHERE status <> 'cancelled'
GROUP BY ippo_fiscal_year(starts_at), kind, topic, ippo_fiscal_month(starts_at);
