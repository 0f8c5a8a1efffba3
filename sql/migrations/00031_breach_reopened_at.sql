-- +goose Up
-- When a breach was last opened again (reopened counts the times): a waiver requested
-- before then was asked about another situation, and is not approved (it may still be
-- rejected). Breaches reopened before this migration take the time the audit log
-- recorded for their last reopening (the entry whose reopened count went up to the
-- breach's); without such an entry it stays unknown (NULL).
ALTER TABLE covenant_breaches ADD COLUMN reopened_at TIMESTAMPTZ,
    ADD CONSTRAINT covenant_breaches_reopened_at CHECK (reopened_at IS NULL OR reopened > 0);

UPDATE covenant_breaches b SET reopened_at = r.at
FROM (SELECT a.entity_id, (a.after->>'reopened')::int AS n, min(a.at) AS at
      FROM audit_log a
      WHERE a.entity = 'covenant_breach' AND a.action = 'update'
        AND (a.after->>'reopened')::int > coalesce((a.before->>'reopened')::int, 0)
      GROUP BY a.entity_id, (a.after->>'reopened')::int) r
WHERE b.reopened > 0 AND r.entity_id = b.id::text AND r.n = b.reopened;

-- +goose Down
ALTER TABLE covenant_breaches DROP CONSTRAINT covenant_breaches_reopened_at, DROP COLUMN reopened_at;
