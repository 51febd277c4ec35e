package consoleserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpdp/platform/localstack/consoleserver"
)

const (
	indexHTML = "<!doctype html><title>console</title>"
	appJS     = "console.log('app')"
)

// site writes a small built console, plus a secret next to it that no request
// may reach.
func site(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "dist")
	files := map[string]string{
		"dist/index.html":               indexHTML,
		"dist/assets/app-ABC123.js":     appJS,
		"dist/assets/app-ABC123.css":    "body{}",
		"dist/assets/app-ABC123.js.map": `{"version":3}`,
		"dist/robots.txt":               "User-agent: *",
		"dist/nested/dir/keep.txt":      "x",
		"secret.txt":                    "SECRET",
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A symlink out of the directory must not be followed either.
	if err := os.Symlink(filepath.Join(root, "secret.txt"), filepath.Join(dir, "assets", "link.js")); err != nil {
		t.Fatal(err)
	}
	return dir
}

var cfg = consoleserver.Config{Region: "us-east-1", UserPoolID: "us-east-1_abc", ClientID: "client1",
	CognitoEndpoint: "http://127.0.0.1:9000/_local/cognito/", BucketOrigin: "http://127.0.0.1:5000"}

func TestHandler(t *testing.T) {
	h := consoleserver.New(site(t), cfg)
	tests := []struct {
		name, method, path string
		status             int
		cache, ctype, body string // "" means not checked
	}{
		{"root is index", "GET", "/", 200, "no-cache", "text/html; charset=utf-8", indexHTML},
		{"index by name", "GET", "/index.html", 200, "no-cache", "text/html; charset=utf-8", indexHTML},
		{"fallback: app route", "GET", "/workspaces/ws-1/miniprograms", 200, "no-cache", "text/html; charset=utf-8", indexHTML},
		{"fallback: invitation link", "GET", "/invitations/inv-1?token=abc", 200, "no-cache", "", indexHTML},
		{"fallback: directory is not listed", "GET", "/nested/dir/", 200, "no-cache", "", indexHTML},
		{"fallback: HEAD", "HEAD", "/workspaces", 200, "no-cache", "text/html; charset=utf-8", ""},
		{"other existing file", "GET", "/robots.txt", 200, "no-cache", "text/plain; charset=utf-8", "User-agent: *"},
		{"asset js", "GET", "/assets/app-ABC123.js", 200, "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", appJS},
		{"asset css", "GET", "/assets/app-ABC123.css", 200, "public, max-age=31536000, immutable", "text/css; charset=utf-8", "body{}"},
		{"asset source map", "GET", "/assets/app-ABC123.js.map", 200, "public, max-age=31536000, immutable", "application/json", `{"version":3}`},
		{"missing asset is 404, not index", "GET", "/assets/app-OLD.js", 404, "", "", ""},
		{"assets directory is not listed", "GET", "/assets/", 404, "", "", ""},
		{"assets directory without slash", "GET", "/assets", 200, "no-cache", "", indexHTML},
		{"symlink out of the directory", "GET", "/assets/link.js", 404, "", "", ""},
		{"traversal", "GET", "/../secret.txt", 400, "", "", ""},
		{"traversal under assets", "GET", "/assets/../../secret.txt", 400, "", "", ""},
		{"traversal, encoded", "GET", "/assets/%2e%2e/%2e%2e/secret.txt", 400, "", "", ""},
		{"backslash", "GET", "/assets/..\\..\\secret.txt", 400, "", "", ""},
		{"POST is refused", "POST", "/", 405, "", "", ""},
		{"config", "GET", "/config.json", 200, "no-cache", "application/json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://console.test/", nil)
			if err := setPath(req, tt.path); err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != tt.status {
				t.Fatalf("%s %s: status %d, want %d (body %q)", tt.method, tt.path, res.StatusCode, tt.status, rec.Body.String())
			}
			if got := res.Header.Get("Cache-Control"); tt.cache != "" && got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
			if got := res.Header.Get("Content-Type"); tt.ctype != "" && got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if tt.body != "" && rec.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", rec.Body.String(), tt.body)
			}
			if strings.Contains(rec.Body.String(), "SECRET") {
				t.Errorf("served a file from outside the console directory")
			}
			if tt.status == 200 && tt.method == "GET" && strings.Contains(rec.Body.String(), "<a href=") {
				t.Errorf("looks like a directory listing: %q", rec.Body.String())
			}
			checkSecurityHeaders(t, res.Header)
		})
	}
}

// setPath sets the request's path the way the server would parse it from the
// request line, without cleaning.
func setPath(r *http.Request, p string) error {
	u, err := url.ParseRequestURI(p)
	if err != nil {
		return err
	}
	r.URL = u
	r.RequestURI = p
	return nil
}

func checkSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http://127.0.0.1:5000; connect-src 'self' http://127.0.0.1:5000; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestConfigJSON(t *testing.T) {
	h := consoleserver.New(site(t), cfg)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/config.json", nil))
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("config.json: %v: %q", err, rec.Body.String())
	}
	want := map[string]any{"apiUrl": "", "region": "us-east-1", "userPoolId": "us-east-1_abc", "clientId": "client1",
		"cognitoEndpoint": "http://127.0.0.1:9000/_local/cognito/", "bucketOrigin": "http://127.0.0.1:5000"}
	if len(got) != len(want) {
		t.Errorf("config.json keys: %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("config.json %s = %#v, want %#v", k, got[k], v)
		}
	}
}

func TestNotBuilt(t *testing.T) {
	dir := t.TempDir()
	if consoleserver.Built(dir) {
		t.Fatal("an empty directory reported as built")
	}
	h := consoleserver.New(dir, cfg)
	for _, p := range []string{"/", "/workspaces/x"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "make console") {
			t.Errorf("GET %s without a build: %d %q, want 503 naming make console", p, rec.Code, rec.Body.String())
		}
	}
	// config.json does not depend on the build.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/config.json", nil))
	if rec.Code != 200 {
		t.Errorf("config.json without a build: %d", rec.Code)
	}
	// A build that appears later is served without a restart.
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(indexHTML), 0o644); err != nil {
		t.Fatal(err)
	}
	if !consoleserver.Built(dir) {
		t.Fatal("not built after writing index.html")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || rec.Body.String() != indexHTML {
		t.Errorf("GET / after the build: %d %q", rec.Code, rec.Body.String())
	}
}
