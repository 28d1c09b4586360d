-- The outcome report's choices ticked kept by fiscal year, kind and choice
-- (`outcome_ticked_cells`), as 0022 keeps its people, in place of `outcome_choice_cells`,
-- which also had the venue: 97,840 cells for a nation's year, read in 50 ms, against a few
-- dozen now. A report narrowed to one venue or ward reads its choices from that place's
-- `followup_choice_tallies`. 0020's and 0022's triggers that wrote the choice cells,
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

DROP TRIGGER outcome_cells_choice_insert;
DROP TRIGGER outcome_cells_choice_update;
DROP TRIGGER outcome_cells_choice_delete;
DROP TRIGGER outcome_cells_session;

CREATE TRIGGER outcome_cells_choice_insert AFTER INSERT ON followup_choice_tallies BEGIN
    INSERT INTO outcome_ticked_cells (fiscal_year, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.kind, NEW.kind, NEW.code, NEW.count, NEW.on_own
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
END;
CREATE TRIGGER outcome_cells_choice_update AFTER UPDATE ON followup_choice_tallies BEGIN
    INSERT INTO outcome_ticked_cells (fiscal_year, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.kind, NEW.kind, NEW.code, NEW.count - OLD.count, NEW.on_own - OLD.on_own
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
END;
CREATE TRIGGER outcome_cells_choice_delete AFTER DELETE ON followup_choice_tallies BEGIN
    INSERT INTO outcome_ticked_cells (fiscal_year, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.kind, OLD.kind, OLD.code, -OLD.count, -OLD.on_own
    FROM sessions s WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
END;
CREATE TRIGGER outcome_cells_session AFTER UPDATE OF starts_at, venue_id, kind, topic, status ON sessions
WHEN OLD.starts_at IS NOT NEW.starts_at OR OLD.venue_id IS NOT NEW.venue_id OR OLD.kind IS NOT NEW.kind
     OR OLD.topic IS NOT NEW.topic OR (OLD.status = 'cancelled') IS NOT (NEW.status = 'cancelled')
BEGIN
    INSERT INTO outcome_place_cells (fiscal_year, venue_id, kind, topic, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', OLD.starts_at, '+9 hours', '-3 months') AS INTEGER), OLD.venue_id, OLD.kind, OLD.topic, -SUM(t.sent), -SUM(t.answered), -SUM(t.used), -SUM(t.on_own), -SUM(t.unreachable), -SUM(t.declined)
    FROM followup_tallies t WHERE t.session_id = OLD.id AND OLD.status <> 'cancelled'
    GROUP BY t.session_id
    ON CONFLICT (fiscal_year, venue_id, kind, topic) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_person_cells (fiscal_year, kind, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', OLD.starts_at, '+9 hours', '-3 months') AS INTEGER), OLD.kind, t.age_band, t.device, -t.sent, -t.answered, -t.used, -t.on_own, -t.unreachable, -t.declined
    FROM followup_tallies t WHERE t.session_id = OLD.id AND OLD.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_ticked_cells (fiscal_year, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', OLD.starts_at, '+9 hours', '-3 months') AS INTEGER), OLD.kind, t.kind, t.code, -t.count, -t.on_own
    FROM followup_choice_tallies t WHERE t.session_id = OLD.id AND OLD.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', OLD.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, OLD.venue_id, OLD.kind, -SUM(t.sent), -SUM(t.answered), -SUM(t.used), -SUM(t.on_own), -SUM(t.unreachable), -SUM(t.declined)
    FROM followup_tallies t JOIN session_partners sp ON sp.session_id = t.session_id WHERE t.session_id = OLD.id AND OLD.status <> 'cancelled'
    GROUP BY sp.partner_id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_place_cells (fiscal_year, venue_id, kind, topic, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', NEW.starts_at, '+9 hours', '-3 months') AS INTEGER), NEW.venue_id, NEW.kind, NEW.topic, SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
    FROM followup_tallies t WHERE t.session_id = NEW.id AND NEW.status <> 'cancelled'
    GROUP BY t.session_id
    ON CONFLICT (fiscal_year, venue_id, kind, topic) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_person_cells (fiscal_year, kind, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', NEW.starts_at, '+9 hours', '-3 months') AS INTEGER), NEW.kind, t.age_band, t.device, t.sent, t.answered, t.used, t.on_own, t.unreachable, t.declined
    FROM followup_tallies t WHERE t.session_id = NEW.id AND NEW.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_ticked_cells (fiscal_year, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', NEW.starts_at, '+9 hours', '-3 months') AS INTEGER), NEW.kind, t.kind, t.code, t.count, t.on_own
    FROM followup_choice_tallies t WHERE t.session_id = NEW.id AND NEW.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', NEW.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, NEW.venue_id, NEW.kind, SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
    FROM followup_tallies t JOIN session_partners sp ON sp.session_id = t.session_id WHERE t.session_id = NEW.id AND NEW.status <> 'cancelled'
    GROUP BY sp.partner_id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;

-- The counts so far, from the cells they replace.
INSERT INTO outcome_ticked_cells (fiscal_year, kind, choice_kind, code, count, on_own)
SELECT fiscal_year, kind, choice_kind, code, SUM(count), SUM(on_own)
FROM outcome_choice_cells GROUP BY fiscal_year, kind, choice_kind, code;
DROP TABLE outcome_choice_cells;
