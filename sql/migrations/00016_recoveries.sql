-- +goose Up
-- Recoveries (issue 16): cash collected on written-off principal, a transaction of its
-- own (its principal is the amount; it moves no balance but the recovered total).
ALTER TABLE loan_transactions DROP CONSTRAINT loan_transactions_kind_check;
ALTER TABLE loan_transactions ADD CONSTRAINT loan_transactions_kind_check
    CHECK (kind IN ('disbursement', 'repayment', 'writeoff', 'reversal', 'recovery'));

-- +goose Down
-- A recovery has no earlier kind to go back to: the Down refuses a book with one.
ALTER TABLE loan_transactions DROP CONSTRAINT loan_transactions_kind_check;
ALTER TABLE loan_transactions ADD CONSTRAINT loan_transactions_kind_check
    CHECK (kind IN ('disbursement', 'repayment', 'writeoff', 'reversal'));
