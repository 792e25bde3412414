-- Dashboard sign-in: server-side sessions and in-flight OIDC logins. Only SHA-256 hashes of
-- the session ids and login-flow ids (the cookie values) are stored, never the values.

CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- `api_key:<id>` or `oidc:<issuer>#<subject>`: who signed in, for the log.
    principal TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    -- The key an API-key session was opened with: the session ends when the key is revoked.
    api_key_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);

-- An OIDC authorization request waiting for its callback; deleted when the callback comes
-- (single use) or when it is older than the login window. The PKCE verifier and the nonce
-- are derived from the flow id in the browser's cookie, so neither is stored; `state` is
-- public (it travels in URLs).
CREATE TABLE login_flows (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    flow_hash TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_flows_created ON login_flows (created_at);
