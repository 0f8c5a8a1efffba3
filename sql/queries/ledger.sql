-- name: insert-loan
INSERT INTO loans (fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count,
                   signed_on, first_due_on, maturity_on, amortization, frequency, grace_periods, purpose)
VALUES (:fund_id, :partner_id, :reference, :currency, :committed_amount, :interest_rate, :day_count,
        :signed_on, :first_due_on, :maturity_on, :amortization, :frequency, :grace_periods, :purpose)
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at;

-- name: get-loan
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at, restructured_on
FROM loans WHERE id = $1;

-- name: get-loan-for-update
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at, restructured_on
FROM loans WHERE id = $1 FOR UPDATE;

-- name: list-loans
-- A page of the loans list: the loans matching the filters (NULL, empty or false: any),
-- in the order of a sort key ($10: its text and number parts, one of them constant)
-- and id, descending when $11, after a cursor ($12, $14, $13; NULL $13: from the
-- start), at most $15 (NULL: every one), with how many match in all. Every match is
-- read once, for the total, and only the page is joined to what it shows. The figures
-- are those the last write to each loan stored: nothing is replayed or summed.
WITH matching AS (
    SELECT l.id,
           CASE $10::text WHEN 'reference' THEN lower(l.reference) WHEN 'partner' THEN lower(p.name) ELSE '' END AS sort_text,
           CASE $10::text
               WHEN 'signed_on' THEN (l.signed_on - DATE '2000-01-01')::numeric
               WHEN 'maturity_on' THEN (coalesce(l.current_maturity_on, l.maturity_on) - DATE '2000-01-01')::numeric
               WHEN 'outstanding' THEN l.outstanding
               WHEN 'committed' THEN l.committed_amount
               WHEN 'partner' THEN l.partner_id::numeric -- two partners of one name apart
               ELSE 0
           END AS sort_number
    FROM loans l JOIN partners p ON p.id = l.partner_id
    WHERE ($1::bigint IS NULL OR l.partner_id = $1)
      AND ($2::bigint IS NULL OR l.fund_id = $2)
      AND ($3::text[] IS NULL OR l.status = ANY ($3))
      AND ($4 = '' OR l.currency = $4)
      -- Overdue: an installment due before today and unpaid (the watch list's rule),
      -- from the partial index of unpaid installments, hashed once.
      AND (NOT $5 OR l.id IN (SELECT loan_id FROM loan_installments WHERE unpaid_due_on < $8))
      AND (NOT $6 OR l.restructured_on IS NOT NULL)
      AND ($7::date IS NULL OR (l.status = 'active' AND coalesce(l.current_maturity_on, l.maturity_on) BETWEEN $8 AND $7))
      AND ($9 = '' OR strpos(lower(l.reference), lower($9)) > 0 OR strpos(lower(p.name), lower($9)) > 0)
), page AS (
    SELECT id, sort_text, sort_number FROM matching
    WHERE $13::bigint IS NULL
       OR CASE WHEN $11 THEN (sort_text, sort_number, id) < ($12::text, $14::numeric, $13)
               ELSE (sort_text, sort_number, id) > ($12::text, $14::numeric, $13) END
    ORDER BY CASE WHEN NOT $11 THEN sort_text END, CASE WHEN NOT $11 THEN sort_number END, CASE WHEN NOT $11 THEN id END,
             sort_text DESC, sort_number DESC, id DESC
    LIMIT $15
)
SELECT l.id, l.fund_id, l.partner_id, l.reference, l.currency, l.committed_amount, l.interest_rate, l.day_count,
       l.signed_on, l.first_due_on, l.maturity_on, l.amortization, l.frequency, l.grace_periods, l.purpose,
       l.status, l.created_at, l.updated_at, l.restructured_on, l.disbursed, l.outstanding,
       coalesce(l.current_maturity_on, l.maturity_on) AS current_maturity_on, p.name AS partner_name, f.name AS fund_name,
       page.sort_text, page.sort_number::text AS sort_number, (SELECT count(*) FROM matching) AS total
FROM page
JOIN loans l ON l.id = page.id
JOIN partners p ON p.id = l.partner_id
JOIN funds f ON f.id = l.fund_id
ORDER BY CASE WHEN NOT $11 THEN page.sort_text END, CASE WHEN NOT $11 THEN page.sort_number END,
         CASE WHEN NOT $11 THEN page.id END, page.sort_text DESC, page.sort_number DESC, page.id DESC;

-- name: update-loan-figures
-- What the last write's replay found, for lists: principal disbursed and outstanding
-- over every recorded transaction, the maturity as rescheduled (NULL: the terms').
UPDATE loans SET disbursed = $2, outstanding = $3, current_maturity_on = $4
WHERE id = $1 AND (disbursed, outstanding, current_maturity_on) IS DISTINCT FROM ($2, $3, $4::date);

-- name: update-loan-description
UPDATE loans SET reference = $2, purpose = $3, updated_at = now() WHERE id = $1
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at, restructured_on;

-- name: update-loan-terms
-- Until the first disbursement (the ledger checks under the row lock), every term.
UPDATE loans SET currency = $2, committed_amount = $3, interest_rate = $4, day_count = $5, signed_on = $6,
    first_due_on = $7, maturity_on = $8, amortization = $9, frequency = $10, grace_periods = $11, updated_at = now()
WHERE id = $1
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at, restructured_on;

-- name: cancel-loan
UPDATE loans SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, updated_at = now() WHERE id = $1
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at, restructured_on;

-- name: update-loan-restructured
UPDATE loans SET restructured_on = $2 WHERE id = $1;

-- name: update-loan-status
UPDATE loans SET status = $2, updated_at = now() WHERE id = $1;

-- name: list-transactions
-- Not created_at: parsing 500 timestamps was a tenth of BenchmarkGetLoan500.
-- Reversed transactions and reversals too: the loan's whole history.
SELECT id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, reverses, reversed_by, reversed_at, overpaid
FROM loan_transactions WHERE loan_id = $1 ORDER BY value_date, id;

-- name: list-reschedules
SELECT id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at,
       reversed_at, reversal_reason
FROM loan_reschedules WHERE loan_id = $1 ORDER BY effective_on, id;

-- name: insert-transaction
-- The allocation is provisional (all principal) until the replay in the same
-- transaction sets it.
INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal, reason)
VALUES ($1, $2, $3, $4, $4, $5)
RETURNING id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, created_at, reverses, reversed_by, reversed_at, overpaid;

-- name: insert-reschedule
INSERT INTO loan_reschedules (loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at,
          reversed_at, reversal_reason;

-- name: update-derived
-- Allocations and running totals of a loan's transactions, in one statement; only the
-- rows whose values changed are written (a new event changes its own row, a back-dated
-- one also those after it).
UPDATE loan_transactions t
SET principal = u.principal, interest = u.interest, prepaid = u.prepaid, overpaid = u.overpaid,
    cum_disbursed = u.cd, cum_principal_repaid = u.cp, cum_interest_paid = u.ci, cum_written_off = u.cw
FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[],
            $9::numeric[])
     AS u(id, principal, interest, prepaid, cd, cp, ci, cw, overpaid)
WHERE t.id = u.id
  AND (t.principal, t.interest, t.prepaid, t.overpaid, t.cum_disbursed, t.cum_principal_repaid, t.cum_interest_paid, t.cum_written_off)
      IS DISTINCT FROM (u.principal, u.interest, u.prepaid, u.overpaid, u.cd, u.cp, u.ci, u.cw);

-- name: delete-installments
DELETE FROM loan_installments WHERE loan_id = $1;

-- name: insert-installments
INSERT INTO loan_installments (loan_id, seq, due_on, principal, interest, paid_principal, paid_interest,
                               written_off_principal, written_off_interest, rescheduled)
SELECT $1, * FROM unnest($2::int[], $3::date[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[],
                         $8::numeric[], $9::numeric[], $10::boolean[]);

-- name: list-installments
SELECT seq, due_on, principal, interest, paid_principal, paid_interest,
       written_off_principal, written_off_interest, rescheduled
FROM loan_installments WHERE loan_id = $1 ORDER BY seq;

-- name: position-loans
-- Every loan signed on or before a date, of one fund or all ($2 NULL).
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at
FROM loans
WHERE signed_on <= $1 AND ($2::bigint IS NULL OR fund_id = $2) AND status <> 'cancelled'
ORDER BY id;

-- name: position-transactions
-- The book's transactions up to a date, loan by loan in the order a replay takes them.
SELECT t.id, t.loan_id, t.kind, t.value_date, t.amount, t.principal, t.interest, t.prepaid, t.reason
FROM loan_transactions t JOIN loans l ON l.id = t.loan_id
WHERE t.value_date <= $1 AND l.signed_on <= $1 AND ($2::bigint IS NULL OR l.fund_id = $2)
  AND t.reversed_by IS NULL AND t.kind <> 'reversal' -- the live ones
ORDER BY t.loan_id, t.value_date, t.id;

-- name: position-reschedules
SELECT r.id, r.loan_id, r.effective_on, r.new_maturity_on, r.new_frequency, r.new_interest_rate, r.reason, r.created_at
FROM loan_reschedules r JOIN loans l ON l.id = r.loan_id
WHERE r.effective_on <= $1 AND l.signed_on <= $1 AND ($2::bigint IS NULL OR l.fund_id = $2)
  AND r.reversed_at IS NULL
ORDER BY r.loan_id, r.effective_on, r.id;

-- name: insert-reversal
-- A reversal: value-dated at the original's date, its amount, linked to it.
INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal, reason, reverses)
VALUES ($1, 'reversal', $2, $3, $3, $4, $5)
RETURNING id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, created_at, reverses, reversed_by, reversed_at, overpaid;

-- name: mark-reversed
UPDATE loan_transactions SET reversed_by = $2, reversed_at = now() WHERE id = $1 AND reversed_by IS NULL
RETURNING id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, created_at, reverses, reversed_by, reversed_at, overpaid;

-- name: reverse-reschedule
UPDATE loan_reschedules SET reversed_at = now(), reversal_reason = $2 WHERE id = $1 AND reversed_at IS NULL
RETURNING id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at,
          reversed_at, reversal_reason;
