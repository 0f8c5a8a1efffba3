-- The watch list's reasons, each read apart (internal/watchlist combines them). $1 is
-- today in every query that needs it. Tables read: covenants and their breaches and
-- waivers, partners' obligations, financial statements and loans: published tables,
-- written by their own packages.

-- name: open-breaches
-- Open breaches, as compliance's list-breaches says: neither closed nor withdrawn
-- (ending a covenant withdraws its breaches), not of a cancelled loan's covenant, and
-- without an approved waiver, not lapsed, still running today (an expired waiver
-- reopens the breach). Dates come as days since 1970-01-01 (civil.FromEpochDay; the
-- day found in UTC, as the clock). The cancelled loans are an anti-join on the few
-- cancelled rows: a LEFT JOIN to every loan read all 50,000 of the large book's
-- (20 ms of the query's 30 at 20 runs; 15 ms after).
SELECT c.partner_id, b.id AS breach_id, b.covenant_id, c.loan_id, c.metric, b.period_end - DATE '1970-01-01' AS period_end,
       b.value, b.threshold, c.operator, (b.found_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS found_on,
       b.cure_by - DATE '1970-01-01' AS cure_by
FROM covenant_breaches b
JOIN covenants c ON c.id = b.covenant_id
WHERE b.closed_at IS NULL AND b.withdrawn_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.id = c.loan_id AND l.status = 'cancelled')
  AND NOT EXISTS (SELECT 1 FROM covenant_waivers w
                  WHERE w.breach_id = b.id AND w.decision = 'approved' AND w.lapsed_at IS NULL
                    AND w.expires_on >= $1::date);

-- name: obligations
-- Partners with a reporting obligation ($1: one partner, 0: all), with how many of the
-- months its periods end in have a statement, from the obligation's first month on,
-- and the latest of them (an index-only count per partner: a partner has one statement
-- a month). With these the list finds a partner without gaps, whose overdue periods
-- can only come after its latest statement, without reading its history.
SELECT p.id AS partner_id, p.reporting_frequency, p.reporting_from, p.reporting_due_days, r.n AS reported, r.latest
FROM partners p
CROSS JOIN LATERAL (
    SELECT count(*) AS n, max(f.period_end) AS latest
    FROM financial_statements f
    WHERE f.partner_id = p.id
      AND f.period_end >= date_trunc('month', p.reporting_from)::date
      AND extract(month FROM f.period_end)::int
          % CASE p.reporting_frequency WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6 ELSE 12 END = 0
) r
WHERE p.reporting_frequency IS NOT NULL AND ($1::bigint = 0 OR p.id = $1);

-- name: reported-periods
-- The period ends of the partners named ($1) that can answer their obligations, as
-- obligations counts them.
SELECT f.partner_id, f.period_end
FROM partners p
JOIN financial_statements f ON f.partner_id = p.id
WHERE p.id = ANY ($1::bigint[]) AND p.reporting_frequency IS NOT NULL
  AND f.period_end >= date_trunc('month', p.reporting_from)::date
  AND extract(month FROM f.period_end)::int
      % CASE p.reporting_frequency WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6 ELSE 12 END = 0;

-- name: past-due-30
-- Loans not cancelled, repaid or written off whose oldest unpaid installment fell due
-- more than 30 days before today (loans.oldest_unpaid_due_on, which every write of the
-- loan derives from its installments; loans_watch_past_due_idx).
SELECT l.partner_id, l.id AS loan_id, l.reference, l.oldest_unpaid_due_on - DATE '1970-01-01' AS on_day
FROM loans l
WHERE l.status IN ('pipeline', 'active') AND l.oldest_unpaid_due_on IS NOT NULL
  AND l.oldest_unpaid_due_on < $1::date - 30;

-- name: restructured
-- Loans a rescheduling of overdue amounts restructured, while still open.
SELECT l.partner_id, l.id AS loan_id, l.reference, l.restructured_on AS on_date
FROM loans l
WHERE l.status IN ('pipeline', 'active') AND l.restructured_on IS NOT NULL;

-- name: deterioration
-- Per partner, its three latest statements (from financial_statements_watch_idx alone):
-- PAR30 ratio (par30 / gross loan portfolio) strictly up over them, compared exactly
-- by cross-multiplying; and operational self-sufficiency under 100 % in the latest,
-- with the first period of the run of periods under 100 % that ends with it. The three
-- are laid side by side by a window over the three rows, already in order (ordered
-- aggregates sorted each partner's rows once per aggregate: three times slower on the
-- large book).
SELECT * FROM (
SELECT p.id AS partner_id, x.period_end AS latest,
       coalesce(x.glp1 > 0 AND x.glp2 > 0 AND x.glp3 > 0
                AND x.par2 * x.glp3 > x.par3 * x.glp2 AND x.par1 * x.glp2 > x.par2 * x.glp1, false) AS par30_up,
       x.par1 / NULLIF(x.glp1, 0) AS par30_ratio,
       x.par2 / NULLIF(x.glp2, 0) AS par30_before,
       x.par3 / NULLIF(x.glp3, 0) AS par30_earlier,
       x.under AS oss_under,
       CASE WHEN x.under THEN (
           SELECT min(f.period_end) FROM financial_statements f
           WHERE f.partner_id = p.id AND f.period_end > coalesce((
               SELECT max(g.period_end) FROM financial_statements g
               WHERE g.partner_id = p.id
                 AND NOT oss_under_100(g.financial_revenue, g.financial_expense, g.provision_expense, g.operating_expense)),
               '-infinity'::date))
       END AS oss_since,
       x.oss AS oss_ratio
FROM partners p
CROSS JOIN LATERAL (
    SELECT t.period_end, t.par30 AS par1, t.gross_loan_portfolio AS glp1,
           lead(t.par30) OVER w AS par2, lead(t.gross_loan_portfolio) OVER w AS glp2,
           lead(t.par30, 2) OVER w AS par3, lead(t.gross_loan_portfolio, 2) OVER w AS glp3,
           oss_under_100(t.financial_revenue, t.financial_expense, t.provision_expense, t.operating_expense) AS under,
           t.financial_revenue / NULLIF(t.financial_expense + t.provision_expense + t.operating_expense, 0) AS oss
    FROM (SELECT f.period_end, f.par30, f.gross_loan_portfolio, f.financial_revenue, f.financial_expense,
                 f.provision_expense, f.operating_expense
          FROM financial_statements f
          WHERE f.partner_id = p.id
          ORDER BY f.period_end DESC
          LIMIT 3) t
    WINDOW w AS (ORDER BY t.period_end DESC)
    ORDER BY t.period_end DESC
    LIMIT 1
) x
) d
WHERE d.par30_up OR d.oss_under;

-- name: partner-refs
-- The name and country of the partners listed.
SELECT id, name, country FROM partners WHERE id = ANY ($1::bigint[]);
