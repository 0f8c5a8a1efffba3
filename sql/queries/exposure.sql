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
-- The exposure by country in one round trip: the ledger's book by country at the date
-- (its published loan_book_by_country) and the rate on that date of each currency it
-- holds and of the target ($3), from FX's published fx_rate_on (rows '#'). The
-- amounts are converted in Go, exactly.
WITH b AS MATERIALIZED (
    SELECT country, currency, outstanding, undisbursed, overdue, par30, loans, partners
    FROM loan_book_by_country($1, $2)
),
c AS (
    SELECT DISTINCT currency FROM b WHERE currency NOT IN ('', '!')
    UNION
    SELECT $3::text
)
SELECT country, currency, outstanding, undisbursed, overdue, par30, loans, partners, NULL::numeric AS rate FROM b
UNION ALL
SELECT '#', c.currency, 0, 0, 0, 0, 0, 0, r.rate
FROM c LEFT JOIN LATERAL fx_rate_on(c.currency, $1) r ON true;
