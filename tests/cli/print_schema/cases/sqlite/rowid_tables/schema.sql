CREATE TABLE no_key (name TEXT NOT NULL, value TEXT);
CREATE TABLE has_rowid_column (rowid TEXT, other INTEGER);
CREATE TABLE without_rowid_t (code TEXT PRIMARY KEY NOT NULL, label TEXT) WITHOUT ROWID;
