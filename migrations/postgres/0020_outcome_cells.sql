-- The outcome report's counts kept by the report's own keys (fiscal year, venue, kind,
-- topic), so a report sums a few thousand cells a year instead of a row per session and
-- age band (about 300,000 rows for a year of a million follow-ups). Triggers keep them:
-- a change of a session's follow-up tallies adds its difference to the session's cells;
-- a session moved to another year, venue, kind or topic, cancelled or restored, or linked
-- to a partner or unlinked, moves its tallies with it. Cancelled sessions count nowhere,
-- as the report leaves them out.

-- The fiscal year (April to March, Tokyo time) of a moment, as `time::fiscal_year`.
CREATE FUNCTION ippo_fiscal_year(t TIMESTAMPTZ) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
    SELECT CAST(EXTRACT(YEAR FROM (t AT TIME ZONE 'Asia/Tokyo') - INTERVAL '3 months') AS INTEGER)
$$;

CREATE TABLE outcome_cells (
    fiscal_year INTEGER NOT NULL,
    venue_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    age_band TEXT NOT NULL,
    device TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    declined INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, venue_id, kind, topic, age_band, device)
);
CREATE TABLE outcome_partner_cells (
    fiscal_year INTEGER NOT NULL,
    partner_id BIGINT NOT NULL,
    venue_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    declined INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, partner_id, venue_id, kind)
);
CREATE TABLE outcome_choice_cells (
    fiscal_year INTEGER NOT NULL,
    venue_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    choice_kind TEXT NOT NULL,
    code TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, venue_id, kind, choice_kind, code)
);

