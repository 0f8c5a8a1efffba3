-- +goose Up
-- The loan ledger: loans to partners, the events that move them, the schedule derived
-- from both, and FX rates.

-- Transactions and reschedulings draw ids from one sequence: within a day, events
-- apply in the order they were recorded, which is id order.
CREATE SEQUENCE loan_event_id_seq;

CREATE TABLE loans (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fund_id          BIGINT NOT NULL REFERENCES funds (id),
    partner_id       BIGINT NOT NULL REFERENCES partners (id),
    reference        TEXT NOT NULL CHECK (reference = btrim(reference) AND char_length(reference) BETWEEN 1 AND 100),
    currency         CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- NUMERIC(19,4): every ISO 4217 currency's minor unit (up to 4 decimals), and
    -- within the 19 digits of the service's decimal type.
    committed_amount NUMERIC(19,4) NOT NULL CHECK (committed_amount > 0),
    interest_rate    NUMERIC(12,8) NOT NULL CHECK (interest_rate >= 0 AND interest_rate < 1),
    day_count        TEXT NOT NULL CHECK (day_count IN ('ACT/360', 'ACT/365', '30/360')),
    signed_on        DATE NOT NULL,
    first_due_on     DATE NOT NULL,
    maturity_on      DATE NOT NULL,
    amortization     TEXT NOT NULL CHECK (amortization IN ('bullet', 'equal_principal', 'annuity')),
    frequency        TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'semiannual', 'annual')),
    grace_periods    INTEGER NOT NULL DEFAULT 0 CHECK (grace_periods >= 0),
    purpose          TEXT NOT NULL DEFAULT '' CHECK (char_length(purpose) <= 2000),
    -- Status as of the last write (for lists); a date's status comes from replaying.
    status           TEXT NOT NULL DEFAULT 'pipeline' CHECK (status IN ('pipeline', 'active', 'repaid', 'written_off')),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT loans_fund_reference_key UNIQUE (fund_id, reference),
    CONSTRAINT loans_first_due_after_signing CHECK (first_due_on > signed_on),
    CONSTRAINT loans_maturity_after_first_due CHECK (maturity_on >= first_due_on)
);
CREATE INDEX loans_partner_idx ON loans (partner_id);

CREATE TABLE loan_transactions (
    id         BIGINT PRIMARY KEY DEFAULT nextval('loan_event_id_seq'),
    loan_id    BIGINT NOT NULL REFERENCES loans (id),
    kind       TEXT NOT NULL CHECK (kind IN ('disbursement', 'repayment', 'writeoff')),
    value_date DATE NOT NULL,
    amount     NUMERIC(19,4) NOT NULL CHECK (amount > 0),
    -- How the amount was applied (derived by replaying the loan, kept current on every
    -- write): all principal for disbursements and write-offs; principal and interest
    -- for repayments. Balances at any date can so be summed in SQL.
    principal  NUMERIC(19,4) NOT NULL CHECK (principal >= 0),
    interest   NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (interest >= 0),
    prepaid    NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (prepaid >= 0 AND prepaid <= principal),
    reason     TEXT NOT NULL DEFAULT '' CHECK (char_length(reason) <= 2000),
    -- The loan's totals up to and including this transaction (in date, then id, order),
    -- kept current by every write: a loan's balances at any date are then those of its
    -- last transaction on or before it, one index probe per loan, no summing.
    cum_disbursed        NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (cum_disbursed >= 0),
    cum_principal_repaid NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (cum_principal_repaid >= 0),
    cum_interest_paid    NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (cum_interest_paid >= 0),
    cum_written_off      NUMERIC(19,4) NOT NULL DEFAULT 0 CHECK (cum_written_off >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT loan_transactions_cumulative_within_disbursed
        CHECK (cum_principal_repaid + cum_written_off <= cum_disbursed),
    CONSTRAINT loan_transactions_allocation_adds_up CHECK (principal + interest = amount),
    CONSTRAINT loan_transactions_writeoff_reason CHECK (kind <> 'writeoff' OR btrim(reason) <> ''),
    CONSTRAINT loan_transactions_interest_on_repayments CHECK (kind = 'repayment' OR interest = 0)
);
CREATE INDEX loan_transactions_loan_idx ON loan_transactions (loan_id, value_date, id)
    INCLUDE (cum_disbursed, cum_principal_repaid, cum_interest_paid, cum_written_off);

CREATE TABLE loan_reschedules (
    id                BIGINT PRIMARY KEY DEFAULT nextval('loan_event_id_seq'),
    loan_id           BIGINT NOT NULL REFERENCES loans (id),
    effective_on      DATE NOT NULL,
    new_maturity_on   DATE CHECK (new_maturity_on > effective_on),
    new_frequency     TEXT CHECK (new_frequency IN ('monthly', 'quarterly', 'semiannual', 'annual')),
    new_interest_rate NUMERIC(12,8) CHECK (new_interest_rate >= 0 AND new_interest_rate < 1),
    reason            TEXT NOT NULL DEFAULT '' CHECK (char_length(reason) <= 2000),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT loan_reschedules_changes_something
        CHECK (new_maturity_on IS NOT NULL OR new_frequency IS NOT NULL OR new_interest_rate IS NOT NULL)
);
CREATE INDEX loan_reschedules_loan_idx ON loan_reschedules (loan_id, effective_on, id);

-- The schedule derived from the terms and every recorded event, rewritten on each write.
CREATE TABLE loan_installments (
    loan_id               BIGINT NOT NULL REFERENCES loans (id),
    seq                   INTEGER NOT NULL CHECK (seq > 0),
    due_on                DATE NOT NULL,
    principal             NUMERIC(19,4) NOT NULL CHECK (principal >= 0),
    interest              NUMERIC(19,4) NOT NULL CHECK (interest >= 0),
    paid_principal        NUMERIC(19,4) NOT NULL CHECK (paid_principal >= 0),
    paid_interest         NUMERIC(19,4) NOT NULL CHECK (paid_interest >= 0),
    written_off_principal NUMERIC(19,4) NOT NULL CHECK (written_off_principal >= 0),
    written_off_interest  NUMERIC(19,4) NOT NULL CHECK (written_off_interest >= 0),
    rescheduled           BOOLEAN NOT NULL,
    PRIMARY KEY (loan_id, seq),
    CHECK (paid_principal + written_off_principal <= principal),
    CHECK (paid_interest + written_off_interest <= interest)
);
CREATE INDEX loan_installments_due_idx ON loan_installments (due_on);

-- Units of currency per one US dollar on a date. USD itself is 1 and not stored.
CREATE TABLE fx_rates (
    currency  CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> 'USD'),
    rate_date DATE NOT NULL,
    rate      NUMERIC(24,10) NOT NULL CHECK (rate > 0),
    PRIMARY KEY (currency, rate_date)
);
