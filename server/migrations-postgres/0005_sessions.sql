-- Browser sign-in for the dashboard: single-use sign-in links and sessions. Secrets
-- are never stored, only their sha256 (hex).
CREATE TABLE login_links (
    link_hash   TEXT    PRIMARY KEY,
    role        TEXT    NOT NULL CHECK (role IN ('coordinator', 'member')),
    programme   TEXT,
    cohort      TEXT,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);

CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    secret_hash TEXT    NOT NULL UNIQUE,
    csrf_token  TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('coordinator', 'member')),
    programme   TEXT,
    cohort      TEXT,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    revoked_at  BIGINT
);
