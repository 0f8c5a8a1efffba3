-- +goose Up
-- Restructured loans stay at risk (issue 16): the first rescheduling that moved
-- overdue amounts, as the last write's replay found it; PAR30 counts the loan from
-- then until it is repaid. The book's PAR30 ranges are derived again at start-up.
ALTER TABLE loans ADD COLUMN restructured_on DATE;
INSERT INTO loan_book_rebuild VALUES (true) ON CONFLICT DO NOTHING;

-- +goose Down
ALTER TABLE loans DROP COLUMN restructured_on;
INSERT INTO loan_book_rebuild VALUES (true) ON CONFLICT DO NOTHING;
