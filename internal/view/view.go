// Package view renders the web UI's pages: one template set per page (the layout, the
// partials and the page), parsed once at start-up so a broken template fails the boot,
// and helpers that format numbers, amounts and dates the same way on every page.
package view

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// Engine holds a parsed template set per page. html/template sets are safe for
// concurrent execution once parsed, so renders take no lock.
type Engine struct {
	pages map[string]*template.Template
}

// New parses layout.html and every partials/*.html once, then clones that base for
// each pages/*.html, so each page defines its own "title" and "content" blocks.
func New(files fs.FS) (*Engine, error) {
	base := template.New("layout.html").Funcs(Funcs())
	base, err := base.ParseFS(files, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	e := &Engine{pages: map[string]*template.Template{}}
	for _, name := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(files, name); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		e.pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return e, nil
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes the page in the layout. It renders into a buffer first, so a template
// error never leaves half a page on the wire.
func (e *Engine) Render(w io.Writer, page string, data any) error {
	t := e.pages[page]
	if t == nil {
		return fmt.Errorf("no page template %q", page)
	}
	buf := buffers.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); buffers.Put(buf) }()
	if err := t.ExecuteTemplate(buf, "layout.html", data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
