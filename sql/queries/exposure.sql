-- name: list-limits
SELECT dimension, key, max_share, max_amount, currency FROM exposure_limits ORDER BY dimension, key;

-- name: lock-limits
LOCK TABLE exposure_limits IN SHARE ROW EXCLUSIVE MODE;

-- name: delete-limits
DELETE FROM exposure_limits;

-- name: insert-limits
INSERT INTO exposure_limits (dimension, key, max_share, max_amount, currency)
SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::text[]);
