package compliance_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/compliance"
	"cartera/internal/kpi"
	"cartera/internal/platform/civil"
)

func bulkPAR(partnerID, loanID int64, to *string) compliance.Bulk {
	return compliance.Bulk{PartnerID: partnerID, LoanID: loanID, Input: compliance.Input{Metric: text("par30_ratio"), Operator: text("<="),
		Threshold: text("5 %"), From: text("2024-01-01"), To: to, Frequency: text("each_report")}}
}

// A bulk-loaded covenant's end date was dropped: it was stored open-ended and tested
// on every later period. It is stored, audited and honoured as Create's.
func TestLoadKeepsTheCovenantsEnd(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Bulk end")
	for _, end := range []time.Time{civil.Date(2024, 3, 31), civil.Date(2024, 6, 30), civil.Date(2024, 9, 30), civil.Date(2024, 12, 31)} {
		putPAR(t, ctx, d, p, end, 10000)
	}
	n, err := d.Compliance.Load(ctx, tester, []compliance.Bulk{bulkPAR(p, 0, text("2024-06-30")), bulkPAR(p, 0, nil)})
	if err != nil || n != 2 {
		t.Fatalf("load: %d %v", n, err)
	}
	var got []struct {
		To      *time.Time `db:"valid_to"`
		Results int        `db:"results"`
		Audited *string    `db:"audited_to"`
	}
	if err := d.Conn.Select(&got, `SELECT c.valid_to, (SELECT count(*) FROM covenant_results r WHERE r.covenant_id = c.id) AS results,
		(SELECT a.after->>'to' FROM audit_log a WHERE a.entity = 'covenant' AND a.entity_id = c.id::text) AS audited_to
		FROM covenants c ORDER BY c.id`); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].To == nil || civil.Format(*got[0].To) != "2024-06-30" || got[0].Results != 2 ||
		got[0].Audited == nil || *got[0].Audited != "2024-06-30" {
		t.Fatalf("a covenant loaded to 2024-06-30: %+v; want it stored, audited and tested on March and June only", got)
	}
	if got[1].To != nil || got[1].Results != 4 || got[1].Audited != nil {
		t.Errorf("an open-ended one: %+v; want no end and four results", got[1])
	}
}

// A loan-level covenant of a bulk load was written whatever its loan: another
// partner's, a cancelled one. The load is refused, naming the covenant, and writes
// nothing.
func TestLoadRefusesAnotherPartnersOrACancelledLoan(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p, other := newPartner(t, d, "Bulk owner"), newPartner(t, d, "Bulk other")
	own, others, cancelled := newLoan(t, d, p, "B-1"), newLoan(t, d, other, "B-2"), newLoan(t, d, p, "B-3")
	if _, err := d.Conn.Exec(`UPDATE loans SET status = 'cancelled', cancelled_at = now(), cancel_reason = 'x' WHERE id = $1`, cancelled); err != nil {
		t.Fatal(err)
	}
	putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 10000)
	for _, c := range []struct {
		name string
		loan int64
		want string
	}{
		{"another partner's loan", others, "belongs to partner"},
		{"a cancelled loan", cancelled, "is cancelled"},
		{"a loan that does not exist", others + cancelled + 100, "does not exist"},
	} {
		t.Run(c.name, func(t *testing.T) {
			covs := []compliance.Bulk{bulkPAR(p, 0, nil), bulkPAR(p, own, nil), bulkPAR(p, c.loan, nil), bulkPAR(p, own, nil)}
			n, err := d.Compliance.Load(ctx, tester, covs)
			if err == nil || !strings.Contains(err.Error(), "covenant 3 of the load") || !strings.Contains(err.Error(), c.want) ||
				kindOf(err) == 0 || fieldOf(err) != "loan_id" {
				t.Errorf("load: %d, %v; want covenant 3 refused (%s), on loan_id", n, err, c.want)
			}
			var written, audited int
			if err := d.Conn.Get(&written, `SELECT count(*) FROM covenants`); err != nil {
				t.Fatal(err)
			}
			if err := d.Conn.Get(&audited, `SELECT count(*) FROM audit_log WHERE entity = 'covenant'`); err != nil {
				t.Fatal(err)
			}
			if n != 0 || written != 0 || audited != 0 {
				t.Errorf("refused load wrote %d covenants (%d audited), said %d", written, audited, n)
			}
		})
	}
	if n, err := d.Compliance.Load(ctx, tester, []compliance.Bulk{bulkPAR(p, own, nil)}); err != nil || n != 1 {
		t.Errorf("a covenant on the partner's own loan: %d %v", n, err)
	}
}

