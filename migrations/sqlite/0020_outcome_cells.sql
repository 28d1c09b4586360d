-- The outcome report's counts kept by the report's own keys (fiscal year, venue, kind,
-- topic), so a report sums a few thousand cells a year instead of a row per session and
-- age band (about 300,000 rows for a year of a million follow-ups). Triggers keep them:
-- a change of a session's follow-up tallies adds its difference to the session's cells;
-- a session moved to another year, venue, kind or topic, cancelled or restored, or linked
-- to a partner or unlinked, moves its tallies with it. Cancelled sessions count nowhere,
-- as the report leaves them out. The fiscal year (April to March, Tokyo time, as
-- `time::fiscal_year`) of a start is strftime('%Y', starts_at, '+9 hours', '-3 months').
CREATE TABLE outcome_cells (
    fiscal_year INTEGER NOT NULL,
    venue_id INTEGER NOT NULL,
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
    partner_id INTEGER NOT NULL,
    venue_id INTEGER NOT NULL,
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
    venue_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    choice_kind TEXT NOT NULL,
    code TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    on_own INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, venue_id, kind, choice_kind, code)
);

-- A row of followup_tallies written: its difference goes to its session's cells.
CREATE TRIGGER outcome_cells_tally_insert AFTER INSERT ON followup_tallies BEGIN
    INSERT INTO outcome_cells (fiscal_year, venue_id, kind, topic, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, s.topic, NEW.age_band, NEW.device, NEW.sent, NEW.answered, NEW.used, NEW.on_own, NEW.unreachable, NEW.declined
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, topic, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, s.venue_id, s.kind, NEW.sent, NEW.answered, NEW.used, NEW.on_own, NEW.unreachable, NEW.declined
    FROM sessions s JOIN session_partners sp ON sp.session_id = s.id WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;
CREATE TRIGGER outcome_cells_tally_update AFTER UPDATE ON followup_tallies BEGIN
    INSERT INTO outcome_cells (fiscal_year, venue_id, kind, topic, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, s.topic, NEW.age_band, NEW.device, NEW.sent - OLD.sent, NEW.answered - OLD.answered, NEW.used - OLD.used, NEW.on_own - OLD.on_own, NEW.unreachable - OLD.unreachable, NEW.declined - OLD.declined
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, topic, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, s.venue_id, s.kind, NEW.sent - OLD.sent, NEW.answered - OLD.answered, NEW.used - OLD.used, NEW.on_own - OLD.on_own, NEW.unreachable - OLD.unreachable, NEW.declined - OLD.declined
    FROM sessions s JOIN session_partners sp ON sp.session_id = s.id WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;
CREATE TRIGGER outcome_cells_tally_delete AFTER DELETE ON followup_tallies BEGIN
    INSERT INTO outcome_cells (fiscal_year, venue_id, kind, topic, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, s.topic, OLD.age_band, OLD.device, -OLD.sent, -OLD.answered, -OLD.used, -OLD.on_own, -OLD.unreachable, -OLD.declined
    FROM sessions s WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, topic, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, s.venue_id, s.kind, -OLD.sent, -OLD.answered, -OLD.used, -OLD.on_own, -OLD.unreachable, -OLD.declined
    FROM sessions s JOIN session_partners sp ON sp.session_id = s.id WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;

-- A row of followup_choice_tallies written: its difference goes to its session's cells.
CREATE TRIGGER outcome_cells_choice_insert AFTER INSERT ON followup_choice_tallies BEGIN
    INSERT INTO outcome_choice_cells (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, NEW.kind, NEW.code, NEW.count, NEW.on_own
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
END;
CREATE TRIGGER outcome_cells_choice_update AFTER UPDATE ON followup_choice_tallies BEGIN
    INSERT INTO outcome_choice_cells (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, NEW.kind, NEW.code, NEW.count - OLD.count, NEW.on_own - OLD.on_own
    FROM sessions s WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
END;
CREATE TRIGGER outcome_cells_choice_delete AFTER DELETE ON followup_choice_tallies BEGIN
    INSERT INTO outcome_choice_cells (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), s.venue_id, s.kind, OLD.kind, OLD.code, -OLD.count, -OLD.on_own
    FROM sessions s WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
END;

-- A session moved to other keys, cancelled or restored: its tallies leave the old cells
-- and join the new ones.
CREATE TRIGGER outcome_cells_session AFTER UPDATE OF starts_at, venue_id, kind, topic, status ON sessions
WHEN OLD.starts_at IS NOT NEW.starts_at OR OLD.venue_id IS NOT NEW.venue_id OR OLD.kind IS NOT NEW.kind
     OR OLD.topic IS NOT NEW.topic OR (OLD.status = 'cancelled') IS NOT (NEW.status = 'cancelled')
BEGIN
    INSERT INTO outcome_cells (fiscal_year, venue_id, kind, topic, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', OLD.starts_at, '+9 hours', '-3 months') AS INTEGER), OLD.venue_id, OLD.kind, OLD.topic, t.age_band, t.device, -t.sent, -t.answered, -t.used, -t.on_own, -t.unreachable, -t.declined
    FROM followup_tallies t WHERE t.session_id = OLD.id AND OLD.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, topic, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_choice_cells (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
    SELECT CAST(strftime('%Y', OLD.starts_at, '+9 hours', '-3 months') AS INTEGER), OLD.venue_id, OLD.kind, t.kind, t.code, -t.count, -t.on_own
    FROM followup_choice_tallies t WHERE t.session_id = OLD.id AND OLD.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, choice_kind, code) DO UPDATE SET count = count + excluded.count, on_own = on_own + excluded.on_own;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', OLD.starts_at, '+9 hours', '-3 months') AS INTEGER), sp.partner_id, OLD.venue_id, OLD.kind, -SUM(t.sent), -SUM(t.answered), -SUM(t.used), -SUM(t.on_own), -SUM(t.unreachable), -SUM(t.declined)
    FROM followup_tallies t JOIN session_partners sp ON sp.session_id = t.session_id WHERE t.session_id = OLD.id AND OLD.status <> 'cancelled'
    GROUP BY sp.partner_id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_cells (fiscal_year, venue_id, kind, topic, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', NEW.starts_at, '+9 hours', '-3 months') AS INTEGER), NEW.venue_id, NEW.kind, NEW.topic, t.age_band, t.device, t.sent, t.answered, t.used, t.on_own, t.unreachable, t.declined
    FROM followup_tallies t WHERE t.session_id = NEW.id AND NEW.status <> 'cancelled'
    ON CONFLICT (fiscal_year, venue_id, kind, topic, age_band, device) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
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

-- A partner linked to a session or unlinked: the session's tallies join or leave its cells.
CREATE TRIGGER outcome_cells_partner_insert AFTER INSERT ON session_partners BEGIN
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), NEW.partner_id, s.venue_id, s.kind, SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
    FROM sessions s JOIN followup_tallies t ON t.session_id = s.id
    WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    GROUP BY s.id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;
CREATE TRIGGER outcome_cells_partner_update AFTER UPDATE OF session_id, partner_id ON session_partners BEGIN
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), OLD.partner_id, s.venue_id, s.kind, -SUM(t.sent), -SUM(t.answered), -SUM(t.used), -SUM(t.on_own), -SUM(t.unreachable), -SUM(t.declined)
    FROM sessions s JOIN followup_tallies t ON t.session_id = s.id
    WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    GROUP BY s.id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), NEW.partner_id, s.venue_id, s.kind, SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
    FROM sessions s JOIN followup_tallies t ON t.session_id = s.id
    WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
    GROUP BY s.id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;
CREATE TRIGGER outcome_cells_partner_delete AFTER DELETE ON session_partners BEGIN
    INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
    SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER), OLD.partner_id, s.venue_id, s.kind, -SUM(t.sent), -SUM(t.answered), -SUM(t.used), -SUM(t.on_own), -SUM(t.unreachable), -SUM(t.declined)
    FROM sessions s JOIN followup_tallies t ON t.session_id = s.id
    WHERE s.id = OLD.session_id AND s.status <> 'cancelled'
    GROUP BY s.id
    ON CONFLICT (fiscal_year, partner_id, venue_id, kind) DO UPDATE SET sent = sent + excluded.sent, answered = answered + excluded.answered, used = used + excluded.used, on_own = on_own + excluded.on_own, unreachable = unreachable + excluded.unreachable, declined = declined + excluded.declined;
END;

-- The counts so far.
INSERT INTO outcome_cells (fiscal_year, venue_id, kind, topic, age_band, device, sent, answered, used, on_own, unreachable, declined)
SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER) AS fy, s.venue_id, s.kind, s.topic, t.age_band, t.device,
       SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
FROM followup_tallies t JOIN sessions s ON s.id = t.session_id
WHERE s.status <> 'cancelled'
GROUP BY fy, s.venue_id, s.kind, s.topic, t.age_band, t.device;
INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, sent, answered, used, on_own, unreachable, declined)
SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER) AS fy, sp.partner_id, s.venue_id, s.kind, SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)
FROM followup_tallies t JOIN sessions s ON s.id = t.session_id JOIN session_partners sp ON sp.session_id = s.id
WHERE s.status <> 'cancelled'
GROUP BY fy, sp.partner_id, s.venue_id, s.kind;
INSERT INTO outcome_choice_cells (fiscal_year, venue_id, kind, choice_kind, code, count, on_own)
SELECT CAST(strftime('%Y', s.starts_at, '+9 hours', '-3 months') AS INTEGER) AS fy, s.venue_id, s.kind, t.kind, t.code, SUM(t.count), SUM(t.on_own)
FROM followup_choice_tallies t JOIN sessions s ON s.id = t.session_id
WHERE s.status <> 'cancelled'
GROUP BY fy, s.venue_id, s.kind, t.kind, t.code;
