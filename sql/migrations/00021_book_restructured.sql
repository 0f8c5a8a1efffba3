-- +goose Up
-- Exposure shows restructured loans apart (issue 16, item 5): the book keeps, beside
-- PAR30, the outstanding of the loans a rescheduling of overdue amounts restructured
-- (loan.Step.Restructured). They are inside PAR30, so restructured <= par30. Existing
-- ranges start at 0, right for every key without a restructured loan; the book is
-- derived again at the next start (loan_book_rebuild, as 00015 asked), which rewrites
-- the ranges of the keys with one and their countries' ranges from then on.
ALTER TABLE loan_book
    ADD COLUMN restructured NUMERIC(24,4) NOT NULL DEFAULT 0
        CONSTRAINT loan_book_restructured_check CHECK (restructured >= 0 AND restructured <= par30);
ALTER TABLE loan_book_country
    ADD COLUMN restructured NUMERIC(24,4) NOT NULL DEFAULT 0
        CONSTRAINT loan_book_country_restructured_check CHECK (restructured >= 0 AND restructured <= par30);

-- The exposure at a date still reads the GiST indexes alone: the figure is included.
DROP INDEX loan_book_span_idx;
CREATE INDEX loan_book_span_idx ON loan_book USING gist (span)
    INCLUDE (partner_id, fund_id, currency, outstanding, undisbursed, overdue, par30, restructured, loans);
DROP INDEX loan_book_country_span_idx;
CREATE INDEX loan_book_country_span_idx ON loan_book_country USING gist (span)
    INCLUDE (country, fund_id, currency, outstanding, undisbursed, overdue, par30, restructured, loans);

-- The published book by country gains the column, after par30 (a function's result
-- type cannot be altered: dropped and created again).
DROP FUNCTION loan_book_by_country(DATE, BIGINT);
-- +goose StatementBegin
CREATE FUNCTION loan_book_by_country(on_date DATE, fund BIGINT)
RETURNS TABLE (country TEXT, currency TEXT, outstanding NUMERIC, undisbursed NUMERIC, overdue NUMERIC,
               par30 NUMERIC, restructured NUMERIC, loans BIGINT, partners INTEGER)
LANGUAGE sql STABLE AS $$
    SELECT c.country::text, c.currency::text, sum(c.outstanding), sum(c.undisbursed), sum(c.overdue), sum(c.par30),
           sum(c.restructured), sum(c.loans), 0
    FROM loan_book_country c
    WHERE c.span <@ box(point(-1e9, (on_date - DATE '2000-01-01') + 0.5), point(on_date - DATE '2000-01-01', 1e9))
      AND (fund IS NULL OR c.fund_id = fund)
    GROUP BY c.country, c.currency
    UNION ALL
    SELECT p.country::text, '', 0, 0, 0, 0, 0, 0, p.partners
    FROM loan_book_partners p
    WHERE p.span <@ box(point(-1e9, (on_date - DATE '2000-01-01') + 0.5), point(on_date - DATE '2000-01-01', 1e9))
      AND p.fund_id = coalesce(fund, 0)
    UNION ALL
    SELECT '!', '!', 0, 0, 0, 0, 0, 0, 0 WHERE EXISTS (SELECT 1 FROM loan_book_stale_countries)
$$;
-- +goose StatementEnd

INSERT INTO loan_book_rebuild VALUES (true) ON CONFLICT DO NOTHING;

-- +goose Down
DROP FUNCTION loan_book_by_country(DATE, BIGINT);
-- +goose StatementBegin
CREATE FUNCTION loan_book_by_country(on_date DATE, fund BIGINT)
RETURNS TABLE (country TEXT, currency TEXT, outstanding NUMERIC, undisbursed NUMERIC, overdue NUMERIC,
               par30 NUMERIC, loans BIGINT, partners INTEGER)
LANGUAGE sql STABLE AS $$
    SELECT c.country::text, c.currency::text, sum(c.outstanding), sum(c.undisbursed), sum(c.overdue), sum(c.par30),
           sum(c.loans), 0
    FROM loan_book_country c
    WHERE c.span <@ box(point(-1e9, (on_date - DATE '2000-01-01') + 0.5), point(on_date - DATE '2000-01-01', 1e9))
      AND (fund IS NULL OR c.fund_id = fund)
    GROUP BY c.country, c.currency
    UNION ALL
    SELECT p.country::text, '', 0, 0, 0, 0, 0, p.partners
    FROM loan_book_partners p
    WHERE p.span <@ box(point(-1e9, (on_date - DATE '2000-01-01') + 0.5), point(on_date - DATE '2000-01-01', 1e9))
      AND p.fund_id = coalesce(fund, 0)
    UNION ALL
    SELECT '!', '!', 0, 0, 0, 0, 0, 0 WHERE EXISTS (SELECT 1 FROM loan_book_stale_countries)
$$;
-- +goose StatementEnd
-- Dropping the columns drops the indexes that include them: made again as 00005 made them.
ALTER TABLE loan_book DROP COLUMN restructured;
ALTER TABLE loan_book_country DROP COLUMN restructured;
CREATE INDEX loan_book_span_idx ON loan_book USING gist (span)
    INCLUDE (partner_id, fund_id, currency, outstanding, undisbursed, overdue, par30, loans);
CREATE INDEX loan_book_country_span_idx ON loan_book_country USING gist (span)
    INCLUDE (country, fund_id, currency, outstanding, undisbursed, overdue, par30, loans);
