-- Cofund reference server, schema 1. Timestamps are unix seconds (UTC); money is
-- integer cents. Every write happens in one transaction.

-- A cohort definition: everything of the contract document except what pledges
-- determine, plus server settings (payment, allowed origins, pledging on/off).
CREATE TABLE cohorts (
    slug        TEXT    PRIMARY KEY NOT NULL,
    programme   TEXT    NOT NULL,
    definition  TEXT    NOT NULL,               -- JSON of domain::CohortDefinition
    revision    INTEGER NOT NULL DEFAULT 1,     -- +1 on every change of the definition or its pledges
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE pledges (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order, tie-breaker of the cursor
    id             TEXT    NOT NULL UNIQUE,            -- public id, pl_...
    cohort_slug    TEXT    NOT NULL REFERENCES cohorts(slug) ON DELETE CASCADE,
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    name           TEXT,
    show_name      INTEGER NOT NULL CHECK (show_name IN (0, 1)),
    show_amount    INTEGER NOT NULL CHECK (show_amount IN (0, 1)),
    email          TEXT    NOT NULL,                   -- never served publicly
    message        TEXT,
    message_hidden INTEGER NOT NULL DEFAULT 0 CHECK (message_hidden IN (0, 1)),
    status         TEXT    NOT NULL CHECK (status IN ('pledged', 'received', 'cancelled')),
    reference      TEXT    NOT NULL UNIQUE,            -- payment reference
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
    -- No IP address is stored, on purpose.
);
CREATE INDEX pledges_by_cohort_time ON pledges (cohort_slug, created_at DESC, seq DESC);

-- (cohort, key) -> the request it was first used with and the response given.
-- Written in the same transaction as the pledge; the primary key makes a second
-- pledge under the same key impossible.
CREATE TABLE idempotency_keys (
    cohort_slug     TEXT    NOT NULL REFERENCES cohorts(slug) ON DELETE CASCADE,
    key             TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,               -- sha256 of the canonical request body
    pledge_id       TEXT    NOT NULL REFERENCES pledges(id) ON DELETE CASCADE,
    response_status INTEGER NOT NULL,
    response_body   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (cohort_slug, key)
);

CREATE TABLE admin_tokens (
    id          TEXT    PRIMARY KEY NOT NULL,       -- tok_..., public
    token_hash  TEXT    NOT NULL UNIQUE,            -- sha256 hex of the secret; the secret is never stored
    programme   TEXT,                               -- NULL: every programme
    label       TEXT,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
