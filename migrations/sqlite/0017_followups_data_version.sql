-- The open-data file shows each session's follow-up counts, and it is kept like the
-- public pages (src/server/pagecache.rs): a follow-up queued or answered bumps the data
-- version too (see 0015).
CREATE TRIGGER data_version_followups_insert AFTER INSERT ON followups BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_followups_update AFTER UPDATE ON followups BEGIN UPDATE data_version SET version = version + 1; END;
CREATE TRIGGER data_version_followups_delete AFTER DELETE ON followups BEGIN UPDATE data_version SET version = version + 1; END;
