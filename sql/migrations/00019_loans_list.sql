-- +goose Up
-- The loans list across all partners (issue 16, item 8) sorts and filters 50,000 loans
-- by figures that otherwise take a pass over their transactions or reschedulings per
-- request. Like status and restructured_on, they are derived by the last write's
-- replay and stored on the loan (the ledger writes them in the same transaction):
-- principal disbursed and outstanding over every recorded transaction, and the
-- maturity as rescheduled (NULL: as the terms say), and the due date of the oldest
-- unpaid installment of the stored schedule (NULL: none), so that "overdue today" is
-- oldest_unpaid_due_on < today, whatever day it is read.
ALTER TABLE loans
    ADD COLUMN disbursed            NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (disbursed >= 0),
    ADD COLUMN outstanding          NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (outstanding >= 0),
    ADD COLUMN current_maturity_on  DATE,
    ADD COLUMN oldest_unpaid_due_on DATE;
-- The running totals of each loan's last live transaction are its totals.
UPDATE loans l SET disbursed = t.cum_disbursed, outstanding = t.cum_disbursed - t.cum_principal_repaid - t.cum_written_off
FROM (SELECT DISTINCT ON (loan_id) loan_id, cum_disbursed, cum_principal_repaid, cum_written_off
      FROM loan_transactions WHERE reversed_by IS NULL AND kind <> 'reversal'
      ORDER BY loan_id, value_date DESC, id DESC) t
WHERE t.loan_id = l.id;
-- Reschedulings apply in date, then id, order; the last live one naming a maturity sets it.
UPDATE loans l SET current_maturity_on = r.new_maturity_on
FROM (SELECT DISTINCT ON (loan_id) loan_id, new_maturity_on
      FROM loan_reschedules WHERE reversed_at IS NULL AND new_maturity_on IS NOT NULL
      ORDER BY loan_id, effective_on DESC, id DESC) r
WHERE r.loan_id = l.id AND r.new_maturity_on <> l.maturity_on;
UPDATE loans l SET oldest_unpaid_due_on = u.due_on
FROM (SELECT loan_id, min(unpaid_due_on) AS due_on FROM loan_installments WHERE unpaid_due_on IS NOT NULL GROUP BY loan_id) u
WHERE l.id = u.loan_id;
-- One index per sort, read forward or backward, ties by id: a page is the first rows
-- after the cursor, at the end of the list as at its start. By partner, the partners
-- in name order, each one's loans by id.
CREATE INDEX loans_list_reference_idx ON loans (lower(reference), id);
CREATE INDEX loans_list_signed_idx ON loans (signed_on, id);
CREATE INDEX loans_list_maturity_idx ON loans ((coalesce(current_maturity_on, maturity_on)), id);
CREATE INDEX loans_list_outstanding_idx ON loans (outstanding, id);
CREATE INDEX loans_list_committed_idx ON loans (committed_amount, id);
CREATE INDEX loans_list_partner_idx ON loans (partner_id, id);
CREATE INDEX partners_list_name_idx ON partners (lower(name), id);

-- +goose Down
DROP INDEX partners_list_name_idx;
DROP INDEX loans_list_partner_idx;
DROP INDEX loans_list_committed_idx;
DROP INDEX loans_list_outstanding_idx;
DROP INDEX loans_list_maturity_idx;
DROP INDEX loans_list_signed_idx;
DROP INDEX loans_list_reference_idx;
ALTER TABLE loans DROP COLUMN oldest_unpaid_due_on, DROP COLUMN current_maturity_on, DROP COLUMN outstanding,
    DROP COLUMN disbursed;
