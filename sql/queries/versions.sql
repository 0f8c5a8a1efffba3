-- The versions of the data (migration 00040), for answers kept in memory
-- (internal/platform/db, versions.go).

-- name: data-version
-- The version of the scopes $1 (the tables an answer reads): their changes folded into
-- data_versions and those still in the log, in one snapshot; and how long the log is.
SELECT ((SELECT coalesce(sum(base), 0) FROM data_versions WHERE scope = ANY ($1::text[]))
        + (SELECT count(*) FROM data_changes WHERE scope = ANY ($1::text[])))::bigint AS version,
       (SELECT count(*) FROM data_changes) AS logged;

-- name: lock-data-versions
-- One fold at a time (two would lock data_versions' rows in either order).
SELECT pg_advisory_xact_lock(hashtext('data_versions'));

-- name: fold-data-changes
-- The changes logged so far, counted into their scopes' base: every version stays what
-- it was. Changes logged meanwhile, not yet committed, stay in the log.
WITH gone AS (DELETE FROM data_changes RETURNING scope)
INSERT INTO data_versions (scope, base)
SELECT scope, count(*) FROM gone GROUP BY scope
ON CONFLICT (scope) DO UPDATE SET base = data_versions.base + excluded.base;
