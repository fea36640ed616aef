"""The workbench's tables in ``user.sqlite``, created with the rest of the user data when
the library opens (``userdata``): made lazily, on a first search, they failed where a
full disk had left no room (reliability tests)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS arrivals (doc_id TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS arrivals_at ON arrivals(at);
CREATE TABLE IF NOT EXISTS saved_searches (
    name TEXT PRIMARY KEY, query TEXT NOT NULL, filters TEXT NOT NULL, excludes TEXT NOT NULL,
    sort TEXT NOT NULL, created TEXT NOT NULL, last_seen TEXT
);
CREATE TABLE IF NOT EXISTS alerts (name TEXT PRIMARY KEY, rule TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_log (
    name TEXT NOT NULL, at TEXT NOT NULL, message TEXT NOT NULL, documents TEXT NOT NULL,
    PRIMARY KEY (name, at)
);
CREATE TABLE IF NOT EXISTS tags (
    doc_id TEXT NOT NULL, tag TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (doc_id, tag)
);
CREATE TABLE IF NOT EXISTS stars (doc_id TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_doc ON notes(doc_id);
CREATE TABLE IF NOT EXISTS quotes (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS quotes_doc ON quotes(doc_id);
"""
