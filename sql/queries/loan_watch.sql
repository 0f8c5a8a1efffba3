-- The loans to watch: what has fallen due and is unpaid, and what falls due soon.
-- Installments are rewritten by every event, so their paid amounts are those of every
-- event recorded; the predicate repeats the partial index's, which the planner needs.

-- name: overdue-loans
-- Active loans with installments due before $1 and unpaid: the oldest first, at most $2,
-- with how many there are in all.
SELECT l.id AS loan_id, l.partner_id, l.reference, l.currency,
       min(i.due_on) AS oldest_due_on,
       sum(i.principal - i.paid_principal - i.written_off_principal) AS principal_due,
       sum(i.interest - i.paid_interest - i.written_off_interest) AS interest_due,
       count(*) OVER () AS total
FROM loan_installments i JOIN loans l ON l.id = i.loan_id
WHERE i.due_on < $1 AND l.status = 'active'
  AND (i.paid_principal + i.written_off_principal < i.principal OR i.paid_interest + i.written_off_interest < i.interest)
GROUP BY l.id
ORDER BY min(i.due_on), l.id
LIMIT $2;

-- name: due-between
-- Unpaid installments of active loans due from $1 to $2, soonest first, at most $3.
SELECT l.id AS loan_id, l.partner_id, l.reference, l.currency, i.due_on,
       i.principal - i.paid_principal - i.written_off_principal AS principal_due,
       i.interest - i.paid_interest - i.written_off_interest AS interest_due,
       count(*) OVER () AS total
FROM loan_installments i JOIN loans l ON l.id = i.loan_id
WHERE i.due_on BETWEEN $1 AND $2 AND l.status = 'active'
  AND (i.paid_principal + i.written_off_principal < i.principal OR i.paid_interest + i.written_off_interest < i.interest)
ORDER BY i.due_on, l.id, i.seq
LIMIT $3;
