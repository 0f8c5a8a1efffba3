-- +goose Up
-- Versions of the data that answers kept in memory are computed from (issue 19: the
-- exposure reports). A row per scope, whose version each write to that data adds one to
-- in its own transaction. A reader that reads the same sum of the versions before and
-- after computing an answer knows that no write it depends on committed in between,
-- and may give that answer again while the sum stays the same: the sum only grows, and
-- a later snapshot sees every write an earlier one saw, so an equal sum is the same data.
--
-- Scopes: 'book:<country>', added to by the book as it rewrites a country's ranges
-- (internal/book, under that country's lock: every write to the book rewrites its
-- partners' countries, and no writer waits longer than before), and one per table below,
-- added to by a trigger after each statement writing it. Those tables are written
-- rarely and by few (partners, funds, rates, limits): the row's lock, held to the end
-- of the writing transaction, makes two of their writes commit one after the other.
CREATE TABLE data_versions (
    scope   TEXT PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version > 0)
);
INSERT INTO data_versions VALUES ('partners', 1), ('funds', 1), ('fx_rates', 1), ('exposure_limits', 1);

-- +goose StatementBegin
CREATE FUNCTION data_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_versions VALUES (TG_TABLE_NAME, 1)
    ON CONFLICT (scope) DO UPDATE SET version = data_versions.version + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER data_versions_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump();
CREATE TRIGGER data_versions_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON funds
    FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump();
CREATE TRIGGER data_versions_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON fx_rates
    FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump();
CREATE TRIGGER data_versions_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON exposure_limits
    FOR EACH STATEMENT EXECUTE FUNCTION data_versions_bump();

-- +goose Down
DROP TRIGGER data_versions_bump ON exposure_limits;
DROP TRIGGER data_versions_bump ON fx_rates;
DROP TRIGGER data_versions_bump ON funds;
DROP TRIGGER data_versions_bump ON partners;
DROP FUNCTION data_versions_bump();
DROP TABLE data_versions;
