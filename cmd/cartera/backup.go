package main

import (
	"context"
	"fmt"

	"cartera/internal/cli"
)

func runBackup(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	var force bool
	fs := cli.NewFlags("cartera backup", "Write a backup of the database to FILE (pg_dump, custom format): one consistent snapshot, "+
		"taken while the service runs if it does. Flags come before FILE: cartera backup [flags] FILE", io.Err)
	c.Register(fs, "warn")
	fs.BoolVar(&force, "force", false, "replace FILE if it exists")
	if err := cli.ParseArgs(fs, args, 1); err != nil {
		return err
	}
	log, err := c.Logger(io.Err)
	if err != nil {
		return err
	}
	if err := c.Backup(ctx, log, fs.Arg(0), force); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "backup written to %s\n", fs.Arg(0))
	return nil
}

func runRestore(ctx context.Context, args []string, io cli.Stdio) error {
	var c cli.Common
	fs := cli.NewFlags("cartera restore", "Make a new private cluster in --data-dir, which must be empty or missing, from a FILE "+
		"written by cartera backup, then apply the migrations the backup lacks. Flags come before FILE: cartera restore [flags] FILE", io.Err)
	c.Register(fs, "warn")
	if err := cli.ParseArgs(fs, args, 1); err != nil {
		return err
	}
	log, err := c.Logger(io.Err)
	if err != nil {
		return err
	}
	if err := c.Restore(ctx, log, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "restored %s into %s; start it with: %s serve --data-dir %s\n", fs.Arg(0), c.DataDir(), cli.SelfCommand(), c.DataDir())
	return nil
}
