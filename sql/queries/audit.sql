-- name: insert-entry
INSERT INTO audit_log (actor_user_id, actor, via, action, entity, entity_id, before, after)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: list-entries
-- Newest first; every filter is optional (NULL or empty means any).
SELECT id, at, actor_user_id, actor, via, action, entity, entity_id, before, after
FROM audit_log
WHERE ($1::bigint IS NULL OR actor_user_id = $1)
  AND ($2 = '' OR entity = $2)
  AND ($3 = '' OR entity_id = $3)
  AND ($4::timestamptz IS NULL OR at >= $4)
  AND ($5::timestamptz IS NULL OR at < $5)
  AND ($6::bigint IS NULL OR id < $6)
ORDER BY id DESC
LIMIT $7;

-- name: insert-entries
-- A batch of entries by one actor, one array per column (an import's).
INSERT INTO audit_log (actor_user_id, actor, via, action, entity, entity_id, before, after)
SELECT $1, $2, $3, a, e, i, b::jsonb, af::jsonb
FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t (a, e, i, b, af);
