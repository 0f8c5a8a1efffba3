package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"cartera/internal/figures"
	"cartera/internal/fx"
	"cartera/internal/platform/apperr"
)

func runImportFX(ctx context.Context, args []string, stdio stdio) error {
	var c common
	fs := newFlags("import fx", "Import FX rates from a CSV file with a header row: date,currency,rate (units of currency per US dollar). "+
		"Usage: cartera import fx [flags] FILE (- for standard input). All rows or none are stored.", stdio.err)
	c.register(fs, "warn")
	if err := parseArgs(fs, args, 1); err != nil {
		return err
	}
	in, err := openInput(fs.Arg(0), stdio.in)
	if err != nil {
		return err
	}
	defer in.Close()
	rates, err := fx.ReadCSV(in)
	if err != nil {
		return err
	}
	rt, err := c.start(ctx, stdio.err)
	if err != nil {
		return err
	}
	defer rt.close()
	if err := rt.svc.FX.Put(ctx, cliActor(), rates); err != nil {
		return fx.RowErrors(err)
	}
	fmt.Fprintf(stdio.out, "stored %d rates\n", len(rates))
	return nil
}

// openInput opens the file an import names, or standard input for "-".
func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	return os.Open(name)
}

func runImportReports(ctx context.Context, args []string, stdio stdio) error {
	var c common
	var opts figures.ImportOptions
	fs := newFlags("import reports", "Import partners' financial reports from a CSV or XLSX file: one row per partner and period, "+
		"columns partner (id or exact name), period_end, months, currency and the figures under their canonical names. "+
		"Usage: cartera import reports [flags] FILE (- for standard input). All rows or none are stored; "+
		"rows identical to what is stored change nothing.", stdio.err)
	c.register(fs, "warn")
	fs.BoolVar(&opts.CreatePartners, "create-partners", false, "create the partners the file names that do not exist (needs a country column)")
	fs.BoolVar(&opts.IgnoreUnknownColumns, "ignore-unknown-columns", false, "skip columns that are not canonical names instead of refusing the file")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "check the file and say what it would change, without storing anything")
	if err := parseArgs(fs, args, 1); err != nil {
		return err
	}
	in, err := openInput(fs.Arg(0), stdio.in)
	if err != nil {
		return err
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	table, err := figures.ReadTable(data)
	if err != nil {
		return rowErrors(err)
	}
	rt, err := c.start(ctx, stdio.err)
	if err != nil {
		return err
	}
	defer rt.close()
	res, err := rt.svc.Figures.Import(ctx, cliActor(), table, opts)
	if err != nil {
		return rowErrors(err)
	}
	verb := "imported"
	if res.DryRun {
		verb = "dry run, nothing stored: would import"
	}
	fmt.Fprintf(stdio.out, "%s %d rows: %d created, %d replaced, %d unchanged\n", verb, res.Rows, res.Created, res.Replaced, res.Unchanged)
	for _, p := range res.PartnersCreated {
		if res.DryRun {
			fmt.Fprintf(stdio.out, "new partner: %s (%s)\n", p.Name, p.Country)
			continue
		}
		fmt.Fprintf(stdio.out, "new partner %d: %s (%s)\n", p.ID, p.Name, p.Country)
	}
	if len(res.IgnoredColumns) > 0 {
		fmt.Fprintf(stdio.out, "ignored columns: %s\n", strings.Join(res.IgnoredColumns, ", "))
	}
	return nil
}

// rowErrors lists an import's problems one per line, by row and column.
func rowErrors(err error) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	lines := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		switch {
		case f.Row > 0 && f.Column != "":
			lines[i] = fmt.Sprintf("row %d, %s: %s", f.Row, f.Column, f.Message)
		case f.Row > 0:
			lines[i] = fmt.Sprintf("row %d: %s", f.Row, f.Message)
		default:
			lines[i] = f.Field + ": " + f.Message
		}
	}
	return fmt.Errorf("%s:\n  %s", e.Message, strings.Join(lines, "\n  "))
}
