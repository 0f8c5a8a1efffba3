package statements

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"cartera/internal/kpi"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// Table is a spreadsheet of reports as read from a file: a header row and the rows
// under it, every cell as text.
type Table struct {
	Header []string
	Rows   []Row
	// Spreadsheet is true for XLSX: numbers are the binary floating-point values a
	// spreadsheet stores (1707001.6599999999 for 1707001.66) and dates may be serial
	// day numbers, so both are read as a spreadsheet means them.
	Spreadsheet bool
	// DecimalComma is true for a CSV delimited by ";" or a tab, as spreadsheets in
	// French or Spanish write them: 1234,56 is then 1234.56.
	DecimalComma bool
	// date1904 is set for a workbook counting serial dates from 1904 (older Mac Excel).
	date1904 bool
}

// Row is one row of a Table. Line is its row number as a spreadsheet shows it (the
// header is 1).
type Row struct {
	Line  int
	Cells []string
}

// Format is a file format for import and export.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ContentType is the format's media type.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// ReadTable reads a CSV or XLSX file, telling them apart by content (an XLSX file is a
// zip archive), so a misnamed upload is still read right. It stops at the first cap
// of defaultLimits exceeded, with a 422 saying which. A panic while reading (inside
// the spreadsheet library, on a file it did not expect) is a 422 too, and logged:
// one odd upload must not stop the server.
func ReadTable(data []byte) (*Table, error) {
	return readTable(data, defaultLimits)
}

func readTable(data []byte, lim limits) (*Table, error) {
	return unpanicked(len(data), func() (*Table, error) { return readAny(data, lim) })
}

func readAny(data []byte, lim limits) (*Table, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data, lim)
	}
	return readCSV(data, lim)
}

// unpanicked runs read, turning a panic into a 422 and a log entry with the stack.
func unpanicked(size int, read func() (*Table, error)) (t *Table, err error) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("reading an uploaded table panicked", "panic", r, "size", size, "stack", string(debug.Stack()))
			t, err = nil, fileError("the spreadsheet could not be read: save it again from your spreadsheet program as XLSX or CSV UTF-8")
		}
	}()
	return read()
}

// readXLSX reads the first sheet row by row, never whole: excelize's Rows iterator
// streams the sheet's XML (from a temporary file beyond xmlInMemory) and keeps only
// the rows that are not blank. Reading the sheet whole (GetRows) held ~8 GB for a
// 199 MiB sheet; the stream holds the rows kept, nothing more.
//
// Measured on the file at the caps (100,000 rows × 32 cells, 96 MiB of sheet XML, on
// the loaded 2-core machine): this reader holds 97 MB live at the end (231 MB in use
// at its peak) and took 58 s, where a bare encoding/xml token loop over the same
// sheet, reading nothing, took 30 s. A reader of our own on encoding/xml would save
// at most half the time and no memory, so excelize, which knows the format's corners
// (shared and inline strings, rich text, 1904 dates), reads it.
func readXLSX(data []byte, lim limits) (*Table, error) {
	data, err := readableXLSX(data, lim)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: lim.zip.total, UnzipXMLSizeLimit: min(xmlInMemory, lim.zip.total)})
	if err != nil {
		return nil, fileError("the file looks like XLSX but cannot be opened: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("the workbook has no sheet")
	}
	// The first sheet holds the reports; others (notes, charts) are left alone.
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileError("cannot read sheet %q: %v", sheets[0], err)
	}
	defer rows.Close()
	t := &Table{Spreadsheet: true}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		t.date1904 = *props.Date1904
	}
	b := tableBuilder{t: t, lim: lim}
	for line := 1; rows.Next(); line++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fileError("cannot read sheet %q, row %d: %v", sheets[0], line, err)
		}
		if err := b.add(line, cells); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fileError("cannot read sheet %q: %v", sheets[0], err)
	}
	if t.Header == nil {
		return nil, fileError("the first sheet is empty: it needs a header row with the column names")
	}
	return t, nil
}

func readCSV(data []byte, lim limits) (*Table, error) {
	data, err := toUTF8(data)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, fileError("the file is neither XLSX nor UTF-8 text; save it as CSV UTF-8 or as XLSX")
	}
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	delim := sniffDelimiter(string(firstLine))
	if err := checkRecords(data, byte(delim), lim); err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // ragged rows are checked per row, with their number
	cr.ReuseRecord = true   // a blank row costs nothing: only the rows kept are copied
	t := &Table{DecimalComma: delim != ','}
	b := tableBuilder{t: t, lim: lim}
	// A row's number is the one a spreadsheet shows: its first line, less the line
	// breaks inside quoted cells of the rows before it (a blank line is a row).
	embedded := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fileError("line %d: %v", pe.Line, pe.Err)
			}
			return nil, fileError("%v", err)
		}
		line, _ := cr.FieldPos(0)
		row := line - embedded
		for _, cell := range rec {
			embedded += strings.Count(cell, "\n")
		}
		if err := b.add(row, rec); err != nil {
			return nil, err
		}
	}
	if t.Header == nil {
		return nil, fileError("the file is empty: it needs a header row with the column names")
	}
	return t, nil
}

// tableBuilder adds the rows read to a table, within the caps: the first row is the
// header, blank rows are skipped (an import skips them anyway) and the first cap
// exceeded stops the reading.
type tableBuilder struct {
	t           *Table
	lim         limits
	cells, text int
}

