-- +goose Up
-- The dashboard's watch lists read only what is still owed: installments not fully
-- paid or written off, a small part of a mature book. unpaid_due_on is the due date
-- while any of the installment is unpaid, NULL once settled: a stored column, so that
-- ANALYZE keeps its own statistics. On the due date and an "unpaid" condition apart,
-- the planner multiplied their selectivities (a quarter of the rows unpaid, four
-- fifths due before today) where the rows unpaid and past due are a hundredth, and it
-- scanned the whole table.
ALTER TABLE loan_installments ADD COLUMN unpaid_due_on DATE
    GENERATED ALWAYS AS (CASE WHEN paid_principal + written_off_principal < principal
                                OR paid_interest + written_off_interest < interest THEN due_on END) STORED;
-- With what is owed included, the lists are read from the index alone.
CREATE INDEX loan_installments_unpaid_idx ON loan_installments (unpaid_due_on, loan_id)
    INCLUDE (seq, principal, paid_principal, written_off_principal, interest, paid_interest, written_off_interest)
    WHERE unpaid_due_on IS NOT NULL;
-- The figures received most recently.
CREATE INDEX financial_reports_updated_idx ON financial_reports (updated_at DESC, id DESC);
