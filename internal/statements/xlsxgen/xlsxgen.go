// Package xlsxgen writes XLSX files part by part, for the tests of the import limits:
// sheets and shared strings streamed from a function (so a test builds a file that
// inflates to hundreds of MiB without holding it), and zip headers that lie about
// an entry's size. It is not used by the server.
package xlsxgen

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// Part is one zip entry of a workbook.
type Part struct {
	Name  string
	Write func(w io.Writer) error
	// DeclaredSize, when above 0, is the inflated size the zip headers declare in
	// place of the true one: a lying header.
	DeclaredSize uint64
}

// Cell is one cell of a sheet row: a number, a shared string's index or inline text.
type Cell struct {
	kind  byte // 'n', 's' or 'i'
	value string
}

// Num is a number cell.
func Num(v string) Cell { return Cell{'n', v} }

// Shared is a cell showing shared string i.
func Shared(i int) Cell { return Cell{'s', fmt.Sprint(i)} }

// Text is an inline text cell.
func Text(s string) Cell { return Cell{'i', s} }

// Rows writes a sheet's XML, its rows given by row(i) for i from 1 to n (row 1 is
// the header); a nil row is left out.
func Rows(n int, row func(i int) []Cell) func(w io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		for i := 1; i <= n; i++ {
			cells := row(i)
			if cells == nil {
				continue
			}
			fmt.Fprintf(bw, `<row r="%d">`, i)
			for j, c := range cells {
				ref := column(j) + fmt.Sprint(i)
				switch c.kind {
				case 'n':
					fmt.Fprintf(bw, `<c r="%s"><v>%s</v></c>`, ref, c.value)
				case 's':
					fmt.Fprintf(bw, `<c r="%s" t="s"><v>%s</v></c>`, ref, c.value)
				default:
					fmt.Fprintf(bw, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, escape(c.value))
				}
			}
			bw.WriteString(`</row>`)
		}
		bw.WriteString(`</sheetData></worksheet>`)
		return bw.Flush()
	}
}

// Bomb writes a sheet of a header and then n times the same row, without cell
// references: the XML repeats exactly, so it deflates about a thousand to one.
func Bomb(header []Cell, n int, row []Cell) func(w io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		var one strings.Builder
		one.WriteString("<row>")
		for _, c := range row {
			fmt.Fprintf(&one, `<c><v>%s</v></c>`, c.value)
		}
		one.WriteString("</row>")
		fmt.Fprint(bw, `<row r="1">`)
		for _, c := range header {
			fmt.Fprintf(bw, `<c t="inlineStr"><is><t>%s</t></is></c>`, escape(c.value))
		}
		bw.WriteString("</row>")
		for range n {
			bw.WriteString(one.String())
		}
		bw.WriteString(`</sheetData></worksheet>`)
		return bw.Flush()
	}
}

// SharedStrings writes a shared strings part of n strings, string i being text(i).
func SharedStrings(n int, text func(i int) string) func(w io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
			`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, n, n)
		for i := range n {
			if s := text(i); s == "" {
				bw.WriteString(`<si><t/></si>`)
			} else {
				fmt.Fprintf(bw, `<si><t>%s</t></si>`, escape(s))
			}
		}
		bw.WriteString(`</sst>`)
		return bw.Flush()
	}
}

func column(j int) string {
	name := ""
	for j++; j > 0; j = (j - 1) / 26 {
		name = string(rune('A'+(j-1)%26)) + name
	}
	return name
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return escaper.Replace(s) }

func static(s string) func(w io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// Workbook is the parts of a one-sheet workbook: its sheet's XML, and shared
// strings when sharedStrings is not nil.
func Workbook(sheet, sharedStrings func(w io.Writer) error) []Part {
	types := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	rels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	if sharedStrings != nil {
		types += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	}
	parts := []Part{
		{Name: "[Content_Types].xml", Write: static(types + `</Types>`)},
		{Name: "_rels/.rels", Write: static(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{Name: "xl/workbook.xml", Write: static(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{Name: "xl/_rels/workbook.xml.rels", Write: static(rels + `</Relationships>`)},
		{Name: "xl/worksheets/sheet1.xml", Write: sheet},
	}
	if sharedStrings != nil {
		parts = append(parts, Part{Name: "xl/sharedStrings.xml", Write: sharedStrings})
	}
	return parts
}

// Bytes is the XLSX file of parts.
func Bytes(parts []Part) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		if err := writePart(zw, p); err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writePart(zw *zip.Writer, p Part) error {
	if p.DeclaredSize == 0 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.Name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		return p.Write(w)
	}
	// A lying header: deflate the part here, then write it raw under the false size.
	var deflated bytes.Buffer
	fw, err := flate.NewWriter(&deflated, flate.BestSpeed)
	if err != nil {
		return err
	}
	crc := crc32.NewIEEE()
	if err := p.Write(io.MultiWriter(fw, crc)); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: p.Name, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: p.DeclaredSize})
	if err != nil {
		return err
	}
	_, err = w.Write(deflated.Bytes())
	return err
}

// Repeat writes before, then unit n times, then after: a part of odd XML (a row of
// a million cells, a styles part of a million formats) that deflates to almost
// nothing.
func Repeat(before, unit string, n int, after string) func(w io.Writer) error {
	return func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString(before)
		for range n {
			bw.WriteString(unit)
		}
		bw.WriteString(after)
		return bw.Flush()
	}
}

// SheetStart and SheetEnd are the XML of a sheet before and after its rows, for
// Repeat.
const (
	SheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	SheetEnd = `</sheetData></worksheet>`
)
