package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mpdp/platform/localstack/devstack"
	"github.com/mpdp/platform/shared/platform"
)

// TestOrigin starts the dev platform on the emulator and checks what its one
// origin serves: the console, its config, the API, the Cognito relay and the
// mailbox, each where it belongs.
func TestOrigin(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "assets"), 0o755)
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>console</title>"), 0o644)
	os.WriteFile(filepath.Join(dir, "assets", "app-X.js"), []byte("1"), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	p, err := devstack.Start(ctx, devstack.Options{ConsoleDir: dir, Out: &out,
		Tenant: platform.Tenant{Name: "Tenant", AdminEmail: "admin@tenant.local", AdminPassword: "Admin-Passw0rd!"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	u := p.URL()
	if !strings.Contains(out.String(), "  Console    "+u+"/\n") || !strings.Contains(out.String(), "export API="+u+" ") || !strings.Contains(out.String(), u+"/_local/mail") {
		t.Errorf("welcome text lacks the console or the mailbox URL:\n%s", out.String())
	}

	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(u + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	for _, tt := range []struct{ path, wantType, wantIn string }{
		{"/", "text/html; charset=utf-8", "<title>console</title>"},
		{"/workspaces/x", "text/html; charset=utf-8", "<title>console</title>"},
		{"/assets/app-X.js", "text/javascript; charset=utf-8", "1"},
		{"/v1/health", "application/json", ""},
		{"/_local/mail", "application/json", `{"items":[]}`},
	} {
		res, body := get(tt.path)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != tt.wantType || !strings.Contains(body, tt.wantIn) {
			t.Errorf("GET %s: %d %s %q", tt.path, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	for _, path := range []string{"/v1/nothing-here", "/_local/nothing-here"} {
		if res, body := get(path); res.StatusCode != 404 || strings.Contains(body, "<title>") {
			t.Errorf("GET %s: %d %q, want the API's 404, not the console", path, res.StatusCode, body)
		}
	}

	var cfg map[string]string
	_, body := get("/config.json")
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatalf("config.json: %v %q", err, body)
	}
	if cfg["cognitoEndpoint"] != u+devstack.CognitoPath || cfg["bucketOrigin"] != p.Stack.Emulator.Endpoint() ||
		cfg["clientId"] != p.Stack.Config.ClientID || cfg["userPoolId"] != p.Stack.Config.UserPoolID || cfg["apiUrl"] != "" {
		t.Errorf("config.json: %v", cfg)
	}

	// An unsigned InitiateAuth, as the console sends it, through the relay.
	req, _ := http.NewRequest("POST", cfg["cognitoEndpoint"], strings.NewReader(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"`+
		cfg["clientId"]+`","AuthParameters":{"USERNAME":"admin@tenant.local","PASSWORD":"Admin-Passw0rd!"}}`))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var auth struct{ AuthenticationResult struct{ IdToken string } }
	if err := json.NewDecoder(res.Body).Decode(&auth); err != nil || res.StatusCode != 200 || strings.Count(auth.AuthenticationResult.IdToken, ".") != 2 {
		t.Fatalf("InitiateAuth through %s: %d %v %+v", devstack.CognitoPath, res.StatusCode, err, auth)
	}
	me, _ := http.NewRequest("GET", u+"/v1/me", nil)
	me.Header.Set("Authorization", "Bearer "+auth.AuthenticationResult.IdToken)
	if res, err := http.DefaultClient.Do(me); err != nil {
		t.Errorf("GET /v1/me with the relayed token: %v", err)
	} else if res.Body.Close(); res.StatusCode != 200 {
		t.Errorf("GET /v1/me with the relayed token: %s", res.Status)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}
