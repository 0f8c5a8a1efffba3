-- Covenants, their results per period, breaches and waivers (internal/compliance).

-- name: insert-covenant
INSERT INTO covenants (partner_id, loan_id, metric, operator, threshold, currency, valid_from, valid_to, frequency, cure_days, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
RETURNING id;

-- name: update-covenant
UPDATE covenants SET metric = $2, operator = $3, threshold = $4, currency = $5, valid_from = $6, valid_to = $7,
       frequency = $8, cure_days = $9, updated_at = $10
WHERE id = $1 AND ended_at IS NULL;

-- name: lock-covenant
-- Update and End lock the covenant (after its partner's reports, as a write of
-- reports does): two at once apply one after the other.
SELECT id FROM covenants WHERE id = $1 FOR UPDATE;

-- name: end-breaches
-- Ending a covenant closes its open breaches (withdrawn with it: nothing tests it any more).
UPDATE covenant_breaches SET withdrawn_at = $2
WHERE covenant_id = $1 AND closed_at IS NULL AND withdrawn_at IS NULL
RETURNING id;

-- name: lapse-waivers
-- The approved waivers of these breaches lapse ($1): the breach they waived was
-- withdrawn or reopened, or its covenant's terms changed.
UPDATE covenant_waivers SET lapsed_at = $2
WHERE breach_id = ANY ($1::bigint[]) AND decision = 'approved' AND lapsed_at IS NULL
RETURNING id, breach_id;

-- name: lapse-covenant-waivers
UPDATE covenant_waivers w SET lapsed_at = $2
FROM covenant_breaches b
WHERE b.id = w.breach_id AND b.covenant_id = $1 AND w.decision = 'approved' AND w.lapsed_at IS NULL
RETURNING w.id, w.breach_id;

-- name: end-covenant
UPDATE covenants SET ended_at = $2, updated_at = $2 WHERE id = $1 AND ended_at IS NULL;

-- name: get-covenant
SELECT c.id, c.partner_id, c.loan_id, coalesce(l.reference, '') AS loan_ref, p.name AS partner_name, c.metric,
       c.operator, c.threshold, coalesce(c.currency, '') AS currency, c.valid_from, c.valid_to, c.frequency,
       c.cure_days, c.created_at, c.updated_at, c.ended_at
FROM covenants c JOIN partners p ON p.id = c.partner_id LEFT JOIN loans l ON l.id = c.loan_id
WHERE c.id = $1;

-- name: list-covenants
-- A partner's covenants (with those of its loans) or one loan's: $1 partner, $2 loan (0: any).
SELECT c.id, c.partner_id, c.loan_id, coalesce(l.reference, '') AS loan_ref, p.name AS partner_name, c.metric,
       c.operator, c.threshold, coalesce(c.currency, '') AS currency, c.valid_from, c.valid_to, c.frequency,
       c.cure_days, c.created_at, c.updated_at, c.ended_at
FROM covenants c JOIN partners p ON p.id = c.partner_id LEFT JOIN loans l ON l.id = c.loan_id
WHERE ($1 = 0 OR c.partner_id = $1) AND ($2 = 0 OR c.loan_id = $2)
ORDER BY c.ended_at NULLS FIRST, c.id;

-- name: covenants-to-evaluate
-- The live covenants of these partners: partner-level ones and those of loans not
-- cancelled (a cancelled loan's covenants keep their history and are not tested).
-- Share-locked, read after the partners' reports were locked: an End or Update (which
-- take the same two locks in the same order) is waited for, and a covenant it ended
-- meanwhile is not returned (the row is read again once its lock is released).
SELECT c.id, c.partner_id, c.loan_id, coalesce(l.reference, '') AS loan_ref, p.name AS partner_name, c.metric,
       c.operator, c.threshold, coalesce(c.currency, '') AS currency, c.valid_from, c.valid_to, c.frequency,
       c.cure_days, c.created_at, c.updated_at, c.ended_at
FROM covenants c JOIN partners p ON p.id = c.partner_id LEFT JOIN loans l ON l.id = c.loan_id
WHERE c.partner_id = ANY ($1) AND c.ended_at IS NULL AND (l.id IS NULL OR l.status <> 'cancelled')
ORDER BY c.id
FOR SHARE OF c;

-- name: obligations
SELECT id, reporting_frequency, reporting_from, reporting_due_days
FROM partners WHERE id = ANY ($1) AND reporting_frequency IS NOT NULL;

-- name: loan-of
SELECT partner_id, status FROM loans WHERE id = $1;

-- name: lock-loan
-- A covenant is created on a loan under a share lock of the loan: a cancelling at
-- the same time waits, or is seen.
SELECT partner_id, status FROM loans WHERE id = $1 FOR SHARE;

-- name: partner-exists
SELECT EXISTS (SELECT 1 FROM partners WHERE id = $1);

-- name: store-results
-- Replace each covenant's results from its period on ($1, $2): periods no longer
-- tested go, the new ones are written; a result whose status and value did not change
-- keeps when it was found (a breach's cure deadline counts from it).
WITH new AS (
    SELECT * FROM unnest($3::bigint[], $4::date[], $5::text[], $6::numeric[], $7::numeric[], $8::text[])
        AS n (covenant_id, period_end, status, value, threshold, missing)
), gone AS (
    DELETE FROM covenant_results r
    USING unnest($1::bigint[], $2::date[]) AS f (covenant_id, from_end)
    WHERE r.covenant_id = f.covenant_id AND r.period_end >= f.from_end AND r.covenant_id = ANY ($1::bigint[])
      AND NOT EXISTS (SELECT 1 FROM new WHERE new.covenant_id = r.covenant_id AND new.period_end = r.period_end)
)
INSERT INTO covenant_results AS r (covenant_id, period_end, status, value, threshold, missing, found_at)
SELECT covenant_id, period_end, status, value, threshold, missing, $9 FROM new
ON CONFLICT (covenant_id, period_end) DO UPDATE
SET status = EXCLUDED.status, value = EXCLUDED.value, threshold = EXCLUDED.threshold, missing = EXCLUDED.missing,
    found_at = CASE WHEN r.status IS DISTINCT FROM EXCLUDED.status OR r.value IS DISTINCT FROM EXCLUDED.value
                    THEN EXCLUDED.found_at ELSE r.found_at END;

-- name: any-results-from
-- Whether any of these covenants has a result from its period on ($1, $2): when none
-- has (an import of new periods, the usual case), the results are inserted plainly.
SELECT EXISTS (
    SELECT 1 FROM covenant_results r JOIN unnest($1::bigint[], $2::date[]) AS f (covenant_id, from_end)
        ON r.covenant_id = f.covenant_id AND r.period_end >= f.from_end
);

-- name: insert-results
-- New results where none were stored (any-results-from said so): a plain insert, not
-- store-results' delete and upsert, which took a quarter of the evaluation's time in
-- the 10,000-row import.
INSERT INTO covenant_results (covenant_id, period_end, status, value, threshold, missing, found_at)
SELECT covenant_id, period_end, status, value, threshold, missing, $7
FROM unnest($1::bigint[], $2::date[], $3::text[], $4::numeric[], $5::numeric[], $6::text[])
    AS n (covenant_id, period_end, status, value, threshold, missing);

-- name: results-of-covenants
SELECT covenant_id, period_end, status, value, threshold, found_at, coalesce(breach_id, 0) AS breach_id
FROM covenant_results WHERE covenant_id = ANY ($1)
ORDER BY covenant_id, period_end;

-- name: breaches-of-covenants
SELECT id, covenant_id, period_end, value, threshold, found_at, cure_by, closed_by_period, closed_at, withdrawn_at, reopened,
       reopened_at
FROM covenant_breaches WHERE covenant_id = ANY ($1)
ORDER BY covenant_id, period_end;

-- name: insert-breaches
-- Not for an ended covenant (nothing tests it any more): the caller compares the rows
-- returned with those it sent.
INSERT INTO covenant_breaches (covenant_id, period_end, value, threshold, found_at, cure_by, closed_by_period, closed_at)
SELECT b.c, b.p, b.v, b.t, b.f, b.cb, b.cp, CASE WHEN b.cp IS NULL THEN NULL ELSE $8::timestamptz END
FROM unnest($1::bigint[], $2::date[], $3::numeric[], $4::numeric[], $5::timestamptz[], $6::date[], $7::date[])
    AS b (c, p, v, t, f, cb, cp)
JOIN covenants c ON c.id = b.c AND c.ended_at IS NULL
RETURNING id, covenant_id, period_end;

-- name: update-breaches
-- Each stored breach as now derived: open or closed by a period, withdrawn or not;
-- reopened_at is when its reopened count last went up.
-- Never a breach of an ended covenant (its ending withdrew the breach, and nothing
-- tests it any more): the caller compares the ids returned with those it sent.
UPDATE covenant_breaches b
SET value = u.v, threshold = u.t, found_at = u.f, cure_by = u.cb, closed_by_period = u.cp,
    closed_at = CASE WHEN u.cp IS NULL THEN NULL WHEN b.closed_by_period IS NOT DISTINCT FROM u.cp THEN b.closed_at ELSE $9::timestamptz END,
    withdrawn_at = CASE WHEN NOT u.w THEN NULL WHEN b.withdrawn_at IS NOT NULL THEN b.withdrawn_at ELSE $9::timestamptz END,
    reopened = u.n,
    reopened_at = CASE WHEN u.n > b.reopened THEN $9::timestamptz ELSE b.reopened_at END
FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], $4::timestamptz[], $5::date[], $6::date[], $7::bool[], $8::int[])
    AS u (id, v, t, f, cb, cp, w, n), covenants c
