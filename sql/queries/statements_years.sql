-- name: report-years
-- Each partner's first and latest calendar year with a report: what a fact sheet can
-- compare. Partners without reports are absent.
SELECT partner_id,
       min(extract(year FROM period_end))::int AS first_year,
       max(extract(year FROM period_end))::int AS last_year
FROM financial_statements
GROUP BY partner_id;
