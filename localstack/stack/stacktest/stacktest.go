// Package stacktest starts the whole platform on its own emulator for
// integration tests, the one way every package's tests do it: a bounded
// start, a clear failure when the emulator is missing, the functions' logs
// kept where MPDP_TEST_LOG says, and the stack stopped when the test (or the
// package's TestMain) ends. Only tests import it.
package stacktest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/mpdp/platform/localstack/stack"
)

// startLimit bounds the start: the emulator, provisioning and the tenant.
const startLimit = 2 * time.Minute

// Start brings the platform up for one test, or skips the test under -short,
// and stops it when the test ends.
func Start(t testing.TB, opts stack.Options) *stack.Stack {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the platform on an emulator")
	}
	s, closeLog, err := start(opts)
	if err != nil {
		t.Fatal("the integration test needs the emulator: ", err)
	}
	t.Cleanup(func() {
		s.Stop()
		closeLog()
	})
	return s
}

// Run is Start for a package whose tests share one platform: it brings the
// platform up, runs the tests through run (which gets the stack and returns
// m.Run's code), stops the platform and exits with that code.
func Run(m *testing.M, opts stack.Options, run func(s *stack.Stack) int) {
	s, closeLog, err := start(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration tests need the emulator:", err)
		os.Exit(1)
	}
	code := run(s)
	s.Stop()
	closeLog()
	os.Exit(code)
}

// Gateway serves s's API on a loopback port until the test ends and returns its base URL.
func Gateway(t testing.TB, s *stack.Stack) string {
	gw := httptest.NewServer(s.Gateway)
	t.Cleanup(gw.Close)
	return gw.URL
}

// start starts the stack; MPDP_TEST_LOG=<file> keeps the functions' logs
// there (unless opts has a logger), to see why a test failed.
func start(opts stack.Options) (*stack.Stack, func(), error) {
	closeLog := func() {}
	if name := os.Getenv("MPDP_TEST_LOG"); name != "" && opts.Log == nil {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("MPDP_TEST_LOG: %w", err)
		}
		opts.Log = slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
		closeLog = func() { f.Close() }
	}
	ctx, cancel := context.WithTimeout(context.Background(), startLimit)
	defer cancel()
	s, err := stack.Start(ctx, opts)
	if err != nil {
		closeLog()
		return nil, nil, err
	}
	return s, closeLog, nil
}