WHERE b.id = u.id AND c.id = b.covenant_id AND c.ended_at IS NULL
RETURNING b.id;

-- name: link-results
UPDATE covenant_results r SET breach_id = NULLIF(u.b, 0)
FROM unnest($1::bigint[], $2::date[], $3::bigint[]) AS u (c, p, b)
WHERE r.covenant_id = u.c AND r.period_end = u.p;

-- name: list-results
-- Results with the status shown: a breached period whose breach is waived today reads waived.
-- period_currency is the period's report's (empty: not reported), the currency an
-- amount's value and threshold were compared in (evaluate.go converts the threshold).
SELECT r.covenant_id, c.partner_id, p.name AS partner_name, c.loan_id, coalesce(l.reference, '') AS loan_ref, c.metric,
       c.operator, coalesce(c.currency, '') AS currency, coalesce(s.currency, '') AS period_currency, r.period_end,
       CASE WHEN r.status = 'breached' AND EXISTS (
           SELECT 1 FROM covenant_waivers w JOIN covenant_breaches b ON b.id = w.breach_id
           WHERE w.breach_id = r.breach_id AND w.decision = 'approved' AND w.lapsed_at IS NULL AND w.expires_on >= $1
             AND b.closed_at IS NULL AND b.withdrawn_at IS NULL AND l.status IS DISTINCT FROM 'cancelled') THEN 'waived' ELSE r.status END AS status,
       r.value, r.threshold, coalesce(r.missing, '') AS missing, r.found_at, coalesce(r.breach_id, 0) AS breach_id
