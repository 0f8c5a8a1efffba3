-- +goose Up
-- The funds as other domains' reporting SQL may read them (the exposure resolves its
-- currency and names its groups in the query that reads the book): published by the
-- funds domain, as partner_attributes is by the partners', with stable columns.
CREATE VIEW fund_directory AS
SELECT id AS fund_id, name, base_currency FROM funds;
