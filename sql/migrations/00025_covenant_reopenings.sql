-- +goose Up
-- How many times a breach was opened again (a withdrawn breach derived anew, or a
-- closed one whose curing period a correction undid): each reopening's breach event
-- has its own idempotency key, breach:<id>:<period_end>:<reopened>.
ALTER TABLE covenant_breaches ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened >= 0);

-- Results are written in the transaction that writes a partner's figures, a row per
-- covenant and period: an import of 10,000 reports writes 10,000 results, and the
-- foreign key's check of each row (a lookup and a row lock on covenants) was a fifth
-- of the time covenants added to the import (issue 18 allows 20 %). Results are
-- written only by internal/compliance, for covenants it read in the same
-- transaction, and a covenant is never deleted (DELETE ends it: ended_at), which the
-- trigger below enforces: no result can lose its covenant.
ALTER TABLE covenant_results DROP CONSTRAINT covenant_results_covenant_id_fkey;
-- +goose StatementBegin
CREATE FUNCTION covenants_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a covenant is ended (ended_at), never deleted: its results and breaches refer to it'
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER covenants_never_deleted BEFORE DELETE ON covenants
    FOR EACH ROW EXECUTE FUNCTION covenants_never_deleted();

-- +goose Down
DROP TRIGGER covenants_never_deleted ON covenants;
DROP FUNCTION covenants_never_deleted();
ALTER TABLE covenant_results ADD CONSTRAINT covenant_results_covenant_id_fkey
    FOREIGN KEY (covenant_id) REFERENCES covenants (id);
ALTER TABLE covenant_breaches DROP COLUMN reopened;
