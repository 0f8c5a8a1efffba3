-- +goose Up
-- Day counts by the names agreements use (issue 16). Loans stored as "30/360" were
-- computed with a house rule no agreement names (every whole month is 30 days,
-- February included): they keep that rule under a name that says so, and "30/360"
-- now means the US bond basis. "ACT/365" is ACT/365 Fixed, now spelled ACT/365F.
ALTER TABLE loans DROP CONSTRAINT loans_day_count_check;
UPDATE loans SET day_count = '30/360 whole-month' WHERE day_count = '30/360';
UPDATE loans SET day_count = 'ACT/365F' WHERE day_count = 'ACT/365';
ALTER TABLE loans ADD CONSTRAINT loans_day_count_check CHECK (day_count IN
    ('ACT/360', 'ACT/365F', 'ACT/ACT ISDA', '30/360', '30E/360', '30E/360 ISDA', '30/360 whole-month'));

-- When the ledger's rules change (level annuities under actual days, here), every
-- stored loan is replayed under the new ones once, at start-up; each figure that moved
-- is kept here, the report of the restatement, besides one audit entry per loan.
CREATE TABLE loan_restatements (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rules       INTEGER NOT NULL CHECK (rules > 1),
    loan_id     BIGINT NOT NULL REFERENCES loans (id),
    field       TEXT NOT NULL CHECK (char_length(field) BETWEEN 1 AND 200),
    before      TEXT NOT NULL,
    after       TEXT NOT NULL,
    restated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT loan_restatements_changed CHECK (before <> after)
);
CREATE INDEX loan_restatements_loan_idx ON loan_restatements (loan_id);

-- The rules the stored figures were derived under: the first, where there are any.
INSERT INTO app_meta (key, value) SELECT 'ledger_rules', '1' WHERE EXISTS (SELECT 1 FROM loans);

-- +goose Down
DELETE FROM app_meta WHERE key = 'ledger_rules';
DROP TABLE loan_restatements;
ALTER TABLE loans DROP CONSTRAINT loans_day_count_check;
-- Loans on a convention the earlier schema has no name for cannot go back, nor can a
-- new "30/360" (the US basis), which the earlier schema would read as the whole-month
-- rule: the Down refuses a book that has any.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM loans WHERE day_count NOT IN ('ACT/360', 'ACT/365F', '30/360 whole-month')) THEN
        RAISE EXCEPTION 'loans on day counts the earlier schema cannot name (30/360 US, ACT/ACT ISDA, 30E/360...): not going down';
    END IF;
END $$;
-- +goose StatementEnd
UPDATE loans SET day_count = '30/360' WHERE day_count = '30/360 whole-month';
UPDATE loans SET day_count = 'ACT/365' WHERE day_count = 'ACT/365F';
ALTER TABLE loans ADD CONSTRAINT loans_day_count_check CHECK (day_count IN ('ACT/360', 'ACT/365', '30/360'));
