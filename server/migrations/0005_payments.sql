-- Online payments of pledges through a payment provider (Mollie or the built-in test
-- provider). One row per payment the provider created; a pledge may have several
-- (a failed attempt, then a retry). The status is the provider's, as last fetched from
-- it: a webhook only names a payment and is never trusted for its status.
CREATE TABLE payments (
    id           TEXT    PRIMARY KEY NOT NULL,      -- the provider's id, tr_...
    pledge_id    TEXT    NOT NULL REFERENCES pledges(id) ON DELETE CASCADE,
    cohort_slug  TEXT    NOT NULL REFERENCES cohorts(slug) ON DELETE CASCADE,
    provider     TEXT    NOT NULL,                  -- mollie, demo
    status       TEXT    NOT NULL CHECK (status IN ('open', 'pending', 'authorized', 'paid', 'canceled', 'expired', 'failed')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX payments_by_pledge ON payments (pledge_id, created_at DESC);
