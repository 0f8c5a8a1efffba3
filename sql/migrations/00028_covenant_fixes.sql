-- +goose Up
-- A waiver applies to the breach as it was when approved: when the breach is withdrawn
-- or reopened, or its covenant's terms change, its approved waivers lapse (lapsed_at)
-- and no longer make it waived.
ALTER TABLE covenant_waivers ADD COLUMN lapsed_at TIMESTAMPTZ,
    ADD CONSTRAINT covenant_waivers_lapsed_approved CHECK (lapsed_at IS NULL OR decision = 'approved');

-- Ending a covenant now closes its open breaches (withdrawn with it): those of
-- covenants ended before are closed likewise.
UPDATE covenant_breaches b SET withdrawn_at = c.ended_at
FROM covenants c
WHERE c.id = b.covenant_id AND c.ended_at IS NOT NULL AND b.closed_at IS NULL AND b.withdrawn_at IS NULL;

-- +goose Down
ALTER TABLE covenant_waivers DROP CONSTRAINT covenant_waivers_lapsed_approved, DROP COLUMN lapsed_at;
