-- Dashboard: indexes for the overview's grouped counts and the app list's sorts. Partial
-- (current rows only) so removed apps and grants cost them nothing.

-- The app list by risk (unscored last) and the overview's risk distribution.
CREATE INDEX apps_current_risk ON apps (COALESCE(risk_score, -1), id) WHERE removed_at IS NULL;
-- The app list by last use (never used last: the same expression as the query).
CREATE INDEX apps_current_last_used ON apps (COALESCE(last_used_at, '1970-01-01 00:00:00'), id) WHERE removed_at IS NULL;
-- The app list by name.
CREATE INDEX apps_current_name ON apps (name, id) WHERE removed_at IS NULL;
-- Current grants: their count, and one app's grants a page at a time.
CREATE INDEX grants_current_app ON grants (app_id, id) WHERE removed_at IS NULL;
-- Open findings by severity and rule.
CREATE INDEX findings_status_severity_rule ON findings (status, severity, rule_id);
-- The risk trend reads the latest scans' snapshots through risk_snapshots_scan, created
-- with the scan jobs (2026-11-26-000001).
