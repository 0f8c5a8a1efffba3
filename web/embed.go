// Package web embeds the server-rendered UI's templates and static assets.
package web

import (
	"embed"
	"io/fs"
)

//go:embed templates
var templates embed.FS

// Templates holds layout.html, partials/*.html and pages/*.html.
var Templates = mustSub(templates, "templates")

// Static holds static/*, served under /static/.
//
//go:embed static/*
var Static embed.FS

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant embedded above
	}
	return sub
}
