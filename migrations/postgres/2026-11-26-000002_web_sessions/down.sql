DROP TABLE login_flows;
DROP TABLE web_sessions;
