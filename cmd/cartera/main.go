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
//	cartera import reports import partners' financial reports from CSV or XLSX
//	cartera pdf profile  render a partner's profile (PDF)
//	cartera pdf factsheet render a partner's fact sheet (PDF)
//	cartera pdf factsheets render every partner's fact sheet into a directory
//	cartera version      print the version
//
// With no DATABASE_URL, each command uses (starting it if needed) a private
// PostgreSQL cluster under --data-dir.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand: its name as typed, a line of help, and its body.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdio stdio) error
}

// stdio are the streams a command reads and writes; tests swap them.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP service (the default when no command is given)", runServe},
		{"migrate", "apply the database migrations not yet applied", runMigrate},
		{"demo", "load the demo data (a fund, partners from the seed documents, an admin)", runDemo},
		{"user add", "create a user account", runUserAdd},
		{"token create", "issue an API token for a user; prints only the token", runTokenCreate},
		{"token list", "list API tokens", runTokenList},
		{"token revoke", "revoke an API token by id", runTokenRevoke},
		{"import fx", "import FX rates from a CSV file (date,currency,rate)", runImportFX},
		{"import reports", "import partners' financial reports from a CSV or XLSX file", runImportReports},
		{"pdf profile", "render a partner's profile (PDF) for the credit committee", runPDFProfile},
		{"pdf factsheet", "render a partner's newsletter fact sheet (PDF)", runPDFFactSheet},
		{"pdf factsheets", "render every partner's fact sheet into a directory", runPDFFactSheets},
		{"bench exposure", "drive a running server's exposure API with concurrent requests and time the bare SQL in psql", runBenchExposure},
		{"bench pages", "time every page of a running server's web UI: server time, client time and weight", runBenchPages},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal starts a graceful stop, a second one ends the process at
	// once (the cluster, left running, is stopped by the next cartera to use it).
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and turns its error into one line and an exit code.
func run(ctx context.Context, args []string, io stdio) int {
	cmd, rest, ok := pick(args)
	if !ok {
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			usage(io.out)
			return 0
		}
		fmt.Fprintf(io.err, "cartera: unknown command %q\n\n", strings.Join(args, " "))
		usage(io.err)
		return 2
	}
	err := cmd.run(ctx, rest, io)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(io.err, "cartera:", err)
	return 1
}

// errUsage means the flags were wrong and the flag package has already said how.
var errUsage = errors.New("usage")

// pick finds the subcommand named by the leading words of args. No words, or a
// leading flag, means serve.
func pick(args []string) (command, []string, bool) {
	all := commands()
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !isHelp(args[0])) {
		return all[0], args, true
	}
	for _, c := range all {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return command{}, nil, false
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

func usage(w io.Writer) {
	fmt.Fprintln(w, "Cartera: portfolio tracking for social investors lending to microfinance institutions.")
	fmt.Fprintln(w, "\nUsage: cartera [command] [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'cartera <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Flags can also be set with CARTERA_* environment variables; DATABASE_URL selects an existing PostgreSQL.")
}
