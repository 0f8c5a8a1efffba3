-- +goose Up
-- A partner's figures at a period end are its financial statements: the table, its
-- constraints, indexes and sequence take the name (issue 15, one meaning per name).
-- The API's JSON field names do not change; the audit log's entity stays
-- "financial_report", a stable identifier its history is filed under.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    ALTER TABLE financial_reports RENAME TO financial_statements;
    FOR r IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'financial_statements'::regclass AND conname LIKE 'financial\_reports\_%' LOOP
        EXECUTE format('ALTER TABLE financial_statements RENAME CONSTRAINT %I TO %I',
                       r.conname, replace(r.conname, 'financial_reports_', 'financial_statements_'));
    END LOOP;
    FOR r IN SELECT relname, relkind FROM pg_class
             WHERE relname LIKE 'financial\_reports\_%' AND relkind IN ('i', 'S')
               AND relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'financial_statements'::regclass) LOOP
        EXECUTE format('ALTER %s %I RENAME TO %I', CASE r.relkind WHEN 'i' THEN 'INDEX' ELSE 'SEQUENCE' END,
                       r.relname, replace(r.relname, 'financial_reports_', 'financial_statements_'));
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    ALTER TABLE financial_statements RENAME TO financial_reports;
    FOR r IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'financial_reports'::regclass AND conname LIKE 'financial\_statements\_%' LOOP
        EXECUTE format('ALTER TABLE financial_reports RENAME CONSTRAINT %I TO %I',
                       r.conname, replace(r.conname, 'financial_statements_', 'financial_reports_'));
    END LOOP;
    FOR r IN SELECT relname, relkind FROM pg_class
             WHERE relname LIKE 'financial\_statements\_%' AND relkind IN ('i', 'S')
               AND relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'financial_reports'::regclass) LOOP
        EXECUTE format('ALTER %s %I RENAME TO %I', CASE r.relkind WHEN 'i' THEN 'INDEX' ELSE 'SEQUENCE' END,
                       r.relname, replace(r.relname, 'financial_statements_', 'financial_reports_'));
    END LOOP;
END $$;
-- +goose StatementEnd
