package statements

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"cartera/internal/platform/apperr"
)

// Limits of an uploaded table, checked while it is read so that no file, however
// built, makes the server hold more than a bounded amount of memory: a 713 KB XLSX
// whose sheet inflated to 199 MiB once made it use 8.3 GB, and a 5 MB CSV of a
// million near-empty rows 3 GB (issue 17).
//
// The caps are set from measurements of a real `cartera serve` (cmd/cartera,
// TestImportLimitsBoundServerMemory; numbers in docs/PERFORMANCE.md): a valid file
// right at the caps, 100,000 reports of every column, keeps the server's peak
// resident memory well under 500 MB.
type limits struct {
	rows      int // data rows that are not blank, the header excluded
	columns   int // cells in one row, trailing empty cells excluded
	cells     int // cells of all the rows kept
	cellBytes int // bytes in one cell
	textBytes int // bytes in all the cells kept
	// rowCells bounds the cells of one row as read, empty ones included, before
	// the column cap (which does not count trailing empty cells) can see them: a
	// 16 MB CSV line of commas once made encoding/csv hold 1.6 GB, an XLSX row of
	// millions of <c> excelize 820 MB. 16,384 is the most columns a spreadsheet has.
	rowCells int
	// recordBytes bounds a CSV record (line breaks in quoted cells included),
	// which encoding/csv holds whole and copies: 200 full cells fit.
	recordBytes int
	// sheetRows and sheetCells bound the <row> and <c> elements of the sheet read,
	// blank or not: 160 MiB of <row/>, all skipped as blank, once took a minute.
	sheetRows, sheetCells int
	zip                   zipLimits
}

// zipLimits bound an XLSX file's zip entries, checked before the workbook is
// opened: their count, and each entry's inflated size by kind.
type zipLimits struct {
	entries       int
	sheet         int64 // xl/worksheets/sheet*: read as a stream from a temporary file
	sharedStrings int64 // xl/sharedStrings.xml
	other         int64 // workbook, styles, relationships, media: held whole by excelize
	others        int64 // all the entries excelize holds whole, together
	total         int64 // all entries together
	// structure bounds [Content_Types].xml, the relationships and the workbook's
	// own part, which are decoded whole (here and by excelize).
	structure int64
	// run bounds the bytes between two '<' or '>' of a sheet or the shared strings:
	// a text or a tag, which excelize's XML decoder holds whole (and copies) before
	// the cell cap can see it, so one 150 MiB cell would cost several times that.
	run int64
}

// defaultLimits are the caps of every import. An import has 5 + 27 columns; 200
// leaves room for notes beside them. 32,767 characters is a spreadsheet's own limit
// for a cell. 4,000,000 cells is 100,000 rows of every column and some more.
var defaultLimits = limits{
	rows:      100_000,
	columns:   200,
	cells:     4_000_000,
	cellBytes: 32_767,
	textBytes: 64 << 20,
	rowCells:  16_384,
	// 200 cells of 32,767 bytes, and their delimiters.
	recordBytes: 8 << 20,
	// Four times the rows and twice the cells an import keeps leave room for blank
	// rows and formatted empty cells; reading that many takes seconds, not minutes.
	sheetRows:  400_000,
	sheetCells: 8_000_000,
	zip: zipLimits{
		entries: 1000,
		// A sheet of 100,000 rows of every figure is about 110 MiB of XML. It is
		// inflated to a temporary file and read row by row, so its size costs disk,
		// not memory.
		sheet: 160 << 20,
		// excelize indexes shared strings (one offset pair, about 48 bytes, for each
		// <si>, which can be 5 bytes): 8 MiB of them is at most ~80 MB of index. Text
		// a file repeats is stored once there, so real imports need far less.
		sharedStrings: 8 << 20,
		// excelize holds every other part in memory as it opens the workbook (only
		// sheets and shared strings go to temporary files), so those are bounded
		// one by one and together.
		other:  8 << 20,
		others: 24 << 20,
		total:  192 << 20,
		// A workbook's list of sheets and the relationships are a few KiB.
		structure: 1 << 20,
		// A cell's 32,767 characters, each a character reference of up to 10 bytes,
		// fit in 512 KiB.
		run: 512 << 10,
	},
}

// xmlInMemory is the size above which excelize inflates a sheet or the shared
// strings to a temporary file and reads it as a stream instead of holding it whole.
const xmlInMemory = 1 << 20

