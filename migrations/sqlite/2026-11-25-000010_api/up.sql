-- JSON API: a commit-ordered change sequence for findings and events (the SIEM feeds),
-- the admin audit log, and the indexes the API's keyset queries use.

-- One row: the last change sequence number handed out. Writers take the next number from it
-- inside their transaction; SQLite has one writer at a time, so numbers follow commit order.
CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    value BIGINT NOT NULL
);

ALTER TABLE findings ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE findings SET change_seq = id;
ALTER TABLE events ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE events SET change_seq = (SELECT COALESCE(MAX(id), 0) FROM findings) + id;
INSERT INTO change_counter (id, value) VALUES (1,
    (SELECT COALESCE(MAX(id), 0) FROM findings) + (SELECT COALESCE(MAX(id), 0) FROM events));

-- Every insert and every real change of a finding takes the next number (recursive triggers
-- are off, so the trigger's own UPDATE does not fire it again).
CREATE TRIGGER findings_change_seq_insert AFTER INSERT ON findings
BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE findings SET change_seq = (SELECT value FROM change_counter WHERE id = 1)
        WHERE id = NEW.id;
END;
CREATE TRIGGER findings_change_seq_update AFTER UPDATE ON findings
WHEN NEW.change_seq = OLD.change_seq
BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE findings SET change_seq = (SELECT value FROM change_counter WHERE id = 1)
        WHERE id = NEW.id;
END;
CREATE TRIGGER events_change_seq_insert AFTER INSERT ON events
BEGIN
    UPDATE change_counter SET value = value + 1 WHERE id = 1;
    UPDATE events SET change_seq = (SELECT value FROM change_counter WHERE id = 1)
        WHERE id = NEW.id;
END;

CREATE INDEX findings_change_seq ON findings (change_seq, id);
CREATE INDEX findings_rule ON findings (rule_id, id);
CREATE INDEX events_change_seq ON events (change_seq, id);
CREATE INDEX events_occurred ON events (occurred_at);
CREATE INDEX apps_tenant_id ON apps (tenant_id, id);
CREATE INDEX apps_publisher_name ON apps (lower(publisher_name));
CREATE INDEX apps_publisher_domain ON apps (lower(publisher_domain));

-- Every admin action through the API: who (key id and name), what, on what, when.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    key_id BIGINT NOT NULL,
    key_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL
);
