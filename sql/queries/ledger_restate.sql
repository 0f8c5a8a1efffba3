-- name: get-rules
SELECT value FROM app_meta WHERE key = 'ledger_rules';

-- name: set-rules
INSERT INTO app_meta (key, value) VALUES ('ledger_rules', $1)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;

-- name: loan-ids
SELECT id FROM loans ORDER BY id;

-- name: insert-restatements
INSERT INTO loan_restatements (rules, loan_id, field, before, after)
SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[]);

-- name: list-restatements
SELECT r.rules, r.loan_id, l.reference, r.field, r.before, r.after, r.restated_at
FROM loan_restatements r JOIN loans l ON l.id = r.loan_id
ORDER BY r.id;
