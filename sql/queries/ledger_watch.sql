-- The loans to watch: what has fallen due and is unpaid, and what falls due soon.
-- Installments are rewritten by every event, so their paid amounts are those of every
-- event recorded. Only active loans have unpaid installments (a repaid or written-off
-- loan's are settled, a rescheduled one's replaced), so no status filter is needed.

-- name: overdue-loans
-- Loans with installments due before $1 and unpaid: the oldest first, at most $2,
-- with how many there are in all. Both from the loans' oldest unpaid installment
-- (loans.oldest_unpaid_due_on, the minimum of their installments' unpaid_due_on, which
-- every write stores; loans_oldest_unpaid_idx, migration 00041); only the loans listed
-- have their amounts summed.
WITH late AS (
    SELECT l.id AS loan_id, l.oldest_unpaid_due_on AS oldest_due_on
    FROM loans l
    WHERE l.oldest_unpaid_due_on < $1
    ORDER BY l.oldest_unpaid_due_on, l.id
    LIMIT $2
)
SELECT l.id AS loan_id, l.partner_id, l.reference, l.currency, late.oldest_due_on,
       (SELECT count(*) FROM loans WHERE oldest_unpaid_due_on < $1) AS total,
       owed.principal_due, owed.interest_due
FROM late
JOIN loans l ON l.id = late.loan_id
CROSS JOIN LATERAL (
    SELECT sum(i.principal - i.paid_principal - i.written_off_principal) AS principal_due,
           sum(i.interest - i.paid_interest - i.written_off_interest) AS interest_due
    FROM loan_installments i
    WHERE i.loan_id = late.loan_id AND i.unpaid_due_on < $1
) owed
ORDER BY late.oldest_due_on, l.id;

-- name: due-between
-- Unpaid installments due from $1 to $2, soonest first, at most $3.
SELECT l.id AS loan_id, l.partner_id, l.reference, l.currency, i.due_on,
       i.principal - i.paid_principal - i.written_off_principal AS principal_due,
       i.interest - i.paid_interest - i.written_off_interest AS interest_due
FROM loan_installments i JOIN loans l ON l.id = i.loan_id
WHERE i.unpaid_due_on BETWEEN $1 AND $2
ORDER BY i.unpaid_due_on, i.loan_id, i.seq
LIMIT $3;

-- name: count-due-between
-- How many installments due-between would list without its limit: from the index alone.
SELECT count(*) FROM loan_installments WHERE unpaid_due_on BETWEEN $1 AND $2;
