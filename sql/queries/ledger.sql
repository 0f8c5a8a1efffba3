-- name: insert-loan
INSERT INTO loans (fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count,
                   signed_on, first_due_on, maturity_on, amortization, frequency, grace_periods, purpose,
                   allocation_order, default_margin, prepayment_fee)
VALUES (:fund_id, :partner_id, :reference, :currency, :committed_amount, :interest_rate, :day_count,
        :signed_on, :first_due_on, :maturity_on, :amortization, :frequency, :grace_periods, :purpose,
        :allocation_order, :default_margin, :prepayment_fee)
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at,
       allocation_order, default_margin, prepayment_fee;

-- name: get-loan
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at,
       allocation_order, default_margin, prepayment_fee, restructured_on,
       -- The fund's cure of restructured loans: the engine's rule reads it with the terms.
       (SELECT f.restructured_cure_installments FROM funds f WHERE f.id = loans.fund_id) AS restructured_cure
FROM loans WHERE id = $1;

-- name: get-loan-for-update
SELECT id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at,
       allocation_order, default_margin, prepayment_fee, restructured_on,
       (SELECT f.restructured_cure_installments FROM funds f WHERE f.id = loans.fund_id) AS restructured_cure
FROM loans WHERE id = $1 FOR UPDATE;

-- name: update-loan-figures
-- What the last write's replay found, for lists: principal disbursed and outstanding
-- over every recorded transaction, the maturity as rescheduled (NULL: the terms'), and
-- the oldest installment of the schedule just stored that is unpaid (NULL: none), read
-- from the schedule's own rule (unpaid_due_on) so that the two cannot differ.
UPDATE loans SET disbursed = $2, outstanding = $3, current_maturity_on = $4,
    oldest_unpaid_due_on = (SELECT min(unpaid_due_on) FROM loan_installments WHERE loan_id = $1)
WHERE id = $1;

-- name: update-loans-unpaid
-- The same for loans loaded in bulk, whose schedules were copied: ids from $1 to $2.
UPDATE loans l SET oldest_unpaid_due_on = u.due_on
FROM (SELECT loan_id, min(unpaid_due_on) AS due_on FROM loan_installments
      WHERE loan_id BETWEEN $1 AND $2 AND unpaid_due_on IS NOT NULL GROUP BY loan_id) u
WHERE l.id = u.loan_id;

-- name: update-loan-description
UPDATE loans SET reference = $2, purpose = $3, updated_at = now() WHERE id = $1
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at,
       allocation_order, default_margin, prepayment_fee, restructured_on;

-- name: update-loan-terms
-- Until the first disbursement (the ledger checks under the row lock), every term.
UPDATE loans SET currency = $2, committed_amount = $3, interest_rate = $4, day_count = $5, signed_on = $6,
    first_due_on = $7, maturity_on = $8, amortization = $9, frequency = $10, grace_periods = $11,
    allocation_order = $12, default_margin = $13, prepayment_fee = $14, updated_at = now()
WHERE id = $1
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at,
       allocation_order, default_margin, prepayment_fee, restructured_on;

-- name: cancel-loan
UPDATE loans SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, updated_at = now() WHERE id = $1
RETURNING id, fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on,
          first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at,
       allocation_order, default_margin, prepayment_fee, restructured_on;

-- name: update-loan-restructured
UPDATE loans SET restructured_on = $2 WHERE id = $1;

-- name: update-loan-status
UPDATE loans SET status = $2, updated_at = now() WHERE id = $1;

-- name: list-transactions
-- Not created_at: parsing 500 timestamps was a tenth of BenchmarkGetLoan500.
-- Reversed transactions and reversals too: the loan's whole history.
SELECT id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, reverses, reversed_by, reversed_at, overpaid,
       late_interest, fee
FROM loan_transactions WHERE loan_id = $1 ORDER BY value_date, id;

-- name: list-reschedules
SELECT id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at, kind, amount,
       reversed_at, reversal_reason
FROM loan_reschedules WHERE loan_id = $1 ORDER BY effective_on, id;

-- name: insert-transaction
-- The allocation is provisional (all principal) until the replay in the same
-- transaction sets it.
INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal, reason)
VALUES ($1, $2, $3, $4, $4, $5)
RETURNING id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, created_at, reverses, reversed_by, reversed_at, overpaid,
          late_interest, fee;

-- name: insert-reschedule
INSERT INTO loan_reschedules (loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, kind, amount)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at, kind, amount,
          reversed_at, reversal_reason;

-- name: update-derived
-- Allocations and running totals of a loan's transactions, in one statement; only the
-- rows whose values changed are written (a new event changes its own row, a back-dated
-- one also those after it).
UPDATE loan_transactions t
SET principal = u.principal, interest = u.interest, prepaid = u.prepaid, overpaid = u.overpaid,
    cum_disbursed = u.cd, cum_principal_repaid = u.cp, cum_interest_paid = u.ci, cum_written_off = u.cw,
    late_interest = u.late_interest, fee = u.fee
FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[],
            $9::numeric[], $10::numeric[], $11::numeric[])
     AS u(id, principal, interest, prepaid, cd, cp, ci, cw, overpaid, late_interest, fee)
WHERE t.id = u.id
  AND (t.principal, t.interest, t.prepaid, t.overpaid, t.cum_disbursed, t.cum_principal_repaid, t.cum_interest_paid, t.cum_written_off,
       t.late_interest, t.fee)
      IS DISTINCT FROM (u.principal, u.interest, u.prepaid, u.overpaid, u.cd, u.cp, u.ci, u.cw, u.late_interest, u.fee);

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
       first_due_on, maturity_on, amortization, frequency, grace_periods, purpose, status, created_at, updated_at,
       allocation_order, default_margin, prepayment_fee,
       (SELECT f.restructured_cure_installments FROM funds f WHERE f.id = loans.fund_id) AS restructured_cure
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
SELECT r.id, r.loan_id, r.effective_on, r.new_maturity_on, r.new_frequency, r.new_interest_rate, r.reason, r.created_at, r.kind, r.amount
FROM loan_reschedules r JOIN loans l ON l.id = r.loan_id
WHERE r.effective_on <= $1 AND l.signed_on <= $1 AND ($2::bigint IS NULL OR l.fund_id = $2)
  AND r.reversed_at IS NULL
ORDER BY r.loan_id, r.effective_on, r.id;

-- name: insert-reversal
-- A reversal: value-dated at the original's date, its amount, linked to it.
INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal, reason, reverses)
VALUES ($1, 'reversal', $2, $3, $3, $4, $5)
RETURNING id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, created_at, reverses, reversed_by, reversed_at, overpaid,
          late_interest, fee;

-- name: mark-reversed
UPDATE loan_transactions SET reversed_by = $2, reversed_at = now() WHERE id = $1 AND reversed_by IS NULL
RETURNING id, loan_id, kind, value_date, amount, principal, interest, prepaid, reason, created_at, reverses, reversed_by, reversed_at, overpaid,
          late_interest, fee;

-- name: reverse-reschedule
UPDATE loan_reschedules SET reversed_at = now(), reversal_reason = $2 WHERE id = $1 AND reversed_at IS NULL
RETURNING id, loan_id, effective_on, new_maturity_on, new_frequency, new_interest_rate, reason, created_at, kind, amount,
          reversed_at, reversal_reason;