FROM covenant_results r JOIN covenants c ON c.id = r.covenant_id JOIN partners p ON p.id = c.partner_id
LEFT JOIN loans l ON l.id = c.loan_id
LEFT JOIN financial_statements s ON s.partner_id = c.partner_id AND s.period_end = r.period_end
WHERE ($2 = 0 OR c.partner_id = $2) AND ($3::date IS NULL OR r.period_end >= $3) AND ($4::date IS NULL OR r.period_end <= $4)
ORDER BY p.name, c.partner_id, c.id, r.period_end
LIMIT 100001;

-- name: list-breaches
-- Breaches with their status as of $1: closed (or withdrawn, the covenant's ending
-- included, or of a cancelled loan's covenant), waived (an approved waiver not expired
-- nor lapsed), open otherwise. $2 partner (0: any), $3 one breach (0: any). The watch
-- list's open-breaches says the same.
SELECT b.id, b.covenant_id, c.partner_id, p.name AS partner_name, c.loan_id, coalesce(l.reference, '') AS loan_ref,
       c.metric, c.operator, coalesce(c.currency, '') AS currency, b.period_end, b.value, b.threshold, b.found_at,
       b.cure_by, b.closed_by_period, b.closed_at, b.withdrawn_at, b.reopened, b.reopened_at,
       CASE WHEN b.closed_at IS NOT NULL OR b.withdrawn_at IS NOT NULL OR l.status = 'cancelled' THEN 'closed'
            WHEN EXISTS (SELECT 1 FROM covenant_waivers w WHERE w.breach_id = b.id AND w.decision = 'approved'
                         AND w.lapsed_at IS NULL AND w.expires_on >= $1) THEN 'waived'
            ELSE 'open' END AS status
