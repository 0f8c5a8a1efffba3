-- +goose Up
-- The dashboard's watch lists read only what is still owed: installments not fully
-- paid or written off (a small part of a mature book), by due date.
CREATE INDEX loan_installments_unpaid_idx ON loan_installments (due_on, loan_id)
    WHERE paid_principal + written_off_principal < principal OR paid_interest + written_off_interest < interest;
-- The figures received most recently.
CREATE INDEX financial_reports_updated_idx ON financial_reports (updated_at DESC, id DESC);
