// Package reports renders the PDF partner profiles and newsletter fact sheets: pure
// functions from a view model to PDF bytes, with no database or HTTP inside. The
// publish package builds the view models from the domains.
package reports
