-- name: insert-user
INSERT INTO users (email, name, role, password_hash, must_change_password)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, email, name, role, active, must_change_password, created_at, updated_at;

-- name: get-user-by-email
SELECT id, email, name, role, active, must_change_password, created_at, updated_at
FROM users WHERE lower(email) = lower($1);

-- name: get-user-for-update
SELECT id, email, name, role, active, must_change_password, created_at, updated_at
FROM users WHERE id = $1 FOR UPDATE;

-- name: get-password-hash
SELECT id, password_hash, active FROM users WHERE lower(email) = lower($1);

-- name: get-password-hash-for-update
SELECT email, password_hash FROM users WHERE id = $1 FOR UPDATE;

-- name: set-password
-- $3: the password is one-time (an admin knows it) and must be changed at sign-in.
UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now()
WHERE id = $1;

-- name: delete-other-sessions
-- Every session of the user but the one with id $2 (0: every one).
DELETE FROM sessions WHERE user_id = $1 AND id <> $2;

-- name: update-user
UPDATE users SET name = $2, role = $3, active = $4, updated_at = now()
WHERE id = $1
RETURNING id, email, name, role, active, must_change_password, created_at, updated_at;

-- name: list-users
SELECT id, email, name, role, active, must_change_password, created_at, updated_at
FROM users ORDER BY lower(email);

-- name: count-users
SELECT count(*) FROM users;

-- name: insert-token
INSERT INTO api_tokens (user_id, name, token_hash, prefix)
VALUES ($1, $2, $3, $4)
RETURNING id, user_id, name, prefix, created_at, last_used_at, revoked_at;

-- name: list-tokens
-- Every token when $1 is NULL, else one user's; live ones first.
SELECT t.id, t.user_id, u.email AS user_email, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE ($1::bigint IS NULL OR t.user_id = $1)
ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC, t.id DESC;

-- name: get-token-for-update
SELECT t.id, t.user_id, u.email AS user_email, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.id = $1 FOR UPDATE OF t;

-- name: revoke-token
UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
RETURNING revoked_at;

-- name: authenticate-token
-- The live token with this hash, and its user if still active.
SELECT t.id AS token_id, t.name AS token_name, t.last_used_at,
       u.id AS user_id, u.email, u.role
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active;

-- name: touch-token
-- last_used_at is kept to the minute: writing it on every request would make every
-- read a write.
UPDATE api_tokens SET last_used_at = now()
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: insert-session
INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
VALUES ($1, $2, $3, now() + $4::interval)
RETURNING id;

-- name: get-session
-- The live session with this hash, and its user if still active. A session ends at
-- its absolute expiry, or after $2 without a request.
-- The maximum age $3 is compared with created_at too, so that a shorter limit set
-- since the session started applies to it.
SELECT s.id, s.csrf_token, s.flash, s.last_seen_at,
       u.id AS user_id, u.email, u.name, u.role, u.must_change_password
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - $2::interval
  AND s.created_at > now() - $3::interval AND u.active;

-- name: touch-session
-- Like touch-token, last_seen_at is kept to the minute; the flash, once read, is gone.
UPDATE sessions SET last_seen_at = now(), flash = '' WHERE id = $1;

-- name: set-flash
UPDATE sessions SET flash = left($2, 500) WHERE id = $1;

-- name: delete-session
-- The user whose session it was, for the audit log; no row when there was none.
WITH gone AS (DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id)
SELECT u.id, u.email FROM gone JOIN users u ON u.id = gone.user_id;

-- name: delete-expired-sessions
DELETE FROM sessions
WHERE expires_at <= now() OR last_seen_at <= now() - $1::interval OR created_at <= now() - $2::interval;
