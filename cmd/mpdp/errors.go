package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Exit codes: scripts and CI depend on them, so they never change meaning.
const (
	exitOK           = 0
	exitInvalid      = 1 // the platform found the uploaded package invalid
	exitError        = 2 // usage, sign-in, network or API error
	exitLocalInvalid = 3 // local validation failed; nothing was uploaded
	exitTimeout      = 4 // gave up waiting for the platform
)

// codedError carries an exit code. quiet means what had to be said was
// already printed (an invalid report), so only the code matters.
type codedError struct {
	code  int
	err   error
	quiet bool
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &codedError{code: code, err: err} }

// quietExit ends the command with code after the output already said why.
func quietExit(code int, err error) error { return &codedError{code: code, err: err, quiet: true} }

// usageError is a command line mistake; the message suggests --help.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErr(err error) error { return &usageError{err: err} }

var errNotTerminal = errors.New("not a terminal")

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// exitCode maps a command's error to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if ce, ok := errors.AsType[*codedError](err); ok {
		return ce.code
	}
	return exitError
}

// printError says what went wrong on stderr: text, or a JSON object with --json.
func (c *cli) printError(err error) {
	if ce, ok := errors.AsType[*codedError](err); ok && ce.quiet {
		return
	}
	if c.opts.json {
		out := map[string]any{"exitCode": exitCode(err)}
		if p, ok := errors.AsType[*apiError](err); ok {
			out["error"] = p
		} else {
			out["error"] = map[string]any{"detail": err.Error()}
		}
		enc := json.NewEncoder(c.stderr)
		enc.SetEscapeHTML(false)
		enc.Encode(out)
		return
	}
	var b strings.Builder
	if p, ok := errors.AsType[*apiError](err); ok {
		b.WriteString("mpdp: " + p.Error() + "\n")
		for _, fe := range p.Errors {
			fmt.Fprintf(&b, "  %s: %s\n", fe.Field, fe.Message)
		}
		if p.Status == 401 {
			b.WriteString("  your session was refused; run mpdp login again\n")
		}
		if p.RequestID != "" {
			fmt.Fprintf(&b, "  (request id %s)\n", p.RequestID)
		}
	} else {
		msg := err.Error()
		if errors.Is(err, context.Canceled) {
			msg = "interrupted"
		}
		b.WriteString("mpdp: " + msg + "\n")
	}
	if _, ok := errors.AsType[*usageError](err); ok {
		b.WriteString("Run 'mpdp --help' or 'mpdp <command> --help' for usage.\n")
	}
	fmt.Fprint(c.stderr, b.String())
}
