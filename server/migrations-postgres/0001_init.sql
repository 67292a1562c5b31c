-- Cofund reference server on PostgreSQL, schema 1: the same tables as the SQLite
-- schema (migrations/0001 and 0002 together). Timestamps are unix seconds (UTC);
-- money is integer cents. Every write happens in one transaction.

CREATE TABLE cohorts (
    slug        TEXT    PRIMARY KEY,
    programme   TEXT    NOT NULL,
    definition  TEXT    NOT NULL,               -- JSON of domain::CohortDefinition
    revision    BIGINT  NOT NULL DEFAULT 1,     -- +1 on every change of the definition or its pledges
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE pledges (
    seq            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- insertion order, tie-breaker of the cursor
    id             TEXT    NOT NULL UNIQUE,
    cohort_slug    TEXT    NOT NULL REFERENCES cohorts(slug) ON DELETE CASCADE,
    amount_cents   BIGINT  NOT NULL CHECK (amount_cents > 0),
    name           TEXT,
    show_name      BOOLEAN NOT NULL,
    show_amount    BOOLEAN NOT NULL,
    email          TEXT    NOT NULL,                   -- never served publicly
    backer_key     TEXT    NOT NULL,                   -- the Unicode-lower-cased address: one backer
    message        TEXT,
    message_hidden BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT    NOT NULL CHECK (status IN ('pledged', 'received', 'cancelled')),
    reference      TEXT    NOT NULL UNIQUE,            -- payment reference
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
    -- No IP address is stored, on purpose.
);
CREATE INDEX pledges_by_cohort_time ON pledges (cohort_slug, created_at DESC, seq DESC);
CREATE INDEX pledges_backers ON pledges (cohort_slug, backer_key);

-- (cohort, key) -> the request it was first used with and the response given. The
-- primary key makes a second pledge under the same key impossible, whichever instance
-- receives it.
CREATE TABLE idempotency_keys (
    cohort_slug     TEXT    NOT NULL REFERENCES cohorts(slug) ON DELETE CASCADE,
    key             TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    pledge_id       TEXT    NOT NULL REFERENCES pledges(id) ON DELETE CASCADE,
    response_status INTEGER NOT NULL,
    response_body   TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    PRIMARY KEY (cohort_slug, key)
);

CREATE TABLE admin_tokens (
    id          TEXT    PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    programme   TEXT,
    label       TEXT,
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT
);
