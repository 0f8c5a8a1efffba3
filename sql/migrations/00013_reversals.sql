-- +goose Up
-- Corrections that keep history (issue 16): a transaction entered by mistake is
-- reversed by a reversal row, value-dated at the original's date; both stay, linked
-- both ways, and replays leave both out, as if the original had never happened.
ALTER TABLE loan_transactions DROP CONSTRAINT loan_transactions_kind_check;
ALTER TABLE loan_transactions
    ADD CONSTRAINT loan_transactions_kind_check CHECK (kind IN ('disbursement', 'repayment', 'writeoff', 'reversal')),
    ADD COLUMN reverses    BIGINT REFERENCES loan_transactions (id),
    ADD COLUMN reversed_by BIGINT REFERENCES loan_transactions (id),
    ADD COLUMN reversed_at TIMESTAMPTZ,
    ADD CONSTRAINT loan_transactions_reverses_key UNIQUE (reverses),
    ADD CONSTRAINT loan_transactions_reversal_links CHECK ((kind = 'reversal') = (reverses IS NOT NULL)),
    ADD CONSTRAINT loan_transactions_reversal_reason CHECK (kind <> 'reversal' OR btrim(reason) <> ''),
    ADD CONSTRAINT loan_transactions_reversal_final CHECK (kind <> 'reversal' OR reversed_by IS NULL),
    ADD CONSTRAINT loan_transactions_reversed_when CHECK ((reversed_by IS NULL) = (reversed_at IS NULL));

-- What a repayment brought beyond everything owed that day: a credit the fund owes
-- back. New writes never create one (the ledger refuses them); a payoff recorded under
-- earlier rules may hold one once the loan is restated under the new ones.
ALTER TABLE loan_transactions
    ADD COLUMN overpaid NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (overpaid >= 0),
    DROP CONSTRAINT loan_transactions_allocation_adds_up,
    ADD CONSTRAINT loan_transactions_allocation_adds_up CHECK (principal + interest + overpaid = amount),
    ADD CONSTRAINT loan_transactions_overpaid_on_repayments CHECK (kind = 'repayment' OR overpaid = 0);

-- A rescheduling is reversed in place: it stays, marked, with why.
ALTER TABLE loan_reschedules
    ADD COLUMN reversed_at     TIMESTAMPTZ,
    ADD COLUMN reversal_reason TEXT CHECK (char_length(reversal_reason) <= 2000),
    ADD CONSTRAINT loan_reschedules_reversal_reason CHECK ((reversed_at IS NULL) = (reversal_reason IS NULL)
        AND (reversal_reason IS NULL OR btrim(reversal_reason) <> ''));

-- +goose Down
-- Reversed reschedulings, reversals and overpaid credits cannot be told apart from live
-- entries by the earlier schema: the Down refuses a book that has any.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM loan_reschedules WHERE reversed_at IS NOT NULL)
       OR EXISTS (SELECT 1 FROM loan_transactions WHERE kind = 'reversal' OR reversed_by IS NOT NULL OR overpaid > 0) THEN
        RAISE EXCEPTION 'the book holds reversals or overpaid credits, which the earlier schema cannot hold: not going down';
    END IF;
END $$;
-- +goose StatementEnd
ALTER TABLE loan_reschedules DROP CONSTRAINT loan_reschedules_reversal_reason,
    DROP COLUMN reversal_reason, DROP COLUMN reversed_at;
ALTER TABLE loan_transactions
    DROP CONSTRAINT loan_transactions_overpaid_on_repayments,
    DROP CONSTRAINT loan_transactions_allocation_adds_up,
    DROP COLUMN overpaid,
    ADD CONSTRAINT loan_transactions_allocation_adds_up CHECK (principal + interest = amount),
    DROP CONSTRAINT loan_transactions_reversed_when, DROP CONSTRAINT loan_transactions_reversal_final,
    DROP CONSTRAINT loan_transactions_reversal_reason, DROP CONSTRAINT loan_transactions_reversal_links,
    DROP CONSTRAINT loan_transactions_reverses_key,
    DROP COLUMN reversed_at, DROP COLUMN reversed_by, DROP COLUMN reverses,
    DROP CONSTRAINT loan_transactions_kind_check,
    ADD CONSTRAINT loan_transactions_kind_check CHECK (kind IN ('disbursement', 'repayment', 'writeoff'));
