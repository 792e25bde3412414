-- Rules engine: findings for apps and tenants, suppressions, risk scores, risk history.
-- The initial findings table was never written to, so it is replaced rather than altered.
DROP TABLE findings;

CREATE TABLE suppressions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    rule_id TEXT NOT NULL,
    tenant TEXT,
    app TEXT,
    publisher TEXT,
    reason TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at TIMESTAMP,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

-- One row per (tenant, subject, rule): subject is 'app:<apps.id>' or 'tenant'.
-- last_seen of an open finding is its tenant's last evaluation (tenants.last_evaluated_at);
-- it is written on the row when the finding resolves, so an unchanged rescan writes nothing.
CREATE TABLE findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id BIGINT REFERENCES apps (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank SMALLINT NOT NULL,
    title TEXT NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    suppression_id BIGINT REFERENCES suppressions (id) ON DELETE SET NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, subject, rule_id)
);
CREATE INDEX findings_tenant_status ON findings (tenant_id, status, id);

ALTER TABLE tenants ADD COLUMN last_evaluated_at TIMESTAMP;

ALTER TABLE apps ADD COLUMN risk_score SMALLINT;
ALTER TABLE apps ADD COLUMN risk_band TEXT;
ALTER TABLE apps ADD COLUMN risk_model TEXT;
ALTER TABLE apps ADD COLUMN risk_explanation TEXT;
-- The highest privilege tier of the app's permissions as last judged (T0..T3): vendor rules
-- compare it across tenants without loading documents.
ALTER TABLE apps ADD COLUMN max_tier TEXT;
-- A keyed digest of a secret's value (never the value), for SECRET-010 across apps.
ALTER TABLE credentials ADD COLUMN secret_digest TEXT;
CREATE INDEX findings_app_status ON findings (app_id, status);

ALTER TABLE grants ADD COLUMN principal_active BOOLEAN;

-- Risk distribution per tenant after each evaluation: the dashboard's trend over scans.
CREATE TABLE risk_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    apps BIGINT NOT NULL,
    band_low BIGINT NOT NULL,
    band_medium BIGINT NOT NULL,
    band_high BIGINT NOT NULL,
    band_critical BIGINT NOT NULL,
    mean_score REAL NOT NULL,
    open_findings BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (scan_id, tenant_id)
);
