-- name: list-partners
-- Filters are optional: an empty country, q, legal status or methodology, or a NULL
-- list of countries (a world region's), matches every partner.
SELECT id, name, country, region, legal_status, founded, partner_since, methodology,
       sectors, description, strengths, risks, reporting_frequency, reporting_from, reporting_due_days,
       created_at, updated_at
FROM partners
WHERE ($1 = '' OR country = $1)
  AND ($2 = '' OR strpos(lower(name), lower($2)) > 0 OR strpos(lower(region), lower($2)) > 0)
  AND ($3 = '' OR legal_status = $3)
  AND ($4 = '' OR methodology = $4)
  AND ($5::text[] IS NULL OR country = ANY ($5))
ORDER BY lower(name), id;

-- name: list-partner-refs
-- The same filters as list-partners; only what a table over many partners shows.
SELECT id, name, country, legal_status, methodology
FROM partners
WHERE ($1 = '' OR country = $1)
  AND ($2 = '' OR strpos(lower(name), lower($2)) > 0 OR strpos(lower(region), lower($2)) > 0)
  AND ($3 = '' OR legal_status = $3)
  AND ($4 = '' OR methodology = $4)
  AND ($5::text[] IS NULL OR country = ANY ($5))
ORDER BY lower(name), id;

-- name: get-partner
SELECT id, name, country, region, legal_status, founded, partner_since, methodology,
       sectors, description, strengths, risks, reporting_frequency, reporting_from, reporting_due_days,
       created_at, updated_at
FROM partners WHERE id = $1;

-- name: get-partner-for-update
-- FOR NO KEY UPDATE, not FOR UPDATE: a report inserted meanwhile takes FOR KEY SHARE on
-- the partner for its foreign key, under the lock of the partner's reports; a change of
-- the reporting obligation takes that lock next (its covenants are evaluated), and
-- FOR UPDATE made the two deadlock. A DELETE still takes FOR UPDATE itself.
SELECT id, name, country, region, legal_status, founded, partner_since, methodology,
       sectors, description, strengths, risks, reporting_frequency, reporting_from, reporting_due_days,
       created_at, updated_at
FROM partners WHERE id = $1 FOR NO KEY UPDATE;

-- name: insert-partner
INSERT INTO partners (name, country, region, legal_status, founded, partner_since,
                      methodology, sectors, description, strengths, risks,
                      reporting_frequency, reporting_from, reporting_due_days)
VALUES (:name, :country, :region, :legal_status, :founded, :partner_since,
        :methodology, :sectors, :description, :strengths, :risks,
        :reporting_frequency, :reporting_from, :reporting_due_days)
RETURNING id, name, country, region, legal_status, founded, partner_since, methodology,
          sectors, description, strengths, risks, reporting_frequency, reporting_from, reporting_due_days,
       created_at, updated_at;

-- name: update-partner
UPDATE partners SET name = :name, country = :country, region = :region,
       legal_status = :legal_status, founded = :founded, partner_since = :partner_since,
       methodology = :methodology, sectors = :sectors, description = :description,
       strengths = :strengths, risks = :risks, reporting_frequency = :reporting_frequency,
       reporting_from = :reporting_from, reporting_due_days = :reporting_due_days, updated_at = now()
WHERE id = :id
RETURNING id, name, country, region, legal_status, founded, partner_since, methodology,
          sectors, description, strengths, risks, reporting_frequency, reporting_from, reporting_due_days,
       created_at, updated_at;

-- name: delete-partner
DELETE FROM partners WHERE id = $1;
