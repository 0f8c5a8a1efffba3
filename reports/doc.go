// Package reports renders the PDF partner profiles and newsletter fact sheets: pure
// functions from a view model to PDF bytes, with no database or HTTP inside (see
// DESIGN.md). The renderers arrive with the reports issue.
package reports
