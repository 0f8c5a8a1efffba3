-- The loans list across all partners (ledger/list.go). Each request's query is one of
-- these templates with its own filters and sort put in the {{…}} marks, from fixed
-- fragments whose values are all parameters: PostgreSQL plans it with the values (a
-- prepared statement's generic plan cannot tell a filter that is off from one that is
-- on, and read all 50,000 loans in the wrong order). Both are prepared once at
-- start-up with every filter on, so that a broken template stops the boot.
-- The figures are those the last write to each loan stored: nothing is replayed.

-- name: list-loans
-- A page: the loans after the cursor in the sort's order (an index's, read backward
-- for descending), one more than the page to know whether there is a next.
SELECT l.id, l.fund_id, l.partner_id, l.reference, l.currency, l.committed_amount, l.interest_rate, l.day_count,
       l.signed_on, l.first_due_on, l.maturity_on, l.amortization, l.frequency, l.grace_periods, l.purpose,
       l.status, l.created_at, l.updated_at, l.restructured_on, l.disbursed, l.outstanding,
       l.allocation_order, l.default_margin, l.prepayment_fee,
       coalesce(l.current_maturity_on, l.maturity_on) AS current_maturity_on, p.name AS partner_name, f.name AS fund_name,
       {{keys}}
FROM loans l
JOIN partners p ON p.id = l.partner_id
JOIN funds f ON f.id = l.fund_id
WHERE {{filters}} AND {{after}}
ORDER BY {{order}}
LIMIT {{limit}};

-- name: count-loans
-- How many loans the filters match, on every page.
SELECT count(*) FROM loans l WHERE {{filters}};

-- name: search-loans
-- The loans whose reference or partner's name holds $1, in any letter case: one pass
-- over the references, the partners' names matched apart (2,000 of them, not 50,000).
SELECT l.id FROM loans l
WHERE strpos(lower(l.reference), lower($1)) > 0
   OR l.partner_id IN (SELECT id FROM partners WHERE strpos(lower(name), lower($1)) > 0);
