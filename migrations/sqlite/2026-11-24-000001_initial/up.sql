-- oauth-audit initial schema (sqlite). Timestamps are UTC.
CREATE TABLE tenants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    provider TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_scan_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_success_scan_id BIGINT,
    baselined_at TIMESTAMP,
    stale BOOLEAN NOT NULL DEFAULT 0,
    last_error TEXT,
    policy_document TEXT
);

CREATE TABLE scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    tenants_total INTEGER NOT NULL DEFAULT 0,
    tenants_failed INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX scans_started ON scans (started_at);

CREATE TABLE scan_tenants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    apps_seen BIGINT NOT NULL DEFAULT 0,
    grants_seen BIGINT NOT NULL DEFAULT 0,
    requests BIGINT NOT NULL DEFAULT 0,
    rows_written BIGINT NOT NULL DEFAULT 0,
    events BIGINT NOT NULL DEFAULT 0,
    duration_ms BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    UNIQUE (scan_id, tenant_id)
);
CREATE INDEX scan_tenants_tenant ON scan_tenants (tenant_id, id);

CREATE TABLE apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    client_id TEXT,
    name TEXT NOT NULL,
    publisher_name TEXT,
    publisher_domain TEXT,
    publisher_verified BOOLEAN,
    ownership TEXT NOT NULL,
    client_type TEXT NOT NULL,
    app_kind TEXT NOT NULL,
    enabled BOOLEAN,
    content_hash BLOB NOT NULL,
    version INTEGER NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP,
    removed_at TIMESTAMP,
    last_used_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, external_id)
);
-- Indexes for lookups by client id or publisher come with the queries that use them (API,
-- vendor view): every index costs each app insert a random B-tree update.

CREATE TABLE app_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    content_hash BLOB NOT NULL,
    document TEXT NOT NULL,
    scan_id BIGINT NOT NULL REFERENCES scans (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (app_id, version)
);

CREATE TABLE credentials (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    kind TEXT NOT NULL,
    key_id TEXT,
    hint TEXT,
    display_name TEXT,
    created_at TIMESTAMP,
    expires_at TIMESTAMP,
    never_expires BOOLEAN NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    removed_at TIMESTAMP,
    UNIQUE (app_id, fingerprint)
);

CREATE TABLE grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    key_digest BLOB NOT NULL,
    external_id TEXT,
    principal_type TEXT NOT NULL,
    principal_id TEXT,
    principal_email TEXT,
    principal_name TEXT,
    resource TEXT,
    scopes TEXT NOT NULL,
    consent_type TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_hash BLOB NOT NULL,
    created_at TIMESTAMP,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP,
    removed_at TIMESTAMP
);
-- Grant identity (tenant_id, key_digest) is kept unique by the collector's diff; it is not a
-- UNIQUE index because random 128-bit keys would make every insert land on a random B-tree
-- page. Snapshots scan a tenant's grants by tenant_id, which grows in insertion order.
CREATE INDEX grants_tenant ON grants (tenant_id);
CREATE INDEX grants_app ON grants (app_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scan_id BIGINT NOT NULL REFERENCES scans (id),
    app_id BIGINT REFERENCES apps (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX events_tenant ON events (tenant_id, id);
CREATE INDEX events_scan ON events (scan_id);

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

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
