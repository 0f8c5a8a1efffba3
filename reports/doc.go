// Package reports renders the documents: the PDF partner profiles and newsletter fact
// sheets, as pure functions from a view model to PDF bytes, with no database or HTTP
// inside. The publish package builds the view models from the domains. (The folder's
// name is fixed; a partner's figures at a period end are its statements, package
// statements, and what this package makes are documents.)
package reports
