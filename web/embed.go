// Package web embeds the server-rendered UI's templates and static assets.
package web

import "embed"

// Templates holds templates/*.html.
//
//go:embed templates/*.html
var Templates embed.FS

// Static holds static/*, served under /static/.
//
//go:embed static/*
var Static embed.FS
