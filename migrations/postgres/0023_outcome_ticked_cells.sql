-- The outcome report's choices ticked kept by fiscal year, kind and choice
-- (`outcome_ticked_cells`), as 0022 keeps its people, in place of `outcome_choice_cells`,
-- which also had the venue: 97,840 cells for a nation's year, read in 50 ms, against a few
-- dozen now. A report narrowed to one venue or ward reads its choices from that place's
-- `followup_choice_tallies`. 0020's and 0022's functions that wrote the choice cells,
-- again with these.
CREATE TABLE outcome_ticked_cells (
    fiscal_year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    choice_kind TEXT NOT NULL,
    code TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, kind, choice_kind, code)
);

-- As 0020's, into the cells by kind.
CREATE OR REPLACE FUNCTION outcome_cells_add_choice(t followup_choice_tallies, sign INTEGER) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sessions;
BEGIN
    SELECT * INTO s FROM sessions WHERE id = t.session_id;
    IF NOT FOUND OR s.status = 'cancelled' THEN
        RETURN;
    END IF;
    INSERT INTO outcome_ticked_cells AS c (fiscal_year, kind, choice_kind, code, count, on_own)
    VALUES (ippo_fiscal_year(s.starts_at), s.kind, t.kind, t.code, sign * t.count, sign * t.on_own)
    ON CONFLICT (fiscal_year, kind, choice_kind, code) DO UPDATE SET
        count = c.count + excluded.count, on_own = c.on_own + excluded.on_own;
END;
$$;

-- As 0022's, into the cells by kind.
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
        INSERT INTO outcome_ticked_cells AS c (fiscal_year, kind, choice_kind, code, count, on_own)
        SELECT ippo_fiscal_year(s.starts_at), s.kind, t.kind, t.code, sign * t.count, sign * t.on_own
        FROM followup_choice_tallies t WHERE t.session_id = s.id
        ON CONFLICT (fiscal_year, kind, choice_kind, code) DO UPDATE SET
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

-- The counts so far, from the cells they replace.
INSERT INTO outcome_ticked_cells (fiscal_year, kind, choice_kind, code, count, on_own)
SELECT fiscal_year, kind, choice_kind, code, SUM(count), SUM(on_own)
FROM outcome_choice_cells GROUP BY fiscal_year, kind, choice_kind, code;
DROP TABLE outcome_choice_cells;
