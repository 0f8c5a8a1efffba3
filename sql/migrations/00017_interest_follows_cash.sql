-- +goose Up
-- Interest follows the cash (issue 16, rules 3). Per loan, the agreement's options:
-- the allocation order, a default margin (over the contract rate, on overdue
-- principal, due at once) and a prepayment fee (a share of the principal prepaid).
-- Per repayment, two more columns of its allocation: late interest (interest on overdue
-- principal due at once) and the prepayment fee. Interest may be negative beside
-- principal: a payment that lowers the period's interest below what was paid toward it
-- earlier turns the difference into principal. The ledger restates the stored figures
-- under the new rules at startup (loan.Rules, app_meta.ledger_rules).
ALTER TABLE loans
    ADD COLUMN allocation_order TEXT NOT NULL DEFAULT 'interest_first'
        CONSTRAINT loans_allocation_order_check
        CHECK (allocation_order IN ('interest_first', 'installment_by_installment')),
    ADD COLUMN default_margin NUMERIC(12,8) NOT NULL DEFAULT 0
        CONSTRAINT loans_default_margin_check CHECK (default_margin >= 0 AND default_margin <= 1),
    ADD COLUMN prepayment_fee NUMERIC(12,8) NOT NULL DEFAULT 0
        CONSTRAINT loans_prepayment_fee_check CHECK (prepayment_fee >= 0 AND prepayment_fee <= 1);

ALTER TABLE loan_transactions
    ADD COLUMN late_interest NUMERIC(19,4) NOT NULL DEFAULT 0
        CONSTRAINT loan_transactions_late_interest_check CHECK (late_interest >= 0),
    ADD COLUMN fee NUMERIC(19,4) NOT NULL DEFAULT 0
        CONSTRAINT loan_transactions_fee_check CHECK (fee >= 0),
    DROP CONSTRAINT loan_transactions_interest_check,
    ADD CONSTRAINT loan_transactions_interest_check CHECK (interest >= 0 OR principal > 0),
    DROP CONSTRAINT loan_transactions_allocation_adds_up,
    ADD CONSTRAINT loan_transactions_allocation_adds_up
        CHECK (principal + interest + late_interest + fee + overpaid = amount),
    ADD CONSTRAINT loan_transactions_charges_on_repayments
        CHECK (kind = 'repayment' OR (late_interest = 0 AND fee = 0));

-- +goose Down
-- The options and the new allocation columns have no earlier form: the Down refuses a
-- book that uses them (the engine's rules 2 would then restate the rest at startup).
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM loans WHERE allocation_order <> 'interest_first' OR default_margin <> 0 OR prepayment_fee <> 0)
       OR EXISTS (SELECT 1 FROM loan_transactions WHERE late_interest <> 0 OR fee <> 0 OR interest < 0) THEN
        RAISE EXCEPTION 'the book uses late interest, prepayment fees or allocation orders: it cannot go below migration 00017';
    END IF;
END $$;
-- +goose StatementEnd
ALTER TABLE loan_transactions
    DROP CONSTRAINT loan_transactions_charges_on_repayments,
    DROP CONSTRAINT loan_transactions_allocation_adds_up,
    ADD CONSTRAINT loan_transactions_allocation_adds_up CHECK (principal + interest + overpaid = amount),
    DROP CONSTRAINT loan_transactions_interest_check,
    ADD CONSTRAINT loan_transactions_interest_check CHECK (interest >= 0),
    DROP COLUMN fee,
    DROP COLUMN late_interest;
ALTER TABLE loans DROP COLUMN prepayment_fee, DROP COLUMN default_margin, DROP COLUMN allocation_order;
-- The stored figures are rules 3's: marked older than rules 2, so that a binary of
-- rules 2 restates them at its start.
UPDATE app_meta SET value = '1' WHERE key = 'ledger_rules' AND value = '3';
