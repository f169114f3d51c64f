package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// commandFactories holds the constructors of every top-level command. Each
// command lives in its own file and registers itself from an init function
// with register, so that adding a command never edits a shared list.
var commandFactories []func() *cobra.Command

// register adds a top-level command constructor. Call it from init.
func register(f func() *cobra.Command) { commandFactories = append(commandFactories, f) }

// newRootCmd builds a fresh command tree. Tests call it to run commands
// in-process with their own arguments and output buffers.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "supplyhub",
		Short:         "Supplyhub: an integration gateway for merchants who sell on several channels",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, f := range commandFactories {
		root.AddCommand(f())
	}
	return root
}

// exitError carries a process exit code other than 1 through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode maps an error returned by a command to the process exit code:
// 2 for usage errors wrapped in exitError with code 2, otherwise 1.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}
