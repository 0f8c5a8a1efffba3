-- name: list-notifications
-- Newest first, read or not for user $1; filters by kind ($2, '' for any), partner ($3,
-- 0 for any), unread only ($4), and the cursor: ids below $5 (0 for the first page).
SELECT e.id, e.kind, COALESCE(e.partner_id, 0) AS partner_id, COALESCE(p.name, '') AS partner_name,
       e.payload::text AS payload, e.created_at, r.user_id IS NOT NULL AS read
FROM notification_events e
LEFT JOIN partners p ON p.id = e.partner_id
LEFT JOIN notification_reads r ON r.event_id = e.id AND r.user_id = $1
WHERE ($2 = '' OR e.kind = $2) AND ($3::bigint = 0 OR e.partner_id = $3)
  AND (NOT $4::boolean OR r.user_id IS NULL) AND ($5::bigint = 0 OR e.id < $5)
ORDER BY e.id DESC
LIMIT $6;

-- name: mark-read
-- true when the event exists (read now or before).
WITH ev AS (SELECT id FROM notification_events WHERE id = $2), ins AS (
    INSERT INTO notification_reads (user_id, event_id, read_at)
    SELECT $1, id, $3 FROM ev
    ON CONFLICT DO NOTHING
)
SELECT count(*) > 0 FROM ev;

-- name: mark-all-read
WITH ins AS (
    INSERT INTO notification_reads (user_id, event_id, read_at)
    SELECT $1, e.id, $2 FROM notification_events e
    WHERE NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = $1 AND r.event_id = e.id)
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM ins;

-- name: count-unread
-- For the menu's badge on every page: counts at most $2 (the badge says "99+"), so
-- its cost stays bounded however many events there are.
SELECT count(*) FROM (
    SELECT 1 FROM notification_events e
    WHERE NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = $1 AND r.event_id = e.id)
    ORDER BY e.id DESC LIMIT $2
) u;
