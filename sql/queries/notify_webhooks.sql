-- name: insert-webhook
INSERT INTO webhooks (url, secret, events, created_by, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, url, events, created_by, created_at, deleted_at;

-- name: list-webhooks
-- Every webhook, live first; never the secret.
SELECT id, url, events, created_by, created_at, deleted_at
FROM webhooks ORDER BY deleted_at IS NOT NULL, id;

-- name: get-webhook
SELECT id, url, events, created_by, created_at, deleted_at FROM webhooks WHERE id = $1;

-- name: delete-webhook
-- Deleted, not removed (its deliveries' log stays); its pending deliveries end.
WITH gone AS (
    UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL
    RETURNING id, url, events, created_by, created_at, deleted_at
), stopped AS (
    UPDATE webhook_deliveries d SET given_up_at = $2, last_error = 'the webhook was deleted'
    FROM gone WHERE d.webhook_id = gone.id AND d.delivered_at IS NULL AND d.given_up_at IS NULL
)
SELECT * FROM gone;

-- name: list-deliveries
-- A webhook's deliveries, newest event first, with each one's attempts as JSON.
SELECT d.id, d.webhook_id, d.event_id, e.kind, e.created_at AS event_created_at, d.attempts, d.next_at,
       d.delivered_at, d.given_up_at, d.last_status, d.last_error,
       COALESCE((SELECT json_agg(json_build_object('at', a.at, 'status', a.status, 'error', a.error,
                                                   'duration_ms', a.duration_ms) ORDER BY a.id)
                 FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]')::text AS attempts_log
FROM webhook_deliveries d JOIN notification_events e ON e.id = d.event_id
WHERE d.webhook_id = $1 AND ($2::bigint = 0 OR d.id < $2)
ORDER BY d.id DESC LIMIT $3;

-- name: resend-delivery
-- A new series of attempts, due now, retried for 24 hours from now. A deleted
-- webhook's deliveries are not sent again.
UPDATE webhook_deliveries d
SET attempts = 0, next_at = $2, retry_from = $2, delivered_at = NULL, given_up_at = NULL
FROM webhooks w
WHERE d.id = $1 AND w.id = d.webhook_id AND w.deleted_at IS NULL
RETURNING d.id, d.webhook_id, d.event_id;

-- name: delivery-webhook
SELECT webhook_id FROM webhook_deliveries WHERE id = $1;

-- name: claim-deliveries
-- Takes up to $2 due deliveries, skipping rows another server has locked, and leases
-- them: next_at moves to $3, so a worker that dies mid-delivery leaves them due again
-- once the lease ends. The lock lasts this statement only; no transaction stays open
-- over the HTTP calls. attempts counts this attempt already (a crash counts too).
WITH due AS (
    SELECT d.id FROM webhook_deliveries d
    WHERE d.delivered_at IS NULL AND d.given_up_at IS NULL AND d.next_at <= $1
    ORDER BY d.next_at, d.id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE webhook_deliveries d SET next_at = $3, attempts = d.attempts + 1
FROM due, webhooks w, notification_events e
WHERE d.id = due.id AND w.id = d.webhook_id AND e.id = d.event_id
RETURNING d.id, d.attempts, COALESCE(d.retry_from, e.created_at) AS series_from,
          w.url, w.secret, w.deleted_at IS NOT NULL AS webhook_deleted,
          e.id AS event_id, e.kind, e.created_at, COALESCE(e.partner_id, 0) AS partner_id, e.payload::text AS payload;

-- name: record-attempt
-- One attempt's outcome: logged, and the delivery delivered ($6), given up ($7) or due
-- again at $8. Only the claim that made the attempt updates the delivery (the same
-- attempts count): a claim whose lease ran out and was taken again is only logged.
WITH logged AS (
    INSERT INTO webhook_attempts (delivery_id, at, status, error, duration_ms)
    VALUES ($1, $3, $4, $5, $9)
)
UPDATE webhook_deliveries
SET last_status = $4, last_error = $5,
    delivered_at = CASE WHEN $6 THEN $3::timestamptz END,
    given_up_at = CASE WHEN $7 THEN $3::timestamptz END,
    next_at = CASE WHEN $6 OR $7 THEN next_at ELSE $8 END
WHERE id = $1 AND attempts = $2 AND delivered_at IS NULL AND given_up_at IS NULL;
