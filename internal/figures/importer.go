package figures

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
)

// ImportOptions say how to treat what an import finds.
type ImportOptions struct {
	// CreatePartners creates the partners a file names that do not exist yet, from
	// its country column (and legal_status, "other" when absent).
	CreatePartners bool
	// IgnoreUnknownColumns skips columns that are not canonical names, listing them
	// in the result, instead of refusing the file.
	IgnoreUnknownColumns bool
	// DryRun checks and computes everything, then writes nothing.
	DryRun bool
}

// ImportResult says what an import did, or with DryRun would do.
type ImportResult struct {
	Rows            int
	Created         int
	Replaced        int
	Unchanged       int
	PartnersCreated []partner.Ref
	IgnoredColumns  []string
	DryRun          bool
}

// Columns of an import besides the figures: which partner and period a row is for.
const (
	colPartner     = "partner" // an id, or the exact name (any letter case)
	colCountry     = "country" // tells apart partners of one name; needed to create one
	colLegalStatus = "legal_status"
	colPeriodEnd   = "period_end"
	colMonths      = "months"
	colCurrency    = "currency"
)

// Columns lists an import's columns in the order an export writes them.
func Columns() []string {
	cols := []string{colPartner, colCountry, colPeriodEnd, colMonths, colCurrency}
	for _, in := range kpi.Inputs {
		cols = append(cols, in.Name)
	}
	return cols
}

func knownColumn(name string) bool {
	switch name {
	case colPartner, colCountry, colLegalStatus, colPeriodEnd, colMonths, colCurrency:
		return true
	}
	_, ok := kpi.InputByName(name)
	return ok
}

// maxProblems bounds the problems listed for one file; the message gives the total.
const maxProblems = 10000

// importRow is a row read and checked, waiting for its partner.
type importRow struct {
	line        int
	partner     string
	country     string
	legalStatus string
	newFields   partner.Fields // for a partner to create
	report      kpi.Report
}