// readableXLSX checks an XLSX file's zip entries against their caps and returns the
// file rebuilt with only the entries reading its first sheet needs, so that nothing
// excelize decodes whole as it opens a workbook (styles, calculation chain, theme:
// 13 KB of <xf/> in the styles once took 672 MB) is ever opened.
func readableXLSX(data []byte, lim limits) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fileError("the file looks like XLSX but cannot be opened: %v", err)
	}
	if err := checkDeclared(zr, lim.zip); err != nil {
		return nil, err
	}
	parts, err := locateParts(zr, lim.zip)
	if err != nil {
		return nil, err
	}
	if err := checkInflated(zr, lim, parts.sheet); err != nil {
		return nil, err
	}
	return parts.rebuild(zr)
}

// checkDeclared refuses a workbook of too many entries, or whose entries declare
// sizes beyond their caps.
func checkDeclared(zr *zip.Reader, lim zipLimits) error {
	if len(zr.File) > lim.entries {
		return fileError("the workbook has %d parts, more than the %s allowed: save it again as a plain XLSX workbook",
			len(zr.File), thousands(lim.entries))
	}
	var declared sizes
	for _, f := range zr.File {
		limit := lim.of(f.Name)
		if f.UncompressedSize64 > uint64(limit) {
			return tooBig(f.Name, limit)
		}
		if err := declared.add(f.Name, int64(min(f.UncompressedSize64, 1<<62)), lim); err != nil {
			return err
		}
	}
	return nil
}

// checkInflated inflates each entry through a limiting reader, since a declared
// size can lie (Go's zip reader also fails an entry longer than it declares), and
// counts the rows and cells of sheet, the entry read.
func checkInflated(zr *zip.Reader, lim limits, sheet string) error {
	var actual sizes
	for _, f := range zr.File {
		var tags *tagCounter
		if f.Name == sheet {
			tags = &tagCounter{lim: lim, part: f.Name}
		}
		n, err := inflatedSize(f, lim.zip, tags)
		if err != nil {
			return err
		}
		if err := actual.add(f.Name, n, lim.zip); err != nil {
			return err
		}
	}
	return nil
}

// sizes adds up a workbook's entries: all of them, and those excelize holds whole.
type sizes struct{ total, held int64 }

func (s *sizes) add(name string, n int64, lim zipLimits) error {
	s.total += n
	if held(name) {
		s.held += n
	}
	switch {
	case s.total > lim.total:
		return fileError("the workbook inflates to more than the %s allowed: keep only the sheet of reports, or split it", mib(lim.total))
	case s.held > lim.others:
		return fileError("the workbook's parts other than its sheets inflate to more than the %s allowed: keep only the sheet of reports "+
			"(no pictures or other sheets' objects)", mib(lim.others))
	}
	return nil
}

// of is the cap of the entry named name.
func (lim zipLimits) of(name string) int64 {
	switch {
	case isSharedStrings(name):
		return lim.sharedStrings
	case isSheet(name):
		return lim.sheet
	case strings.HasSuffix(name, ".rels") || strings.EqualFold(name, contentTypes):
		return lim.structure
	}
	return lim.other
}

// isSheet and isSharedStrings tell the entries excelize streams from a temporary
// file (beyond xmlInMemory) as it does: by name, any letter case.
func isSheet(name string) bool {
	return strings.HasPrefix(strings.ToLower(strings.ReplaceAll(name, "\\", "/")), "xl/worksheets/sheet")
}

func isSharedStrings(name string) bool { return strings.EqualFold(name, "xl/sharedStrings.xml") }

// held reports whether excelize holds the entry whole in memory.
func held(name string) bool { return !isSheet(name) && !isSharedStrings(name) }

// inflatedSize inflates an entry into nothing, stopping one byte past its cap, and
// checks the runs of text of the XML excelize streams, and the rows and cells of
// the sheet read when tags is not nil.
func inflatedSize(f *zip.File, lim zipLimits, tags *tagCounter) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fileError("the part %s of the workbook cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	var sink io.Writer = io.Discard
	if !held(f.Name) || tags != nil {
		sink = &runChecker{limit: lim.run}
	}
	if tags != nil {
		sink = io.MultiWriter(sink, tags)
	}
	limit := lim.of(f.Name)
	n, err := io.Copy(sink, io.LimitReader(rc, limit+1))
	switch {
	case n > limit:
		return 0, tooBig(f.Name, limit)
	case isFileError(err):
		return 0, err
	case errors.Is(err, errLongRun):
		return 0, fileError("the part %s of the workbook has a text or tag longer than %s: a cell has at most 32,767 characters",
			f.Name, kib(lim.run))
	case errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum):
		return 0, fileError("the part %s of the workbook is damaged or larger than its header says", f.Name)
	case err != nil:
		return 0, fileError("the part %s of the workbook cannot be read: %v", f.Name, err)
	}
	return n, nil
}

var errLongRun = errors.New("a run of XML text too long")

// runChecker fails a write once more than limit bytes pass without a '<' or '>'.
type runChecker struct{ run, limit int64 }

