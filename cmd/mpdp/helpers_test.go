package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that sleeping advances.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.advance(d)
	return ctx.Err()
}

// testDeps are dependencies for running the CLI in-process: no terminal, a
// private config directory, the given environment.
func testDeps(t *testing.T, env map[string]string) *deps {
	t.Helper()
	dir := t.TempDir()
	d := newDeps(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	d.getenv = func(k string) string { return env[k] }
	d.configDir = func() (string, error) { return dir, nil }
	d.http = &http.Client{Timeout: time.Minute}
	d.isTerminal = func(any) bool { return false }
	d.readPassword = func(any) ([]byte, error) { return nil, errNotTerminal }
	d.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return d
}

// run runs the CLI with stdin and returns the exit code and the output.
func run(t *testing.T, d *deps, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	d.stdin, d.stdout, d.stderr = strings.NewReader(stdin), &out, &errOut
	code = execute(context.Background(), d, args)
	t.Logf("mpdp %s → exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

// writeTree writes files (path → content) under a new temp directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// validTree is a valid mini program of version.
func validTree(t *testing.T, version string) string {
	return writeTree(t, map[string]string{
		"app.json":               `{"version":"` + version + `","pages":["pages/index/index"]}`,
		"pages/index/index.js":   "Page({})",
		"pages/index/index.axml": "<view>hello</view>",
	})
}
