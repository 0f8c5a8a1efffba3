-- name: list-limits
SELECT dimension, key, max_share, max_amount, currency FROM exposure_limits ORDER BY dimension, key;

-- name: lock-limits
LOCK TABLE exposure_limits IN SHARE ROW EXCLUSIVE MODE;

-- name: delete-limits
DELETE FROM exposure_limits;

-- name: insert-limits
INSERT INTO exposure_limits (dimension, key, max_share, max_amount, currency)
SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::text[]);

-- name: exposure-by-country
-- The exposure by country in one round trip, from the other domains' published SQL:
--   'b' rows: the ledger's book by country at the date (loan_book_by_country);
--   'r' rows: the rate on that date of each currency it holds, of the target ($3) and of
--        every fund's base currency (FX's fx_rate_on);
--   'f' rows: the funds (fund_directory), to resolve the currency and the fund filter;
--   'l' rows: the limits (this domain's own table).
-- The amounts are converted in Go, exactly.
WITH b AS MATERIALIZED (
    SELECT country, currency, outstanding, undisbursed, overdue, par30, loans, partners
    FROM loan_book_by_country($1, $2)
),
c AS (
    SELECT DISTINCT currency FROM b WHERE currency NOT IN ('', '!')
    UNION
    SELECT $3::text
    UNION
    SELECT base_currency::text FROM fund_directory
)
SELECT 'b' AS kind, country AS a, currency AS b, outstanding AS x, undisbursed AS y, overdue AS z, par30 AS w,
       loans AS n, partners AS m, NULL::text AS t
FROM b
UNION ALL
SELECT 'r', '', c.currency, r.rate, NULL, NULL, NULL, 0, 0, NULL
FROM c LEFT JOIN LATERAL fx_rate_on(c.currency, $1) r ON true
UNION ALL
SELECT 'f', name, base_currency::text, NULL, NULL, NULL, NULL, fund_id, 0, NULL FROM fund_directory
UNION ALL
SELECT 'l', dimension, key, max_share, max_amount, NULL, NULL, 0, 0, currency::text FROM exposure_limits;
