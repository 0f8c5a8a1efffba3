// Command cartera is the Cartera service and its administration commands.
//
//	cartera [serve]      run the HTTP service (the default)
//	cartera migrate      apply database migrations
//	cartera demo         load the demo data
//	cartera user add     create a user account
//	cartera token create issue an API token (prints only the token)
//	cartera token list   list API tokens
//	cartera token revoke revoke an API token
//	cartera import fx    import FX rates from CSV
//	cartera import statements import partners' financial statements from CSV or XLSX
//	cartera restatements print the figures restated when the ledger's rules changed (CSV)
//	cartera pdf profile  render a partner's profile (PDF)
//	cartera pdf factsheet render a partner's fact sheet (PDF)
//	cartera pdf factsheets render every partner's fact sheet into a directory
//	cartera backup FILE  write a backup of the database (pg_dump, custom format)
//	cartera restore FILE make a new private cluster from a backup
//	cartera version      print the version
//
// With no DATABASE_URL, each command uses (starting it if needed) a private
// PostgreSQL cluster under --data-dir.
package main

import "cartera/internal/cli"

// program is cartera's commands. The load benchmarks are cartera-bench's.
var program = cli.Program{
	Name:  "cartera",
	About: "Cartera: portfolio tracking for social investors lending to microfinance institutions.",
	Commands: []cli.Command{
		{Name: "serve", Summary: "run the HTTP service (the default when no command is given)", Run: runServe},
		{Name: "migrate", Summary: "apply the database migrations not yet applied", Run: runMigrate},
		{Name: "demo", Summary: "load the demo data (a fund, partners from the seed documents, an admin)", Run: runDemo},
		{Name: "user add", Summary: "create a user account", Run: runUserAdd},
		{Name: "token create", Summary: "issue an API token for a user; prints only the token", Run: runTokenCreate},
		{Name: "token list", Summary: "list API tokens", Run: runTokenList},
		{Name: "token revoke", Summary: "revoke an API token by id", Run: runTokenRevoke},
		{Name: "import fx", Summary: "import FX rates from a CSV file (date,currency,rate)", Run: runImportFX},
		{Name: "import statements", Summary: "import partners' financial statements from a CSV or XLSX file", Run: runImportStatements,
			Former: "import reports"},
		{Name: "restatements", Summary: "print, as CSV, the figures restated when the ledger's rules changed", Run: runRestatements},
		{Name: "pdf profile", Summary: "render a partner's profile (PDF) for the credit committee", Run: runPDFProfile},
		{Name: "pdf factsheet", Summary: "render a partner's newsletter fact sheet (PDF)", Run: runPDFFactSheet},
		{Name: "pdf factsheets", Summary: "render every partner's fact sheet into a directory", Run: runPDFFactSheets},
		{Name: "backup", Summary: "write a backup of the database to a file (pg_dump, custom format), also while the service runs", Run: runBackup},
		{Name: "restore", Summary: "make a new private cluster in an empty --data-dir from a backup file", Run: runRestore},
		{Name: "version", Summary: "print the version", Run: runVersion},
	},
	Footer: []string{"Flags can also be set with CARTERA_* environment variables; DATABASE_URL selects an existing PostgreSQL."},
}

func main() { program.Main() }