func (c *runChecker) Write(p []byte) (int, error) {
	for rest := p; ; {
		i := bytes.IndexAny(rest, "<>")
		if i < 0 {
			c.run += int64(len(rest))
			break
		}
		if c.run+int64(i) > c.limit {
			return 0, errLongRun
		}
		c.run, rest = 0, rest[i+1:]
	}
	if c.run > c.limit {
		return 0, errLongRun
	}
	return len(p), nil
}

func kib(n int64) string { return strconv.FormatInt(n>>10, 10) + " KiB" }

func tooBig(name string, limit int64) error {
	return fileError("the part %s of the workbook inflates to more than the %s allowed: keep only the sheet of reports, or split it",
		name, mib(limit))
}

func mib(n int64) string {
	return strconv.FormatInt((n+(1<<20)-1)>>20, 10) + " MiB"
}

// thousands writes n with a comma between thousands, as the messages do.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// tagCounter counts the <row> and <c> elements of a sheet's XML as it streams
// past, tags split across writes included, and fails once a row holds more than
// rowCells cells or the sheet more than sheetRows rows or sheetCells cells. excelize
// keeps a cell for every <c> of a row, even an empty one, and reads every row, even
// a blank one, before the caps on what is kept can see them.
type tagCounter struct {
	lim                   limits
	part                  string
	naming                bool     // inside a tag's name, after its '<'
	name                  [16]byte // a prefix and "row" fit
	n                     int      // bytes of the name so far (beyond len(name): not a tag counted)
	rows, cells, rowCells int
}

func (c *tagCounter) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0; {
		if !c.naming {
			i := bytes.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			c.naming, c.n, rest = true, 0, rest[i+1:]
			continue
		}
		b := rest[0]
		rest = rest[1:]
		switch b {
		case ' ', '\t', '\r', '\n', '/', '>':
			c.naming = false
			if err := c.tag(); err != nil {
				return 0, err
			}
		default:
			if c.n < len(c.name) {
				c.name[c.n] = b
			}
			c.n++
		}
	}
	return len(p), nil
}

// tag counts the tag just named: <row> or <c>, with or without a namespace prefix
// (a name longer than the buffer is neither; an end tag has an empty name).
func (c *tagCounter) tag() error {
	if c.n > len(c.name) {
		return nil
	}
	name := c.name[:c.n]
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	switch string(name) {
	case "row":
		c.rows, c.rowCells = c.rows+1, 0
		if c.rows > c.lim.sheetRows {
			return fileError("the sheet (%s) has more than %s rows, blank or not; an import has at most %s: split it, or delete the empty rows",
				c.part, thousands(c.lim.sheetRows), thousands(c.lim.rows))
		}
	case "c":
		c.cells, c.rowCells = c.cells+1, c.rowCells+1
		if c.rowCells > c.lim.rowCells {
			return fileError("row %s of the sheet (%s) has more than %s cells, more than a spreadsheet holds; an import has at most %s columns",
				thousands(c.rows), c.part, thousands(c.lim.rowCells), thousands(c.lim.columns))
		}
		if c.cells > c.lim.sheetCells {
			return fileError("the sheet (%s) has more than %s cells, empty or not; an import has at most %s: split it",
				c.part, thousands(c.lim.sheetCells), thousands(c.lim.cells))
		}
	}
	return nil
}

// checkRecords refuses, before encoding/csv reads a record whole, one with more
// cells than a spreadsheet holds or more bytes than recordBytes, naming its line:
// encoding/csv builds the whole record (a field for each delimiter) before the
// column cap can count them. Quotes are followed as encoding/csv does for a valid
// file; a bare quote it refuses anyway.
func checkRecords(data []byte, delim byte, lim limits) error {
	line, recordLine, start, cells, quoted := 1, 1, 0, 1, false
	for i, b := range data {
		switch {
		case b == '"':
			quoted = !quoted
		case b == delim && !quoted:
			if cells++; cells > lim.rowCells {
				return fileError("line %s has more than %s cells, more than a spreadsheet holds; an import has at most %s columns",
					thousands(recordLine), thousands(lim.rowCells), thousands(lim.columns))
			}
		case b == '\n':
			line++
			if !quoted {
				recordLine, start, cells = line, i+1, 1
			}
		}
		if i-start >= lim.recordBytes {
			return fileError("line %s is longer than %s; an import has at most %s columns of %s characters",
				thousands(recordLine), mib(int64(lim.recordBytes)), thousands(lim.columns), thousands(lim.cellBytes))
		}
	}
	return nil
}

// isFileError reports whether err is already the 422 about the file to answer.
func isFileError(err error) bool {
	_, ok := apperr.As(err)
	return ok
}
