-- +goose Up
-- A loan entered by mistake is cancelled before its first disbursement (issue 16): it
-- stays listed, with when and why, and leaves exposure, the portfolio and every total.
ALTER TABLE loans DROP CONSTRAINT loans_status_check;
ALTER TABLE loans
    ADD CONSTRAINT loans_status_check CHECK (status IN ('pipeline', 'active', 'repaid', 'written_off', 'cancelled')),
    ADD COLUMN cancelled_at  TIMESTAMPTZ,
    ADD COLUMN cancel_reason TEXT CHECK (char_length(cancel_reason) <= 2000),
    ADD CONSTRAINT loans_cancelled_with_reason CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)
        AND (cancelled_at IS NULL) = (cancel_reason IS NULL) AND (cancel_reason IS NULL OR btrim(cancel_reason) <> ''));

-- +goose Down
-- A cancelled loan has no earlier status to go back to: the Down refuses a book with one.
ALTER TABLE loans DROP CONSTRAINT loans_cancelled_with_reason, DROP COLUMN cancel_reason, DROP COLUMN cancelled_at,
    DROP CONSTRAINT loans_status_check,
    ADD CONSTRAINT loans_status_check CHECK (status IN ('pipeline', 'active', 'repaid', 'written_off'));
