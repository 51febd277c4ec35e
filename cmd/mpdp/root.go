package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// deps is everything the commands use from the outside world. main builds the
// real one; tests build their own, so no command reaches for a global.
type deps struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	getenv    func(string) string
	configDir func() (string, error) // the directory holding mpdp/ (os.UserConfigDir)
	http      *http.Client
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error

	// isTerminal reports whether a stream (stdin, stderr) is a terminal.
	isTerminal func(any) bool
	// readPassword reads a line from the terminal stream without echo.
	readPassword func(any) ([]byte, error)
	// cognito returns the Cognito client for a profile.
	cognito func(profileConfig) cognitoAPI
}

func newDeps(stdin io.Reader, stdout, stderr io.Writer) *deps {
	return &deps{
		stdin: stdin, stdout: stdout, stderr: stderr,
		getenv:       os.Getenv,
		configDir:    os.UserConfigDir,
		http:         &http.Client{Timeout: 0}, // uploads can be long; requests carry their own deadlines
		now:          time.Now,
		sleep:        sleepCtx,
		isTerminal:   isTerminal,
		readPassword: readPassword,
		cognito:      newCognito,
	}
}

// isTerminal reports whether v is a file descriptor attached to a terminal.
func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

func readPassword(v any) ([]byte, error) {
	f, ok := v.(interface{ Fd() uintptr })
	if !ok {
		return nil, errNotTerminal
	}
	return term.ReadPassword(int(f.Fd()))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	api             string
	profile         string
	json            bool
	cognitoEndpoint string
}

// cli is one invocation: the dependencies plus the parsed global flags.
type cli struct {
	*deps
	opts globalOptions
}

// execute runs the command line args and returns the process exit code.
func execute(ctx context.Context, d *deps, args []string) int {
	c := &cli{deps: d}
	root := c.rootCommand()
	root.SetArgs(args)
	root.SetIn(d.stdin)
	root.SetOut(d.stdout)
	root.SetErr(d.stderr)
	err := root.ExecuteContext(ctx)
	if err != nil {
		c.printError(err)
	}
	return exitCode(err)
}

func (c *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "mpdp",
		Short: "Upload and inspect mini program packages on the mini program development platform",
		Long: `mpdp is the developer CLI of the mini program development platform.

It signs you in (Cognito), validates a package locally with the same rules the
platform applies, uploads it straight to storage through a presigned URL, and
waits for the platform's verdict. It works in a terminal and in CI: without a
terminal it reads secrets from stdin and prints plain log lines.

Configuration and the token cache live in the user config directory
(mpdp/config.json and mpdp/credentials.json, the latter readable only by you).

Exit codes:
  0  success (upload: the version is ready)
  1  the uploaded package is invalid (the report is printed)
  2  usage, sign-in, network or API error
  3  the package failed local validation; nothing was uploaded
  4  timed out waiting for the platform to process the package`,
		Example: `  export MPDP_API=https://api.example.com
  mpdp login --email dev@acme.test --region ap-southeast-1 --client-id 1example23
  mpdp upload ./dist --workspace ws_123 --miniprogram mp_456
  mpdp versions --workspace ws_123 --miniprogram mp_456
  mpdp status --workspace ws_123 --miniprogram mp_456 1.2.0`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		// Without a command: help. (Cobra would answer help, exit 0, to an unknown
		// command too, if the root did not run.)
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })

	f := root.PersistentFlags()
	f.StringVar(&c.opts.api, "api", "", "API base URL, like https://api.example.com (env MPDP_API; saved per profile by login)")
	f.StringVar(&c.opts.profile, "profile", "default", "configuration profile (env MPDP_PROFILE)")
	f.BoolVar(&c.opts.json, "json", false, "machine-readable output: JSON on stdout, errors as JSON on stderr")
	f.StringVar(&c.opts.cognitoEndpoint, "cognito-endpoint", "", "Cognito endpoint override for emulators (env MPDP_COGNITO_ENDPOINT; saved per profile by login)")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if !cmd.Flags().Changed("profile") {
			if p := c.getenv("MPDP_PROFILE"); p != "" {
				c.opts.profile = p
			}
		}
		if c.opts.profile == "" {
			return usageErr(errorf("--profile must not be empty"))
		}
		return nil
	}

	root.AddCommand(c.loginCommand(), c.tokenCommand(), c.uploadCommand(), c.versionsCommand(), c.statusCommand())
	return root
}

// noArgs refuses positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usageErr(errors.New(msg))
	}
	return nil
}

// exactArgs wants n positional arguments, named in the message.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr(errorf("%s takes %s (got %d arguments)", cmd.CommandPath(), what, len(args)))
		}
		return nil
	}
}