FROM covenant_breaches b JOIN covenants c ON c.id = b.covenant_id JOIN partners p ON p.id = c.partner_id
LEFT JOIN loans l ON l.id = c.loan_id
WHERE ($2 = 0 OR c.partner_id = $2) AND ($3 = 0 OR b.id = $3)
ORDER BY b.found_at DESC, b.id DESC;

-- The breaches page of every partner, 100 at a time, latest found first: the page's
-- breach ids by status, then their rows. Each status has its own query, so that each
-- plan walks covenant_breaches_found_idx (migration 00042) or reads the few breaches
-- not closed by a period: one query with the status as a parameter was planned
-- generically as a sort of every breach (25 ms on the large book's 19,000) and, costed
-- high, compiled by JIT (30 ms more). Statuses as list-breaches says them.

-- name: breach-ids-page
-- Every status: $1 rows after the first $2.
SELECT id FROM covenant_breaches ORDER BY found_at DESC, id DESC LIMIT $1 OFFSET $2;

-- name: breach-ids-page-live
-- Status $2 among the breaches no period closed and not withdrawn (open, waived, or
-- closed by their loan's cancelling), as of $1: $3 rows after the first $4.
SELECT b.id FROM covenant_breaches b
WHERE b.closed_at IS NULL AND b.withdrawn_at IS NULL AND $2 = CASE
    WHEN EXISTS (SELECT 1 FROM covenants c JOIN loans l ON l.id = c.loan_id WHERE c.id = b.covenant_id AND l.status = 'cancelled')
        THEN 'closed'
    WHEN EXISTS (SELECT 1 FROM covenant_waivers w WHERE w.breach_id = b.id AND w.decision = 'approved'
                 AND w.lapsed_at IS NULL AND w.expires_on >= $1) THEN 'waived'
    ELSE 'open' END
ORDER BY b.found_at DESC, b.id DESC LIMIT $3 OFFSET $4;

-- name: breach-ids-page-closed
-- Closed: by a period, withdrawn, or of a cancelled loan's covenant: $1 rows after the
-- first $2.
SELECT b.id FROM covenant_breaches b
WHERE b.closed_at IS NOT NULL OR b.withdrawn_at IS NOT NULL
   OR EXISTS (SELECT 1 FROM covenants c JOIN loans l ON l.id = c.loan_id WHERE c.id = b.covenant_id AND l.status = 'cancelled')
ORDER BY b.found_at DESC, b.id DESC LIMIT $1 OFFSET $2;

-- name: count-breaches
-- Every breach, and how many are open and waived as of $1 (the rest are closed).
SELECT (SELECT count(*) FROM covenant_breaches) AS every,
       count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status = 'waived') AS waived
FROM (SELECT CASE
          WHEN EXISTS (SELECT 1 FROM covenants c JOIN loans l ON l.id = c.loan_id WHERE c.id = b.covenant_id AND l.status = 'cancelled')
              THEN 'closed'
          WHEN EXISTS (SELECT 1 FROM covenant_waivers w WHERE w.breach_id = b.id AND w.decision = 'approved'
                       AND w.lapsed_at IS NULL AND w.expires_on >= $1) THEN 'waived'
          ELSE 'open' END AS status
      FROM covenant_breaches b WHERE b.closed_at IS NULL AND b.withdrawn_at IS NULL) live;

-- name: breaches-by-id
-- list-breaches' rows of the breaches $2, as of $1, in its order.
SELECT b.id, b.covenant_id, c.partner_id, p.name AS partner_name, c.loan_id, coalesce(l.reference, '') AS loan_ref,
       c.metric, c.operator, coalesce(c.currency, '') AS currency, b.period_end, b.value, b.threshold, b.found_at,
       b.cure_by, b.closed_by_period, b.closed_at, b.withdrawn_at, b.reopened,
       CASE WHEN b.closed_at IS NOT NULL OR b.withdrawn_at IS NOT NULL OR l.status = 'cancelled' THEN 'closed'
            WHEN EXISTS (SELECT 1 FROM covenant_waivers w WHERE w.breach_id = b.id AND w.decision = 'approved'
                         AND w.lapsed_at IS NULL AND w.expires_on >= $1) THEN 'waived'
            ELSE 'open' END AS status
FROM covenant_breaches b JOIN covenants c ON c.id = b.covenant_id JOIN partners p ON p.id = c.partner_id
LEFT JOIN loans l ON l.id = c.loan_id
WHERE b.id = ANY ($2::bigint[])
ORDER BY b.found_at DESC, b.id DESC;

-- name: waivers-of-breaches
SELECT w.id, w.breach_id, w.reason, w.expires_on, w.requested_by, coalesce(ru.email, '') AS requested_by_email,
       w.requested_at, coalesce(w.decision, '') AS decision, w.decided_by, coalesce(du.email, '') AS decided_by_email, w.decided_at,
       w.lapsed_at
FROM covenant_waivers w LEFT JOIN users ru ON ru.id = w.requested_by LEFT JOIN users du ON du.id = w.decided_by
WHERE w.breach_id = ANY ($1)
ORDER BY w.breach_id, w.requested_at, w.id;

-- name: lock-breach
SELECT id FROM covenant_breaches WHERE id = $1 FOR UPDATE;

-- name: insert-waiver
INSERT INTO covenant_waivers (breach_id, reason, expires_on, requested_by, requested_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id;

-- name: pending-waiver
SELECT id, requested_by FROM covenant_waivers WHERE breach_id = $1 AND decision IS NULL FOR UPDATE;

-- name: decide-waiver
UPDATE covenant_waivers SET decision = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND decision IS NULL;

-- name: sweep-waivers
-- Approved waivers that still hold their breach waived, of breaches not closed
-- (list-breaches' closed), that end within $2 days of $1 or have ended. Not a pending
-- or rejected one (decision NULL or 'rejected'), nor one lapsed (lapsed_at), nor one
-- superseded: another approved waiver of the breach, not lapsed, ends later (or the
-- same day, approved after it), so the breach stays waived past this one's end, as
-- list-breaches says, and its end announces nothing.
SELECT w.id, w.breach_id, w.expires_on, c.partner_id, p.name AS partner_name, c.metric, b.period_end
FROM covenant_waivers w JOIN covenant_breaches b ON b.id = w.breach_id JOIN covenants c ON c.id = b.covenant_id
JOIN partners p ON p.id = c.partner_id LEFT JOIN loans l ON l.id = c.loan_id
WHERE w.decision = 'approved' AND w.lapsed_at IS NULL AND b.closed_at IS NULL AND b.withdrawn_at IS NULL
  AND l.status IS DISTINCT FROM 'cancelled' AND w.expires_on <= $1::date + $2::int
  AND NOT EXISTS (SELECT 1 FROM covenant_waivers n
                  WHERE n.breach_id = w.breach_id AND n.decision = 'approved' AND n.lapsed_at IS NULL
                    AND (n.expires_on > w.expires_on OR (n.expires_on = w.expires_on AND n.id > w.id)))
ORDER BY w.id;

-- name: sweep-partners
-- Partners with a reporting obligation and live covenants, with the period ends reported.
SELECT p.id, p.reporting_frequency, p.reporting_from, p.reporting_due_days,
       coalesce((SELECT array_agg(s.period_end ORDER BY s.period_end) FROM financial_statements s WHERE s.partner_id = p.id), '{}') AS reported
FROM partners p
WHERE p.reporting_frequency IS NOT NULL AND EXISTS (SELECT 1 FROM covenants c WHERE c.partner_id = p.id AND c.ended_at IS NULL);

-- name: covenant-periods
-- The period ends of a partner's results, latest first: the grid's columns.
SELECT DISTINCT r.period_end FROM covenant_results r JOIN covenants c ON c.id = r.covenant_id
WHERE c.partner_id = $1 ORDER BY r.period_end DESC LIMIT $2;

-- name: load-covenants
-- Covenants in bulk (a synthetic book's), already checked: one statement for
-- thousands; valid_to NULL where open-ended. Each stored row comes back whole, for its
-- audit entry: PostgreSQL does not promise RETURNING's order to follow the SELECT's.
INSERT INTO covenants (partner_id, loan_id, metric, operator, threshold, valid_from, valid_to, frequency, cure_days, created_at, updated_at)
SELECT partner_id, NULLIF(loan_id, 0), metric, operator, threshold, valid_from, valid_to, frequency, cure_days, $10, $10
FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::numeric[], $6::date[], $7::date[], $8::text[], $9::int[])
    WITH ORDINALITY AS n (partner_id, loan_id, metric, operator, threshold, valid_from, valid_to, frequency, cure_days, ord)
ORDER BY ord
RETURNING id, partner_id, coalesce(loan_id, 0) AS loan_id, metric, operator, threshold::text AS threshold,
    to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to, frequency, cure_days;

-- name: load-covenant-loans
-- The loan-level covenants of a bulk load ($1 partners, $2 loans; 0: on the partner)
-- whose loan is missing, another partner's or cancelled, by their place in the load
-- (1 first). Each loan is share-locked, as Create locks it: in the load's
-- transaction, a cancelling at the same time waits for it, or is seen here. (The
-- lateral subquery locks: FOR SHARE may not name the nullable side of an outer join.)
SELECT n.ord, n.loan_id, coalesce(l.partner_id, 0) AS loan_partner_id, coalesce(l.status, '') AS status
FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS n (partner_id, loan_id, ord)
LEFT JOIN LATERAL (SELECT partner_id, status FROM loans WHERE id = n.loan_id FOR SHARE) l ON true
WHERE n.loan_id <> 0 AND (l.partner_id IS NULL OR l.partner_id <> n.partner_id OR l.status = 'cancelled')
ORDER BY n.ord;

-- name: stale-rate-partners
-- Partners whose live covenants have results not testable for a missing exchange rate
-- ($1: the message's start), with the earliest such period: the sweep evaluates them
-- again from there, so a rate stored since is used.
SELECT c.partner_id AS id, min(r.period_end) AS period_end
FROM covenant_results r JOIN covenants c ON c.id = r.covenant_id LEFT JOIN loans l ON l.id = c.loan_id
WHERE r.status = 'not_testable' AND r.missing LIKE $1 || '%' AND c.ended_at IS NULL
  AND l.status IS DISTINCT FROM 'cancelled'
GROUP BY c.partner_id;
