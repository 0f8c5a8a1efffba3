-- name: upsert-rate
-- Returns the rate it replaced, if any, for the audit log.
WITH old AS (SELECT rate FROM fx_rates WHERE currency = $1 AND rate_date = $2)
INSERT INTO fx_rates (currency, rate_date, rate) VALUES ($1, $2, $3)
ON CONFLICT (currency, rate_date) DO UPDATE SET rate = EXCLUDED.rate
RETURNING (SELECT rate FROM old) AS previous;

-- name: list-rates
SELECT currency, rate_date, rate FROM fx_rates
WHERE ($1 = '' OR currency = $1)
  AND ($2::date IS NULL OR rate_date >= $2)
  AND ($3::date IS NULL OR rate_date <= $3)
ORDER BY currency, rate_date
LIMIT $4;

-- name: rate-on
-- The latest rate on or before the date.
SELECT rate_date, rate FROM fx_rates
WHERE currency = $1 AND rate_date <= $2
ORDER BY rate_date DESC LIMIT 1;

-- name: average-rate
-- The mean of the rates recorded in (from, to], to the precision rates are stored.
SELECT count(*) AS n, coalesce(round(avg(rate), 10), 0) AS mean FROM fx_rates
WHERE currency = $1 AND rate_date > $2 AND rate_date <= $3;

-- name: rates-on
-- For each currency, the latest rate on or before the date (none: left out): one
-- backward probe of the primary key per currency. (The codes are CHAR(3) like the
-- column: compared as text, the key could not be used and every rate would be read.)
SELECT c.currency, r.rate
FROM unnest($1::char(3)[]) AS c (currency)
CROSS JOIN LATERAL (
    SELECT rate FROM fx_rates WHERE currency = c.currency AND rate_date <= $2
    ORDER BY rate_date DESC LIMIT 1
) r;


-- name: latest-rates
-- For each currency, the latest rate on or before the date and its date (none: left out).
SELECT c.currency, r.rate_date, r.rate
FROM unnest($1::char(3)[]) AS c (currency)
CROSS JOIN LATERAL (
    SELECT rate_date, rate FROM fx_rates WHERE currency = c.currency AND rate_date <= $2
    ORDER BY rate_date DESC LIMIT 1
) r;
