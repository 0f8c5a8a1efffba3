-- +goose Up
-- Secrets of this installation, each made once and kept with the data (so backups
-- and restores keep them): 'device_cookie' keys the cookies that mark browsers where an
-- account signed in, which the sign-in limiter counts apart from strangers (issue 17).
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY CHECK (name ~ '^[a-z_]+$'),
    secret     BYTEA NOT NULL CHECK (length(secret) >= 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE server_secrets;
