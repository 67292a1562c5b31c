-- Online payments of pledges through a payment provider (the SQLite schema's
-- migrations/0004). One row per payment the provider created; a pledge may have
-- several. The status is the provider's, as last fetched from it.
CREATE TABLE payments (
    id           TEXT    PRIMARY KEY,               -- the provider's id, tr_...
    pledge_id    TEXT    NOT NULL REFERENCES pledges(id) ON DELETE CASCADE,
    cohort_slug  TEXT    NOT NULL REFERENCES cohorts(slug) ON DELETE CASCADE,
    provider     TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('open', 'pending', 'authorized', 'paid', 'canceled', 'expired', 'failed')),
    amount_cents BIGINT  NOT NULL CHECK (amount_cents > 0),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX payments_by_pledge ON payments (pledge_id, created_at DESC);
