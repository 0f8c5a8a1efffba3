-- +goose Up
-- The dashboard's overdue loans, oldest first, and how many there are: from the loans'
-- own oldest unpaid installment (loans.oldest_unpaid_due_on, which every write derives
-- from the stored schedule) through this index, instead of grouping every unpaid
-- installment due before today by loan. On the large book (22,400 loans overdue on the
-- day after its last events) that grouping took 9 ms alone and 30–86 ms beside the
-- dashboard's other queries; the count from this index takes 1 ms. No status in the
-- condition: the list, like the grouping it replaces, is every loan with an unpaid
-- installment.
CREATE INDEX loans_oldest_unpaid_idx ON loans (oldest_unpaid_due_on, id) WHERE oldest_unpaid_due_on IS NOT NULL;

-- +goose Down
DROP INDEX loans_oldest_unpaid_idx;
