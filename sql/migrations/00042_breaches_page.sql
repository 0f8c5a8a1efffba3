-- +goose Up
-- The breaches page shows 100 breaches at a time, latest found first: the page's rows
-- are the first of this index after the page's offset. The large book's 19,000
-- breaches listed whole weighed 8.4 MB and took 600 ms to show.
CREATE INDEX covenant_breaches_found_idx ON covenant_breaches (found_at DESC, id DESC);

-- +goose Down
DROP INDEX covenant_breaches_found_idx;
