-- name: emit-events
-- New events (a key already stored is skipped: each event once), and a delivery for
-- every live webhook that takes its kind, in one statement.
WITH new AS (
    INSERT INTO notification_events (kind, idem_key, partner_id, payload, created_at)
    SELECT k, key, NULLIF(p, 0), pl::jsonb, $5
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS e (k, key, p, pl)
    ON CONFLICT (idem_key) DO NOTHING
    RETURNING id, kind
), fan AS (
    INSERT INTO webhook_deliveries (webhook_id, event_id, next_at)
    SELECT w.id, new.id, $5 FROM new JOIN webhooks w ON new.kind = ANY (w.events) AND w.deleted_at IS NULL
)
SELECT count(*) FROM new;
