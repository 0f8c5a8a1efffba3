package statements

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/csvsafe"
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

// maxProblems bounds the problems kept for one file: the rest are only counted, so a
// file of 100,000 bad rows costs no more memory than one of 1,000 (a million rows
// once collected 3 million problems, 3 GB). The message gives the total.
const maxProblems = 1000

// importRow is a row read and checked, waiting for its partner.
type importRow struct {
	line        int
	partner     string
	country     string
	legalStatus string
	newFields   partner.Fields // for a partner to create
	report      kpi.Statement
}

// Import stores every report of a table, or none: a file with any bad row is refused
// with every problem listed by row and column. Reports identical to the stored ones
// change nothing, so importing a file twice is harmless.
func (s *Service) Import(ctx context.Context, actor audit.Actor, t *Table, opts ImportOptions) (ImportResult, error) {
	im := &importer{s: s, t: t, opts: opts,
		res: ImportResult{DryRun: opts.DryRun, PartnersCreated: []partner.Ref{}, IgnoredColumns: []string{}}}
	if !im.readHeader() {
		return im.res, importError(im.problems, im.unlisted)
	}
	im.today = s.clock.Today()
	im.checkRows()
	// The rows are read: the table's text (about 100 MB at the caps) can go before
	// the partners are resolved and the reports written.
	im.t = nil
	if err := im.resolvePartners(ctx); err != nil {
		return im.res, err
	}
	im.checkOneReportPerMonth()
	if len(im.problems) > 0 {
		return im.res, importError(im.problems, im.unlisted)
	}

	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error { return im.write(ctx, tx, actor) })
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return ImportResult{DryRun: opts.DryRun}, err
	}
	return im.res, nil
}

// importer holds one import's state across its phases: read the header, check each
// row, resolve the partners, then write. Every phase adds to problems rather than
// stopping, so that a refused file lists all that is wrong with it at once.
type importer struct {
	s        *Service
	t        *Table
	opts     ImportOptions
	today    time.Time
	res      ImportResult
	problems []apperr.FieldError
	unlisted int            // problems found beyond maxProblems, counted only
	cols     map[string]int // canonical column name → its index in the table
	rows     []importRow    // the rows that are not blank, checked
	// reports has one report per row of rows, PartnerID zero until known; rows of
	// partners to create have createdIndex 1 + their partner's index in creates.
	reports      []Statement
	creates      []importRow
	createdIndex []int
}

func (im *importer) problem(line int, column, format string, args ...any) {
	if len(im.problems) >= maxProblems {
		im.unlisted++
		return
	}
	im.problems = append(im.problems, apperr.FieldError{Row: line, Column: column, Field: column, Message: fmt.Sprintf(format, args...)})
}

// readHeader maps the header's columns and reports whether the rows can be read.
func (im *importer) readHeader() bool {
	// The header: canonical names in any order and letter case.
	im.cols = map[string]int{}
	for i, h := range im.t.Header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "":
			if columnHasData(im.t, i) {
				im.problem(1, columnLetter(i), "has values but no name in the header row")
			}
		case !knownColumn(name):
			if im.opts.IgnoreUnknownColumns {
				im.res.IgnoredColumns = append(im.res.IgnoredColumns, strings.TrimSpace(h))
			} else {
				im.problem(1, strings.TrimSpace(h), "is not a known column: use partner, country, period_end, months, currency and the figures' "+
					"canonical names (gross_loan_portfolio, ...), or import with ignore_unknown_columns=true to skip it")
			}
		default:
			if _, dup := im.cols[name]; dup {
				im.problem(1, name, "appears twice in the header row")
			}
			im.cols[name] = i
		}
	}
	for _, required := range []string{colPartner, colPeriodEnd, colMonths, colCurrency} {
		if _, ok := im.cols[required]; !ok {
			im.problem(1, required, "is required: the header row has no %s column", required)
		}
	}
	return len(im.problems) == 0
}

// absentFigures are the figures the file has no column for.
func (im *importer) absentFigures() []kpi.Input {
	// Figures the file has no column for keep what is stored; an empty cell clears one.
	var keep []kpi.Input
	for _, in := range kpi.Inputs {
		if _, ok := im.cols[in.Name]; !ok {
			keep = append(keep, in)
		}
	}
	return keep
}

