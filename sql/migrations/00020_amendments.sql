-- +goose Up
-- Amendments (issue 16): dated changes of a disbursed loan's terms, kept in its history
-- beside the reschedulings, in the same table (one id sequence with the transactions,
-- reversed the same way, the latest first): a rescheduling (new maturity, frequency
-- or rate, the unpaid principal spread anew), a rate change (the rate from a date, the
-- schedule kept, an annuity re-levelled from the next due date) and a cancellation of
-- undisbursed commitment (amount).
ALTER TABLE loan_reschedules
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'reschedule'
        CONSTRAINT loan_reschedules_kind_check CHECK (kind IN ('reschedule', 'rate_change', 'cancel_commitment')),
    ADD COLUMN amount NUMERIC(19,4) CONSTRAINT loan_reschedules_amount_check CHECK (amount > 0),
    DROP CONSTRAINT loan_reschedules_changes_something,
    ADD CONSTRAINT loan_reschedules_changes_something CHECK (CASE kind
        WHEN 'reschedule' THEN (new_maturity_on IS NOT NULL OR new_frequency IS NOT NULL OR new_interest_rate IS NOT NULL)
                               AND amount IS NULL
        WHEN 'rate_change' THEN new_interest_rate IS NOT NULL AND new_maturity_on IS NULL AND new_frequency IS NULL AND amount IS NULL
        ELSE amount IS NOT NULL AND new_maturity_on IS NULL AND new_frequency IS NULL AND new_interest_rate IS NULL
    END);

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM loan_reschedules WHERE kind <> 'reschedule') THEN
        RAISE EXCEPTION 'the book holds rate changes or commitment cancellations: it cannot go below migration 00020';
    END IF;
END $$;
-- +goose StatementEnd
ALTER TABLE loan_reschedules
    DROP CONSTRAINT loan_reschedules_changes_something,
    ADD CONSTRAINT loan_reschedules_changes_something
        CHECK (new_maturity_on IS NOT NULL OR new_frequency IS NOT NULL OR new_interest_rate IS NOT NULL),
    DROP COLUMN amount,
    DROP COLUMN kind;
