package devstack_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpdp/platform/localstack/devstack"
	"github.com/mpdp/platform/shared/platform"
)

var update = flag.Bool("update", false, "rewrite the README's quote of the welcome block")

const readmePath = "../../README.md"

// placeholders is the welcome block as the README quotes it.
var placeholders = devstack.Welcome{Console: "http://127.0.0.1:PORT/", API: "http://127.0.0.1:PORT",
	Emulator: "http://127.0.0.1:EMULATOR_PORT", Region: "us-east-1", UserPoolID: "us-east-1_POOLID", ClientID: "CLIENT_ID",
	AdminEmail: "admin@tenant.local", AdminPass: "Admin-Passw0rd!"}

var welcomeQuote = regexp.MustCompile("(?s)(<!-- welcome:begin[^\n]*-->\n```text\n)(.*?)(```\n<!-- welcome:end -->)")

// TestREADMEQuotesTheWelcomeBlock: the README shows exactly the block `make
// dev` prints, with placeholders for the ports and ids. Run with -update to
// rewrite the quote.
func TestREADMEQuotesTheWelcomeBlock(t *testing.T) {
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	m := welcomeQuote.FindSubmatchIndex(b)
	if m == nil {
		t.Fatal("README.md has no welcome:begin … welcome:end quote")
	}
	want := strings.TrimPrefix(devstack.WelcomeText(placeholders), "\n")
	if got := string(b[m[4]:m[5]]); got != want {
		if *update {
			out := append(append(append([]byte{}, b[:m[4]]...), want...), b[m[5]:]...)
			if err := os.WriteFile(readmePath, out, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("the README's quote of the welcome block differs from devstack.WelcomeText; run go test ./localstack/devstack -run TestREADMEQuotesTheWelcomeBlock -update\nREADME:\n%s\nprinted:\n%s", got, want)
	}
	if n := len(devstack.ShellLines(want)); n != 3 {
		t.Errorf("the block has %d shell lines, the README says three", n)
	}
}

// walkthroughBlocks are the ```sh blocks between the README's walkthrough markers.
func walkthroughBlocks(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "<!-- walkthrough:begin"), strings.Index(s, "<!-- walkthrough:end -->")
	if i < 0 || j < i {
		t.Fatal("README.md has no walkthrough:begin … walkthrough:end markers")
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```\n").FindAllStringSubmatch(s[i:j], -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) < 3 {
		t.Fatalf("found %d sh blocks in the walkthrough", len(blocks))
	}
	return strings.Join(blocks, "\n")
}

// syncBuffer is the platform's output, written by the mailer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestREADMEWalkthrough runs the README's walkthrough as written against a
// fresh platform started as `make dev` starts it: the shell lines of the
// printed block first (they define $API, mpdp's settings and $TOKEN), then
// every sh block between the walkthrough markers, in one bash with -euo
// pipefail, from the repository's root, with a fresh mpdp configuration. A
// command of the README that stops working fails it.
func TestREADMEWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the platform and runs the README's commands")
	}
	for _, tool := range []string{"bash", "curl", "jq", "aws", "make", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walkthrough needs %s (README: prerequisites): %v", tool, err)
		}
	}
	script := walkthroughBlocks(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out syncBuffer
	p, err := devstack.Start(ctx, devstack.Options{ConsoleDir: t.TempDir(), Out: &out,
		Tenant: platform.Tenant{Name: "Super App Operator", AdminEmail: "admin@tenant.local", AdminPassword: "Admin-Passw0rd!"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	lines := devstack.ShellLines(out.String())
	if len(lines) != 3 {
		t.Fatalf("the printed block has %d shell lines, want 3:\n%s", len(lines), out.String())
	}

	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	full := "PS4='+ README:${LINENO}: '\nset -x\n" + strings.Join(lines, "\n") + "\n" + script
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", full)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir()) // a fresh mpdp profile
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's walkthrough failed: %v\n%s\n--- make dev printed:\n%s", err, log.String(), out.String())
	}
	t.Logf("walkthrough:\n%s", log.String())
	// The last command prints the launch's timeline: the submission, the
	// approval, then the release, in that order.
	last := 0
	for _, want := range []string{`"status": "submitted"`, `"status": "approved"`, `"status": "published"`} {
		i := strings.Index(log.String()[last:], want)
		if i < 0 {
			t.Errorf("the launch's timeline lacks %s after byte %d", want, last)
			break
		}
		last += i
	}
}
