-- +goose Up
-- The watch list (issue 18) reads, on every request, the loans more than 30 days past
-- due and the restructured loans still open, and each partner's latest statements:
-- partial indexes keep the first two to the few loans concerned rather than a scan of
-- the book's loans, and the statements' figures the list compares are included so that
-- the latest periods of every partner are read from the index alone.
CREATE INDEX loans_watch_past_due_idx ON loans (oldest_unpaid_due_on)
    INCLUDE (partner_id) WHERE status IN ('pipeline', 'active') AND oldest_unpaid_due_on IS NOT NULL;
CREATE INDEX loans_watch_restructured_idx ON loans (partner_id)
    INCLUDE (restructured_on) WHERE status IN ('pipeline', 'active') AND restructured_on IS NOT NULL;
CREATE INDEX financial_statements_watch_idx ON financial_statements (partner_id, period_end DESC)
    INCLUDE (par30, gross_loan_portfolio, financial_revenue, financial_expense, provision_expense, operating_expense);

-- Operational self-sufficiency under 100 %, exactly as the ratio engine reads it
-- (internal/kpi: financial revenue over financial, provision and operating expense;
-- absent when a figure is missing or the costs are zero), compared without dividing:
-- negative costs (provisions released) give a negative ratio, under 100 %.
-- +goose StatementBegin
CREATE FUNCTION oss_under_100(revenue NUMERIC, financial NUMERIC, provision NUMERIC, operating NUMERIC)
RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN revenue IS NULL OR financial IS NULL OR provision IS NULL OR operating IS NULL THEN false
                ELSE financial + provision + operating < 0 OR revenue < financial + provision + operating END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION oss_under_100(NUMERIC, NUMERIC, NUMERIC, NUMERIC);
DROP INDEX financial_statements_watch_idx;
DROP INDEX loans_watch_restructured_idx;
DROP INDEX loans_watch_past_due_idx;
