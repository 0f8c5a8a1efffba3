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
-- The exposure by country in one round trip and one row, from the other domains'
-- published SQL (the book's loan_book_by_country, FX's fx_rate_on and fx_factor, the funds'
-- fund_directory) and this domain's limits:
--   target: the currency converted into ($3, or the fund's base currency, or the first
--        fund's by name: the service's rule, which checks that it agrees);
--   stale: the country book is stale (read it again);
--   countries: a line per country, "country,outstanding,undisbursed,overdue,par30,
--        restructured,loans,partners", its figures converted into the target at the date's rates and
--        summed, to 6 decimals (or fewer beyond 12 integer digits: the decimal type
--        holds 19); the service rounds them to cents together; the figures are empty
--        on a country with partners and nothing out;
--   rates: a line per currency, "code,rate,held", the rates (empty: none on or before
--        the date) of the currencies the book holds (held = 1), of the target and of
--        the limits' currencies;
--   funds and limits: JSON arrays, unordered: the service sorts them. (A sort here,
--        even of three rows, made PostgreSQL map and unmap its sort memory on every
--        execution: 170 page faults and 2 ms more.)
-- One row of text, not a row per country and currency: database/sql's work per row
-- and per value was a quarter of the request's CPU (docs/PERFORMANCE.md).
WITH b AS MATERIALIZED (
    SELECT country, currency, outstanding, undisbursed, overdue, par30, restructured, loans, partners
    FROM loan_book_by_country($1, $2)
),
t AS (
    SELECT coalesce(nullif($3::text, ''),
                    (SELECT base_currency::text FROM fund_directory WHERE fund_id = $2),
                    (SELECT base_currency::text FROM fund_directory ORDER BY name, fund_id LIMIT 1),
                    'USD') AS code
),
held AS (SELECT DISTINCT currency FROM b WHERE currency NOT IN ('', '!')),
c AS (
    SELECT currency FROM held
    UNION SELECT code FROM t
    UNION SELECT currency::text FROM exposure_limits WHERE currency IS NOT NULL
),
r AS (
    SELECT c.currency, CASE WHEN c.currency = 'USD' THEN 1 ELSE x.rate END AS rate
    FROM c LEFT JOIN LATERAL fx_rate_on(c.currency, $1) x ON true
),
tr AS (SELECT r.rate FROM r JOIN t ON r.currency = t.code),
f AS (SELECT r.currency, fx_factor(r.rate, tr.rate) AS factor FROM r CROSS JOIN tr),
g AS (
    SELECT b.country, sum(b.outstanding * f.factor) AS outstanding, sum(b.undisbursed * f.factor) AS undisbursed,
           sum(b.overdue * f.factor) AS overdue, sum(b.par30 * f.factor) AS par30,
           sum(b.restructured * f.factor) AS restructured, sum(b.loans) AS loans
    FROM b JOIN f ON f.currency = b.currency
    WHERE b.currency NOT IN ('', '!')
    GROUP BY b.country
)
SELECT (SELECT code FROM t) AS target,
       EXISTS (SELECT 1 FROM b WHERE country = '!') AS stale,
       coalesce((SELECT string_agg(format('%s,%s,%s,%s,%s,%s,%s,%s', coalesce(g.country, p.country),
                   round(g.outstanding, least(6, 18 - length(trunc(g.outstanding)::text))),
                   round(g.undisbursed, least(6, 18 - length(trunc(g.undisbursed)::text))),
                   round(g.overdue, least(6, 18 - length(trunc(g.overdue)::text))),
                   round(g.par30, least(6, 18 - length(trunc(g.par30)::text))),
                   round(g.restructured, least(6, 18 - length(trunc(g.restructured)::text))),
                   coalesce(g.loans, 0), coalesce(p.partners, 0)), E'\n')
                 FROM g FULL JOIN (SELECT country, partners FROM b WHERE currency = '') p ON p.country = g.country), '') AS countries,
       coalesce((SELECT string_agg(format('%s,%s,%s', r.currency, r.rate, CASE WHEN held.currency IS NULL THEN 0 ELSE 1 END), E'\n')
                 FROM r LEFT JOIN held ON held.currency = r.currency), '') AS rates,
       (SELECT coalesce(json_agg(json_build_object('id', fund_id, 'name', name, 'base_currency', base_currency)), '[]')
        FROM fund_directory) AS funds,
       (SELECT coalesce(json_agg(json_build_object('dimension', dimension, 'key', key, 'max_share', max_share,
                                                   'max_amount', max_amount, 'currency', currency)), '[]')
        FROM exposure_limits) AS limits;