// checkRows reads every row that is not blank into rows.
func (im *importer) checkRows() {
	// Each row on its own: types, then the rules a report obeys.
	for _, r := range im.t.Rows {
		if blank(r.Cells) {
			continue
		}
		im.res.Rows++
		im.rows = append(im.rows, im.checkRow(r))
	}
	if im.res.Rows == 0 {
		im.problem(2, "", "the file has a header row but no reports under it")
	}
}

// cell is the trimmed text of a row's cell in the named column, "" when there is none.
func (im *importer) cell(r Row, name string) string {
	i, ok := im.cols[name]
	if !ok || i >= len(r.Cells) {
		return ""
	}
	return strings.TrimSpace(r.Cells[i])
}

// textCell is the text of a row's cell in the named column, less the quote an export
// (ours, or a spreadsheet's) puts in front of text a spreadsheet would run as a
// formula, so that export then import changes nothing. Figures are read by cell: a
// quoted number is text, not a number.
func (im *importer) textCell(r Row, name string) string {
	return csvsafe.Unquote(im.cell(r, name))
}

// checkRow reads one row's partner and report, noting each problem of its cells,
// then those of the rules a report obeys.
func (im *importer) checkRow(r Row) importRow {
	im.checkCells(r)
	row := importRow{line: r.Line, partner: im.textCell(r, colPartner), country: strings.ToUpper(im.textCell(r, colCountry)),
		legalStatus: strings.ToLower(im.textCell(r, colLegalStatus))}
	badCols := map[string]bool{}
	bad := func(column, format string, args ...any) {
		badCols[column] = true
		im.problem(r.Line, column, format, args...)
	}
	if row.partner == "" {
		bad(colPartner, "is required (the partner's id or exact name)")
	}
	if v := im.cell(r, colPeriodEnd); v == "" {
		bad(colPeriodEnd, "is required (YYYY-MM-DD)")
	} else if d, msg := im.t.parseDate(v); msg != "" {
		bad(colPeriodEnd, "%s", msg)
	} else {
		row.report.PeriodEnd = d
	}
	if v := im.cell(r, colMonths); v == "" {
		bad(colMonths, "is required: 3, 6 or 12")
	} else if n, ok := im.t.parseInt(v); !ok {
		bad(colMonths, "%q is not 3, 6 or 12", v)
	} else {
		row.report.Months = n
	}
	row.report.Currency = im.textCell(r, colCurrency)
	for _, in := range kpi.Inputs {
		v, msg := im.t.parseNumber(in, im.cell(r, in.Name))
		if msg != "" {
			bad(in.Name, "%s", msg)
			continue
		}
		in.Set(&row.report.Figures, v)
	}
	Normalize(&row.report)
	im.checkRules(r.Line, row.report, badCols)
	return row
}

// checkCells notes the cells a row cannot have: beyond the header's columns, or with
// a NUL character.
func (im *importer) checkCells(r Row) {
	header := im.t.Header
	if len(r.Cells) > len(header) && !blank(r.Cells[len(header):]) {
		im.problem(r.Line, columnLetter(len(header)), "the row has more cells than the header row has columns")
	}
	for i, c := range r.Cells {
		if strings.ContainsRune(c, 0) {
			name := columnLetter(i)
			if i < len(header) && strings.TrimSpace(header[i]) != "" {
				name = strings.ToLower(strings.TrimSpace(header[i]))
			}
			im.problem(r.Line, name, "contains a NUL character, which cannot be stored")
		}
	}
}

// checkRules notes where a row's report breaks the rules a report obeys, but not in
// the columns already found unreadable (badCols).
func (im *importer) checkRules(line int, report kpi.Statement, badCols map[string]bool) {
	err := Validate(report, im.today)
	if err == nil {
		return
	}
	for _, f := range fieldsOf(err) {
		// "no figure" says nothing new when a figure was there but unreadable.
		if !badCols[f.Field] && !(f.Field == "figures" && len(badCols) > 0) {
			column := f.Field
			if column == "figures" {
				column = ""
			}
			im.problem(line, column, "%s", f.Message)
		}
	}
}

