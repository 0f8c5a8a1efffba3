package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"cartera/internal/cli"
	"cartera/internal/fx"
	"cartera/internal/platform/apperr"
	"cartera/internal/statements"
)

func runImportFX(ctx context.Context, args []string, stdio cli.Stdio) error {
	var c cli.Common
	fs := cli.NewFlags("cartera import fx", "Import FX rates from a CSV file with a header row: date,currency,rate (units of currency per US dollar). "+
		"Usage: cartera import fx [flags] FILE (- for standard input). All rows or none are stored.", stdio.Err)
	c.Register(fs, "warn")
	if err := cli.ParseArgs(fs, args, 1); err != nil {
		return err
	}
	in, err := openInput(fs.Arg(0), stdio.In)
	if err != nil {
		return err
	}
	defer in.Close()
	rates, err := fx.ReadCSV(in)
	if err != nil {
		return err
	}
	rt, err := c.Start(ctx, stdio.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	if err := rt.Svc.FX.Put(ctx, cli.Actor(), rates); err != nil {
		return fx.RowErrors(err)
	}
	fmt.Fprintf(stdio.Out, "stored %d rates\n", len(rates))
	return nil
}

// openInput opens the file an import names, or standard input for "-".
func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	return os.Open(name)
}

func runImportStatements(ctx context.Context, args []string, stdio cli.Stdio) error {
	var c cli.Common
	var opts statements.ImportOptions
	fs := cli.NewFlags("cartera import statements", "Import partners' financial statements from a CSV or XLSX file: one row per partner and period, "+
		"columns partner (id or exact name), period_end, months, currency and the figures under their canonical names. "+
		"Usage: cartera import statements [flags] FILE (- for standard input). All rows or none are stored; "+
		"rows identical to what is stored change nothing.", stdio.Err)
	c.Register(fs, "warn")
	fs.BoolVar(&opts.CreatePartners, "create-partners", false, "create the partners the file names that do not exist (needs a country column)")
	fs.BoolVar(&opts.IgnoreUnknownColumns, "ignore-unknown-columns", false, "skip columns that are not canonical names instead of refusing the file")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "check the file and say what it would change, without storing anything")
	if err := cli.ParseArgs(fs, args, 1); err != nil {
		return err
	}
	in, err := openInput(fs.Arg(0), stdio.In)
	if err != nil {
		return err
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	table, err := statements.ReadTable(data)
	if err != nil {
		return rowErrors(err)
	}
	rt, err := c.Start(ctx, stdio.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	res, err := rt.Svc.Statements.Import(ctx, cli.Actor(), table, opts)
	if err != nil {
		return rowErrors(err)
	}
	verb := "imported"
	if res.DryRun {
		verb = "dry run, nothing stored: would import"
	}
	fmt.Fprintf(stdio.Out, "%s %d rows: %d created, %d replaced, %d unchanged\n", verb, res.Rows, res.Created, res.Replaced, res.Unchanged)
	for _, p := range res.PartnersCreated {
		if res.DryRun {
			fmt.Fprintf(stdio.Out, "new partner: %s (%s)\n", p.Name, p.Country)
			continue
		}
		fmt.Fprintf(stdio.Out, "new partner %d: %s (%s)\n", p.ID, p.Name, p.Country)
	}
	if len(res.IgnoredColumns) > 0 {
		fmt.Fprintf(stdio.Out, "ignored columns: %s\n", strings.Join(res.IgnoredColumns, ", "))
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
