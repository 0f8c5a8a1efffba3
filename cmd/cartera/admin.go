package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"cartera/internal/cli"
	"cartera/internal/demo"
	"cartera/internal/user"
)

// buildVersion is set at link time (-ldflags "-X main.buildVersion=v1.2.3").
var buildVersion = ""

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func runVersion(_ context.Context, args []string, io cli.Stdio) error {
	fs := cli.NewFlags("cartera version", "Print the version.", io.Err)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(io.Out, "cartera", version())
	return nil
}

func runMigrate(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	fs := cli.NewFlags("cartera migrate", "Apply the database migrations not yet applied (every command also does this on start).", io.Err)
	c.Register(fs, "info")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	rt, err := c.Start(ctx, io.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	fmt.Fprintln(io.Out, "database schema is up to date")
	return nil
}

func runDemo(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	fs := cli.NewFlags("cartera demo", "Load the demo data: a fund, the partners of the seed documents, and an admin account. Does nothing if already loaded.\n"+
		"With --scale, also a synthetic book for benchmarks: large (2,000 partners, 50,000 loans, ~2 million transactions, 40,000 reports, daily FX) or small (a tenth).", io.Err)
	c.Register(fs, "warn")
	scale := fs.String("scale", "", "also load a synthetic book: large or small")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	var sc demo.Scale
	if *scale != "" {
		var err error
		if sc, err = demo.ScaleByName(*scale); err != nil {
			fmt.Fprintln(io.Err, err)
			return cli.ErrUsage
		}
	}
	rt, err := c.Start(ctx, io.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	if *scale != "" {
		// The demo first, as `cartera serve` would load it: the synthetic book goes
		// beside it, and a later serve finds it loaded.
		if _, err := demo.Load(ctx, rt.Svc); err != nil {
			return err
		}
		res, err := demo.LoadScale(ctx, rt.Svc, sc, func(step string) { fmt.Fprintln(io.Err, step) })
		if err != nil {
			return err
		}
		if res.AlreadyLoaded {
			fmt.Fprintf(io.Out, "the %s book was already loaded; nothing changed\n", sc.Name)
			return nil
		}
		fmt.Fprintf(io.Out, "loaded the %s book in %s: %d partners, %d loans, %d transactions, %d reschedulings, %d financial reports, %d FX rates\n",
			sc.Name, res.Took.Round(time.Second), res.Partners, res.Loans, res.Transactions, res.Reschedulings, res.Reports, res.Rates)
		return nil
	}
	res, err := demo.Load(ctx, rt.Svc)
	if err != nil {
		return err
	}
	if res.AlreadyLoaded {
		fmt.Fprintln(io.Out, "the demo data was already loaded; nothing changed")
		return nil
	}
	fmt.Fprintf(io.Out, "loaded the demo data: %d partners, %d loans, %d financial reports\n", res.Partners, res.Loans, res.Reports)
	for _, s := range res.Skipped {
		fmt.Fprintf(io.Out, "skipped %s\n", s)
	}
	if res.AdminPassword != "" {
		saveDemoPassword(ctx, rt, res.AdminPassword) // kept beside an embedded cluster, readable by its owner
		fmt.Fprintf(io.Out, "admin account: %s  password %s\n", demo.AdminEmail, res.AdminPassword)
	}
	return nil
}

func runUserAdd(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	var in user.NewUser
	var role string
	var fromStdin bool
	fs := cli.NewFlags("cartera user add", "Create a user account. The password is read from standard input (--password-stdin) or asked for.", io.Err)
	c.Register(fs, "warn")
	fs.StringVar(&in.Email, "email", "", "the user's email, their login (required)")
	fs.StringVar(&in.Name, "name", "", "the user's full name")
	fs.StringVar(&role, "role", "viewer", "admin, manager or viewer")
	fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if in.Email == "" {
		return errors.New("--email is required")
	}
	var err error
	if in.Role, err = user.ParseRole(role); err != nil {
		return fmt.Errorf("--role %q: use admin, manager or viewer", role)
	}
	if in.Password, err = readPassword(io, fromStdin); err != nil {
		return err
	}
	rt, err := c.Start(ctx, io.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	// The holder sets this password themselves, on their own terminal: it is theirs,
	// not a one-time one to change at sign-in (in.OneTime stays false).
	u, err := rt.Svc.Users.Create(ctx, cli.Actor(), in)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "created user %d: %s (%s)\n", u.ID, u.Email, u.Role)
	return nil
}

// readPassword takes the first line of stdin, or asks twice on a terminal.
func readPassword(io cli.Stdio, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.In).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("--password-stdin: standard input is empty")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := io.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to ask the password on: pass it with --password-stdin")
	}
	fmt.Fprint(io.Err, "Password: ")
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(io.Err)
	if err != nil {
		return "", err
	}
	fmt.Fprint(io.Err, "Again: ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(io.Err)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}

func runTokenCreate(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	var email, name string
	fs := cli.NewFlags("cartera token create", "Issue an API token for a user. Prints only the token, on standard output; it cannot be shown again.", io.Err)
	c.Register(fs, "warn")
	fs.StringVar(&email, "email", "", "the user the token acts as (required)")
	fs.StringVar(&name, "name", "", "a name to recognise the token by, e.g. the machine or script using it (required)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if email == "" || name == "" {
		return errors.New("--email and --name are both required")
	}
	rt, err := c.Start(ctx, io.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	_, secret, err := rt.Svc.Users.CreateToken(ctx, cli.Actor(), email, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(io.Out, secret)
	return nil
}

func runTokenList(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	fs := cli.NewFlags("cartera token list", "List API tokens: id, user, name, when created and last used, whether revoked.", io.Err)
	c.Register(fs, "warn")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	rt, err := c.Start(ctx, io.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	tokens, err := rt.Svc.Users.ListTokens(ctx, nil)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSER\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
	stamp := func(t interface{ Format(string) string }, isNil bool) string {
		if isNil {
			return "-"
		}
		return t.Format("2006-01-02 15:04")
	}
	for _, t := range tokens {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.UserEmail, t.Name, t.Prefix,
			t.CreatedAt.Format("2006-01-02 15:04"), stamp(t.LastUsedAt, t.LastUsedAt == nil), stamp(t.RevokedAt, t.RevokedAt == nil))
	}
	return w.Flush()
}

func runTokenRevoke(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	fs := cli.NewFlags("cartera token revoke", "Revoke an API token: usage 'cartera token revoke [flags] ID' (ids from 'cartera token list').", io.Err)
	c.Register(fs, "warn")
	if err := cli.ParseArgs(fs, args, 1); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("token id %q is not a number", fs.Arg(0))
	}
	rt, err := c.Start(ctx, io.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	t, err := rt.Svc.Users.RevokeToken(ctx, cli.Actor(), id)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "revoked token %d (%s, of %s)\n", t.ID, t.Name, t.UserEmail)
	return nil
}
