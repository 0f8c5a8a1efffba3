-- Financial reports. Figure columns are listed in canonical order (kpi.Inputs): the
-- bulk upsert's parameters follow it, and rows are scanned by column name.

-- name: list-reports
-- A partner's reports, oldest first.
SELECT id, partner_id, period_end, months, currency, gross_loan_portfolio, par30, write_offs,
       loan_loss_reserve, provision_expense, active_clients, loans_outstanding, total_assets,
       total_liabilities, equity, financial_revenue, financial_expense, operating_expense,
       personnel_expense, portfolio_revenue, net_income, donations, total_staff, loan_officers,
       women_clients, rural_clients, branches, deposits, average_gross_loan_portfolio,
       average_assets, average_equity, average_active_clients, created_at, updated_at
FROM financial_statements WHERE partner_id = $1
ORDER BY period_end;

-- name: get-report
SELECT id, partner_id, period_end, months, currency, gross_loan_portfolio, par30, write_offs,
       loan_loss_reserve, provision_expense, active_clients, loans_outstanding, total_assets,
       total_liabilities, equity, financial_revenue, financial_expense, operating_expense,
       personnel_expense, portfolio_revenue, net_income, donations, total_staff, loan_officers,
       women_clients, rural_clients, branches, deposits, average_gross_loan_portfolio,
       average_assets, average_equity, average_active_clients, created_at, updated_at
FROM financial_statements WHERE partner_id = $1 AND period_end = $2;

-- name: lock-partners
-- Serializes writes to the reports of these partners (transaction-scoped advisory
-- locks, in id order so two writers never deadlock): the existing reports read next
-- are then still current when the write lands.
SELECT pg_advisory_xact_lock(1179207506, (p % 2147483647)::int)
FROM unnest($1::bigint[]) AS p ORDER BY p;

-- name: reports-of-partners
-- Every report of these partners, to compare an import with what is stored.
SELECT id, partner_id, period_end, months, currency, gross_loan_portfolio, par30, write_offs,
       loan_loss_reserve, provision_expense, active_clients, loans_outstanding, total_assets,
       total_liabilities, equity, financial_revenue, financial_expense, operating_expense,
       personnel_expense, portfolio_revenue, net_income, donations, total_staff, loan_officers,
       women_clients, rural_clients, branches, deposits, average_gross_loan_portfolio,
       average_assets, average_equity, average_active_clients, created_at, updated_at
FROM financial_statements WHERE partner_id = ANY ($1)
ORDER BY partner_id, period_end;

-- name: reports-in-window
-- The reports of these partners whose period ends in [from, to): a month, for a peer
-- table or an export, which need the figures but not when they were written.
SELECT id, partner_id, period_end, months, currency, gross_loan_portfolio, par30, write_offs,
       loan_loss_reserve, provision_expense, active_clients, loans_outstanding, total_assets,
       total_liabilities, equity, financial_revenue, financial_expense, operating_expense,
       personnel_expense, portfolio_revenue, net_income, donations, total_staff, loan_officers,
       women_clients, rural_clients, branches, deposits, average_gross_loan_portfolio,
       average_assets, average_equity, average_active_clients
FROM financial_statements
WHERE partner_id = ANY ($1) AND period_end >= $2 AND period_end < $3
ORDER BY partner_id, period_end;

-- name: upsert-reports
-- A batch of reports, one array per column; a report for a partner and month already
-- stored is replaced (the service checked it is the same period end).
INSERT INTO financial_statements (partner_id, period_end, months, currency, gross_loan_portfolio,
                               par30, write_offs, loan_loss_reserve, provision_expense,
                               active_clients, loans_outstanding, total_assets,
                               total_liabilities, equity, financial_revenue, financial_expense,
                               operating_expense, personnel_expense, portfolio_revenue,
                               net_income, donations, total_staff, loan_officers, women_clients,
                               rural_clients, branches, deposits, average_gross_loan_portfolio,
                               average_assets, average_equity, average_active_clients)
