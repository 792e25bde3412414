DROP TABLE risk_snapshots;
ALTER TABLE grants DROP COLUMN principal_active;
ALTER TABLE credentials DROP COLUMN secret_digest;
ALTER TABLE apps DROP COLUMN max_tier;
ALTER TABLE apps DROP COLUMN risk_explanation;
ALTER TABLE apps DROP COLUMN risk_model;
ALTER TABLE apps DROP COLUMN risk_band;
ALTER TABLE apps DROP COLUMN risk_score;
ALTER TABLE tenants DROP COLUMN last_evaluated_at;
DROP TABLE findings;
DROP TABLE suppressions;
CREATE TABLE findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    evidence TEXT NOT NULL,
    remediation TEXT NOT NULL,
    refs TEXT NOT NULL,
    status TEXT NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    UNIQUE (app_id, rule_id)
);
CREATE INDEX findings_tenant_status ON findings (tenant_id, status, id);
