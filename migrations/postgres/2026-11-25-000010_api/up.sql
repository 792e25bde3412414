-- JSON API: a commit-ordered change sequence for findings and events (the SIEM feeds),
-- the admin audit log, and the indexes the API's keyset queries use.

-- One row: the last change sequence number handed out. A writer takes the next number with
-- an UPDATE of this row, whose lock it then holds until it commits: a second writer waits
-- for the first to commit before it gets a number, so numbers follow commit order and a
-- reader that has seen number N will never later see a new row numbered below N.
CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);

ALTER TABLE findings ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE findings SET change_seq = id;
ALTER TABLE events ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
UPDATE events SET change_seq = (SELECT COALESCE(MAX(id), 0) FROM findings) + id;
INSERT INTO change_counter (id, value) VALUES (1,
    (SELECT COALESCE(MAX(id), 0) FROM findings) + (SELECT COALESCE(MAX(id), 0) FROM events));

CREATE FUNCTION next_change_seq() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    UPDATE change_counter SET value = value + 1 WHERE id = 1 RETURNING value INTO NEW.change_seq;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER findings_change_seq BEFORE INSERT OR UPDATE ON findings
    FOR EACH ROW EXECUTE FUNCTION next_change_seq();
CREATE TRIGGER events_change_seq BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION next_change_seq();

CREATE INDEX findings_change_seq ON findings (change_seq, id);
CREATE INDEX findings_rule ON findings (rule_id, id);
CREATE INDEX events_change_seq ON events (change_seq, id);
CREATE INDEX events_occurred ON events (occurred_at);
CREATE INDEX apps_tenant_id ON apps (tenant_id, id);
CREATE INDEX apps_publisher_name ON apps (lower(publisher_name));
CREATE INDEX apps_publisher_domain ON apps (lower(publisher_domain));

-- Every admin action through the API: who (key id and name), what, on what, when.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    key_id BIGINT NOT NULL,
    key_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL
);
