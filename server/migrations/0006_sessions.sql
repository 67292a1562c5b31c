-- Browser sign-in for the dashboard: single-use sign-in links and sessions. Secrets
-- are never stored, only their sha256 (hex).
CREATE TABLE login_links (
    link_hash   TEXT    PRIMARY KEY NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('coordinator', 'member')),
    programme   TEXT,                               -- coordinator: NULL = every programme
    cohort      TEXT,                               -- member: the one cohort
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY NOT NULL,       -- ses_..., public
    secret_hash TEXT    NOT NULL UNIQUE,            -- sha256 hex of the cookie's secret
    csrf_token  TEXT    NOT NULL,                   -- sent back in X-CSRF-Token on changes
    role        TEXT    NOT NULL CHECK (role IN ('coordinator', 'member')),
    programme   TEXT,
    cohort      TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
