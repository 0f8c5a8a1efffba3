-- name: insert-fund
INSERT INTO funds (name, base_currency) VALUES ($1, $2)
RETURNING id, name, base_currency, created_at, allocation_order, restructured_cure_installments, books_closed_through;

-- name: list-funds
SELECT id, name, base_currency, created_at, allocation_order, restructured_cure_installments, books_closed_through
FROM funds ORDER BY name, id;

-- name: get-fund
SELECT id, name, base_currency, created_at, allocation_order, restructured_cure_installments, books_closed_through
FROM funds WHERE id = $1;

-- name: get-fund-for-update
-- FOR NO KEY UPDATE, not FOR UPDATE: a loan inserted meanwhile takes FOR KEY SHARE on
-- the fund for its foreign key, and need not wait for a change of settings.
SELECT id, name, base_currency, created_at, allocation_order, restructured_cure_installments, books_closed_through
FROM funds WHERE id = $1 FOR NO KEY UPDATE;

-- name: lock-fund-settings
-- A ledger write's read of the settings it depends on (the closed books): the share
-- lock holds to the end of its transaction, so a change of settings waits for the
-- write to commit, and a write waits for a change in flight, then sees it.
SELECT allocation_order, restructured_cure_installments, books_closed_through
FROM funds WHERE id = $1 FOR SHARE;

-- name: update-fund-settings
UPDATE funds SET allocation_order = $2, restructured_cure_installments = $3, books_closed_through = $4
WHERE id = $1
RETURNING id, name, base_currency, created_at, allocation_order, restructured_cure_installments, books_closed_through;
