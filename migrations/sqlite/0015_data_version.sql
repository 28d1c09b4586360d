-- The data version: a counter bumped in the same transaction as every write to the
-- tables the public pages show, so a page rendered once can be served from memory for
-- as long as the version is unchanged, and never after (src/server/pagecache.rs).
CREATE TABLE data_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO data_version (id, version) VALUES (1, 1);
CREATE TRIGGER data_version_sessions_insert AFTER INSERT ON sessions BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_sessions_update AFTER UPDATE ON sessions BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_sessions_delete AFTER DELETE ON sessions BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_meetings_insert AFTER INSERT ON meetings BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_meetings_update AFTER UPDATE ON meetings BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_meetings_delete AFTER DELETE ON meetings BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_registrations_insert AFTER INSERT ON registrations BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_registrations_update AFTER UPDATE ON registrations BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_registrations_delete AFTER DELETE ON registrations BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_venues_insert AFTER INSERT ON venues BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_venues_update AFTER UPDATE ON venues BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_venues_delete AFTER DELETE ON venues BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_wards_insert AFTER INSERT ON wards BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_wards_update AFTER UPDATE ON wards BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_wards_delete AFTER DELETE ON wards BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_city_profile_insert AFTER INSERT ON city_profile BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_city_profile_update AFTER UPDATE ON city_profile BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_city_profile_delete AFTER DELETE ON city_profile BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_session_partners_insert AFTER INSERT ON session_partners BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_session_partners_update AFTER UPDATE ON session_partners BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_session_partners_delete AFTER DELETE ON session_partners BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_partners_insert AFTER INSERT ON partners BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_partners_update AFTER UPDATE ON partners BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_partners_delete AFTER DELETE ON partners BEGIN UPDATE data_version SET version = version + 1; END;
