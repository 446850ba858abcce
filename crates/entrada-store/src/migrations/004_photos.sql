-- The attendee photo cache: one row per attendee whose replica record names a photo URL.
-- The thumbnails live as files in the folder beside the replica (`<replica>.photos/`);
-- `file` is set only once a complete file has been renamed into place.
CREATE TABLE photos (
    attendee_id   TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'fetched', 'failed')),
    -- The cached door-sized JPEG (a list-sized one sits beside it, see store/photos.rs).
    file          TEXT,
    -- What the upstream sent: its declared type and size in bytes, and the decoded size.
    content_type  TEXT,
    size          INTEGER,
    width         INTEGER,
    height        INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- Unix milliseconds; a failed photo is tried again from then on.
    next_retry_ms INTEGER,
    last_error    TEXT,
    fetched_at    TEXT
) WITHOUT ROWID;
CREATE INDEX photos_due ON photos(state, next_retry_ms) WHERE state != 'fetched';
