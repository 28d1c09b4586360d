-- Wards are data (the sample city seeds Kitakyushu's seven); venues and partner shops sit in them.
CREATE TABLE wards (
    code TEXT PRIMARY KEY,
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE venues (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    ward TEXT NOT NULL REFERENCES wards(code),
    address TEXT NOT NULL,
    access TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX venues_ward_idx ON venues (ward);

CREATE TABLE partners (
    id INTEGER PRIMARY KEY,
    carrier TEXT NOT NULL,
    name TEXT NOT NULL,
    ward TEXT NOT NULL REFERENCES wards(code),
    address TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    agreement_date TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
