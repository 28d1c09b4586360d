-- The outcome report's cells by place and by person apart (as 0021 keeps the KPI's): one
-- table keyed by fiscal year, venue, kind, topic, age band and device holds nearly a cell
-- per session and attendee group at a nation's scale (261,893 for a year of 2,143 venues),
-- and the report summed it twice. Now `outcome_place_cells` (fiscal year, venue, kind,
-- topic: the topic, venue, ward and kind lines and the totals; 34,892 for that year) and
-- `outcome_person_cells` (fiscal year, kind, age band, device: a few dozen a year). A
-- report narrowed to one venue or ward reads its age bands and devices from that place's
-- `followup_tallies`. The same triggers as 0020 keep them, with these two tables in place
-- of `outcome_cells`; the choice and partner cells and their triggers are unchanged.
CREATE TABLE outcome_place_cells (
    fiscal_year INTEGER NOT NULL,
    venue_id INTEGER NOT NULL,
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

-- 0020's triggers that wrote `outcome_cells`, again with the place and person cells.
DROP TRIGGER outcome_cells_tally_insert;
DROP TRIGGER outcome_cells_tally_update;
DROP TRIGGER outcome_cells_tally_delete;
DROP TRIGGER outcome_cells_session;

CREATE TRIGGER outcome_cells_tally_insert AFTER INSERT ON followup_tallies BEGIN
    INSERT INTO outcome_place_cells (fiscal_year, venue_id, kind, topic, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, s.topic, NEW.sent, NEW.answered, NEW.used, NEW.on_own, NEW.unreachable, NEW.declined
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, topic) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_person_cells (fiscal_year, kind, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.kind, NEW.age_band, NEW.device, NEW.sent, NEW.answered, NEW.used, NEW.on_own, NEW.unreachable, NEW.declined
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, s.venue_id, s.kind, NEW.sent, NEW.answered, NEW.used, NEW.on_own, NEW.unreachable, NEW.declined
    FROM sessions s JOIN session_partners sp ON sp.session_id = s.id WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;
CREATE TRIGGER outcome_cells_tally_update AFTER UPDATE ON followup_tallies BEGIN
    INSERT INTO outcome_place_cells (fiscal_year, venue_id, kind, topic, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, s.topic, NEW.sent - OLD.sent, NEW.answered - OLD.answered, NEW.used - OLD.used, NEW.on_own - OLD.on_own, NEW.unreachable - OLD.unreachable, NEW.declined - OLD.declined
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, topic) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_person_cells (fiscal_year, kind, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.kind, NEW.age_band, NEW.device, NEW.sent - OLD.sent, NEW.answered - OLD.answered, NEW.used - OLD.used, NEW.on_own - OLD.on_own, NEW.unreachable - OLD.unreachable, NEW.declined - OLD.declined
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, s.venue_id, s.kind, NEW.sent - OLD.sent, NEW.answered - OLD.answered, NEW.used - OLD.used, NEW.on_own - OLD.on_own, NEW.unreachable - OLD.unreachable, NEW.declined - OLD.declined
    FROM sessions s JOIN session_partners sp ON sp.session_id = s.id WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;
CREATE TRIGGER outcome_cells_tally_delete AFTER DELETE ON followup_tallies BEGIN
    INSERT INTO outcome_place_cells (fiscal_year, venue_id, kind, topic, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, s.topic, -OLD.sent, -OLD.answered, -OLD.used, -OLD.on_own, -OLD.unreachable, -OLD.declined
    FROM sessions s WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, topic) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_person_cells (fiscal_year, kind, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.kind, OLD.age_band, OLD.device, -OLD.sent, -OLD.answered, -OLD.used, -OLD.on_own, -OLD.unreachable, -OLD.declined
    FROM sessions s WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, kind, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, s.venue_id, s.kind, -OLD.sent, -OLD.answered, -OLD.used, -OLD.on_own, -OLD.unreachable, -OLD.declined
    FROM sessions s JOIN session_partners sp ON sp.session_id = s.id WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
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
    INSERT INTO outcome_choice_cells (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', OLD.starts_at, '+9 hours', '-3 months') AS INTEGER), OLD.venue_id, OLD.kind, t.kind, t.code, -t.count, -t.on_own
    FROM followup_choice_tallies t WHERE t.session_id = OLD.id AND OLD.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
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
    INSERT INTO outcome_choice_cells (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', NEW.starts_at, '+9 hours', '-3 months') AS INTEGER), NEW.venue_id, NEW.kind, t.kind, t.code, t.count, t.on_own
    FROM followup_choice_tallies t WHERE t.session_id = NEW.id AND NEW.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', NEW.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, NEW.venue_id, NEW.kind, SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
    FROM followup_tallies t JOIN session_partners sp ON sp.session_id = t.session_id WHERE t.session_id = NEW.id AND NEW.status <> 'cancelled'
    GROUP BY sp.partner_id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;

-- The counts so far, from the cells they replace.
INSERT INTO outcome_place_cells (fiscal_year, venue_id, kind, topic, sent, answered, used, on_own, unreachable, declined)
SELECT fiscal_year, venue_id, kind, topic, SUM(sent), SUM(answered), SUM(used), SUM(on_own), SUM(unreachable), SUM(declined)
FROM outcome_cells GROUP BY fiscal_year, venue_id, kind, topic;
INSERT INTO outcome_person_cells (fiscal_year, kind, age_band, device, sent, answered, used, on_own, unreachable, declined)
SELECT fiscal_year, kind, age_band, device, SUM(sent), SUM(answered), SUM(used), SUM(on_own), SUM(unreachable), SUM(declined)
FROM outcome_cells GROUP BY fiscal_year, kind, age_band, device;
DROP TABLE outcome_cells;
