-- Scale-out: a scan's tenants become job rows that any replica claims under a lease.
--
-- scans.fire_time: the schedule's fire time a scan runs for; unique, so replicas that wake
-- for the same fire time start one scan between them. scans.owner: the replica that started
-- the scan; scans.finisher: the replica that finishes it once every job is done.
ALTER TABLE scans ADD COLUMN fire_time TIMESTAMP;
ALTER TABLE scans ADD COLUMN owner INTEGER;
ALTER TABLE scans ADD COLUMN finisher INTEGER;
CREATE UNIQUE INDEX scans_fire_time ON scans (fire_time);
CREATE INDEX scans_status ON scans (status, id);

-- One tenant of one scan. status: pending (nobody holds it), running (owner holds it until
-- lease_until, renewed by heartbeats), done (outcome says how it ended).
CREATE TABLE scan_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    tenant TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL,
    owner INTEGER,
    lease_until TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    UNIQUE (scan_id, tenant)
);
CREATE INDEX scan_jobs_open ON scan_jobs (status, scan_id, position);

-- Retention deletes scans no history row points at any more.
CREATE INDEX app_versions_scan ON app_versions (scan_id);
CREATE INDEX risk_snapshots_scan ON risk_snapshots (scan_id);
CREATE INDEX findings_resolved ON findings (status, resolved_at);
