-- The data version: a counter bumped by every transaction that writes to the tables the
-- public pages show, in that transaction, so a page rendered once can be served from
-- memory for as long as the version is unchanged, and never after (src/server/pagecache.rs).
CREATE TABLE data_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
INSERT INTO data_version (id, version) VALUES (1, 1);

-- Once per transaction, at its commit: the triggers are deferred, so the counter's row is
-- locked last and only while committing, and adds no lock-order cycle (no deadlock) to a
-- transaction that also locks a session's row for its seats.
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('ippo.data_version_bumped', true) IS DISTINCT FROM 'yes' THEN
        UPDATE data_version SET version = version + 1;
        PERFORM set_config('ippo.data_version_bumped', 'yes', true);
    END IF;
    RETURN NULL;
END;
$$;
DO $$
DECLARE
    shown text;
BEGIN
    FOREACH shown IN ARRAY ARRAY['sessions', 'meetings', 'registrations', 'venues', 'wards', 'city_profile', 'session_partners', 'partners'] LOOP
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER data_version_%1$s AFTER INSERT OR UPDATE OR DELETE ON %1$I
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version()', shown);
    END LOOP;
END;
$$;
