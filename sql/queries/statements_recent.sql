-- name: recent-reports
-- The reports entered or corrected most recently, at most $1.
SELECT id, partner_id, period_end, months, currency, updated_at
FROM financial_statements
ORDER BY updated_at DESC, id DESC
LIMIT $1;
