-- +goose Up
-- Fund settings (issue 16, items 1 and 7), stored on the fund.
-- allocation_order: the repayment allocation order a NEW loan of the fund takes
--   (interest_first, the rule of every loan so far: overdue interest, then overdue
--   principal, then current items, oldest first; or installment_by_installment, each
--   installment settled whole, oldest first). A loan keeps the order it was given.
-- restructured_cure_installments: after how many consecutive installments paid on
--   time a restructured loan is cured; NULL: never (today's rule).
-- books_closed_through: the fund's month-end close; no write to a loan of the fund
--   may change its books on or before it (NULL: nothing closed). The ledger reads it
--   under a share lock in each write's transaction.
-- The service validates all three; these CHECKs are the last line of defence.
ALTER TABLE funds
    ADD COLUMN allocation_order TEXT NOT NULL DEFAULT 'interest_first'
        CONSTRAINT funds_allocation_order_check
        CHECK (allocation_order IN ('interest_first', 'installment_by_installment')),
    ADD COLUMN restructured_cure_installments INTEGER
        CONSTRAINT funds_restructured_cure_installments_check
        CHECK (restructured_cure_installments BETWEEN 1 AND 36),
    ADD COLUMN books_closed_through DATE;

-- +goose Down
ALTER TABLE funds
    DROP COLUMN books_closed_through,
    DROP COLUMN restructured_cure_installments,
    DROP COLUMN allocation_order;
