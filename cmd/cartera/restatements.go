package main

import (
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"cartera/internal/cli"
	"cartera/internal/platform/csvsafe"
)

// runRestatements prints the report of every restatement of the ledger under new
// rules (see ledger.Service.Restate) as CSV: what moved, on which loan, before and after.
func runRestatements(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	fs := cli.NewFlags("cartera restatements", "Print, as CSV, every figure the ledger restated when its rules changed: "+
		"rules, loan_id, reference, field, before, after, restated_at.", io.Err)
	c.Register(fs, "warn")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	rt, err := c.Start(ctx, io.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	report, err := rt.Svc.Loans.ListRestatements(ctx)
	if err != nil {
		return err
	}
	w := csv.NewWriter(io.Out)
	if err := w.Write([]string{"rules", "loan_id", "reference", "field", "before", "after", "restated_at"}); err != nil {
		return err
	}
	for _, r := range report {
		// A reference is typed by users: written as text a spreadsheet will not run.
		if err := w.Write([]string{strconv.Itoa(r.Rules), strconv.FormatInt(r.LoanID, 10), csvsafe.Text(r.Reference), r.Field,
			r.Before, r.After, r.RestatedAt.UTC().Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
