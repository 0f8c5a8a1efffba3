-- +goose Up
-- fx_factor is the units of one currency per unit of another, given their rates per US
-- dollar (to's rate over from's): the published SQL's one conversion, as fx.Rates.Factor
-- is Go's. A query divides it once per currency and multiplies each amount by it, in
-- the same order as Go, so both paths round alike. SQL, IMMUTABLE and a bare
-- expression, so the planner inlines it: no call per row.
-- +goose StatementBegin
CREATE FUNCTION fx_factor(from_rate NUMERIC, to_rate NUMERIC) RETURNS NUMERIC
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_rate / from_rate
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION fx_factor(NUMERIC, NUMERIC);
