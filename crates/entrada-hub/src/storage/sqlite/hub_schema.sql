-- Hub-only tables, kept out of the device migrations (devices would pay for the triggers).

CREATE TABLE hub_clients (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL
);

CREATE TABLE hub_tokens (
    hash       TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- The compacted change feed: one row per entity, its seq bumped on every change.
-- scope is the event for event-bound rows ('' for tags and attendees, which are global).
CREATE TABLE hub_changes (
    entity TEXT NOT NULL,
    scope  TEXT NOT NULL,
    id     TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    op     TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    PRIMARY KEY (entity, scope, id)
) WITHOUT ROWID;
CREATE INDEX hub_changes_seq ON hub_changes(seq);
-- The feed's sequence. A counter, not max(seq) + 1: compaction deletes the old row of an
-- entity, and its new seq must still be greater than any seq a device has seen.
-- (Triggers use DELETE + INSERT, not INSERT OR REPLACE: an UPSERT that fires a trigger
-- imposes its own conflict policy on the trigger's statements.)
CREATE TABLE hub_seq (n INTEGER NOT NULL);
INSERT INTO hub_seq(n) VALUES (0);

CREATE TABLE hub_photos (
    token        TEXT PRIMARY KEY,
    content_type TEXT NOT NULL
);

-- Attendee email lookups (uniqueness checks) without a full scan.
CREATE INDEX hub_attendee_email ON attendees(lower(json_extract(raw, '$.email')));

-- Change-feed triggers: every insert, update of the canonical row, delete.
CREATE TRIGGER hub_changes_events_ins AFTER INSERT ON events BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'event' AND scope = NEW.id AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('event', NEW.id, NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_events_upd AFTER UPDATE OF name, validity_date, raw ON events BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'event' AND scope = NEW.id AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('event', NEW.id, NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_events_del AFTER DELETE ON events BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'event' AND scope = OLD.id AND id = OLD.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('event', OLD.id, OLD.id, (SELECT n FROM hub_seq), 'delete');
END;
CREATE TRIGGER hub_changes_tags_ins AFTER INSERT ON tags BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'tag' AND scope = '' AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('tag', '', NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_tags_upd AFTER UPDATE OF name, raw ON tags BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'tag' AND scope = '' AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('tag', '', NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_tags_del AFTER DELETE ON tags BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'tag' AND scope = '' AND id = OLD.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('tag', '', OLD.id, (SELECT n FROM hub_seq), 'delete');
END;
CREATE TRIGGER hub_changes_rooms_ins AFTER INSERT ON rooms BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'room' AND scope = NEW.event_id AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('room', NEW.event_id, NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_rooms_upd AFTER UPDATE OF event_id, name, capacity, raw ON rooms BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'room' AND scope = NEW.event_id AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('room', NEW.event_id, NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_rooms_del AFTER DELETE ON rooms BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'room' AND scope = OLD.event_id AND id = OLD.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('room', OLD.event_id, OLD.id, (SELECT n FROM hub_seq), 'delete');
END;
CREATE TRIGGER hub_changes_checkpoints_ins AFTER INSERT ON checkpoints BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'checkpoint' AND scope = NEW.event_id AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('checkpoint', NEW.event_id, NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_checkpoints_upd AFTER UPDATE OF event_id, raw ON checkpoints BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'checkpoint' AND scope = NEW.event_id AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('checkpoint', NEW.event_id, NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_checkpoints_del AFTER DELETE ON checkpoints BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'checkpoint' AND scope = OLD.event_id AND id = OLD.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('checkpoint', OLD.event_id, OLD.id, (SELECT n FROM hub_seq), 'delete');
END;
CREATE TRIGGER hub_changes_attendees_ins AFTER INSERT ON attendees BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'attendee' AND scope = '' AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('attendee', '', NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_attendees_upd AFTER UPDATE OF raw ON attendees BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'attendee' AND scope = '' AND id = NEW.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('attendee', '', NEW.id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_attendees_del AFTER DELETE ON attendees BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'attendee' AND scope = '' AND id = OLD.id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('attendee', '', OLD.id, (SELECT n FROM hub_seq), 'delete');
END;
CREATE TRIGGER hub_changes_attendance_ins AFTER INSERT ON attendance BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'attendance' AND scope = NEW.event_id AND id = NEW.attendee_id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('attendance', NEW.event_id, NEW.attendee_id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_attendance_upd AFTER UPDATE OF raw ON attendance BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'attendance' AND scope = NEW.event_id AND id = NEW.attendee_id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('attendance', NEW.event_id, NEW.attendee_id, (SELECT n FROM hub_seq), 'upsert');
END;
CREATE TRIGGER hub_changes_attendance_del AFTER DELETE ON attendance BEGIN
    UPDATE hub_seq SET n = n + 1;
    DELETE FROM hub_changes WHERE entity = 'attendance' AND scope = OLD.event_id AND id = OLD.attendee_id;
    INSERT INTO hub_changes(entity, scope, id, seq, op)
    VALUES ('attendance', OLD.event_id, OLD.attendee_id, (SELECT n FROM hub_seq), 'delete');
END;

-- Rows that existed before the hub first opened this database.
INSERT OR REPLACE INTO hub_changes(entity, scope, id, seq, op)
    SELECT 'event', events.id, events.id,
           (SELECT coalesce(max(seq), 0) FROM hub_changes) + row_number() OVER (), 'upsert'
    FROM events;
INSERT OR REPLACE INTO hub_changes(entity, scope, id, seq, op)
    SELECT 'tag', '', tags.id,
           (SELECT coalesce(max(seq), 0) FROM hub_changes) + row_number() OVER (), 'upsert'
    FROM tags;
INSERT OR REPLACE INTO hub_changes(entity, scope, id, seq, op)
    SELECT 'room', rooms.event_id, rooms.id,
           (SELECT coalesce(max(seq), 0) FROM hub_changes) + row_number() OVER (), 'upsert'
    FROM rooms;
INSERT OR REPLACE INTO hub_changes(entity, scope, id, seq, op)
    SELECT 'checkpoint', checkpoints.event_id, checkpoints.id,
           (SELECT coalesce(max(seq), 0) FROM hub_changes) + row_number() OVER (), 'upsert'
    FROM checkpoints;
INSERT OR REPLACE INTO hub_changes(entity, scope, id, seq, op)
    SELECT 'attendee', '', attendees.id,
           (SELECT coalesce(max(seq), 0) FROM hub_changes) + row_number() OVER (), 'upsert'
    FROM attendees;
INSERT OR REPLACE INTO hub_changes(entity, scope, id, seq, op)
    SELECT 'attendance', attendance.event_id, attendance.attendee_id,
           (SELECT coalesce(max(seq), 0) FROM hub_changes) + row_number() OVER (), 'upsert'
    FROM attendance;
UPDATE hub_seq SET n = (SELECT coalesce(max(seq), 0) FROM hub_changes);
