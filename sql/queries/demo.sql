-- name: get-meta
SELECT value FROM app_meta WHERE key = $1;

-- name: set-meta
INSERT INTO app_meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