// Import stores every report of a table, or none: a file with any bad row is refused
// with every problem listed by row and column. Reports identical to the stored ones
// change nothing, so importing a file twice is harmless.
func (s *Service) Import(ctx context.Context, actor audit.Actor, t *Table, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{DryRun: opts.DryRun, PartnersCreated: []partner.Ref{}, IgnoredColumns: []string{}}
	var problems []apperr.FieldError
	problem := func(line int, column, format string, args ...any) {
		problems = append(problems, apperr.FieldError{Row: line, Column: column, Field: column, Message: fmt.Sprintf(format, args...)})
	}

	// The header: canonical names in any order and letter case.
	cols := map[string]int{}
	for i, h := range t.Header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "":
			if columnHasData(t, i) {
				problem(1, columnLetter(i), "has values but no name in the header row")
			}
		case !knownColumn(name):
			if opts.IgnoreUnknownColumns {
				res.IgnoredColumns = append(res.IgnoredColumns, strings.TrimSpace(h))
			} else {
				problem(1, strings.TrimSpace(h), "is not a known column: use partner, country, period_end, months, currency and the figures' "+
					"canonical names (gross_loan_portfolio, ...), or import with ignore_unknown_columns=true to skip it")
			}
		default:
			if _, dup := cols[name]; dup {
				problem(1, name, "appears twice in the header row")
			}
			cols[name] = i
		}
	}
	for _, required := range []string{colPartner, colPeriodEnd, colMonths, colCurrency} {
		if _, ok := cols[required]; !ok {
			problem(1, required, "is required: the header row has no %s column", required)
		}
	}
	if len(problems) > 0 {
		return res, importError(problems)
	}
	// Figures the file has no column for keep what is stored; an empty cell clears one.
	var keep []kpi.Input
	for _, in := range kpi.Inputs {
		if _, ok := cols[in.Name]; !ok {
			keep = append(keep, in)
		}
	}

	// Each row on its own: types, then the rules a report obeys.
	today := s.clock.Today()
	var rows []importRow
	for _, r := range t.Rows {
		if blank(r.Cells) {
			continue
		}
		res.Rows++
		cell := func(name string) string {
			i, ok := cols[name]
			if !ok || i >= len(r.Cells) {
				return ""
			}
			return strings.TrimSpace(r.Cells[i])
		}
		if len(r.Cells) > len(t.Header) && !blank(r.Cells[len(t.Header):]) {
			problem(r.Line, columnLetter(len(t.Header)), "the row has more cells than the header row has columns")
		}
		for i, c := range r.Cells {
			if strings.ContainsRune(c, 0) {
				name := columnLetter(i)
				if i < len(t.Header) && strings.TrimSpace(t.Header[i]) != "" {
					name = strings.ToLower(strings.TrimSpace(t.Header[i]))
				}
				problem(r.Line, name, "contains a NUL character, which cannot be stored")
			}
		}
		row := importRow{line: r.Line, partner: cell(colPartner), country: strings.ToUpper(cell(colCountry)),
			legalStatus: strings.ToLower(cell(colLegalStatus))}
		badCols := map[string]bool{}
		bad := func(column, format string, args ...any) {
			badCols[column] = true
			problem(r.Line, column, format, args...)
		}
		if row.partner == "" {
			bad(colPartner, "is required (the partner's id or exact name)")
		}
		if v := cell(colPeriodEnd); v == "" {
			bad(colPeriodEnd, "is required (YYYY-MM-DD)")
		} else if d, msg := t.parseDate(v); msg != "" {
			bad(colPeriodEnd, "%s", msg)
		} else {
			row.report.PeriodEnd = d
		}
		if v := cell(colMonths); v == "" {
			bad(colMonths, "is required: 3, 6 or 12")
		} else if n, ok := t.parseInt(v); !ok {
			bad(colMonths, "%q is not 3, 6 or 12", v)
		} else {
			row.report.Months = n
		}
		row.report.Currency = cell(colCurrency)
		for _, in := range kpi.Inputs {
			v, msg := t.parseNumber(in, cell(in.Name))
			if msg != "" {
				bad(in.Name, "%s", msg)
				continue
			}
			in.Set(&row.report.Figures, v)
		}
		Normalize(&row.report)
		if err := Validate(row.report, today); err != nil {
			for _, f := range fieldsOf(err) {
				// "no figure" says nothing new when a figure was there but unreadable.
				if !badCols[f.Field] && !(f.Field == "figures" && len(badCols) > 0) {
					column := f.Field
					if column == "figures" {
						column = ""
					}
					problem(r.Line, column, "%s", f.Message)
				}
			}
		}
		rows = append(rows, row)
	}
	if res.Rows == 0 {
		problem(2, "", "the file has a header row but no reports under it")
	}

	// Partners: by id or name; new ones created when asked.
	refs, err := s.partners.Refs(ctx, partner.Filter{})
	if err != nil {
		return res, err
	}
	resolve := partnerResolver(refs)
	reports := make([]Report, len(rows))
	toCreate := map[string]int{} // lower(name)|country → index in creates
	var creates []importRow
	createdIndex := make([]int, len(rows)) // for rows of partners to create: 1 + index in creates
	for i, row := range rows {
		if row.partner == "" {
			continue
		}
		id, msg := resolve(row.partner, row.country)
		switch {
		case id != 0:
			reports[i] = Report{PartnerID: id, Report: row.report}
		case msg != "":
			problem(row.line, colPartner, "%s", msg)
		case !opts.CreatePartners:
			problem(row.line, colPartner, "no partner is named %q: create it first, or import with create_partners=true "+
				"(with a country column)", row.partner)
		default:
			key := strings.ToLower(row.partner) + "|" + row.country
			if j, ok := toCreate[key]; ok {
				createdIndex[i] = j + 1
				reports[i] = Report{Report: row.report}
				continue
			}
			f := partner.Fields{Name: row.partner, Country: row.country, LegalStatus: partner.OtherStatus}
			if row.legalStatus != "" {
				f.LegalStatus = partner.LegalStatus(row.legalStatus)
			}
			f.Normalize()
			if err := f.Validate(today.Year()); err != nil {
				for _, fe := range fieldsOf(err) {
					column := map[string]string{"name": colPartner, "country": colCountry, "legal_status": colLegalStatus}[fe.Field]
					if column == colCountry && f.Country == "" {
						fe.Message = fmt.Sprintf("is required to create the partner %q (ISO 3166-1 alpha-2, e.g. BO)", row.partner)
					}
					problem(row.line, column, "%s", fe.Message)
				}
				continue
			}
			row.newFields = f
			toCreate[key] = len(creates)
			creates = append(creates, row)
			createdIndex[i] = len(creates)
			reports[i] = Report{Report: row.report}
		}
	}
	// One report per partner and month in a file.
	seen := map[partnerMonth]int{}
	for i, r := range reports {
		pid := r.PartnerID
		if createdIndex[i] > 0 {
			pid = -int64(createdIndex[i]) // a partner yet to be created
		}
		if pid == 0 || r.PeriodEnd.IsZero() {
			continue
		}
		k := keyOf(pid, r.PeriodEnd)
		if first, dup := seen[k]; dup {
			problem(rows[i].line, colPeriodEnd, "row %d already has this partner's report for %s", first, r.PeriodEnd.Format("January 2006"))
			continue
		}
		seen[k] = rows[i].line
	}
	if len(problems) > 0 {
		return res, importError(problems)
	}

	err = db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		created := make([]int64, len(creates))
		for j, c := range creates {
			p, err := s.partners.CreateInTx(ctx, tx, actor, c.newFields)
			if err != nil {
				return err
			}
			created[j] = p.ID
			res.PartnersCreated = append(res.PartnersCreated, partner.Ref{ID: p.ID, Name: p.Name, Country: p.Country,
				LegalStatus: p.LegalStatus, Methodology: p.Methodology})
		}
		for i := range reports {
			if createdIndex[i] > 0 {
				reports[i].PartnerID = created[createdIndex[i]-1]
			}
		}
		results, err := s.store(ctx, tx, actor, reports, keep)
		if err != nil {
			return err
		}
		for i, r := range results {
			switch {
			case r.conflict != nil:
				problem(rows[i].line, colPeriodEnd, "%s", conflictMessage(*r.conflict))
			case r.invalid != nil:
				for _, f := range fieldsOf(r.invalid) {
					problem(rows[i].line, f.Field, "%s (with the figures stored for this period that the file has no column for)", f.Message)
				}
			case r.outcome == Created:
				res.Created++
			case r.outcome == Replaced:
				res.Replaced++
			default:
				res.Unchanged++
			}
		}
		if len(problems) > 0 {
			return importError(problems)
		}
		if opts.DryRun {
			for i := range res.PartnersCreated {
				res.PartnersCreated[i].ID = 0 // rolled back: the partner does not exist
			}
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return ImportResult{DryRun: opts.DryRun}, err
	}
	return res, nil
}

