-- +goose Up
-- How many times a breach was opened again (a withdrawn breach derived anew, or a
-- closed one whose curing period a correction undid): each reopening's breach event
-- has its own idempotency key, breach:<id>:<period_end>:<reopened>.
ALTER TABLE covenant_breaches ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened >= 0);

-- +goose Down
ALTER TABLE covenant_breaches DROP COLUMN reopened;
