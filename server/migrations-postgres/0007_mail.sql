-- E-mail to donors (issue 16). Messages are written to the outbox in the same
-- transaction as the change that causes them; a sender delivers them.
ALTER TABLE pledges ADD COLUMN locale TEXT;             -- the donor's language (nl-NL, en-GB); NULL: the cohort's

CREATE TABLE outbox (
    id              TEXT    PRIMARY KEY NOT NULL,       -- ob_..., also in the Message-ID
    message_id      TEXT    NOT NULL UNIQUE,            -- <ob_...@host>: duplicates are recognisable
    kind            TEXT    NOT NULL,                   -- confirmation, reminder, thank_you
    pledge_id       TEXT    REFERENCES pledges(id) ON DELETE CASCADE,
    cohort_slug     TEXT    NOT NULL,
    locale          TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    recipient_name  TEXT,
    reply_to        TEXT,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    unsubscribe_url TEXT,
    status          TEXT    NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claim           TEXT,                               -- the sender holding it
    claimed_until   BIGINT,                            -- its lease
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_pledge ON outbox (pledge_id, kind);

-- Donors who unsubscribed (by backer key): no reminders, no news; receipts still go.
CREATE TABLE mail_unsubscribed (
    backer_key  TEXT    PRIMARY KEY NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Server secrets shared by every instance on this database (the unsubscribe-link key).
CREATE TABLE server_secrets (
    name    TEXT PRIMARY KEY NOT NULL,
    value   TEXT NOT NULL
);