SELECT * FROM unnest($1::bigint[], $2::date[], $3::smallint[], $4::text[], $5::numeric[],
                     $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::bigint[],
                     $11::bigint[], $12::numeric[], $13::numeric[], $14::numeric[],
                     $15::numeric[], $16::numeric[], $17::numeric[], $18::numeric[],
                     $19::numeric[], $20::numeric[], $21::numeric[], $22::bigint[],
                     $23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[], $27::numeric[],
                     $28::numeric[], $29::numeric[], $30::numeric[], $31::numeric[])
ON CONFLICT (partner_id, date_trunc('month', period_end::timestamp)) DO UPDATE SET
    period_end = EXCLUDED.period_end, months = EXCLUDED.months, currency = EXCLUDED.currency,
    gross_loan_portfolio = EXCLUDED.gross_loan_portfolio, par30 = EXCLUDED.par30,
    write_offs = EXCLUDED.write_offs, loan_loss_reserve = EXCLUDED.loan_loss_reserve,
    provision_expense = EXCLUDED.provision_expense, active_clients = EXCLUDED.active_clients,
    loans_outstanding = EXCLUDED.loans_outstanding, total_assets = EXCLUDED.total_assets,
    total_liabilities = EXCLUDED.total_liabilities, equity = EXCLUDED.equity,
    financial_revenue = EXCLUDED.financial_revenue,
    financial_expense = EXCLUDED.financial_expense,
    operating_expense = EXCLUDED.operating_expense,
    personnel_expense = EXCLUDED.personnel_expense,
    portfolio_revenue = EXCLUDED.portfolio_revenue, net_income = EXCLUDED.net_income,
    donations = EXCLUDED.donations, total_staff = EXCLUDED.total_staff,
    loan_officers = EXCLUDED.loan_officers, women_clients = EXCLUDED.women_clients,
    rural_clients = EXCLUDED.rural_clients, branches = EXCLUDED.branches,
    deposits = EXCLUDED.deposits,
    average_gross_loan_portfolio = EXCLUDED.average_gross_loan_portfolio,
    average_assets = EXCLUDED.average_assets, average_equity = EXCLUDED.average_equity,
    average_active_clients = EXCLUDED.average_active_clients, updated_at = now()
RETURNING id, partner_id, period_end, created_at, updated_at;

-- name: delete-report
DELETE FROM financial_statements WHERE partner_id = $1 AND period_end = $2
RETURNING id, partner_id, period_end, months, currency, gross_loan_portfolio, par30, write_offs,
          loan_loss_reserve, provision_expense, active_clients, loans_outstanding, total_assets,
          total_liabilities, equity, financial_revenue, financial_expense, operating_expense,
          personnel_expense, portfolio_revenue, net_income, donations, total_staff,
          loan_officers, women_clients, rural_clients, branches, deposits,
          average_gross_loan_portfolio, average_assets, average_equity, average_active_clients,
          created_at, updated_at;

-- name: earlier-stocks
-- For each report of these partners in [from, to) (one month), the stocks its ratios
-- average or grow from: those of the partner's reports 12 months and one period
-- earlier, two probes of the (partner, month) key each. Ratios need nothing else of
-- them, and a peer table over thousands of partners is mostly the cost of the rows
-- it reads.
SELECT e.id, e.partner_id, e.period_end, e.months, e.currency,
       e.gross_loan_portfolio, e.total_assets, e.equity, e.active_clients
FROM financial_statements t
CROSS JOIN LATERAL (
    SELECT date_trunc('month', t.period_end::timestamp) - interval '12 months'
    UNION
    SELECT date_trunc('month', t.period_end::timestamp) - make_interval(months => t.months)
) AS earlier (month)
JOIN financial_statements e
  ON e.partner_id = t.partner_id AND date_trunc('month', e.period_end::timestamp) = earlier.month
WHERE t.partner_id = ANY ($1) AND t.period_end >= $2 AND t.period_end < $3;
