-- +goose Up
-- Concentration limits: per cut of the exposure (a country, a currency, a partner, ...),
-- a maximum share of the total outstanding and/or a maximum amount. The set is replaced
-- as a whole (PUT /api/v1/limits), so a row is identified by its dimension and key.

CREATE TABLE exposure_limits (
    dimension   TEXT NOT NULL CHECK (dimension IN ('country', 'region', 'partner', 'currency', 'legal_status', 'fund')),
    key         TEXT NOT NULL CHECK (key <> '' AND char_length(key) <= 100),
    max_share   NUMERIC(7,6) CHECK (max_share > 0 AND max_share <= 1),
    -- In currency, with its decimals (3 for KWD): the service keeps it below 10^18.
    max_amount  NUMERIC(22,4) CHECK (max_amount >= 0),
    currency    CHAR(3) CHECK (currency ~ '^[A-Z]{3}$'),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dimension, key),
    CONSTRAINT exposure_limits_sets_something CHECK (max_share IS NOT NULL OR max_amount IS NOT NULL),
    CONSTRAINT exposure_limits_amount_has_currency CHECK ((max_amount IS NULL) = (currency IS NULL))
);
