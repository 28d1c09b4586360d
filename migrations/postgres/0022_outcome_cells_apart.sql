-- The outcome report's cells by place and by person apart (as 0021 keeps the KPI's): one
-- table keyed by fiscal year, venue, kind, topic, age band and device holds nearly a cell
-- per session and attendee group at a nation's scale (261,893 for a year of 2,143 venues),
-- and the report summed it twice. Now `outcome_place_cells` (fiscal year, venue, kind,
-- topic: the topic, venue, ward and kind lines and the totals; 34,892 for that year) and
-- `outcome_person_cells` (fiscal year, kind, age band, device: a few dozen a year). A
-- report narrowed to one venue or ward reads its age bands and devices from that place's
-- `followup_tallies`. The same triggers as 0020 keep them, with these two tables in place
-- of `outcome_cells`; the choice and partner cells are unchanged.

CREATE TABLE outcome_place_cells (
    fiscal_year INTEGER NOT NULL,
    venue_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    declined INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, venue_id, kind, topic)
);
CREATE TABLE outcome_person_cells (
    fiscal_year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    age_band TEXT NOT NULL,
    device TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    declined INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, kind, age_band, device)
);

-- Adds `sign` times the follow-up counts `t` of session `s` to its place and person cells.
CREATE FUNCTION outcome_cells_put(s sessions, t followup_tallies, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outcome_place_cells AS c (fiscal_year, venue_id, kind, topic, sent, answered, used, on_own,
                                          unreachable, declined)
    VALUES (ippo_fiscal_year(s.starts_at), s.venue_id, s.kind, s.topic, sign * t.sent, sign * t.answered,
            sign * t.used, sign * t.on_own, sign * t.unreachable, sign * t.declined)
    ON CONFLICT (fiscal_year, venue_id, kind, topic) DO UPDATE SET
        sent = c.sent + excluded.sent, answered = c.answered + excluded.answered, used = c.used + excluded.used,
        on_own = c.on_own + excluded.on_own, unreachable = c.unreachable + excluded.unreachable,
        declined = c.declined + excluded.declined;
    INSERT INTO outcome_person_cells AS c (fiscal_year, kind, age_band, device, sent, answered, used, on_own,
                                           unreachable, declined)
    VALUES (ippo_fiscal_year(s.starts_at), s.kind, t.age_band, t.device, sign * t.sent, sign * t.answered,
            sign * t.used, sign * t.on_own, sign * t.unreachable, sign * t.declined)
    ON CONFLICT (fiscal_year, kind, age_band, device) DO UPDATE SET
        sent = c.sent + excluded.sent, answered = c.answered + excluded.answered, used = c.used + excluded.used,
        on_own = c.on_own + excluded.on_own, unreachable = c.unreachable + excluded.unreachable,
        declined = c.declined + excluded.declined;
END;
$$;

-- As 0020's, with the place and person cells in place of `outcome_cells`.
CREATE OR REPLACE FUNCTION outcome_cells_move(s sessions, sign INTEGER, partner BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    tally followup_tallies;
BEGIN
    IF s.status = 'cancelled' THEN
        RETURN;
    END IF;
    IF partner IS NULL THEN
        FOR tally IN SELECT * FROM followup_tallies WHERE session_id = s.id LOOP
            PERFORM outcome_cells_put(s, tally, sign);
        END LOOP;
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

-- As 0020's, with the place and person cells in place of `outcome_cells`.
CREATE OR REPLACE FUNCTION outcome_cells_add_tally(t followup_tallies, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sessions;
BEGIN
    SELECT * INTO s FROM sessions WHERE id = t.session_id;
    IF NOT FOUND OR s.status = 'cancelled' THEN
        RETURN;
    END IF;
    PERFORM outcome_cells_put(s, t, sign);
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

-- The counts so far, from the cells they replace.
INSERT INTO outcome_place_cells (fiscal_year, venue_id, kind, topic, sent, answered, used, on_own, unreachable, declined)
SELECT fiscal_year, venue_id, kind, topic, SUM(sent), SUM(answered), SUM(used), SUM(on_own), SUM(unreachable),
       SUM(declined)
FROM outcome_cells GROUP BY fiscal_year, venue_id, kind, topic;
INSERT INTO outcome_person_cells (fiscal_year, kind, age_band, device, sent, answered, used, on_own, unreachable, declined)
SELECT fiscal_year, kind, age_band, device, SUM(sent), SUM(answered), SUM(used), SUM(on_own), SUM(unreachable),
       SUM(declined)
FROM outcome_cells GROUP BY fiscal_year, kind, age_band, device;
DROP TABLE outcome_cells;
