-- +goose Up
-- A delivery re-sent by an admin starts a new series of attempts: it is retried for 24
-- hours from the re-send, not from the event (which may be older than that already).
ALTER TABLE webhook_deliveries ADD COLUMN retry_from TIMESTAMPTZ;

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN retry_from;
