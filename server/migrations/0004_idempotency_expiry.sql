-- Idempotency records expire (the server's idempotency TTL, default 24 h) and are
-- swept in small batches, oldest first: this index finds them without a table scan.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
