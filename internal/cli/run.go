package cli

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

// Command is one subcommand: its name as typed (one or more words), a line of help,
// and its body.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, args []string, stdio Stdio) error
	Former  string // the name it had before a rename, still accepted and left out of the help
}

// Stdio are the streams a command reads and writes; tests swap them.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// Program is a binary's commands: the first is the default when none is named.
type Program struct {
	Name     string // as typed: "cartera"
	About    string // the help's first line
	Commands []Command
	Footer   []string // the help's last lines
}

// Main runs the program on the process's arguments and exits with Run's code. The
// first SIGINT or SIGTERM cancels the command's context; a second ends the process
// at once.
func (p Program) Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	code := p.Run(ctx, os.Args[1:], Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}

// ErrUsage means the flags were wrong and the flag package has already said how.
var ErrUsage = errors.New("usage")

// Run dispatches to a subcommand and turns its error into one line and an exit code:
// 0, 1 for a failure, 2 for a usage mistake.
func (p Program) Run(ctx context.Context, args []string, io Stdio) int {
	cmd, rest, ok := p.pick(args)
	if !ok {
		if len(args) > 0 && (args[0] == "help" || isHelp(args[0])) {
			p.usage(io.Out)
			return 0
		}
		fmt.Fprintf(io.Err, "%s: unknown command %q\n\n", p.Name, strings.Join(args, " "))
		p.usage(io.Err)
		return 2
	}
	err := cmd.Run(ctx, rest, io)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	fmt.Fprintln(io.Err, p.Name+":", err)
	return 1
}

// pick finds the subcommand named by the leading words of args. No words, or a
// leading flag, means the first.
func (p Program) pick(args []string) (Command, []string, bool) {
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !isHelp(args[0])) {
		return p.Commands[0], args, true
	}
	for _, c := range p.Commands {
		for _, name := range []string{c.Name, c.Former} {
			words := strings.Fields(name)
			if len(words) > 0 && len(args) >= len(words) && strings.Join(args[:len(words)], " ") == name {
				return c, args[len(words):], true
			}
		}
	}
	return Command{}, nil, false
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

func (p Program) usage(w io.Writer) {
	fmt.Fprintln(w, p.About)
	fmt.Fprintf(w, "\nUsage: %s [command] [flags]\n\nCommands:\n", p.Name)
	width := 0
	for _, c := range p.Commands {
		width = max(width, len(c.Name))
	}
	for _, c := range p.Commands {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.Name, c.Summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags.\n", p.Name)
	for _, l := range p.Footer {
		fmt.Fprintln(w, l)
	}
}
