-- The city that runs the programme, as data (one row): its name and department, whom
-- people call or write to, the sender name of its mails, its 全国地方公共団体コード (for
-- open-data file names and for telling its own facilities from others'), and whether
-- the sample city is loaded (then pages say so).
CREATE TABLE city_profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    department_en TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    privacy_contact TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    lg_code TEXT NOT NULL DEFAULT '',
    sample BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ
);
INSERT INTO city_profile (id) VALUES (1);

-- What a city's facility list says of a venue: its reading (lists sort by it), its
-- position (a map link), its phone and opening hours, and accessibility facts (NULL:
-- not known).
ALTER TABLE venues ADD COLUMN name_kana TEXT NOT NULL DEFAULT '';
ALTER TABLE venues ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE venues ADD COLUMN longitude DOUBLE PRECISION;
ALTER TABLE venues ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE venues ADD COLUMN hours TEXT NOT NULL DEFAULT '';
ALTER TABLE venues ADD COLUMN wheelchair BOOLEAN;
ALTER TABLE venues ADD COLUMN step_free BOOLEAN;
ALTER TABLE venues ADD COLUMN accessible_toilet BOOLEAN;
ALTER TABLE venues ADD COLUMN priority_parking BOOLEAN;

-- The sender name a mail goes out under (the city profile's, when it was written).
ALTER TABLE outbox ADD COLUMN sender_name TEXT;

-- An uploaded file waiting for the clerk to confirm its preview: the confirmed write
-- plans these bytes again and goes ahead only if it would do exactly what was shown.
CREATE TABLE import_previews (
    token TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    options TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
