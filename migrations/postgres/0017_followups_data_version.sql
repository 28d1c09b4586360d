-- The open-data file shows each session's follow-up counts, and it is kept like the
-- public pages (src/server/pagecache.rs): a follow-up queued or answered bumps the data
-- version too, once per transaction at its commit (see 0015).
CREATE CONSTRAINT TRIGGER data_version_followups AFTER INSERT OR UPDATE OR DELETE ON followups
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
