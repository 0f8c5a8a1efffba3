package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cartera/internal/platform/pgtest"
	"cartera/internal/statements"
	"cartera/internal/statements/xlsxgen"
)

// TestImportLimitsBoundServerMemory is issue 17's memory promise, measured on a real
// `cartera serve`: each upload that once took gigabytes (a sheet bomb, a bomb in the
// shared strings, a zip header that lies, a CSV of a million near-empty rows, a CSV
// line of 16 million commas, an XLSX row of millions of cells or millions of blank
// rows) is a 422 saying why, a workbook whose styles or calculation chain would
// inflate to hundreds of MB in memory is read without them, a valid file right at the caps is read and checked, and through
// all of them the server's peak resident memory (VmHWM) stays under 500 MB.
func TestImportLimitsBoundServerMemory(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	srv := startServer(t, dataDir(t), "DATABASE_URL="+dsn, "CARTERA_DEMO=true")
	tok := runCartera(t, "", []string{"token", "create", "--email", "admin@cartera.example", "--name", "limits"}, "DATABASE_URL="+dsn)
	if tok.code != 0 {
		t.Fatalf("token create: exit %d\n%s", tok.code, tok.stderr)
	}
	token := strings.TrimSpace(tok.stdout)

	for _, tc := range []struct {
		name   string
		data   func(t *testing.T) []byte
		status int
		want   string
	}{
		{"sheet bomb", sheetBomb, 422, "the part xl/worksheets/sheet1.xml of the workbook inflates to more than the 160 MiB allowed"},
		{"shared strings bomb", sharedStringsBomb, 422, "the part xl/sharedStrings.xml of the workbook inflates to more than the 8 MiB allowed"},
		{"lying zip header", lyingHeader, 422, "the part xl/worksheets/sheet1.xml of the workbook is damaged or larger than its header says"},
		{"a million near-empty CSV rows", millionRows, 422, "the file has more than 100,000 rows; split it"},
		{"a CSV line of 16 million commas", wideLine, 422, "line 1 has more than 16,384 cells, more than a spreadsheet holds"},
		{"an XLSX row of 15 million cells", wideRow, 422, "row 1 of the sheet (xl/worksheets/sheet1.xml) has more than 16,384 cells"},
		{"27 million blank XLSX rows", blankRows, 422, "the sheet (xl/worksheets/sheet1.xml) has more than 400,000 rows, blank or not"},
		// The styles and the calculation chain are never opened: the rows are read
		// (and their problems reported) as if the parts were not there.
		{"a styles bomb", stylesBomb, 422, "must be in 1950 or later"},
		{"a calculation chain bomb", calcChainBomb, 422, "must be in 1950 or later"},
		{"a valid XLSX at the caps", atTheCaps, 200, `"rows":100000`},
	} {
		data := tc.data(t)
		start := time.Now()
		code, body := postImport(t, srv.url, token, data)
		elapsed := time.Since(start)
		if code != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %.600s\nwant %d with %q", tc.name, code, body, tc.status, tc.want)
		}
		t.Logf("%s: %d KB uploaded, answered %d in %v, VmHWM so far %d MB", tc.name, len(data)>>10, code, elapsed.Round(time.Millisecond), peakRSS(t, srv.cmd.Process.Pid)>>20)
	}
	if peak := peakRSS(t, srv.cmd.Process.Pid); peak >= 500<<20 {
		t.Errorf("the server's peak resident memory is %d MB, want under 500 MB", peak>>20)
	}
	srv.stop(t)
}

func postImport(t *testing.T, url, token string, data []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/statements/import?create_partners=true&dry_run=true", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 422 {
		var p struct{ Errors []struct{ Message string } }
		_ = json.Unmarshal(body, &p)
		if len(p.Errors) > 0 {
			body = []byte(p.Errors[0].Message) // the file's problem
		}
	}
	return resp.StatusCode, body
}

