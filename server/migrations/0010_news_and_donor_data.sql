-- News to donors who opted in, gift statements, the donor's own data (issue 16).
ALTER TABLE pledges ADD COLUMN news INTEGER NOT NULL DEFAULT 0;   -- opted in to the cohort's news (off by default)
ALTER TABLE pledges ADD COLUMN anonymised_at INTEGER;             -- the donor had name, e-mail and message removed (AVG)

-- News sent to a cohort's opted-in donors. `key`: 'target_reached' and 'closed' once
-- per cohort (the unique index makes a second instance's attempt a no-op); a
-- coordinator's update has a key of its own.
CREATE TABLE mail_news (
    id          TEXT    PRIMARY KEY NOT NULL,
    cohort_slug TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    recipients  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX mail_news_once ON mail_news (cohort_slug, key);
