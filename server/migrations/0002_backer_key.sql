-- Backers are counted by e-mail address, case-insensitively. SQLite's lower() folds
-- only ASCII letters, so the server stores the Unicode-lower-cased address beside the
-- address itself (rows from before this migration get lower(), which they were counted
-- with already).
ALTER TABLE pledges ADD COLUMN backer_key TEXT;
UPDATE pledges SET backer_key = lower(trim(email));
CREATE INDEX pledges_backers ON pledges (cohort_slug, backer_key);