// errDryRun rolls a dry run's transaction back once everything has been computed.
var errDryRun = errors.New("dry run")

// importError lists every problem, by row, at most maxProblems of them.
func importError(problems []apperr.FieldError) error {
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Row < problems[j].Row })
	rows := map[int]bool{}
	for _, p := range problems {
		rows[p.Row] = true
	}
	msg := fmt.Sprintf("nothing was imported: %d problems in %d rows", len(problems), len(rows))
	if len(problems) > maxProblems {
		msg += fmt.Sprintf(" (the first %d are listed)", maxProblems)
		problems = problems[:maxProblems]
	}
	return &apperr.Error{Kind: apperr.KindInvalid, Message: msg, Fields: problems}
}

func fieldsOf(err error) []apperr.FieldError {
	if e, ok := apperr.As(err); ok {
		return e.Fields
	}
	return []apperr.FieldError{{Message: err.Error()}}
}

// partnerResolver finds a partner by id or by name (any letter case), the country
// telling apart partners of one name. A cell that is both an id and a name of
// different partners is ambiguous, and an id whose partner is in another country
// than the row's is not taken. It returns 0 and no message when no partner has the
// name (one may be created), and a message when the cell is ambiguous or names an id
// that does not exist.
func partnerResolver(refs []partner.Ref) func(cell, country string) (int64, string) {
	byID := make(map[int64]partner.Ref, len(refs))
	byName := make(map[string][]partner.Ref, len(refs))
	for _, r := range refs {
		byID[r.ID] = r
		byName[strings.ToLower(r.Name)] = append(byName[strings.ToLower(r.Name)], r)
	}
	return func(cell, country string) (int64, string) {
		var named []partner.Ref
		for _, m := range byName[strings.ToLower(cell)] {
			if country == "" || m.Country == country {
				named = append(named, m)
			}
		}
		if id, err := strconv.ParseInt(cell, 10, 64); err == nil {
			byIDRef, found := byID[id]
			switch {
			case found && country != "" && byIDRef.Country != country && len(named) == 0:
				return 0, fmt.Sprintf("partner %d is in %s, not %s", id, byIDRef.Country, country)
			case found && (country == "" || byIDRef.Country == country):
				if len(named) > 0 && (len(named) > 1 || named[0].ID != id) {
					return 0, fmt.Sprintf("%q is both partner %d's id and the name of partner %d: write the name with its country, or the id alone",
						cell, id, named[0].ID)
				}
				return id, ""
			case !found && len(named) == 0:
				return 0, fmt.Sprintf("no partner has the id %d", id)
			}
		}
		switch len(named) {
		case 0:
			return 0, ""
		case 1:
			return named[0].ID, ""
		}
		countries := make([]string, len(named))
		for i, m := range named {
			countries[i] = m.Country
		}
		return 0, fmt.Sprintf("%d partners are named %q (in %s): add a country column, or use the partner's id",
			len(named), cell, strings.Join(countries, ", "))
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func columnHasData(t *Table, i int) bool {
	for _, r := range t.Rows {
		if i < len(r.Cells) && strings.TrimSpace(r.Cells[i]) != "" {
			return true
		}
	}
	return false
}

// columnLetter names a column as a spreadsheet does: A, B, ... Z, AA.
func columnLetter(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return "column " + name
}
