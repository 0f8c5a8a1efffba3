-- +goose Up
-- The loans list across all partners (issue 16, item 8) sorts and filters 50,000 loans
-- by figures that otherwise take a pass over their transactions or reschedulings per
-- request. Like status and restructured_on, they are derived by the last write's
-- replay and stored on the loan (the ledger writes them in the same transaction):
-- principal disbursed and outstanding over every recorded transaction, and the
-- maturity as rescheduled (NULL: as the terms say).
ALTER TABLE loans
    ADD COLUMN disbursed           NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (disbursed >= 0),
    ADD COLUMN outstanding         NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (outstanding >= 0),
    ADD COLUMN current_maturity_on DATE;
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
-- A partner's or a fund's loans in the default order (newest first), and the other
-- filters the list is asked most.
CREATE INDEX loans_fund_signed_idx ON loans (fund_id, signed_on DESC, id DESC);
CREATE INDEX loans_restructured_idx ON loans (restructured_on) WHERE restructured_on IS NOT NULL;

-- +goose Down
DROP INDEX loans_restructured_idx;
DROP INDEX loans_fund_signed_idx;
ALTER TABLE loans DROP COLUMN current_maturity_on, DROP COLUMN outstanding, DROP COLUMN disbursed;
