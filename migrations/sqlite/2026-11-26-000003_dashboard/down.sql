DROP INDEX findings_status_severity_rule;
DROP INDEX grants_current_app;
DROP INDEX apps_current_name;
DROP INDEX apps_current_last_used;
DROP INDEX apps_current_risk;
