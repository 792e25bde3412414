PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(replace(replace(sql,
    ' ON CONFLICT FAIL', ''),
    ' DEFERRABLE INITIALLY DEFERRED', ''),
    'NOT NULL ON CONFLICT FAIL', 'NOT NULL')
WHERE type = 'table'
  AND name IN ('apps', 'app_versions', 'credentials', 'grants', 'events', 'findings', 'risk_snapshots',
               'change_counter');
PRAGMA writable_schema = RESET;
CREATE TABLE schema_reload (x INTEGER);
DROP TABLE schema_reload;
