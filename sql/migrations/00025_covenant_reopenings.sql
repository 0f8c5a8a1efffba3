-- +goose Up
-- How many times a breach was opened again (a withdrawn breach derived anew, or a
-- closed one whose curing period a correction undid): each reopening's breach event
-- has its own idempotency key, breach:<id>:<period_end>:<reopened>.
ALTER TABLE covenant_breaches ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened >= 0);

-- A covenant is ended (ended_at), never deleted: its results and breaches refer to it
-- (their foreign keys would refuse too, but only once it has some), and this says why.
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
ALTER TABLE covenant_breaches DROP COLUMN reopened;