// failingReports fails to read the reports of a batch holding one partner: an
// evaluation failing midway through a load.
type failingReports struct {
	compliance.Reports
	bad int64
}

func (f failingReports) ReportsForUpdate(ctx context.Context, tx *sqlx.Tx, ids []int64) (map[int64][]kpi.Statement, error) {
	if slices.Contains(ids, f.bad) {
		return nil, errors.New("reports unavailable")
	}
	return f.Reports.ReportsForUpdate(ctx, tx, ids)
}

// A load wrote every covenant in one transaction and evaluated them afterwards, a
// batch of partners per transaction: an evaluation failing midway left covenants
// stored and never tested. Each batch now writes and evaluates its partners'
// covenants in one transaction: what is committed is complete, what failed is not
// written.
func TestLoadCommitsEachBatchComplete(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	const partners = 260 // one batch of 250 and one of 10
	var ids []int64
	if err := d.Conn.Select(&ids, `INSERT INTO partners (name, country, legal_status)
		SELECT 'Bulk ' || i, 'BO', 'ngo' FROM generate_series(1, $1) AS i RETURNING id`, partners); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Conn.Exec(`INSERT INTO financial_statements (partner_id, period_end, months, currency, gross_loan_portfolio, par30)
		SELECT id, '2024-03-31', 3, 'USD', 1000000, 10000 FROM partners`); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	svc, err := compliance.NewService(ctx, d.Conn, d.Audit, d.Notify, failingReports{d.Statements, ids[len(ids)-1]}, d.FX, d.Clock)
	if err != nil {
		t.Fatal(err)
	}
	var covs []compliance.Bulk
	for i := len(ids) - 1; i >= 0; i-- { // not in the partners' order
		covs = append(covs, bulkPAR(ids[i], 0, nil))
	}
	n, err := svc.Load(ctx, tester, covs)
	if err == nil || !strings.Contains(err.Error(), "reports unavailable") {
		t.Fatalf("load: %d %v; want the second batch's failure", n, err)
	}
	var got struct {
		Covenants int `db:"covenants"`
		Untested  int `db:"untested"`
		Audited   int `db:"audited"`
		Late      int `db:"late"`
	}
	if err := d.Conn.Get(&got, `SELECT (SELECT count(*) FROM covenants) AS covenants,
		(SELECT count(*) FROM covenants c WHERE NOT EXISTS (SELECT 1 FROM covenant_results r WHERE r.covenant_id = c.id)) AS untested,
		(SELECT count(*) FROM audit_log WHERE entity = 'covenant') AS audited,
		(SELECT count(*) FROM covenants WHERE partner_id > $1) AS late`, ids[249]); err != nil {
		t.Fatal(err)
	}
	if got.Covenants != 250 || got.Untested != 0 || got.Audited != 250 || got.Late != 0 || n != 250 {
		t.Errorf("after a load failing in its second batch: %+v, said %d; want the first 250 partners' covenants, each tested and audited, and no other", got, n)
	}
}

// A load with a covenant on a loan being cancelled waits for the cancelling and is
// refused, as Create is: the loans are share-locked when checked.
func TestLoadOnLoanBeingCancelledIsRefused(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Bulk cancelling")
	loan := newLoan(t, d, p, "B-4")
	tx, err := d.Conn.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE loans SET status = 'cancelled', cancelled_at = now(), cancel_reason = 'x' WHERE id = $1`, loan); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := d.Compliance.Load(ctx, tester, []compliance.Bulk{bulkPAR(p, loan, nil)})
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; fieldOf(err) != "loan_id" || !strings.Contains(err.Error(), "is cancelled") {
		t.Errorf("a bulk covenant on a loan cancelled meanwhile: %v; want it refused on loan_id", err)
	}
}
