-- Programmes as a first-class thing (issue 14): a programme's page, its multiplier pot
-- and its impact figures, set by coordinators. Cohorts still name their programme
-- (cohorts.programme); a programme row is keyed by the slug of that name. Nothing the
-- pot has given is stored: documents compute it from the pledges, so instances that
-- take pledges at the same moment cannot spend the same euro twice.
CREATE TABLE programmes (
    slug                 TEXT    PRIMARY KEY NOT NULL,   -- programme_slug(name)
    name                 TEXT    NOT NULL,
    url                  TEXT,
    pot_name             TEXT,                           -- NULL: no multiplier pot
    pot_cents            INTEGER CHECK (pot_cents IS NULL OR pot_cents > 0),
    pot_ratio_bps        INTEGER CHECK (pot_ratio_bps IS NULL OR pot_ratio_bps > 0),
    pot_cap_per_gift_cents   INTEGER CHECK (pot_cap_per_gift_cents IS NULL OR pot_cap_per_gift_cents > 0),
    pot_cap_per_cohort_cents INTEGER CHECK (pot_cap_per_cohort_cents IS NULL OR pot_cap_per_cohort_cents > 0),
    pot_funders          TEXT,                           -- JSON [{"name", "amount_cents"}]
    impact               TEXT    NOT NULL DEFAULT '[]',  -- JSON [{"kind", "label", "value", "as_of", "source"}]
    revision             INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    CHECK ((pot_name IS NULL) = (pot_cents IS NULL) AND (pot_cents IS NULL) = (pot_ratio_bps IS NULL)
           AND (pot_cents IS NULL) = (pot_funders IS NULL))
);
