package statements

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
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
	zip       zipLimits
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
		// A cell's 32,767 characters, each a character reference of up to 10 bytes,
		// fit in 512 KiB.
		run: 512 << 10,
	},
}

// xmlInMemory is the size above which excelize inflates a sheet or the shared
// strings to a temporary file and reads it as a stream instead of holding it whole.
const xmlInMemory = 1 << 20

// checkZip refuses an XLSX file whose zip entries are too many or would inflate
// beyond their caps, before excelize opens it. It checks the sizes the entries
// declare, then inflates each through a limiting reader, since a declared size can
// lie (Go's zip reader also fails an entry longer than it declares).
func checkZip(data []byte, lim zipLimits) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fileError("the file looks like XLSX but cannot be opened: %v", err)
	}
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
	var actual sizes
	for _, f := range zr.File {
		n, err := inflatedSize(f, lim)
		if err != nil {
			return err
		}
		if err := actual.add(f.Name, n, lim); err != nil {
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
// checks the runs of text of the XML excelize streams.
func inflatedSize(f *zip.File, lim zipLimits) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, fileError("the part %s of the workbook cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	var sink io.Writer = io.Discard
	if !held(f.Name) {
		sink = &runChecker{limit: lim.run}
	}
	limit := lim.of(f.Name)
	n, err := io.Copy(sink, io.LimitReader(rc, limit+1))
	switch {
	case n > limit:
		return 0, tooBig(f.Name, limit)
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
