DROP INDEX findings_resolved;
DROP INDEX risk_snapshots_scan;
DROP INDEX app_versions_scan;
DROP TABLE scan_jobs;
DROP INDEX scans_status;
DROP INDEX scans_fire_time;
ALTER TABLE scans DROP COLUMN finisher;
ALTER TABLE scans DROP COLUMN owner;
ALTER TABLE scans DROP COLUMN fire_time;
