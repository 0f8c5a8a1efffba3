package statements

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strings"
)

// The names of the parts excelize finds by a fixed name (any letter case) rather
// than through the relationships, as it spells them.
const (
	contentTypes  = "[Content_Types].xml"
	sharedStrings = "xl/sharedStrings.xml"
	packageRels   = "_rels/.rels"
)

// The relationship that names the workbook's part, transitional or strict (which
// excelize reads as transitional).
var officeDocument = map[string]bool{
	"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument": true,
	"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument":             true,
}

// readParts are the entries of a workbook that reading its first sheet needs,
// found as excelize finds them: the workbook's part through _rels/.rels, its first
// sheet's through the workbook's relationships.
type readParts struct {
	keep  map[*zip.File]bool
	sheet string // the first sheet's entry, as the zip names it
	name  string // the first sheet's name
}

// partName is the name excelize files an entry under.
func partName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	switch {
	case strings.EqualFold(name, contentTypes):
		return contentTypes
	case strings.EqualFold(name, sharedStrings):
		return sharedStrings
	}
	return name
}

// locateParts finds the entries reading the first sheet needs. Each part read here
// is decoded whole, so it is held to the structure cap.
func locateParts(zr *zip.Reader, lim zipLimits) (readParts, error) {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[partName(f.Name)] = f // the last of a name, as excelize keeps it
	}
	p := readParts{keep: map[*zip.File]bool{}}
	p.add(files, contentTypes, packageRels, sharedStrings)
	var pkg relationships
	if err := decodePart(files[packageRels], lim.structure, &pkg); err != nil {
		return p, err
	}
	workbook := ""
	for _, r := range pkg.Rels {
		if officeDocument[r.Type] {
			workbook = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	var wb struct {
		Sheets []struct {
			Name     string `xml:"name,attr"`
			ID       string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
			StrictID string `xml:"http://purl.oclc.org/ooxml/officeDocument/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(files[workbook], lim.structure, &wb); err != nil {
		return p, err
	}
	if len(wb.Sheets) == 0 {
		return p, fileError("the workbook has no sheet")
	}
	wbRels := path.Join(path.Dir(workbook), "_rels", path.Base(workbook)+".rels")
	var rels relationships
	if err := decodePart(files[wbRels], lim.structure, &rels); err != nil {
		return p, err
	}
	p.add(files, workbook, wbRels)
	first := wb.Sheets[0]
	p.name = first.Name
	for _, r := range rels.Rels {
		if r.ID != "" && (r.ID == first.ID || r.ID == first.StrictID) && files[sheetPath(workbook, r.Target)] != nil {
			p.sheet = files[sheetPath(workbook, r.Target)].Name // the last, as excelize maps it
		}
	}
	if p.sheet == "" {
		return p, fileError("cannot read sheet %q: the file has no part for it", first.Name)
	}
	p.keep[files[partName(p.sheet)]] = true
	return p, nil
}

func (p readParts) add(files map[string]*zip.File, names ...string) {
	for _, name := range names {
		if f := files[name]; f != nil {
			p.keep[f] = true
		}
	}
}

// sheetPath is the part a workbook's relationship targets, as excelize resolves it.
func sheetPath(workbook, target string) string {
	p := path.Dir(workbook) + "/" + target
	if strings.HasPrefix(target, "/") {
		p = target
	}
	return strings.TrimPrefix(strings.ReplaceAll(path.Clean(p), "\\", "/"), "/")
}

type relationships struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:",attr"`
		Type   string `xml:",attr"`
	} `xml:"Relationship"`
}

// decodePart decodes the XML of f, a part of at most limit bytes; a part missing
// leaves v empty, as excelize reads it.
func decodePart(f *zip.File, limit int64, v any) error {
	if f == nil {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return fileError("the part %s of the workbook cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	switch {
	case int64(len(data)) > limit:
		return tooBig(f.Name, limit)
	case err != nil:
		return fileError("the part %s of the workbook is damaged or larger than its header says", f.Name)
	}
	if err := xml.Unmarshal(data, v); err != nil && !errors.Is(err, io.EOF) {
		return fileError("the part %s of the workbook cannot be read: %v", f.Name, err)
	}
	return nil
}

// rebuild writes the zip of the entries kept, copied as they are (not inflated
// again), in the order of the original.
func (p readParts) rebuild(zr *zip.Reader) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if !p.keep[f] {
			continue
		}
		if err := zw.Copy(f); err != nil {
			return nil, fileError("the part %s of the workbook cannot be read: %v", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fileError("the workbook cannot be read: %v", err)
	}
	return buf.Bytes(), nil
}