-- Adds `sign` times the tallies of session `s` to its cells (nothing while it is
-- cancelled); with `partner`, to that partner's cells only (a link made or removed: the
-- link row itself is already gone after a delete, so it is not looked up).
CREATE FUNCTION outcome_cells_move(s sessions, sign INTEGER, partner BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF s.status = 'cancelled' THEN
        RETURN;
    END IF;
    IF partner IS NULL THEN
        INSERT INTO outcome_cells AS c (fiscal_year, venue_id, kind, topic, age_band, device,
                                        sent, answered, used, on_own, unreachable, declined)
        SELECT ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, s.topic, t.age_band, t.device,
               sign * t.sent, sign * t.answered, sign * t.used, sign * t.on_own, sign * t.unreachable, sign * t.declined
        FROM followup_tallies t WHERE t.session_id = s.id
        ON CONFLICT (fiscal_year, venue_id, kind, topic, age_band, device) DO UPDATE SET
            sent = c.sent + excluded.sent, answered = c.answered + excluded.answered, used = c.used + excluded.used,
            on_own = c.on_own + excluded.on_own, unreachable = c.unreachable + excluded.unreachable,
            declined = c.declined + excluded.declined;
        INSERT INTO outcome_choice_cells AS c (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
        SELECT ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, t.kind, t.code, sign * t.count, sign * t.on_own
        FROM followup_choice_tallies t WHERE t.session_id = s.id
        ON CONFLICT (fiscal_year, venue_id, kind, choice_kind, code) DO UPDATE SET
            count = c.count + excluded.count, on_own = c.on_own + excluded.on_own;
    END IF;
    INSERT INTO outcome_partner_cells AS c (fiscal_year, partner_id, venue_id, kind,
                                            sent, answered, used, on_own, unreachable, declined)
    SELECT ippo_fiscal_year(s.starts_at), sp.partner_id, s.venue_id, s.kind,
           sign * SUM(t.sent), sign * SUM(t.answered), sign * SUM(t.used), sign * SUM(t.on_own),
           sign * SUM(t.unreachable), sign * SUM(t.declined)
    FROM followup_tallies t
    CROSS JOIN (SELECT l.partner_id FROM session_partners l WHERE partner IS NULL AND l.session_id = s.id
                UNION ALL SELECT partner WHERE partner IS NOT NULL) sp
    WHERE t.session_id = s.id
    GROUP BY sp.partner_id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET
        sent = c.sent + excluded.sent, answered = c.answered + excluded.answered, used = c.used + excluded.used,
        on_own = c.on_own + excluded.on_own, unreachable = c.unreachable + excluded.unreachable,
        declined = c.declined + excluded.declined;
END;
$$;

-- Adds `sign` times one row of followup_tallies to its session's cells.
CREATE FUNCTION outcome_cells_add_tally(t followup_tallies, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sessions;
BEGIN
    SELECT * INTO s FROM sessions WHERE id = t.session_id;
    IF NOT FOUND OR s.status = 'cancelled' THEN
        RETURN;
    END IF;
    INSERT INTO outcome_cells AS c (fiscal_year, venue_id, kind, topic, age_band, device,
                                    sent, answered, used, on_own, unreachable, declined)
    VALUES (ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, s.topic, t.age_band, t.device,
            sign * t.sent, sign * t.answered, sign * t.used, sign * t.on_own, sign * t.unreachable, sign * t.declined)
    ON CONFLICT (fiscal_year, venue_id, kind, topic, age_band, device) DO UPDATE SET
        sent = c.sent + excluded.sent, answered = c.answered + excluded.answered, used = c.used + excluded.used,
        on_own = c.on_own + excluded.on_own, unreachable = c.unreachable + excluded.unreachable,
        declined = c.declined + excluded.declined;
    INSERT INTO outcome_partner_cells AS c (fiscal_year, partner_id, venue_id, kind,
                                            sent, answered, used, on_own, unreachable, declined)
    SELECT ippo_fiscal_year(s.starts_at), sp.partner_id, s.venue_id, s.kind,
           sign * t.sent, sign * t.answered, sign * t.used, sign * t.on_own, sign * t.unreachable, sign * t.declined
    FROM session_partners sp WHERE sp.session_id = s.id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET
        sent = c.sent + excluded.sent, answered = c.answered + excluded.answered, used = c.used + excluded.used,
        on_own = c.on_own + excluded.on_own, unreachable = c.unreachable + excluded.unreachable,
        declined = c.declined + excluded.declined;
END;
$$;
-- A row of followup_tallies written: the old counts leave its session's cells, the new join.
CREATE FUNCTION outcome_cells_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM outcome_cells_add_tally(OLD, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM outcome_cells_add_tally(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER outcome_cells_tally AFTER INSERT OR UPDATE OR DELETE ON followup_tallies
    FOR EACH ROW EXECUTE FUNCTION outcome_cells_tally();

-- Adds `sign` times one row of followup_choice_tallies to its session's cells.
CREATE FUNCTION outcome_cells_add_choice(t followup_choice_tallies, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sessions;
BEGIN
    SELECT * INTO s FROM sessions WHERE id = t.session_id;
    IF NOT FOUND OR s.status = 'cancelled' THEN
        RETURN;
    END IF;
    INSERT INTO outcome_choice_cells AS c (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
    VALUES (ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, t.kind, t.code, sign * t.count, sign * t.on_own)
    ON CONFLICT (fiscal_year, venue_id, kind, choice_kind, code) DO UPDATE SET
        count = c.count + excluded.count, on_own = c.on_own + excluded.on_own;
END;
$$;
CREATE FUNCTION outcome_cells_choice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM outcome_cells_add_choice(OLD, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM outcome_cells_add_choice(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER outcome_cells_choice AFTER INSERT OR UPDATE OR DELETE ON followup_choice_tallies
    FOR EACH ROW EXECUTE FUNCTION outcome_cells_choice();

-- A session moved to other keys, cancelled or restored: its tallies leave the old cells
-- and join the new ones.
CREATE FUNCTION outcome_cells_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM outcome_cells_move(OLD, -1, NULL);
    PERFORM outcome_cells_move(NEW, 1, NULL);
    RETURN NULL;
END;
$$;
CREATE TRIGGER outcome_cells_session AFTER UPDATE OF starts_at, venue_id, kind, topic, status ON sessions
    FOR EACH ROW
    WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.venue_id IS DISTINCT FROM NEW.venue_id
          OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.topic IS DISTINCT FROM NEW.topic
          OR (OLD.status = 'cancelled') IS DISTINCT FROM (NEW.status = 'cancelled'))
    EXECUTE FUNCTION outcome_cells_session();

-- A partner linked to a session or unlinked: the session's tallies join or leave its cells.
CREATE FUNCTION outcome_cells_partner() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s sessions;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT * INTO s FROM sessions WHERE id = OLD.session_id;
        IF FOUND THEN
            PERFORM outcome_cells_move(s, -1, OLD.partner_id);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT * INTO s FROM sessions WHERE id = NEW.session_id;
        PERFORM outcome_cells_move(s, 1, NEW.partner_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER outcome_cells_partner AFTER INSERT OR UPDATE OR DELETE ON session_partners
    FOR EACH ROW EXECUTE FUNCTION outcome_cells_partner();

-- The counts so far.
INSERT INTO outcome_cells (fiscal_year, venue_id, kind, topic, age_band, device,
                           sent, answered, used, on_own, unreachable, declined)
SELECT ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, s.topic, t.age_band, t.device,
       SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
FROM followup_tallies t JOIN sessions s ON s.id = t.session_id
WHERE s.status <> 'cancelled'
GROUP BY ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, s.topic, t.age_band, t.device;
INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind,
                                   sent, answered, used, on_own, unreachable, declined)
SELECT ippo_fiscal_year(s.starts_at), sp.partner_id, s.venue_id, s.kind,
       SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
FROM followup_tallies t JOIN sessions s ON s.id = t.session_id JOIN session_partners sp ON sp.session_id = s.id
WHERE s.status <> 'cancelled'
GROUP BY ippo_fiscal_year(s.starts_at), sp.partner_id, s.venue_id, s.kind;
INSERT INTO outcome_choice_cells (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
SELECT ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, t.kind, t.code, SUM(t.count), SUM(t.on_own)
FROM followup_choice_tallies t JOIN sessions s ON s.id = t.session_id
WHERE s.status <> 'cancelled'
GROUP BY ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, t.kind, t.code;