// resolvePartners finds each row's partner, or plans its creation when asked.
func (im *importer) resolvePartners(ctx context.Context) error {
	// Partners: by id or name; new ones created when asked.
	refs, err := im.s.partners.Refs(ctx, partner.Filter{})
	if err != nil {
		return err
	}
	resolve := partnerResolver(refs)
	im.reports = make([]Statement, len(im.rows))
	im.createdIndex = make([]int, len(im.rows))
	toCreate := map[string]int{} // lower(name)|country → index in creates
	for i, row := range im.rows {
		if row.partner == "" {
			continue
		}
		id, msg := resolve(row.partner, row.country)
		switch {
		case id != 0:
			im.reports[i] = Statement{PartnerID: id, Statement: row.report}
		case msg != "":
			im.problem(row.line, colPartner, "%s", msg)
		case !im.opts.CreatePartners:
			im.problem(row.line, colPartner, "no partner is named %q: create it first, or import with create_partners=true "+
				"(with a country column)", row.partner)
		default:
			im.planCreate(i, row, toCreate)
		}
	}
	return nil
}

// planCreate plans the creation of row i's partner, once for all the rows naming it
// in the same country.
func (im *importer) planCreate(i int, row importRow, toCreate map[string]int) {
	key := strings.ToLower(row.partner) + "|" + row.country
	if j, ok := toCreate[key]; ok {
		im.createdIndex[i] = j + 1
		im.reports[i] = Statement{Statement: row.report}
		return
	}
	f, ok := im.newPartnerFields(row)
	if !ok {
		return
	}
	row.newFields = f
	toCreate[key] = len(im.creates)
	im.creates = append(im.creates, row)
	im.createdIndex[i] = len(im.creates)
	im.reports[i] = Statement{Statement: row.report}
}

// newPartnerFields are the fields of the partner a row names, and whether they are
// valid; each problem is noted under the column it comes from.
func (im *importer) newPartnerFields(row importRow) (partner.Fields, bool) {
	f := partner.Fields{Name: row.partner, Country: row.country, LegalStatus: partner.OtherStatus}
	if row.legalStatus != "" {
		f.LegalStatus = partner.LegalStatus(row.legalStatus)
	}
	f.Normalize()
	err := f.Validate(im.today.Year())
	if err == nil {
		return f, true
	}
	for _, fe := range fieldsOf(err) {
		column := map[string]string{"name": colPartner, "country": colCountry, "legal_status": colLegalStatus}[fe.Field]
		if column == colCountry && f.Country == "" {
			fe.Message = fmt.Sprintf("is required to create the partner %q (ISO 3166-1 alpha-2, e.g. BO)", row.partner)
		}
		im.problem(row.line, column, "%s", fe.Message)
	}
	return f, false
}

// checkOneReportPerMonth notes the rows repeating an earlier row's partner and month.
func (im *importer) checkOneReportPerMonth() {
	// One report per partner and month in a file.
	seen := map[partnerMonth]int{}
	for i, r := range im.reports {
		pid := r.PartnerID
		if im.createdIndex[i] > 0 {
			pid = -int64(im.createdIndex[i]) // a partner yet to be created
		}
		if pid == 0 || r.PeriodEnd.IsZero() {
			continue
		}
		k := keyOf(pid, r.PeriodEnd)
		if first, dup := seen[k]; dup {
			im.problem(im.rows[i].line, colPeriodEnd, "row %d already has this partner's report for %s", first, r.PeriodEnd.Format("January 2006"))
			continue
		}
		seen[k] = im.rows[i].line
	}
}

// write creates the partners and stores the reports in tx, comparing each with what
// is stored (store audits what it writes). A dry run, or a report clashing with the
// stored ones, rolls everything back.
func (im *importer) write(ctx context.Context, tx *sqlx.Tx, actor audit.Actor) error {
	created, err := im.createPartners(ctx, tx, actor)
	if err != nil {
		return err
	}
	for i := range im.reports {
		if im.createdIndex[i] > 0 {
			im.reports[i].PartnerID = created[im.createdIndex[i]-1]
		}
	}
	results, err := im.s.store(ctx, tx, actor, im.reports, im.absentFigures())
	if err != nil {
		return err
	}
	im.count(results)
	if len(im.problems) > 0 {
		return importError(im.problems, im.unlisted)
	}
	if im.opts.DryRun {
		for i := range im.res.PartnersCreated {
			im.res.PartnersCreated[i].ID = 0 // rolled back: the partner does not exist
		}
		return errDryRun
	}
	return nil
}

