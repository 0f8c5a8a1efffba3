-- The book: ranges of constant figures per partner, fund and currency (loan_book),
-- and per country (loan_book_country, loan_book_partners), derived from the ledger's
-- tables (loans, loan_transactions, loan_reschedules), which the book reads as its input.

-- name: lock-book-key
-- Serializes the rewrites of one key's book (two loans of a partner written at once
-- would each derive the key without the other's event).
SELECT pg_advisory_xact_lock(hashtext('loan_book'), hashtext($1::text));

-- name: book-key-loans
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at,
       allocation_order, default_margin, prepayment_fee,
       (SELECT f.restructured_cure_installments FROM funds f WHERE f.id = loans.fund_id) AS restructured_cure
FROM loans
WHERE partner_id = $1 AND fund_id = $2 AND currency = $3 AND status <> 'cancelled' -- out of every total
ORDER BY id;

-- name: loans-transactions
SELECT id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason
FROM loan_transactions
WHERE loan_id = ANY($1::bigint[]) AND reversed_by IS NULL AND kind <> 'reversal' -- the live ones
ORDER BY loan_id, value_date, id;

-- name: loans-reschedules
SELECT id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at, kind, amount
FROM loan_reschedules WHERE loan_id = ANY($1::bigint[]) AND reversed_at IS NULL
ORDER BY loan_id, effective_on, id;

-- name: book-key-ranges
SELECT from_on, to_on, outstanding, undisbursed, overdue, par30, restructured, loans
FROM loan_book
WHERE partner_id = $1 AND fund_id = $2 AND currency = $3
ORDER BY from_on;

-- name: delete-book-ranges
DELETE FROM loan_book
WHERE partner_id = $1 AND fund_id = $2 AND currency = $3 AND from_on = ANY($4::date[]);

-- name: insert-book-ranges
INSERT INTO loan_book (partner_id, fund_id, currency, from_on, to_on, outstanding, undisbursed, overdue, par30, restructured, loans)
SELECT $1, $2, $3, f, t, o, u, d, p, r, n
FROM unnest($4::date[], $5::date[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::int[])
     AS r(f, t, o, u, d, p, r, n);

-- name: take-book-rebuild
DELETE FROM loan_book_rebuild RETURNING pending;

-- name: book-keys
SELECT DISTINCT partner_id, fund_id, currency FROM loans ORDER BY 1, 2, 3;

-- name: book-ranges-at
-- The ranges holding a date (from <= d < to: the box), from the GiST index alone, each
-- with its group's key by the cut ($3) and its partner: book.Store.At sums them in Go.
-- Summing here (GROUPING SETS with count(DISTINCT)) took 14 ms by currency and 28 ms by
-- partner on the large book (7,211 ranges): a sort of the groups' text keys under the
-- collation, and PostgreSQL's numeric sums; reading the ranges takes 4 ms.
SELECT coalesce(CASE $3::text
           WHEN 'country' THEN a.country::text
           WHEN 'legal_status' THEN a.legal_status
           WHEN 'partner' THEN b.partner_id::text
           WHEN 'fund' THEN b.fund_id::text
           ELSE b.currency::text
       END, '') AS key,
       b.partner_id, b.currency, b.outstanding, b.undisbursed, b.overdue, b.par30, b.restructured, b.loans
FROM loan_book b JOIN partner_attributes a ON a.partner_id = b.partner_id
WHERE b.span <@ box(point(-1e9, ($1::date - DATE '2000-01-01') + 0.5), point($1::date - DATE '2000-01-01', 1e9))
  AND ($2::bigint IS NULL OR b.fund_id = $2);

-- name: book-currencies-at
-- The currencies of the ranges holding a date: those with something out or drawable.
SELECT DISTINCT currency::text
FROM loan_book
WHERE span <@ box(point(-1e9, ($1::date - DATE '2000-01-01') + 0.5), point($1::date - DATE '2000-01-01', 1e9));

-- name: lock-book-country
SELECT pg_advisory_xact_lock(hashtext('loan_book_country'), hashtext($1::text));

-- name: partner-countries
SELECT partner_id, country FROM partner_attributes WHERE partner_id = ANY($1::bigint[]);

-- name: country-open-ranges
-- The ranges of a country's partners still open on a date (all of them for a date in
-- the distant past): what its own ranges from that date are summed from.
SELECT b.partner_id, b.fund_id, b.currency, b.from_on, b.to_on, b.outstanding, b.undisbursed, b.overdue, b.par30,
       b.restructured, b.loans
FROM partner_attributes a
JOIN loan_book b ON b.partner_id = a.partner_id AND coalesce(b.to_on, 'infinity'::date) > $2
WHERE a.country = $1;

-- name: cut-country-book
-- A country's ranges from a date on are about to be written anew: those starting on or
-- after it go, one running through it ends there.
WITH gone AS (DELETE FROM loan_book_country WHERE country = $1 AND from_on >= $2)
UPDATE loan_book_country SET to_on = $2
WHERE country = $1 AND from_on < $2 AND (to_on IS NULL OR to_on > $2);

-- name: cut-country-partners
WITH gone AS (DELETE FROM loan_book_partners WHERE country = $1 AND from_on >= $2)
UPDATE loan_book_partners SET to_on = $2
WHERE country = $1 AND from_on < $2 AND (to_on IS NULL OR to_on > $2);

-- name: insert-country-book
INSERT INTO loan_book_country (country, fund_id, currency, from_on, to_on, outstanding, undisbursed, overdue, par30,
                               restructured, loans)
SELECT $1, * FROM unnest($2::bigint[], $3::char(3)[], $4::date[], $5::date[], $6::numeric[], $7::numeric[], $8::numeric[],
                         $9::numeric[], $10::numeric[], $11::int[]);

-- name: insert-country-partners
INSERT INTO loan_book_partners (country, fund_id, from_on, to_on, partners)
SELECT $1, * FROM unnest($2::bigint[], $3::date[], $4::date[], $5::int[]);

-- name: take-stale-countries
DELETE FROM loan_book_stale_countries RETURNING country;

-- name: country-book-at
-- The book at a date by country and currency, and each country's partners, from the
-- country ranges holding the date: a few hundred index entries.
SELECT country, currency, outstanding, undisbursed, overdue, par30, restructured, loans, partners
FROM loan_book_by_country($1, $2);

-- name: countries-ranges
-- Every range of these countries' partners, in one scan: for deriving them whole.
SELECT a.country, b.partner_id, b.fund_id, b.currency, b.from_on, b.to_on, b.outstanding, b.undisbursed, b.overdue, b.par30,
       b.restructured, b.loans
FROM loan_book b JOIN partner_attributes a ON a.partner_id = b.partner_id
WHERE a.country = ANY($1::char(2)[]);
