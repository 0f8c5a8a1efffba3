-- name: insert-loan
INSERT INTO loans (fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count,
                   signed_on, first_due_on, maturity_on, amortization, frequency, grace_periods, purpose)
VALUES (:fund_id, :partner_id, :reference, :currency, :committed_amount, :interest_rate, :day_count,
        :signed_on, :first_due_on, :maturity_on, :amortization, :frequency, :grace_periods, :purpose)
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at;

-- name: get-loan
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at
FROM loans WHERE id = $1;

-- name: get-loan-for-update
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at
FROM loans WHERE id = $1 FOR UPDATE;

-- name: list-loans
-- Filters are optional (NULL or empty: any). Outstanding principal as recorded today.
SELECT l.id, l.fund_id, l.partner_id, l.reference, l.currency, l.committed_amount, l.interest_rate, l.day_count,
       l.signed_on, l.first_due_on, l.maturity_on, l.amortization, l.frequency, l.grace_periods, l.purpose,
       l.status, l.created_at, l.updated_at,
       coalesce(t.disbursed, 0) AS disbursed, coalesce(t.outstanding, 0) AS outstanding
FROM loans l
LEFT JOIN LATERAL (
    SELECT sum(amount) FILTER (WHERE kind = 'disbursement') AS disbursed,
           sum(CASE WHEN kind = 'disbursement' THEN amount ELSE -principal END) AS outstanding
    FROM loan_transactions WHERE loan_id = l.id
) t ON TRUE
WHERE ($1::bigint IS NULL OR l.partner_id = $1)
  AND ($2::bigint IS NULL OR l.fund_id = $2)
  AND ($3 = '' OR l.status = $3)
ORDER BY l.signed_on DESC, l.id DESC;

-- name: update-loan-description
UPDATE loans SET reference = $2, purpose = $3, updated_at = now() WHERE id = $1
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at;

-- name: update-loan-status
UPDATE loans SET status = $2, updated_at = now() WHERE id = $1;

-- name: list-transactions
-- Not created_at: parsing 500 timestamps was a tenth of BenchmarkGetLoan500.
SELECT id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason
FROM loan_transactions WHERE loan_id = $1 ORDER BY value_date, id;

-- name: list-reschedules
SELECT id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at
FROM loan_reschedules WHERE loan_id = $1 ORDER BY effective_on, id;

-- name: insert-transaction
-- The allocation is provisional (all principal) until the replay in the same
-- transaction sets it.
INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal, reason)
VALUES ($1, $2, $3, $4, $4, $5)
RETURNING id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, created_at;

-- name: insert-reschedule
INSERT INTO loan_reschedules (loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at;

-- name: update-derived
-- Allocations and running totals of a loan's transactions, in one statement; only the
-- rows whose values changed are written (a new event changes its own row, a back-dated
-- one also those after it).
UPDATE loan_transactions t
SET principal = u.principal, interest = u.interest, prepaid = u.prepaid,
    cum_disbursed = u.cd, cum_principal_repaid = u.cp, cum_interest_paid = u.ci, cum_written_off = u.cw
FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[])
     AS u(id, principal, interest, prepaid, cd, cp, ci, cw)
WHERE t.id = u.id
  AND (t.principal, t.interest, t.prepaid, t.cum_disbursed, t.cum_principal_repaid, t.cum_interest_paid, t.cum_written_off)
      IS DISTINCT FROM (u.principal, u.interest, u.prepaid, u.cd, u.cp, u.ci, u.cw);

-- name: delete-installments
DELETE FROM loan_installments WHERE loan_id = $1;

-- name: insert-installments
INSERT INTO loan_installments (loan_id, seq, due_on, principal, interest, paid_principal, paid_interest,
                               written_off_principal, written_off_interest, rescheduled)
