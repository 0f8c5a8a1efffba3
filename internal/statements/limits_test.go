package statements

import (
	"io"
	"strings"
	"testing"
	"time"

	"cartera/internal/platform/apperr"
	"cartera/internal/statements/xlsxgen"
)

// fileMessage is the message of a file-level validation error, failing otherwise.
func fileMessage(t *testing.T, err error) string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
		t.Fatalf("err = %v, want a 422 about the file", err)
	}
	return e.Fields[0].Message
}

func xlsxOf(t *testing.T, parts []xlsxgen.Part) []byte {
	t.Helper()
	data, err := xlsxgen.Bytes(parts)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestReadTableLimits(t *testing.T) {
	small := limits{rows: 3, columns: 4, cells: 10, cellBytes: 8, textBytes: 30, rowCells: 16, recordBytes: 100, sheetRows: 12, sheetCells: 40,
		zip: zipLimits{entries: 8, sheet: 4 << 10, sharedStrings: 1 << 10, other: 2 << 10, others: 3 << 10, total: 8 << 10, run: 1 << 10, structure: 1 << 10}}
	header := func(i int) []xlsxgen.Cell {
		if i == 1 {
			return []xlsxgen.Cell{xlsxgen.Text("partner"), xlsxgen.Text("months")}
		}
		return []xlsxgen.Cell{xlsxgen.Text("P"), xlsxgen.Num("3")}
	}
	bigSheet := xlsxgen.Workbook(xlsxgen.Rows(400, header), nil)
	lying := xlsxgen.Workbook(xlsxgen.Rows(400, header), nil)
	lying[4].DeclaredSize = 1000
	bigStrings := xlsxgen.Workbook(xlsxgen.Rows(2, header), xlsxgen.SharedStrings(200, func(int) string { return "" }))
	tooMany := xlsxgen.Workbook(xlsxgen.Rows(2, header), nil)
	for range 5 {
		tooMany = append(tooMany, xlsxgen.Part{Name: "xl/media/x" + string(rune('a'+len(tooMany))), Write: xlsxgen.Rows(0, header)})
	}
	held := xlsxgen.Workbook(xlsxgen.Rows(2, header), nil)
	for _, name := range []string{"xl/media/a.png", "xl/media/b.png"} {
		held = append(held, xlsxgen.Part{Name: name, Write: func(w io.Writer) error { _, err := w.Write(make([]byte, 1500)); return err }})
	}
	otherSheet := xlsxgen.Workbook(xlsxgen.Rows(2, header), nil)
	otherSheet = append(otherSheet, xlsxgen.Part{Name: "xl/worksheets/notes.xml", Write: xlsxgen.Rows(100, header)})
	longCell := xlsxgen.Workbook(xlsxgen.Rows(2, func(i int) []xlsxgen.Cell {
		return []xlsxgen.Cell{xlsxgen.Text("partner"), xlsxgen.Text(strings.Repeat("x", 1500))}
	}), nil)
	hdr := `<row r="1"><c t="inlineStr"><is><t>partner</t></is></c></row>`
	sheetOf := func(unit string, n int) []byte {
		return xlsxOf(t, xlsxgen.Workbook(xlsxgen.Repeat(xlsxgen.SheetStart+hdr, unit, n, xlsxgen.SheetEnd), nil))
	}
	wideRow := xlsxOf(t, xlsxgen.Workbook(xlsxgen.Repeat(xlsxgen.SheetStart+hdr+"<row>", "<c><f/></c>", 17, "</row>"+xlsxgen.SheetEnd), nil))
	bigWorkbook := xlsxgen.Workbook(xlsxgen.Rows(2, header), nil)
	bigWorkbook[2].Write = xlsxgen.Repeat(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><bookViews>`,
		"<workbookView/>", 100, `</bookViews></workbook>`)
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"a CSV line of more cells than a spreadsheet holds", "line 2 has more than 16 cells, more than a spreadsheet holds; an import has at most 4 columns",
			[]byte("a,b\nx" + strings.Repeat(",", 16) + "\n")},
		{"a CSV line of 16 cells", "row 2 has more than 4 cells", []byte("a,b\nx" + strings.Repeat(",", 15) + "1\n")},
		{"a CSV line too long", "line 2 is longer than 1 MiB", []byte("a,b\n\"" + strings.Repeat("x", 150) + "\"\n")},
		{"a CSV line after a quoted line break", "line 4 has more than 16 cells", []byte("a,b\n\"1\n2\",3\nx" + strings.Repeat(",", 16) + "\n")},
		{"commas in quotes are no cells", "row 2, column B: the cell has more than 8 characters", []byte("a,b\n1,\"" + strings.Repeat(",", 20) + "\"\n")},
		{"an XLSX row of more cells than a spreadsheet holds", "row 2 of the sheet (xl/worksheets/sheet1.xml) has more than 16 cells, more than a spreadsheet holds", wideRow},
		{"blank XLSX rows", "the sheet (xl/worksheets/sheet1.xml) has more than 12 rows, blank or not; an import has at most 3", sheetOf("<row/>", 12)},
		{"XLSX cells, empty or not", "the sheet (xl/worksheets/sheet1.xml) has more than 40 cells, empty or not", sheetOf("<row>"+strings.Repeat("<c/>", 10)+"</row>", 4)},
		{"a workbook part beyond the structure cap", "the part xl/workbook.xml of the workbook inflates to more than", xlsxOf(t, bigWorkbook)},
		{"rows", "the file has more than 3 rows; split it", []byte("a,b\n1,2\n3,4\n5,6\n7,8\n")},
		{"blank rows do not count", "", []byte("a,b\n1,2\n,\n\n3,4\n,,,,,,,,,,,,\n5,6\n")},
		{"columns", "row 2 has more than 4 cells", []byte("a,b\n1,2,3,4,5\n")},
		{"trailing empty cells do not count", "", []byte("a,b\n1,2,,,,,,,\n")},
		{"cell length", "row 2, column B: the cell has more than 8 characters", []byte("a,b\n1,123456789\n")},
		{"cells", "the file has more than 10 cells", []byte("a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n")},
		{"text", "or 1 MiB of text", []byte("a,b\n12345678,12345678\n12345678,12345678\n")},
		{"sheet bomb", "the part xl/worksheets/sheet1.xml of the workbook inflates to more than", xlsxOf(t, bigSheet)},
		{"lying zip header", "the part xl/worksheets/sheet1.xml of the workbook is damaged or larger than its header says", xlsxOf(t, lying)},
		{"shared strings bomb", "the part xl/sharedStrings.xml of the workbook inflates to more than", xlsxOf(t, bigStrings)},
		{"parts held in memory", "the workbook's parts other than its sheets inflate to more than the 1 MiB allowed", xlsxOf(t, held)},
		{"a part under worksheets that excelize holds whole", "the part xl/worksheets/notes.xml of the workbook inflates to more than", xlsxOf(t, otherSheet)},
		{"a text longer than a cell can be", "the part xl/worksheets/sheet1.xml of the workbook has a text or tag longer than 1 KiB", xlsxOf(t, longCell)},
		{"too many parts", "the workbook has 10 parts, more than the 8 allowed", xlsxOf(t, tooMany)},
		{"xlsx rows", "the file has more than 3 rows; split it", xlsxOf(t, xlsxgen.Workbook(xlsxgen.Rows(5, header), nil))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readTable(tc.data, small)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if msg := fileMessage(t, err); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want %q", msg, tc.want)
			}
		})
	}
}

// TestReadTableDefaultRowCap is the CSV: a million near-empty rows stop at
// the 100,001st, with the message the user acts on.
func TestReadTableDefaultRowCap(t *testing.T) {
	data := []byte("partner,period_end,months,currency\n" + strings.Repeat("x,,,\n", 1_000_000))
	start := time.Now()
	_, err := ReadTable(data)
	if msg := fileMessage(t, err); msg != "the file has more than 100,000 rows; split it" {
		t.Errorf("message %q", msg)
	}
	t.Logf("refused in %v", time.Since(start))
}

// TestXLSXRowsStreamed checks the streamed sheet keeps a spreadsheet's row numbers
// across missing and blank rows, and reads shared strings and inline text alike.
func TestXLSXRowsStreamed(t *testing.T) {
	rows := map[int][]xlsxgen.Cell{
		1: {xlsxgen.Shared(0), xlsxgen.Text("months")},
		3: {xlsxgen.Shared(1), xlsxgen.Num("12")},
		4: {xlsxgen.Text(""), xlsxgen.Text("")},
		6: {xlsxgen.Text("Impro & co"), xlsxgen.Num("3")},
	}
	data := xlsxOf(t, xlsxgen.Workbook(xlsxgen.Rows(6, func(i int) []xlsxgen.Cell { return rows[i] }),
		xlsxgen.SharedStrings(2, func(i int) string { return []string{"partner", "ADRA"}[i] })))
	table, err := ReadTable(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(table.Header, "|"); got != "partner|months" {
		t.Errorf("header %q", got)
	}
	var got []string
	for _, r := range table.Rows {
		got = append(got, strings.Join(append([]string{string(rune('0' + r.Line))}, r.Cells...), "|"))
	}
	if strings.Join(got, " ") != "3|ADRA|12 6|Impro & co|3" {
		t.Errorf("rows %q", got)
	}
}

func TestReadTablePanicIsA422(t *testing.T) {
	_, err := unpanicked(10, func() (*Table, error) { panic("excelize: index out of range") })
	if msg := fileMessage(t, err); !strings.HasPrefix(msg, "the spreadsheet could not be read") {
		t.Errorf("message %q", msg)
	}
}

func TestImportGate(t *testing.T) {
	g := newImportGate(2)
	first, err := g.enter()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.enter(); err != nil {
		t.Fatal(err)
	}
	_, err = g.enter()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindBusy || e.RetryAfter <= 0 || e.Kind.HTTPStatus() != 429 {
		t.Fatalf("third import: %v, want busy with a retry delay", err)
	}
	first()
	if _, err := g.enter(); err != nil {
		t.Fatalf("after a release: %v", err)
	}
}

// TestImportStopsCollectingProblems: a file of 1,500 rows with two problems each
// lists the first 1,000 problems and counts the other 2,000.
func TestImportStopsCollectingProblems(t *testing.T) {
	f := newFixture(t)
	data := "partner,period_end,months,currency\n" + strings.Repeat(",2010-12-31,7,USD\n", 1500)
	_, err := f.importBytes([]byte(data), ImportOptions{})
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("err = %v", err)
	}
	if len(e.Fields) != maxProblems || !strings.HasSuffix(e.Message, "are listed, and 2,000 more") {
		t.Errorf("%d problems listed, message %q", len(e.Fields), e.Message)
	}
	if last := e.Fields[len(e.Fields)-1]; last.Row != 501 {
		t.Errorf("the last problem listed is on row %d, want 501", last.Row)
	}
}

// TestXLSXOpensOnlyWhatReadingNeeds: the parts excelize would decode whole as it
// opens a workbook (styles, calculation chain, theme: a memory bomb within their
// size cap) are left out, so even damaged ones do not stop the reading; the first
// sheet is the one the workbook lists first, whatever its part's name, and only it
// is counted.
func TestXLSXOpensOnlyWhatReadingNeeds(t *testing.T) {
	small := limits{rows: 3, columns: 4, cells: 10, cellBytes: 8, textBytes: 30, rowCells: 16, recordBytes: 100, sheetRows: 12, sheetCells: 40,
		zip: zipLimits{entries: 8, sheet: 4 << 10, sharedStrings: 1 << 10, other: 2 << 10, others: 3 << 10, total: 8 << 10, run: 1 << 10, structure: 1 << 10}}
	good := xlsxgen.Rows(2, func(i int) []xlsxgen.Cell {
		return []xlsxgen.Cell{xlsxgen.Text([]string{"", "partner", "P"}[i])}
	})
	damaged := func(name, root string) []xlsxgen.Part {
		return append(xlsxgen.Workbook(good, nil), xlsxgen.Part{Name: name, Write: xlsxgen.Repeat("<"+root+">", "<xf/>", 100, "<xf")})
	}
	wide := xlsxgen.Repeat(xlsxgen.SheetStart+"<row>", "<c/>", 17, "</row>"+xlsxgen.SheetEnd)
	secondFirst := xlsxgen.Workbook(wide, nil)
	secondFirst[3].Write = xlsxgen.Repeat(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`,
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>`, 1, `</Relationships>`)
	secondFirst = append(secondFirst, xlsxgen.Part{Name: "xl/worksheets/sheet2.xml", Write: good})
	oddName := xlsxgen.Workbook(wide, nil)
	oddName[3].Write = xlsxgen.Repeat(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`,
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="data.xml"/>`, 1, `</Relationships>`)
	oddName[4].Name = "xl/data.xml"
	for _, tc := range []struct {
		name, want string
		parts      []xlsxgen.Part
	}{
		{"damaged styles", "", damaged("xl/styles.xml", "styleSheet")},
		{"damaged calculation chain", "", damaged("xl/calcChain.xml", "calcChain")},
		{"damaged theme", "", damaged("xl/theme/theme1.xml", "a:theme")},
		{"the first sheet through the relationships", "", secondFirst},
		{"a first sheet under another name is counted", "row 1 of the sheet (xl/data.xml) has more than 16 cells", oddName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table, err := readTable(xlsxOf(t, tc.parts), small)
			if tc.want != "" {
				if msg := fileMessage(t, err); !strings.Contains(msg, tc.want) {
					t.Errorf("message %q, want %q", msg, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(table.Header) != 1 || table.Header[0] != "partner" || len(table.Rows) != 1 || table.Rows[0].Cells[0] != "P" {
				t.Errorf("read %q %v", table.Header, table.Rows)
			}
		})
	}
}

// TestTagCounterAcrossWrites counts the same rows and cells whether the sheet
// comes whole or a byte at a time (tags split between two reads), with or
// without a namespace prefix, and not the tags whose names only start alike.
func TestTagCounterAcrossWrites(t *testing.T) {
	xml := `<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><c/><cols><col/></cols><cfRule/><c
r="B1"/></x:row><row/><rowBreaks/>`
	lim := limits{rowCells: 100, sheetRows: 100, sheetCells: 100}
	whole := tagCounter{lim: lim}
	if _, err := whole.Write([]byte(xml)); err != nil {
		t.Fatal(err)
	}
	bytewise := tagCounter{lim: lim}
	for i := range len(xml) {
		if _, err := bytewise.Write([]byte{xml[i]}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []tagCounter{whole, bytewise} {
		if c.rows != 2 || c.cells != 3 {
			t.Errorf("%d rows, %d cells; want 2 and 3", c.rows, c.cells)
		}
	}
}
