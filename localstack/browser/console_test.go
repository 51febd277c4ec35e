package browser_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpdp/platform/localstack/devstack"
	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/platform"
)

const (
	consoleDir      = "../../console" // from localstack/browser
	e2eLimit        = 15 * time.Minute
	e2eAdminEmail   = "admin@tenant.local"
	e2eAdminPasswd  = "Admin-Passw0rd!"
	buildTheConsole = "run `make console` (npm ci and the build, in console/)"
)

// e2eTiming shortens the launch workflow's waits like shared/api's tests do,
// so phased rollouts advance within seconds (a launch's intervalSeconds is
// the scenario's to choose; 1 to 3 s keeps a run short).
var e2eTiming = api.LaunchTiming{ReviewTimeout: 2 * time.Minute, PausePoll: time.Second, TaskTimeout: 30 * time.Second}

// TestConsoleEndToEnd runs the console's end-to-end scenarios
// (console/e2e/*.e2e.mjs, through console/e2e/run.mjs and playwright-core) in
// headless Chromium against what `make dev` runs, started in-process:
// the platform on its own emulator, the pollers, the API and the built console
// on one origin, the Cognito relay and the mailbox. Screenshots and failure
// logs go to console/e2e/artifacts.
func TestConsoleEndToEnd(t *testing.T) {
	console, err := filepath.Abs(consoleDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("headless Chromium is needed at %s (%v): run %s as root (make test runs it first)", chromiumPath, err, installScript)
	}
	dist := filepath.Join(console, "dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		t.Fatalf("the console is not built (%v): %s", err, buildTheConsole)
	}
	if _, err := os.Stat(filepath.Join(console, "node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatalf("playwright-core is not installed in console/node_modules (%v): %s", err, buildTheConsole)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed for the console's e2e scenarios: %v (Node.js 20+)", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), e2eLimit)
	defer cancel()
	out := &testWriter{t: t, prefix: "dev: "}
	defer out.stop()
	p, err := devstack.Start(ctx, devstack.Options{Addr: "127.0.0.1:0", ConsoleDir: dist, Timing: e2eTiming, Out: out,
		Tenant: platform.Tenant{Name: "Super App Operator", AdminEmail: e2eAdminEmail, AdminPassword: e2eAdminPasswd}})
	if err != nil {
		t.Fatalf("start the dev platform: %v", err)
	}
	defer func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stop the dev platform: %v", err)
		}
	}()
	t.Logf("console at %s/ (emulator %s)", p.URL(), p.Stack.Emulator.Endpoint())

	artifacts := filepath.Join(console, "e2e", "artifacts")
	cmd := exec.CommandContext(ctx, node, "e2e/run.mjs")
	cmd.Dir = console
	cmd.Env = append(os.Environ(),
		"CONSOLE_URL="+p.URL(),
		"CHROMIUM_PATH="+chromiumPath,
		"ARTIFACTS_DIR="+artifacts,
		"TENANT_ADMIN_EMAIL="+e2eAdminEmail,
		"TENANT_ADMIN_PASSWORD="+e2eAdminPasswd,
	)
	cmd.WaitDelay = 10 * time.Second
	logs := &testWriter{t: t, prefix: "e2e: "}
	cmd.Stdout, cmd.Stderr = logs, logs
	start := time.Now()
	err = cmd.Run()
	logs.stop()
	switch {
	case ctx.Err() != nil:
		t.Fatalf("the e2e scenarios did not finish within %v (artifacts in %s)", e2eLimit, artifacts)
	case err != nil:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("the e2e scenarios failed (exit %d after %v); screenshots and console logs in %s", exit.ExitCode(), time.Since(start).Round(time.Millisecond), artifacts)
		}
		t.Fatalf("node e2e/run.mjs: %v", err)
	}
	t.Logf("e2e scenarios passed in %v; screenshots in %s", time.Since(start).Round(time.Millisecond), artifacts)
}

// testWriter streams lines into the test's log until stop; after stop (the
// test may be ending) lines are dropped.
type testWriter struct {
	t       *testing.T
	prefix  string
	mu      sync.Mutex
	partial []byte
	done    bool
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(b), nil
	}
	w.partial = append(w.partial, b...)
	rest := w.partial
	if i := strings.LastIndexByte(string(w.partial), '\n'); i >= 0 {
		for _, line := range strings.Split(string(w.partial[:i]), "\n") {
			w.t.Log(w.prefix + line)
		}
		rest = w.partial[i+1:]
	}
	w.partial = append([]byte(nil), rest...)
	return len(b), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done && len(w.partial) > 0 {
		w.t.Log(w.prefix + string(w.partial))
	}
	w.done = true
}

var _ io.Writer = (*testWriter)(nil)
