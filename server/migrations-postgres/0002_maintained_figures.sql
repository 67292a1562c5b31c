-- The figures of a cohort's document are maintained in the same transaction as every
-- pledge write, so serving the document costs the same for 100 pledges as for a
-- million (no SUM or COUNT DISTINCT over the pledges per request).
CREATE TABLE cohort_totals (
    cohort_slug    TEXT    PRIMARY KEY REFERENCES cohorts(slug) ON DELETE CASCADE,
    pledged_cents  BIGINT NOT NULL DEFAULT 0,   -- non-cancelled pledges
    received_cents BIGINT NOT NULL DEFAULT 0,   -- received pledges
    backers        BIGINT NOT NULL DEFAULT 0    -- backer keys with a non-cancelled pledge
);
-- Non-cancelled pledges per backer: a backer counts while this is above 0.
CREATE TABLE cohort_backers (
    cohort_slug TEXT    NOT NULL REFERENCES cohorts(slug) ON DELETE CASCADE,
    backer_key  TEXT    NOT NULL,
    pledges     BIGINT  NOT NULL,
    PRIMARY KEY (cohort_slug, backer_key)
);
-- Non-cancelled pledges per UTC day of creation (the history's points).
CREATE TABLE cohort_days (
    cohort_slug   TEXT    NOT NULL REFERENCES cohorts(slug) ON DELETE CASCADE,
    day           BIGINT  NOT NULL,              -- days since 1970-01-01
    pledged_cents BIGINT  NOT NULL,
    pledges       BIGINT  NOT NULL,
    PRIMARY KEY (cohort_slug, day)
);

INSERT INTO cohort_totals (cohort_slug, pledged_cents, received_cents, backers)
SELECT c.slug,
       COALESCE(SUM(p.amount_cents), 0)::BIGINT,
       COALESCE(SUM(CASE WHEN p.status = 'received' THEN p.amount_cents ELSE 0 END), 0)::BIGINT,
       COUNT(DISTINCT p.backer_key)
FROM cohorts c LEFT JOIN pledges p ON p.cohort_slug = c.slug AND p.status <> 'cancelled'
GROUP BY c.slug;

INSERT INTO cohort_backers (cohort_slug, backer_key, pledges)
SELECT cohort_slug, backer_key, COUNT(*) FROM pledges
WHERE status <> 'cancelled' AND backer_key IS NOT NULL GROUP BY cohort_slug, backer_key;

INSERT INTO cohort_days (cohort_slug, day, pledged_cents, pledges)
SELECT cohort_slug, created_at / 86400, SUM(amount_cents)::BIGINT, COUNT(*) FROM pledges
WHERE status <> 'cancelled' GROUP BY cohort_slug, created_at / 86400;
