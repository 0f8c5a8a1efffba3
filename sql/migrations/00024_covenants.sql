-- +goose Up
-- Covenants, their results per period, breaches and waivers, reporting obligations,
-- and the notifications outbox with its webhooks (issue 18).

-- A covenant on a loan, or on a partner (then on all its loans). metric is a ratio or
-- raw figure name (internal/covenant.Metrics); threshold is exact; a Money metric's
-- threshold carries its currency. Ended (ended_at) rather than deleted: its history
-- stays.
CREATE TABLE covenants (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  BIGINT NOT NULL REFERENCES partners (id),
    loan_id     BIGINT REFERENCES loans (id),
    metric      TEXT NOT NULL CHECK (metric ~ '^[a-z0-9_]+$'),
    operator    TEXT NOT NULL CHECK (operator IN ('<=', '>=', '<', '>')),
    threshold   NUMERIC(28,10) NOT NULL,
    currency    CHAR(3) CHECK (currency ~ '^[A-Z]{3}$'),
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    frequency   TEXT NOT NULL CHECK (frequency IN ('each_report', 'quarterly', 'semiannual', 'annual')),
    cure_days   INTEGER NOT NULL DEFAULT 0 CHECK (cure_days BETWEEN 0 AND 3650),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at    TIMESTAMPTZ,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX covenants_partner_idx ON covenants (partner_id) WHERE ended_at IS NULL;
CREATE INDEX covenants_loan_idx ON covenants (loan_id) WHERE loan_id IS NOT NULL;

-- One result per covenant and tested period, replaced when the period (or one whose
-- averages it feeds) is written again.
CREATE TABLE covenant_results (
    covenant_id BIGINT NOT NULL REFERENCES covenants (id),
    period_end  DATE NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('met', 'breached', 'waived', 'not_testable')),
    -- Any value the ratio engine computes (a debt to equity of 5e18 is one): a report is
    -- never refused because a covenant tests it.
    value       NUMERIC,
    threshold   NUMERIC NOT NULL, -- in the period's currency, as compared
    missing     TEXT,
    found_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (covenant_id, period_end),
    CHECK ((status = 'not_testable') = (value IS NULL)),
    CHECK ((status = 'not_testable') = (missing IS NOT NULL))
);

-- A breach: opened by a breached period, closed by the next met one (covenant.Track).
CREATE TABLE covenant_breaches (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    covenant_id     BIGINT NOT NULL REFERENCES covenants (id),
    period_end      DATE NOT NULL,
    value           NUMERIC NOT NULL,
    threshold       NUMERIC NOT NULL,
    found_at        TIMESTAMPTZ NOT NULL,
    cure_by         DATE NOT NULL,
    closed_by_period DATE,
    closed_at       TIMESTAMPTZ,
    -- A correction showed the opening period met after all: no longer a breach; kept
    -- with its waivers and history, and reopened if another correction breaches again.
    withdrawn_at    TIMESTAMPTZ,
    UNIQUE (covenant_id, period_end),
    CHECK ((closed_by_period IS NULL) = (closed_at IS NULL)),
    CHECK (withdrawn_at IS NULL OR closed_at IS NULL),
    CHECK (closed_by_period IS NULL OR closed_by_period > period_end)
);
CREATE INDEX covenant_breaches_open_idx ON covenant_breaches (covenant_id) WHERE closed_at IS NULL AND withdrawn_at IS NULL;

-- Which breach a breached period belongs to (the periods from its opening to its
-- closing): a waiver of the breach shows them as waived.
ALTER TABLE covenant_results ADD COLUMN breach_id BIGINT REFERENCES covenant_breaches (id);
CREATE INDEX covenant_results_breach_idx ON covenant_results (breach_id) WHERE breach_id IS NOT NULL;

-- Waivers, with four eyes: requested by one person, decided by another (an admin).
CREATE TABLE covenant_waivers (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    breach_id    BIGINT NOT NULL REFERENCES covenant_breaches (id),
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    expires_on   DATE NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    decision     TEXT CHECK (decision IN ('approved', 'rejected')),
    decided_by   BIGINT REFERENCES users (id),
    decided_at   TIMESTAMPTZ,
    CHECK ((decision IS NULL) = (decided_by IS NULL) AND (decision IS NULL) = (decided_at IS NULL)),
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
-- At most one waiver pending per breach.
CREATE UNIQUE INDEX covenant_waivers_pending_key ON covenant_waivers (breach_id) WHERE decision IS NULL;

-- Reporting obligations: how often a partner reports, from when, and the days after a
-- period end its figures are due (NULL: 45 for quarters and half-years, 120 for years).
ALTER TABLE partners
    ADD COLUMN reporting_frequency TEXT CHECK (reporting_frequency IN ('quarterly', 'semiannual', 'annual')),
    ADD COLUMN reporting_from DATE,
    ADD COLUMN reporting_due_days INTEGER CHECK (reporting_due_days BETWEEN 1 AND 365),
    ADD CONSTRAINT partners_reporting_complete CHECK ((reporting_frequency IS NULL) = (reporting_from IS NULL));

-- Notifications: an outbox written in the transaction that causes each event, once
-- (the idempotency key), delivered to webhooks with row locks that skip what another
-- server holds.
CREATE TABLE notification_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('breach', 'cure', 'uncured', 'waiver_requested', 'waiver_approved',
                                              'waiver_rejected', 'waiver_expiring', 'waiver_expired',
                                              'report_overdue', 'loan_past_due_30')),
    idem_key    TEXT NOT NULL UNIQUE,
    partner_id  BIGINT REFERENCES partners (id),
    payload     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE webhooks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         TEXT NOT NULL CHECK (url ~ '^https?://'),
    secret      TEXT NOT NULL CHECK (length(secret) >= 16),
    events      TEXT[] NOT NULL CHECK (cardinality(events) > 0 AND events <@ ARRAY[
                    'breach', 'cure', 'uncured', 'waiver_requested', 'waiver_approved', 'waiver_rejected',
                    'waiver_expiring', 'waiver_expired', 'report_overdue', 'loan_past_due_30']),
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at  TIMESTAMPTZ
);
CREATE TABLE webhook_deliveries (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id    BIGINT NOT NULL REFERENCES webhooks (id),
    event_id      BIGINT NOT NULL REFERENCES notification_events (id),
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at  TIMESTAMPTZ,
    given_up_at   TIMESTAMPTZ,
    last_status   INTEGER,
    last_error    TEXT,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;
-- Every attempt of a delivery: the log an admin reads (status code or error).
CREATE TABLE webhook_attempts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    at           TIMESTAMPTZ NOT NULL,
    status       INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL CHECK (duration_ms >= 0),
    CHECK ((status IS NULL) <> (error IS NULL) OR status IS NOT NULL)
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id);
CREATE INDEX notification_events_created_idx ON notification_events (created_at DESC, id DESC);
CREATE TABLE notification_reads (
    user_id   BIGINT NOT NULL REFERENCES users (id),
    event_id  BIGINT NOT NULL REFERENCES notification_events (id),
    read_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, event_id)
);

-- +goose Down
DROP TABLE notification_reads;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE notification_events;
ALTER TABLE partners DROP CONSTRAINT partners_reporting_complete,
    DROP COLUMN reporting_due_days, DROP COLUMN reporting_from, DROP COLUMN reporting_frequency;
DROP TABLE covenant_waivers;
DROP TABLE covenant_results;
DROP TABLE covenant_breaches;
DROP TABLE covenants;
