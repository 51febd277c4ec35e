package consoleserver_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mpdp/platform/localstack/consoleserver"
)

// FuzzPath: whatever path a browser sends, the server answers without a 5xx
// and never with the secret that sits next to the console's directory (or
// behind the symlink inside it).
func FuzzPath(f *testing.F) {
	for _, p := range []string{"/", "/index.html", "/assets/app-ABC123.js", "/assets/link.js", "/../secret.txt",
		"/assets/../../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/nested/dir", "/a\\..\\secret.txt",
		"//secret.txt", "/assets/", "/config.json", "/workspaces/ws_1/miniprograms"} {
		f.Add(p)
	}
	h := consoleserver.New(site(f), cfg)
	f.Fuzz(func(t *testing.T, p string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL = &url.URL{Path: p}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("GET %q: %d", p, w.Code)
		}
		if strings.Contains(w.Body.String(), "SECRET") {
			t.Fatalf("GET %q served the secret outside the console directory", p)
		}
	})
}
