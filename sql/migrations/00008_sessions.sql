-- +goose Up
-- Browser sessions of the web UI. Like API tokens, only a hash of the cookie's secret
-- is stored, so a copy of the database signs nobody in.
CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   BYTEA NOT NULL CHECK (octet_length(token_hash) = 32),
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The token every form of this session carries (synchronizer-token CSRF defence).
    csrf_token   TEXT NOT NULL CHECK (char_length(csrf_token) >= 32),
    -- A message for the next page (after a redirect), shown once.
    flash        TEXT NOT NULL DEFAULT '' CHECK (char_length(flash) <= 500),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
    CHECK (expires_at > created_at),
    CHECK (last_seen_at >= created_at)
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
