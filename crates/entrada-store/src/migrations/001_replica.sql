-- The replica of one or more events and the append-only reading log.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    validity_date TEXT,
    raw           TEXT NOT NULL
);

CREATE TABLE tags (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    raw  TEXT NOT NULL
);

-- occupancy is derived from readings (see presence) and kept here so a scan reads one row.
CREATE TABLE rooms (
    id        TEXT PRIMARY KEY,
    event_id  TEXT NOT NULL,
    name      TEXT NOT NULL,
    capacity  INTEGER,
    occupancy INTEGER NOT NULL DEFAULT 0,
    raw       TEXT NOT NULL
);

CREATE TABLE checkpoints (
    id            TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL,
    name          TEXT NOT NULL,
    active        INTEGER NOT NULL,
    max_readings  INTEGER,
    room_id       TEXT,
    direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    allowed_tags  TEXT NOT NULL,
    excluded_tags TEXT NOT NULL,
    raw           TEXT NOT NULL
);
CREATE INDEX checkpoints_event ON checkpoints(event_id);

CREATE TABLE attendees (
    id      TEXT PRIMARY KEY,
    qr_data TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    active  INTEGER NOT NULL,
    tag_ids TEXT NOT NULL,
    search  TEXT NOT NULL,
    raw     TEXT NOT NULL
);

CREATE TABLE attendance (
    event_id    TEXT NOT NULL,
    attendee_id TEXT NOT NULL,
    confirmed   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    raw         TEXT NOT NULL,
    PRIMARY KEY (event_id, attendee_id)
) WITHOUT ROWID;

-- Append-only: rows are never deleted. sync_state and the upstream_* columns record what
-- the upstream said; voided is derived from undo rows and kept for cheap rule queries.
CREATE TABLE readings (
    id               TEXT PRIMARY KEY,
    device_id        TEXT NOT NULL,
    device_name      TEXT NOT NULL,
    device_seq       INTEGER NOT NULL,
    event_id         TEXT NOT NULL,
    checkpoint_id    TEXT NOT NULL,
    attendee_id      TEXT,
    payload          BLOB,
    verdict          TEXT NOT NULL,
    accepted         INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    undoes           TEXT,
    voided           INTEGER NOT NULL DEFAULT 0,
    direction        TEXT NOT NULL,
    room_id          TEXT,
    reading_date     TEXT NOT NULL,
    reading_ts       INTEGER NOT NULL,
    recorded_at      TEXT NOT NULL,
    sync_state       TEXT NOT NULL,
    upstream_status  INTEGER,
    upstream_body    TEXT,
    upstream_verdict TEXT,
    -- Bumped whenever the row is inserted or its status changes: the readings feed cursor.
    feed_seq         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX readings_feed ON readings(feed_seq);
CREATE INDEX readings_checkpoint_attendee ON readings(checkpoint_id, attendee_id) WHERE accepted = 1;
CREATE INDEX readings_room_attendee ON readings(room_id, attendee_id, reading_ts) WHERE accepted = 1;
CREATE INDEX readings_pending ON readings(sync_state) WHERE sync_state = 'pending';
CREATE INDEX readings_undoes ON readings(undoes) WHERE undoes IS NOT NULL;
CREATE INDEX readings_time ON readings(reading_ts);

-- Who is inside which room, derived from the latest accepted, not voided reading.
CREATE TABLE presence (
    room_id     TEXT NOT NULL,
    attendee_id TEXT NOT NULL,
    inside      INTEGER NOT NULL,
    PRIMARY KEY (room_id, attendee_id)
) WITHOUT ROWID;
