-- +goose Up
-- Versions of the data that answers kept in memory are computed from (issue 19: the
-- exposure reports and the watch list). Every statement writing one of the tables below
-- adds a row naming the table to data_changes, in its own transaction (a trigger). A
-- scope's version is the number of its changes: those still in data_changes plus those
-- already folded into data_versions.base. It only grows, and a later snapshot sees every
-- change an earlier one saw, so the same version read before and after an answer is
-- computed means that no write it reads committed in between: the answer may be given
-- again while the version stays the same (internal/platform/db, versions.go).
--
-- Writers only insert: no row is locked, so no two writes wait for each other here
-- (a counter updated by every write would have made every ledger write wait for the
-- previous one's commit). Readers fold the log into data_versions now and then, in one
-- statement that keeps every scope's version as it was.
CREATE TABLE data_changes (
    scope TEXT NOT NULL
);
CREATE TABLE data_versions (
    scope TEXT PRIMARY KEY,
    base  BIGINT NOT NULL CHECK (base >= 0)
);

-- +goose StatementBegin
CREATE FUNCTION data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_changes VALUES (TG_TABLE_NAME);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- What exposure reports read: the book (by key, by country, the countries' partners,
-- the countries to derive again), the partners' countries, legal statuses and names,
-- the funds, the rates and the limits.
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON loan_book
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON loan_book_country
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON loan_book_partners
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON loan_book_stale_countries
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON funds
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON fx_rates
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON exposure_limits
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
-- What the watch list reads besides partners: loans, statements, covenants, their
-- breaches and waivers.
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON financial_statements
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON covenants
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON covenant_breaches
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();
CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON covenant_waivers
    FOR EACH STATEMENT EXECUTE FUNCTION data_changed();

-- +goose Down
DROP TRIGGER data_changed ON covenant_waivers;
DROP TRIGGER data_changed ON covenant_breaches;
DROP TRIGGER data_changed ON covenants;
DROP TRIGGER data_changed ON financial_statements;
DROP TRIGGER data_changed ON loans;
DROP TRIGGER data_changed ON exposure_limits;
DROP TRIGGER data_changed ON fx_rates;
DROP TRIGGER data_changed ON funds;
DROP TRIGGER data_changed ON partners;
DROP TRIGGER data_changed ON loan_book_stale_countries;
DROP TRIGGER data_changed ON loan_book_partners;
DROP TRIGGER data_changed ON loan_book_country;
DROP TRIGGER data_changed ON loan_book;
DROP FUNCTION data_changed();
DROP TABLE data_versions;
DROP TABLE data_changes;
