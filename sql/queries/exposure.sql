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
-- The exposure by country in one round trip, from the other domains' published SQL
-- (the ledger's loan_book_by_country, FX's fx_rate_on, the funds' fund_directory):
--   'g' rows: each country's figures converted into the target currency at the date's
--        rates, summed, to 6 decimals (or fewer beyond 12 integer digits: the decimal
--        type holds 19), and its partners (m); the service rounds them to cents
--        together; b is empty on a row with partners and no figures;
--   '!' a stale country book (read again); 't' the target;
--   'r' rows: the rates (NULL: none on or before the date) of the currencies the book
--        holds (n = 1), of the target and of the limits' currencies;
-- Each kind of row fewer is a fifth less decoding: rows cost more than columns.
--   'f' rows: the funds; 'l' rows: the limits (this domain's own table).
-- The target ($3, or the fund's base currency, or the first fund's by name) is the
-- service's rule, which checks that it agrees.
WITH b AS MATERIALIZED (
    SELECT country, currency, outstanding, undisbursed, overdue, par30, loans, partners
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
g AS (
    SELECT b.country, sum(b.outstanding / r.rate * tr.rate) AS outstanding, sum(b.undisbursed / r.rate * tr.rate) AS undisbursed,
           sum(b.overdue / r.rate * tr.rate) AS overdue, sum(b.par30 / r.rate * tr.rate) AS par30, sum(b.loans) AS loans
    FROM b JOIN r ON r.currency = b.currency CROSS JOIN tr
    WHERE b.currency NOT IN ('', '!')
    GROUP BY b.country
)
SELECT 'g' AS kind, coalesce(g.country, p.country) AS a, CASE WHEN g.country IS NULL THEN '' ELSE (SELECT code FROM t) END AS b,
       round(g.outstanding, least(6, 18 - length(trunc(g.outstanding)::text))) AS x,
       round(g.undisbursed, least(6, 18 - length(trunc(g.undisbursed)::text))) AS y,
       round(g.overdue, least(6, 18 - length(trunc(g.overdue)::text))) AS z,
       round(g.par30, least(6, 18 - length(trunc(g.par30)::text))) AS w,
       coalesce(g.loans, 0) AS n, coalesce(p.partners, 0) AS m, NULL::text AS t
FROM g FULL JOIN (SELECT country, partners FROM b WHERE currency = '') p ON p.country = g.country
UNION ALL
SELECT '!', '', '', NULL, NULL, NULL, NULL, 0, 0, NULL FROM b WHERE country = '!'
UNION ALL
SELECT 't', '', code, NULL, NULL, NULL, NULL, 0, 0, NULL FROM t
UNION ALL
SELECT 'r', '', r.currency, r.rate, NULL, NULL, NULL, CASE WHEN held.currency IS NULL THEN 0 ELSE 1 END, 0, NULL
FROM r LEFT JOIN held ON held.currency = r.currency
UNION ALL
SELECT 'f', name, base_currency::text, NULL, NULL, NULL, NULL, fund_id, 0, NULL FROM fund_directory
UNION ALL
SELECT 'l', dimension, key, max_share, max_amount, NULL, NULL, 0, 0, currency::text FROM exposure_limits;
