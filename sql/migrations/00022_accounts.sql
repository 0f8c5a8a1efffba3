-- +goose Up
-- Accounts people can manage (issue 17, item 3). A password an admin knows (an
-- invitation's, a reset's) is one-time: its holder must choose their own at the next
-- sign-in, and until then their session reaches only the account page.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT false;

-- Sign-ins, their failures and throttling, sign-outs and password changes and resets
-- are in the audit log beside the writes.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (
    'create', 'update', 'delete',
    'sign_in', 'sign_in_failed', 'sign_in_throttled', 'sign_out',
    'password_change', 'password_reset'));


-- +goose Down
-- The sign-in entries have no place in the older log: they go with their actions.
DELETE FROM audit_log WHERE action NOT IN ('create', 'update', 'delete');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN ('create', 'update', 'delete'));
ALTER TABLE users DROP COLUMN must_change_password;
