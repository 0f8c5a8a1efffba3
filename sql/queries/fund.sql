-- name: insert-fund
INSERT INTO funds (name, base_currency) VALUES ($1, $2)
RETURNING id, name, base_currency, created_at;

-- name: list-funds
SELECT id, name, base_currency, created_at FROM funds ORDER BY name, id;
