-- +goose Up
-- The rate of a currency in force on a date (units per US dollar; none before its
-- first rate), published by the FX domain for other domains' reporting SQL: the
-- exposure converts the loan book in the query that reads it. A single STABLE SQL
-- query, so the planner inlines it as one backward probe of the primary key.
-- +goose StatementBegin
CREATE FUNCTION fx_rate_on(code TEXT, on_date DATE) RETURNS TABLE (rate NUMERIC)
LANGUAGE sql STABLE AS $$
    SELECT r.rate FROM fx_rates r
    WHERE r.currency = code::char(3) AND r.rate_date <= on_date
    ORDER BY r.rate_date DESC LIMIT 1
$$;
-- +goose StatementEnd
