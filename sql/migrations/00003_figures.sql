-- +goose Up
-- Partners' financial reports: raw figures at a period end, under DOMAIN.md's
-- canonical names. Every figure is optional (NULL: not reported); ratios are computed
-- from them, never stored.

CREATE TABLE financial_reports (
    id                           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id                   BIGINT NOT NULL REFERENCES partners (id),
    period_end                   DATE NOT NULL,
    months                       SMALLINT NOT NULL CHECK (months IN (3, 6, 12)),
    currency                     CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- NUMERIC(19,2): the 19 digits of the service's decimal type.
    gross_loan_portfolio         NUMERIC(19,2) CHECK (gross_loan_portfolio >= 0),
    par30                        NUMERIC(19,2) CHECK (par30 >= 0),
    write_offs                   NUMERIC(19,2) CHECK (write_offs >= 0),
    loan_loss_reserve            NUMERIC(19,2) CHECK (loan_loss_reserve >= 0),
    provision_expense            NUMERIC(19,2), -- negative when provisions are released
    active_clients               BIGINT CHECK (active_clients >= 0),
    loans_outstanding            BIGINT CHECK (loans_outstanding >= 0),
    total_assets                 NUMERIC(19,2) CHECK (total_assets >= 0),
    total_liabilities            NUMERIC(19,2) CHECK (total_liabilities >= 0),
    equity                       NUMERIC(19,2),
    financial_revenue            NUMERIC(19,2) CHECK (financial_revenue >= 0),
    financial_expense            NUMERIC(19,2) CHECK (financial_expense >= 0),
    operating_expense            NUMERIC(19,2) CHECK (operating_expense >= 0),
    personnel_expense            NUMERIC(19,2) CHECK (personnel_expense >= 0),
    portfolio_revenue            NUMERIC(19,2) CHECK (portfolio_revenue >= 0),
    net_income                   NUMERIC(19,2),
    donations                    NUMERIC(19,2) CHECK (donations >= 0),
    total_staff                  BIGINT CHECK (total_staff >= 0),
    loan_officers                BIGINT CHECK (loan_officers >= 0),
    women_clients                BIGINT CHECK (women_clients >= 0),
    rural_clients                BIGINT CHECK (rural_clients >= 0),
    branches                     BIGINT CHECK (branches >= 0),
    deposits                     NUMERIC(19,2) CHECK (deposits >= 0),
    average_gross_loan_portfolio NUMERIC(19,2) CHECK (average_gross_loan_portfolio >= 0),
    average_assets               NUMERIC(19,2) CHECK (average_assets >= 0),
    average_equity               NUMERIC(19,2),
    average_active_clients       NUMERIC(19,2) CHECK (average_active_clients >= 0),
    created_at                   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT financial_reports_par30_within_glp CHECK (par30 <= gross_loan_portfolio),
    CONSTRAINT financial_reports_women_within_clients CHECK (women_clients <= active_clients),
    CONSTRAINT financial_reports_rural_within_clients CHECK (rural_clients <= active_clients),
    CONSTRAINT financial_reports_officers_within_staff CHECK (loan_officers <= total_staff),
    CONSTRAINT financial_reports_personnel_within_opex CHECK (personnel_expense <= operating_expense)
);
-- One report per partner and calendar month: ratios match periods by month.
CREATE UNIQUE INDEX financial_reports_partner_month_key
    ON financial_reports (partner_id, date_trunc('month', period_end::timestamp));
-- A partner's reports by date; peer tables and exports read one period of many
-- partners, by partner id and period range (a descent per partner, whatever plan a
-- prepared statement settles on: with the period first, a generic plan scanned the
-- whole period once per partner).
CREATE INDEX financial_reports_partner_period_idx ON financial_reports (partner_id, period_end);
