-- +goose Up
-- The foundation: users and their API tokens, the audit log, funds and partners.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND char_length(email) <= 254),
    name          TEXT NOT NULL DEFAULT '' CHECK (char_length(name) <= 200),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    password_hash TEXT NOT NULL CHECK (password_hash <> ''),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 100),
    -- SHA-256 of the token: the token itself is shown once and never stored.
    token_hash   BYTEA NOT NULL CHECK (octet_length(token_hash) = 32),
    -- The first characters of the token, to recognise it in a list.
    prefix       TEXT NOT NULL CHECK (char_length(prefix) BETWEEN 4 AND 16),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
    CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);
-- A user's live tokens have distinct names; a revoked name may be reused.
CREATE UNIQUE INDEX api_tokens_user_name_key ON api_tokens (user_id, lower(name)) WHERE revoked_at IS NULL;

CREATE TABLE audit_log (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- NULL for writes not made by a user account (the demo loader, an operator's CLI).
    actor_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor         TEXT NOT NULL CHECK (actor <> ''),
    via           TEXT NOT NULL CHECK (via IN ('api', 'ui', 'cli', 'system')),
    action        TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    entity        TEXT NOT NULL CHECK (entity ~ '^[a-z_]+$'),
    entity_id     TEXT NOT NULL CHECK (entity_id <> ''),
    before        JSONB,
    after         JSONB,
    CHECK (before IS NOT NULL OR after IS NOT NULL)
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE TABLE funds (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 200),
    base_currency CHAR(3) NOT NULL CHECK (base_currency ~ '^[A-Z]{3}$'),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT funds_name_key UNIQUE (name)
);

CREATE TABLE partners (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name = btrim(name) AND char_length(name) BETWEEN 1 AND 200),
    country       CHAR(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    region        TEXT NOT NULL DEFAULT '' CHECK (char_length(region) <= 500),
    legal_status  TEXT NOT NULL CHECK (legal_status IN ('ngo', 'cooperative', 'nbfi', 'bank', 'other')),
    founded       INTEGER CHECK (founded BETWEEN 1800 AND 2200),
    partner_since INTEGER CHECK (partner_since BETWEEN 1900 AND 2200),
    methodology   TEXT CHECK (methodology IN ('individual', 'solidarity_group', 'village_banking', 'mixed')),
    sectors       TEXT[] NOT NULL DEFAULT '{}' CHECK (array_position(sectors, NULL) IS NULL),
    description   TEXT NOT NULL DEFAULT '' CHECK (char_length(description) <= 20000),
    strengths     TEXT NOT NULL DEFAULT '' CHECK (char_length(strengths) <= 20000),
    risks         TEXT NOT NULL DEFAULT '' CHECK (char_length(risks) <= 20000),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT partners_since_after_founded CHECK (partner_since >= founded)
);
-- One partner of a name per country, whatever the letter case.
CREATE UNIQUE INDEX partners_country_name_key ON partners (country, lower(name));
CREATE INDEX partners_name_idx ON partners (lower(name));

-- Facts about this installation, e.g. that the demo data was loaded.
CREATE TABLE app_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