// add keeps the row numbered line, copying cells (a reader may reuse the slice).
func (b *tableBuilder) add(line int, cells []string) error {
	n := len(cells)
	for n > 0 && cells[n-1] == "" {
		n-- // trailing empty cells say nothing
	}
	if b.t.Header != nil || len(cells) > b.lim.columns {
		// The header keeps them, within the cap, so that a value under no name is
		// reported as such.
		cells = cells[:n]
	}
	if n > b.lim.columns {
		return fileError("row %d has more than %s cells; an import has at most %s columns", line, thousands(b.lim.columns), thousands(b.lim.columns))
	}
	size := 0
	for i, c := range cells {
		if len(c) > b.lim.cellBytes {
			return fileError("row %d, %s: the cell has more than %s characters", line, columnLetter(i), thousands(b.lim.cellBytes))
		}
		size += len(c)
	}
	if b.t.Header == nil {
		b.t.Header = append([]string{}, cells...) // the first row, even empty, is the header
		return nil
	}
	if blank(cells) {
		return nil
	}
	if len(b.t.Rows) == b.lim.rows {
		return fileError("the file has more than %s rows; split it", thousands(b.lim.rows))
	}
	b.cells += len(cells)
	b.text += size
	if b.cells > b.lim.cells || b.text > b.lim.textBytes {
		return fileError("the file has more than %s cells or %s of text; split it", thousands(b.lim.cells), mib(int64(b.lim.textBytes)))
	}
	b.t.Rows = append(b.t.Rows, Row{Line: line, Cells: slices.Clone(cells)})
	return nil
}

// toUTF8 drops a UTF-8 byte-order mark and decodes UTF-16 (what spreadsheets call
// "Unicode text"), which both start with a byte-order mark.
func toUTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, _, err := transform.Bytes(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder(), data)
		if err != nil {
			return nil, fileError("cannot read the UTF-16 text: %v", err)
		}
		return out, nil
	}
	return data, nil
}

// sniffDelimiter picks the separator the header line uses most, outside quotes:
// spreadsheets write "," or ";" (where the decimal mark is a comma), or a tab.
func sniffDelimiter(header string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range header {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

func fileError(format string, args ...any) error {
	return apperr.Invalid(apperr.FieldError{Field: "file", Message: fmt.Sprintf(format, args...)})
}

// parseNumber reads a figure's cell. In a spreadsheet a number is a binary float:
// amounts are rounded to cents and counts to whole numbers when within a hair of one.
func (t *Table) parseNumber(in kpi.Input, cell string) (*decimal.Decimal, string) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return nil, ""
	}
	if t.DecimalComma && strings.Contains(s, ",") {
		if strings.Contains(s, ".") {
			return nil, fmt.Sprintf("%q: write numbers without thousands separators, e.g. 1234567,89", s)
		}
		s = strings.Replace(s, ",", ".", 1)
	}
	kind := "a number such as 1250.50"
	if in.Kind == kpi.Count {
		kind = "a whole number"
	}
	v, err := decimal.Parse(money.TrimZeros(s))
	if err == nil && strings.ContainsAny(s, "eE") {
		err = errors.New("exponent") // only a spreadsheet's own numbers may use one
	}
	if err == nil && !t.Spreadsheet {
		err = money.CheckDigits(s) // a CSV's digits are the figure: never rounded silently
	}
	if err != nil && t.Spreadsheet {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			v, err = decimal.NewFromFloat64(f)
		}
	}
	if err != nil {
		return nil, fmt.Sprintf("%q is not %s", cell, kind)
	}
	if t.Spreadsheet {
		// A binary float's noise (1707001.6599999999 for 1707001.66) is snapped to the
		// cents or whole number meant; a real third decimal is reported, as in a CSV.
		places := 2
		if in.Kind == kpi.Count {
			places = 0
		}
		if snapped := v.Round(places); isFloatNoise(v, snapped) {
			v = snapped
		}
	}
	return &v, ""
}

// isFloatNoise reports whether v differs from snapped by no more than a float64's
// rounding of a value that size (about 16 significant digits).
func isFloatNoise(v, snapped decimal.Decimal) bool {
	diff, err := v.Sub(snapped)
	if err != nil {
		return false
	}
	limit, err := snapped.Abs().Mul(decimal.MustParse("0.000000000001"))
	if err != nil {
		return false
	}
	return diff.CmpAbs(limit) <= 0 || diff.CmpAbs(decimal.MustParse("0.0000000001")) <= 0
}

// parseInt reads a whole-number cell such as months.
func (t *Table) parseInt(cell string) (int, bool) {
	s := strings.TrimSpace(cell)
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if t.Spreadsheet {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) {
			return int(f), true
		}
	}
	return 0, false
}

// parseDate reads YYYY-MM-DD, or in a spreadsheet a cell formatted as a date (a
// serial day number).
func (t *Table) parseDate(cell string) (time.Time, string) {
	s := strings.TrimSpace(cell)
	if d, err := civil.Parse(s); err == nil {
		return d, ""
	}
	if t.Spreadsheet {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			if d, err := excelize.ExcelDateToTime(f, t.date1904); err == nil {
				return civil.Of(d), ""
			}
		}
	}
	return time.Time{}, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", cell)
}
