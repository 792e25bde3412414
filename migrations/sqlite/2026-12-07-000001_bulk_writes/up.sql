-- Bulk writes without statement journals.
--
-- SQLite keeps a statement journal (a copy of every page a statement changes) for any
-- statement that writes several rows and may abort halfway: a multi-row INSERT into a table
-- with NOT NULL or UNIQUE constraints under the default ABORT policy, or with immediate
-- foreign keys. The inventory and findings writes are multi-row INSERTs, and their journals
-- cost a quarter of a large tenant's apply. With FAIL instead of ABORT and deferred foreign
-- keys, no statement needs to undo itself: a violation still fails the statement (FAIL) or the
-- COMMIT (a deferred key), and every writer here runs in one transaction that is rolled back
-- on any error, so nothing partial is ever kept.
--
-- Neither change touches how rows are stored, so the constraints are rewritten in place, as
-- SQLite documents for constraint changes (lang_altertable.html, "other kinds of table schema
-- changes"), rather than by copying every table. The tables' text is known: it is what the
-- earlier migrations created, and no CHECK or IS NOT NULL appears in it.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(replace(replace(replace(replace(replace(replace(replace(replace(sql,
    'NOT NULL', 'NOT NULL ON CONFLICT FAIL'),
    ' ON DELETE CASCADE', ' ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED'),
    ' ON DELETE SET NULL', ' ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED'),
    'REFERENCES scans (id),', 'REFERENCES scans (id) DEFERRABLE INITIALLY DEFERRED,'),
    'UNIQUE (tenant_id, external_id)', 'UNIQUE (tenant_id, external_id) ON CONFLICT FAIL'),
    'UNIQUE (app_id, version)', 'UNIQUE (app_id, version) ON CONFLICT FAIL'),
    'UNIQUE (app_id, fingerprint)', 'UNIQUE (app_id, fingerprint) ON CONFLICT FAIL'),
    'UNIQUE (tenant_id, subject, rule_id)', 'UNIQUE (tenant_id, subject, rule_id) ON CONFLICT FAIL'),
    'UNIQUE (scan_id, tenant_id)', 'UNIQUE (scan_id, tenant_id) ON CONFLICT FAIL')
WHERE type = 'table'
  AND name IN ('apps', 'app_versions', 'credentials', 'grants', 'events', 'findings', 'risk_snapshots',
               'change_counter');
-- RESET also reloads this connection's schema from the rewritten text.
PRAGMA writable_schema = RESET;
-- Any DDL bumps the schema cookie, so every other open connection reloads the schema too.
CREATE TABLE schema_reload (x INTEGER);
DROP TABLE schema_reload;
