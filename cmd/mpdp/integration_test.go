package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/localstack/stack/stacktest"
	"github.com/mpdp/platform/shared/platform"
)

// TestCLIAgainstThePlatform runs the CLI in-process, without a terminal, against
// the whole platform on its own moto server, as CI would use it.
func TestCLIAgainstThePlatform(t *testing.T) {
	const tenantAdmin, tenantPassword = "root@tenant.test", "Str0ng-Passw0rd!"
	s := stacktest.Start(t, stack.Options{Tenant: platform.Tenant{Name: "Tenant", AdminEmail: tenantAdmin, AdminPassword: tenantPassword}})
	gwURL := stacktest.Gateway(t, s)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir()) // os.UserConfigDir on macOS

	// The package processor, as Lambda's event source mapping would run it.
	pollCtx, stopPolling := context.WithCancel(context.Background())
	var polling sync.WaitGroup
	polling.Go(func() { s.Pollers()[1].Run(pollCtx) })
	t.Cleanup(func() { stopPolling(); polling.Wait() })

	// A merchant applies; the tenant admin approves, which creates the workspace
	// and its admin with a temporary password.
	email := fmt.Sprintf("dev%d@acme.test", time.Now().UnixNano()%1e9)
	var app struct{ ID string }
	apiCall(t, gwURL, "", "POST", "/v1/applications", map[string]string{"company": "Acme CLI", "contactName": "Ann Lee",
		"email": email, "country": "SG", "reason": "We build shopping mini programs for our stores."}, 201, &app)
	rootToken, err := s.SignIn(context.Background(), tenantAdmin, tenantPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	var approved struct{ Result map[string]string }
	apiCall(t, gwURL, rootToken, "POST", "/v1/approvals/"+app.ID+"/approve", map[string]string{"comment": "welcome"}, 200, &approved)
	ws := approved.Result["workspaceId"]
	// The welcome email's temporary password is in the mail queue; a fresh one is simpler.
	user, err := s.Directory.EnsureUser(context.Background(), email)
	if err != nil || user.TemporaryPassword == "" {
		t.Fatalf("temporary password: %v", err)
	}

	d := newDeps(nil, nil, nil) // the real dependencies: no terminal, config under XDG_CONFIG_HOME
	const newPassword = "N3w-Passw0rd!x"
	code, stdout, stderr := run(t, d, user.TemporaryPassword+"\n"+newPassword+"\n", "login", "--email", email,
		"--password-stdin", "--new-password-stdin", "--api", gwURL, "--cognito-endpoint", s.Emulator.Endpoint(),
		"--region", s.Config.Region, "--client-id", s.Config.ClientID)
	if code != 0 || !strings.Contains(stdout, "Signed in as "+email) {
		t.Fatalf("login: exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, user.TemporaryPassword) || strings.Contains(stdout+stderr, newPassword) {
		t.Fatal("login printed a password")
	}
	configDir, _ := os.UserConfigDir()
	credsPath := filepath.Join(configDir, "mpdp", credentialsName)
	if fi, err := os.Stat(credsPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v", err)
	}

	devToken, err := s.SignIn(context.Background(), email, newPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	var mp struct{ ID string }
	apiCall(t, gwURL, devToken, "POST", "/v1/workspaces/"+ws+"/miniprograms", map[string]string{"name": "CLI Shop", "category": "shopping"}, 201, &mp)

	// A valid directory goes up and becomes ready.
	code, stdout, stderr = run(t, d, "", "upload", validTree(t, "1.0.0"), "--workspace", ws, "--miniprogram", mp.ID, "--timeout", "90s")
	if code != 0 || !strings.Contains(stdout, "version 1.0.0: ready") {
		t.Fatalf("upload: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "uploading ") || strings.Contains(stderr, "\r") {
		t.Errorf("upload log for CI: %q", stderr)
	}

	// A package with a missing page never leaves the machine.
	broken := writeTree(t, map[string]string{"app.json": `{"version":"1.1.0","pages":["pages/index/index","pages/cart/cart"]}`,
		"pages/index/index.js": "Page({})"})
	code, stdout, _ = run(t, d, "", "upload", broken, "--workspace", ws, "--miniprogram", mp.ID)
	if code != 3 || !strings.Contains(stdout, "page_missing: ") || !strings.Contains(stdout, "(pages/cart/cart.js)") {
		t.Fatalf("invalid upload: exit %d\n%s", code, stdout)
	}

	// The cached ID token is about to expire: the next command refreshes it with Cognito.
	var creds credentialsFile
	b, _ := os.ReadFile(credsPath)
	json.Unmarshal(b, &creds)
	old := creds.Profiles["default"]
	stale := old
	stale.ExpiresAt = time.Now().Add(10 * time.Second)
	b, _ = json.Marshal(credentialsFile{Profiles: map[string]credentials{"default": stale}})
	os.WriteFile(credsPath, b, 0o600)

	code, stdout, stderr = run(t, d, "", "versions", "--workspace", ws, "--miniprogram", mp.ID)
	if code != 0 || !strings.Contains(stdout, "VERSION") || !strings.Contains(stdout, "1.0.0") || !strings.Contains(stdout, "ready") || strings.Contains(stdout, "1.1.0") {
		t.Fatalf("versions: exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, _ = os.ReadFile(credsPath)
	json.Unmarshal(b, &creds)
	if now := creds.Profiles["default"]; !now.ExpiresAt.After(time.Now().Add(time.Minute)) || now.RefreshToken != old.RefreshToken {
		t.Errorf("the token was not refreshed: expires %v", now.ExpiresAt)
	}

	code, stdout, _ = run(t, d, "", "status", "--workspace", ws, "--miniprogram", mp.ID, "1.0.0", "--json")
	var v struct{ Status, Version string }
	if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil || v.Status != "ready" {
		t.Fatalf("status: exit %d\n%s", code, stdout)
	}
}

// apiCall calls the API directly, for the set-up the CLI does not do.
func apiCall(t *testing.T, base, token, method, path string, body any, want int, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
}