// createPartners creates the partners to create, returning their ids in the order
// of creates.
func (im *importer) createPartners(ctx context.Context, tx *sqlx.Tx, actor audit.Actor) ([]int64, error) {
	created := make([]int64, len(im.creates))
	for j, c := range im.creates {
		p, err := im.s.partners.CreateInTx(ctx, tx, actor, c.newFields)
		if err != nil {
			return nil, err
		}
		created[j] = p.ID
		im.res.PartnersCreated = append(im.res.PartnersCreated, partner.Ref{ID: p.ID, Name: p.Name, Country: p.Country,
			LegalStatus: p.LegalStatus, Methodology: p.Methodology})
	}
	return created, nil
}

// count adds store's outcomes to the result, and its refusals to the problems.
func (im *importer) count(results []stored) {
	for i, r := range results {
		switch {
		case r.conflict != nil:
			im.problem(im.rows[i].line, colPeriodEnd, "%s", conflictMessage(*r.conflict))
		case r.invalid != nil:
			for _, f := range fieldsOf(r.invalid) {
				im.problem(im.rows[i].line, f.Field, "%s (with the figures stored for this period that the file has no column for)", f.Message)
			}
		case r.outcome == Created:
			im.res.Created++
		case r.outcome == Replaced:
			im.res.Replaced++
		default:
			im.res.Unchanged++
		}
	}
}

// errDryRun rolls a dry run's transaction back once everything has been computed.
var errDryRun = errors.New("dry run")

// importError lists the problems kept, by row, saying how many more were found.
func importError(problems []apperr.FieldError, unlisted int) error {
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Row < problems[j].Row })
	rows := map[int]bool{}
	for _, p := range problems {
		rows[p.Row] = true
	}
	msg := fmt.Sprintf("nothing was imported: %d problems in %d rows", len(problems), len(rows))
	if unlisted > 0 {
		msg = fmt.Sprintf("nothing was imported: %s problems in %d rows are listed, and %s more", thousands(len(problems)), len(rows), thousands(unlisted))
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
	ix := partnerIndex{byID: make(map[int64]partner.Ref, len(refs)), byName: make(map[string][]partner.Ref, len(refs))}
	for _, r := range refs {
		ix.byID[r.ID] = r
		ix.byName[strings.ToLower(r.Name)] = append(ix.byName[strings.ToLower(r.Name)], r)
	}
	return ix.resolve
}

// partnerIndex is the partners by id and by lower-case name.
type partnerIndex struct {
	byID   map[int64]partner.Ref
	byName map[string][]partner.Ref
}

func (ix partnerIndex) resolve(cell, country string) (int64, string) {
	var named []partner.Ref
	for _, m := range ix.byName[strings.ToLower(cell)] {
		if country == "" || m.Country == country {
			named = append(named, m)
		}
	}
	if id, err := strconv.ParseInt(cell, 10, 64); err == nil {
		if resolved, msg, decided := ix.resolveID(cell, id, country, named); decided {
			return resolved, msg
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

// resolveID resolves a cell that reads as the id id, given the partners named by it
// in the row's country; decided is false when the cell is to be taken as a name.
func (ix partnerIndex) resolveID(cell string, id int64, country string, named []partner.Ref) (resolved int64, msg string, decided bool) {
	byIDRef, found := ix.byID[id]
	switch {
	case found && country != "" && byIDRef.Country != country && len(named) == 0:
		return 0, fmt.Sprintf("partner %d is in %s, not %s", id, byIDRef.Country, country), true
	case found && (country == "" || byIDRef.Country == country):
		if len(named) > 0 && (len(named) > 1 || named[0].ID != id) {
			return 0, fmt.Sprintf("%q is both partner %d's id and the name of partner %d: write the name with its country, or the id alone",
				cell, id, named[0].ID), true
		}
		return id, "", true
	case !found && len(named) == 0:
		return 0, fmt.Sprintf("no partner has the id %d", id), true
	}
	return 0, "", false
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