// peakRSS is VmHWM of the process pid: the most resident memory it ever had.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(status)
	if m == nil {
		t.Fatalf("no VmHWM in\n%s", status)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

func xlsxBytes(t *testing.T, parts []xlsxgen.Part) []byte {
	t.Helper()
	data, err := xlsxgen.Bytes(parts)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var importHeader = append([]string{"partner", "country", "period_end", "months", "currency"}, statements.Columns()[5:]...)

func headerCells() []xlsxgen.Cell {
	cells := make([]xlsxgen.Cell, len(importHeader))
	for i, h := range importHeader {
		cells[i] = xlsxgen.Text(h)
	}
	return cells
}

// bombRows is a sheet of n rows of the same small numbers, which deflate to almost nothing.
func bombRows(n int) func(io.Writer) error {
	return xlsxgen.Bomb(headerCells(), n, []xlsxgen.Cell{xlsxgen.Num("1"), xlsxgen.Num("2"), xlsxgen.Num("3"), xlsxgen.Num("4"), xlsxgen.Num("5")})
}

// sheetBomb is the file: a sheet inflating to about 200 MiB.
func sheetBomb(t *testing.T) []byte {
	return xlsxBytes(t, xlsxgen.Workbook(bombRows(2_800_000), nil))
}

// sharedStringsBomb hides 200 MiB of empty strings in sharedStrings.xml, which
// excelize once read whole.
func sharedStringsBomb(t *testing.T) []byte {
	return xlsxBytes(t, xlsxgen.Workbook(bombRows(2), xlsxgen.SharedStrings(16_000_000, func(int) string { return "" })))
}

// lyingHeader declares a 1 MiB sheet that inflates to about 200 MiB.
func lyingHeader(t *testing.T) []byte {
	parts := xlsxgen.Workbook(bombRows(2_800_000), nil)
	parts[4].DeclaredSize = 1 << 20
	return xlsxBytes(t, parts)
}

// millionRows is the CSV: a million rows of a partner and nothing else.
func millionRows(t *testing.T) []byte {
	return []byte(strings.Join(importHeader, ",") + "\n" + strings.Repeat("x,,,,\n", 1_000_000))
}

// atTheCaps is a valid workbook right at the caps: 100,000 reports (1,000 new
// partners, 100 months each) with every column, and shared strings just under
// their cap, mostly strings no cell uses.
func atTheCaps(t *testing.T) []byte {
	const partners, months = 1000, 100
	values := func(p, q int) []string {
		g, c := 1000000+p*997+q*5000, 3000+p%700+q*4
		out := []string{}
		for _, v := range []any{g, g / 25, g / 300, g / 20, g / 250, c, c, g * 13 / 10, g * 8 / 10, g / 2,
			g * 9 / 100, g / 50, g / 20, g / 33, g * 85 / 1000, g / 100, 0, 100 + p%50, 40 + p%20, c * 6 / 10,
			c * 4 / 10, 10, 0, g, g * 13 / 10, g / 2, c} {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	sheet := xlsxgen.Rows(1+partners*months, func(i int) []xlsxgen.Cell {
		if i == 1 {
			return headerCells()
		}
		p, q := (i-2)/months, (i-2)%months
		end := time.Date(2010, time.Month(2+q), 0, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		cells := []xlsxgen.Cell{xlsxgen.Shared(2 + p), xlsxgen.Shared(0), xlsxgen.Text(end), xlsxgen.Num("3"), xlsxgen.Shared(1)}
		for _, v := range values(p, q) {
			cells = append(cells, xlsxgen.Num(v))
		}
		return cells
	})
	strs := xlsxgen.SharedStrings(600_000, func(i int) string {
		switch {
		case i == 0:
			return "BO"
		case i == 1:
			return "USD"
		case i < 2+partners:
			return fmt.Sprintf("Cap partner %d", i-1)
		}
		return ""
	})
	return xlsxBytes(t, xlsxgen.Workbook(sheet, strs))
}

// wideLine is one CSV line of 16 million commas, which encoding/csv once made 1.6 GB
// of fields before the column cap could count them.
func wideLine(t *testing.T) []byte {
	return []byte("partner" + strings.Repeat(",", 16_000_000) + "\n")
}

// wideRow is a sheet of one row of 15 million empty cells, about 157 MiB of XML.
func wideRow(t *testing.T) []byte {
	return xlsxBytes(t, xlsxgen.Workbook(xlsxgen.Repeat(xlsxgen.SheetStart+"<row>", "<c><f/></c>", 15_000_000, "</row>"+xlsxgen.SheetEnd), nil))
}

// blankRows is a sheet of 27 million blank rows, about 155 MiB of XML.
func blankRows(t *testing.T) []byte {
	return xlsxBytes(t, xlsxgen.Workbook(xlsxgen.Repeat(xlsxgen.SheetStart, "<row/>", 27_000_000, xlsxgen.SheetEnd), nil))
}

// stylesBomb is a small workbook whose styles are 1.6 million empty formats, just
// under 8 MiB, which excelize decoded whole as it opened the workbook.
func stylesBomb(t *testing.T) []byte {
	return xlsxBytes(t, append(xlsxgen.Workbook(bombRows(2), nil), xlsxgen.Part{Name: "xl/styles.xml", Write: xlsxgen.Repeat(
		`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>`, "<xf/>", 1_600_000, "</cellXfs></styleSheet>")}))
}

// calcChainBomb is a small workbook whose calculation chain is 2 million empty
// entries, just under 8 MiB.
func calcChainBomb(t *testing.T) []byte {
	return xlsxBytes(t, append(xlsxgen.Workbook(bombRows(2), nil), xlsxgen.Part{Name: "xl/calcChain.xml", Write: xlsxgen.Repeat(
		`<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`, "<c/>", 2_000_000, "</calcChain>")}))
}
