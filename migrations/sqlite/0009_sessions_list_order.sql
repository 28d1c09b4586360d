-- Session lists are read in (starts_at, id) order: with the id in the index they come out
-- of it already sorted, with no sort step per page of the list.
DROP INDEX sessions_starts_at_idx;
CREATE INDEX sessions_starts_at_id_idx ON sessions (starts_at, id);
