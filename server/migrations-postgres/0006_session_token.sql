-- The admin token a session was started with (the dashboard's token sign-in), so that
-- revoking the token ends its sessions too. NULL: started with a sign-in link.
ALTER TABLE sessions ADD COLUMN token_id TEXT;
CREATE INDEX sessions_by_token ON sessions (token_id) WHERE token_id IS NOT NULL;