SELECT $1, * FROM unnest($2::int[], $3::date[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[],
                         $8::numeric[], $9::numeric[], $10::boolean[]);

-- name: balances-at
-- Every loan's principal figures at a date, in one query (no query per loan): the
-- running totals of each loan's last transaction on or before the date, found by a
-- backward probe of (loan_id, value_date, id), which carries the totals.
SELECT l.id AS loan_id, t.cum_disbursed AS disbursed, t.cum_principal_repaid AS principal_repaid,
       t.cum_interest_paid AS interest_paid, t.cum_written_off AS written_off
FROM loans l
CROSS JOIN LATERAL (
    SELECT cum_disbursed, cum_principal_repaid, cum_interest_paid, cum_written_off
    FROM loan_transactions
    WHERE loan_id = l.id AND value_date <= $1
    ORDER BY value_date DESC, id DESC
    LIMIT 1
) t;

-- name: list-installments
SELECT seq, due_on, principal, interest, paid_principal, paid_interest,
       written_off_principal, written_off_interest, rescheduled
FROM loan_installments WHERE loan_id = $1 ORDER BY seq;

-- name: book-loans
-- Every loan signed on or before a date, of one fund or all ($2 NULL).
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at
FROM loans
WHERE signed_on <= $1 AND ($2::bigint IS NULL OR fund_id = $2)
ORDER BY id;

-- name: book-transactions
-- The book's transactions up to a date, loan by loan in the order a replay takes them.
SELECT t.id, t.loan_id, t.kind, t.value_date, t.amount, t.principal, t.interest, t.prepaid, t.reason
FROM loan_transactions t JOIN loans l ON l.id = t.loan_id
WHERE t.value_date <= $1 AND l.signed_on <= $1 AND ($2::bigint IS NULL OR l.fund_id = $2)
ORDER BY t.loan_id, t.value_date, t.id;

-- name: book-reschedules
SELECT r.id, r.loan_id, r.effective_on, r.new_maturity_on, r.new_frequency, r.new_interest_rate, r.reason, r.created_at
FROM loan_reschedules r JOIN loans l ON l.id = r.loan_id
WHERE r.effective_on <= $1 AND l.signed_on <= $1 AND ($2::bigint IS NULL OR l.fund_id = $2)
ORDER BY r.loan_id, r.effective_on, r.id;

-- name: lock-book-key
-- Serializes the rewrites of one key's book (two loans of a partner written at once
-- would each derive the key without the other's event).
SELECT pg_advisory_xact_lock(hashtext('loan_book'), hashtext($1::text));

-- name: book-key-loans
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at
FROM loans
WHERE partner_id = $1 AND fund_id = $2 AND currency = $3
ORDER BY id;

-- name: loans-transactions
SELECT id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason
FROM loan_transactions WHERE loan_id = ANY($1::bigint[])
ORDER BY loan_id, value_date, id;

-- name: loans-reschedules
SELECT id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at
FROM loan_reschedules WHERE loan_id = ANY($1::bigint[])
ORDER BY loan_id, effective_on, id;

-- name: book-key-ranges
SELECT from_on, to_on, outstanding, undisbursed, overdue, par30, loans
FROM loan_book
WHERE partner_id = $1 AND fund_id = $2 AND currency = $3
ORDER BY from_on;

-- name: delete-book-ranges
DELETE FROM loan_book
WHERE partner_id = $1 AND fund_id = $2 AND currency = $3 AND from_on = ANY($4::date[]);

-- name: insert-book-ranges
INSERT INTO loan_book (partner_id, fund_id, currency, from_on, to_on, outstanding, undisbursed, overdue, par30, loans)
SELECT $1, $2, $3, f, t, o, u, d, p, n
FROM unnest($4::date[], $5::date[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::int[])
     AS r(f, t, o, u, d, p, n);

-- name: take-book-rebuild
DELETE FROM loan_book_rebuild RETURNING pending;

-- name: book-keys
SELECT DISTINCT partner_id, fund_id, currency FROM loans ORDER BY 1, 2, 3;

-- name: book-at
-- The book at a date, summed by a cut and currency, with the partners of each group
-- and of the whole (a partner counts once, whatever its loans' currencies). Only the
-- ranges holding the date are read (from <= d < to: the box), from the index alone.
WITH live AS (
    SELECT CASE $3::text
               WHEN 'country' THEN a.country::text
               WHEN 'legal_status' THEN a.legal_status
               WHEN 'partner' THEN b.partner_id::text
               WHEN 'fund' THEN b.fund_id::text
               ELSE b.currency::text
           END AS key,
           b.partner_id, b.currency, b.outstanding, b.undisbursed, b.overdue, b.par30, b.loans
    FROM loan_book b JOIN partner_attributes a ON a.partner_id = b.partner_id
    WHERE b.span <@ box(point(-1e9, ($1::date - DATE '2000-01-01') + 0.5), point($1::date - DATE '2000-01-01', 1e9))
      AND ($2::bigint IS NULL OR b.fund_id = $2)
)
SELECT coalesce(key, '') AS key, coalesce(currency::text, '') AS currency, grouping(key, currency) AS level,
       coalesce(sum(outstanding), 0) AS outstanding, coalesce(sum(undisbursed), 0) AS undisbursed,
       coalesce(sum(overdue), 0) AS overdue, coalesce(sum(par30), 0) AS par30, coalesce(sum(loans), 0) AS loans,
       count(DISTINCT partner_id) AS partners
FROM live
GROUP BY GROUPING SETS ((key, currency), (key), ());

-- name: lock-book-country
SELECT pg_advisory_xact_lock(hashtext('loan_book_country'), hashtext($1::text));

-- name: partner-countries
SELECT partner_id, country FROM partner_attributes WHERE partner_id = ANY($1::bigint[]);

-- name: country-open-ranges
-- The ranges of a country's partners still open on a date (all of them for a date in
-- the distant past): what its own ranges from that date are summed from.
SELECT b.partner_id, b.fund_id, b.currency, b.from_on, b.to_on, b.outstanding, b.undisbursed, b.overdue, b.par30, b.loans
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
INSERT INTO loan_book_country (country, fund_id, currency, from_on, to_on, outstanding, undisbursed, overdue, par30, loans)
SELECT $1, * FROM unnest($2::bigint[], $3::char(3)[], $4::date[], $5::date[], $6::numeric[], $7::numeric[], $8::numeric[],
                         $9::numeric[], $10::int[]);

-- name: insert-country-partners
INSERT INTO loan_book_partners (country, fund_id, from_on, to_on, partners)
SELECT $1, * FROM unnest($2::bigint[], $3::date[], $4::date[], $5::int[]);

-- name: take-stale-countries
DELETE FROM loan_book_stale_countries RETURNING country;

-- name: country-book-at
-- The book at a date by country and currency, and each country's partners, from the
-- country ranges holding the date: a few hundred index entries.
SELECT country, currency, outstanding, undisbursed, overdue, par30, loans, partners
FROM loan_book_by_country($1, $2);

-- name: countries-ranges
-- Every range of these countries' partners, in one scan: for deriving them whole.
SELECT a.country, b.partner_id, b.fund_id, b.currency, b.from_on, b.to_on, b.outstanding, b.undisbursed, b.overdue, b.par30, b.loans
FROM loan_book b JOIN partner_attributes a ON a.partner_id = b.partner_id
WHERE a.country = ANY($1::char(2)[]);
