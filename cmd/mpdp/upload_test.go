package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/packages"
)

// fakePlatform plays the API and the bucket for one mini program.
type fakePlatform struct {
	t     *testing.T
	srv   *httptest.Server
	clock *fakeClock

	mu        sync.Mutex
	versions  map[string]map[string]any // version → the version's JSON
	polls     int                       // GETs of a processing version before it is final
	final     string                    // ready or invalid
	keys      []string                  // Idempotency-Keys received
	puts      int
	replay    bool      // answer POSTs as replays
	expiresAt time.Time // of issued URLs
	requests  []string
}

const fakeBase = "/v1/workspaces/ws_1/miniprograms/mp_1"

func newFakePlatform(t *testing.T, clock *fakeClock) *fakePlatform {
	f := &fakePlatform{t: t, clock: clock, versions: map[string]map[string]any{}, polls: 2, final: "ready",
		expiresAt: clock.now().Add(15 * time.Minute)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail})
}

func (f *fakePlatform) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if !strings.HasPrefix(r.URL.Path, "/s3/") && r.Header.Get("Authorization") != "Bearer good-token" {
		problem(w, 401, "no token")
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == fakeBase+"/uploads":
		var in struct {
			Version string
			Size    int64
			SHA256  string
		}
		json.NewDecoder(r.Body).Decode(&in)
		key := r.Header.Get("Idempotency-Key")
		if !regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`).MatchString(key) {
			problem(w, 400, "bad key")
			return
		}
		f.keys = append(f.keys, key)
		f.versions[in.Version] = map[string]any{"id": "ver_1", "version": in.Version, "status": "uploading", "size": in.Size, "sha256": in.SHA256}
		sum, _ := hex.DecodeString(in.SHA256)
		if f.replay {
			w.Header().Set("Idempotent-Replayed", "true")
			f.replay = false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]any{"versionId": "ver_1", "packageVersion": f.versions[in.Version],
			"upload": map[string]any{"url": f.srv.URL + "/s3/incoming/" + in.Version + "?X-Amz-Signature=abc", "method": "PUT", "expiresAt": f.expiresAt,
				"headers": map[string]string{"Content-Type": "application/zip", "Content-Length": fmt.Sprint(in.Size),
					"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum)}}})
	case r.Method == "PUT" && strings.HasPrefix(r.URL.Path, "/s3/incoming/"):
		version := strings.TrimPrefix(r.URL.Path, "/s3/incoming/")
		v := f.versions[version]
		body, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(body)
		if r.ContentLength != v["size"].(int64) || r.Header.Get("Content-Type") != "application/zip" ||
			r.Header.Get("X-Amz-Checksum-Sha256") != base64.StdEncoding.EncodeToString(sum[:]) || hex.EncodeToString(sum[:]) != v["sha256"] {
			w.WriteHeader(403)
			fmt.Fprint(w, `<Error><Code>SignatureDoesNotMatch</Code><Message>headers differ</Message></Error>`)
			return
		}
		f.puts++
		v["status"] = "processing"
		v["receivedAt"] = f.clock.now()
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, fakeBase+"/versions/"):
		v, ok := f.versions[strings.TrimPrefix(r.URL.Path, fakeBase+"/versions/")]
		if !ok {
			problem(w, 404, "the resource does not exist or is not visible to you")
			return
		}
		if v["status"] == "processing" {
			if f.polls--; f.polls < 0 {
				v["status"] = f.final
				v["processedAt"] = f.clock.now()
				rep := packages.Report{Valid: f.final == "ready", Entries: 3}
				if f.final == "invalid" {
					rep.Problems = []packages.Problem{{Code: "page_missing", Message: "page is missing", Path: "pages/a.js"}}
				}
				v["report"] = rep
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	case r.Method == "GET" && r.URL.Path == fakeBase+"/versions":
		page := map[string]any{"items": []map[string]any{{"version": "2.0.0", "status": "ready", "size": 2048}}, "nextCursor": "c2"}
		if r.URL.Query().Get("cursor") == "c2" {
			page = map[string]any{"items": []map[string]any{{"version": "1.0.0", "status": "invalid", "size": 10}}}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page)
	default:
		problem(w, 404, "no route")
	}
}

// signedIn returns deps pointed at the fake platform with a valid cached token.
func (f *fakePlatform) signedIn(t *testing.T) *deps {
	d := testDeps(t, map[string]string{"MPDP_API": f.srv.URL})
	d.now, d.sleep = f.clock.now, f.clock.sleep
	c := &cli{deps: d, opts: globalOptions{profile: "default"}}
	st, _ := c.store()
	if err := st.putCredentials("default", credentials{IDToken: "good-token", RefreshToken: "r", ExpiresAt: f.clock.now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestUploadDirectoryToReady(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f := newFakePlatform(t, clock)
	d := f.signedIn(t)
	dir := validTree(t, "1.0.0")
	args := []string{"upload", dir, "--workspace", "ws_1", "--miniprogram", "mp_1"}

	code, stdout, stderr := run(t, d, "", args...)
	if code != 0 || !strings.HasPrefix(stdout, "version 1.0.0: ready\n") || f.puts != 1 {
		t.Fatalf("exit %d, %d PUTs: %s", code, f.puts, stdout)
	}
	if !strings.Contains(stderr, "uploading ") || !strings.Contains(stderr, "\nuploaded ") || strings.Contains(stderr, "\r") {
		t.Errorf("CI output %q", stderr)
	}
	pkg, err := (&cli{deps: d}).preparePackage(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.cleanup()
	if len(f.keys) != 1 || f.keys[0] != idempotencyKey("ws_1", "mp_1", "1.0.0", pkg.sha256, "") {
		t.Errorf("keys %v", f.keys)
	}

	// Running it again uploads nothing: the version is already there.
	f.requests = nil
	code, stdout, stderr = run(t, d, "", args...)
	if code != 0 || f.puts != 1 || len(f.keys) != 1 || !strings.Contains(stderr, "already uploaded with this content") || !strings.Contains(stdout, "ready") {
		t.Fatalf("rerun: exit %d, requests %v", code, f.requests)
	}

	// The same version with other content is refused before any upload.
	other := writeTree(t, map[string]string{"app.json": `{"version":"1.0.0","pages":["p"]}`, "p.js": "changed"})
	code, _, stderr = run(t, d, "", "upload", other, "-w", "ws_1", "-m", "mp_1")
	if code != 2 || !strings.Contains(stderr, "different content") || f.puts != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestUploadInvalidOnThePlatform(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f := newFakePlatform(t, clock)
	f.final = "invalid"
	d := f.signedIn(t)
	code, stdout, _ := run(t, d, "", "upload", validTree(t, "1.0.0"), "-w", "ws_1", "-m", "mp_1")
	if code != 1 || !strings.Contains(stdout, "version 1.0.0: invalid") || !strings.Contains(stdout, "  page_missing: page is missing (pages/a.js)") {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	// --json prints the version as the API gave it.
	f.versions = map[string]map[string]any{}
	f.polls = 0
	code, stdout, _ = run(t, d, "", "upload", validTree(t, "1.1.0"), "-w", "ws_1", "-m", "mp_1", "--json")
	var v struct {
		Status string
		Report packages.Report
	}
	if code != 1 || json.Unmarshal([]byte(stdout), &v) != nil || v.Status != "invalid" || v.Report.Codes()[0] != "page_missing" {
		t.Fatalf("exit %d: %s", code, stdout)
	}
}

func TestUploadTimesOut(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f := newFakePlatform(t, clock)
	f.polls = 1 << 30
	d := f.signedIn(t)
	start := clock.now()
	code, _, stderr := run(t, d, "", "upload", validTree(t, "1.0.0"), "-w", "ws_1", "-m", "mp_1", "--timeout", "30s")
	if code != 4 || !strings.Contains(stderr, "timed out after 30s") || !strings.Contains(stderr, "mpdp status -w ws_1 -m mp_1 1.0.0") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if waited := clock.now().Sub(start); waited < 30*time.Second || waited > 31*time.Second {
		t.Errorf("waited %v", waited)
	}
	// Polls back off from 1 s to 5 s: about 1, 1.5, 2.25, 3.4, 5, 5, 5, 5... in 30 s.
	gets := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, "GET") {
			gets++
		}
	}
	if gets < 8 || gets > 12 {
		t.Errorf("%d GETs in 30 s", gets)
	}
}

func TestUploadRenewsAnExpiredReplayedURL(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f := newFakePlatform(t, clock)
	f.replay, f.expiresAt = true, clock.now().Add(-time.Hour)
	d := f.signedIn(t)
	code, _, stderr := run(t, d, "", "upload", validTree(t, "1.0.0"), "-w", "ws_1", "-m", "mp_1")
	if code != 0 || len(f.keys) != 2 || f.keys[0] == f.keys[1] || !strings.Contains(stderr, "has expired") {
		t.Fatalf("exit %d, keys %v: %s", code, f.keys, stderr)
	}
}

func TestUploadLocallyInvalidUploadsNothing(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	f := newFakePlatform(t, clock)
	d := f.signedIn(t)
	dir := writeTree(t, map[string]string{"app.json": `{"version":"1.0.0","pages":["pages/index/index","pages/cart/cart"]}`, "pages/index/index.js": "x"})
	code, stdout, _ := run(t, d, "", "upload", dir, "-w", "ws_1", "-m", "mp_1")
	if code != 3 || !strings.Contains(stdout, "  page_missing: ") || !strings.Contains(stdout, "(pages/cart/cart.js)") || len(f.requests) != 0 {
		t.Fatalf("exit %d, requests %v: %s", code, f.requests, stdout)
	}
	// A declared version that differs from app.json's is a local problem too.
	code, stdout, _ = run(t, d, "", "upload", validTree(t, "1.0.0"), "-w", "ws_1", "-m", "mp_1", "--version", "2.0.0")
	if code != 3 || !strings.Contains(stdout, "version_mismatch") || len(f.requests) != 0 {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	// Neither a directory nor a .zip.
	file := filepath.Join(dir, "app.json")
	if code, _, _ := run(t, d, "", "upload", file, "-w", "ws_1", "-m", "mp_1"); code != 2 {
		t.Fatalf("exit %d", code)
	}
}

func TestUploadZipFile(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	f := newFakePlatform(t, clock)
	d := f.signedIn(t)
	var buf bytes.Buffer
	if err := packages.ZipDir(validTree(t, "1.2.0"), &buf); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "app.ZIP")
	os.WriteFile(zipPath, buf.Bytes(), 0o644)
	code, stdout, _ := run(t, d, "", "upload", zipPath, "-w", "ws_1", "-m", "mp_1")
	if code != 0 || !strings.Contains(stdout, "version 1.2.0: ready") {
		t.Fatalf("exit %d: %s", code, stdout)
	}
}

func TestDeterministicZipFromDirectory(t *testing.T) {
	c := &cli{deps: testDeps(t, nil)}
	files := map[string]string{
		"app.json": `{"version":"1.0.0","pages":["pages/index/index","pages/a/a"]}`, "pages/index/index.js": "Page({})",
		"pages/a/a.js": "Page({a:1})", "pages/a.js": "x", ".git/HEAD": "ref", ".DS_Store": "junk",
	}
	one, two := writeTree(t, files), writeTree(t, files)
	// Different modification times must not change the bytes.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	filepath.Walk(two, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) })

	a, err := c.preparePackage(one, "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.cleanup()
	b, err := c.preparePackage(two, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.cleanup()
	if a.sha256 != b.sha256 || a.size != b.size || !a.report.Valid || a.version != "1.0.0" {
		t.Fatalf("%s (%d) vs %s (%d), report %+v", a.sha256, a.size, b.sha256, b.size, a.report)
	}
	// Dot files are left out, entries are sorted by path.
	if a.report.Entries != 4 {
		t.Fatalf("entries %d", a.report.Entries)
	}
	data, _ := os.ReadFile(a.path)
	if i, j := bytes.Index(data, []byte("pages/a.js")), bytes.Index(data, []byte("pages/a/a.js")); i < 0 || j < 0 || i > j {
		t.Fatalf("order: pages/a.js at %d, pages/a/a.js at %d", i, j)
	}
	// The temp zip goes away.
	a.cleanup()
	if _, err := os.Stat(a.path); !os.IsNotExist(err) {
		t.Fatalf("temp zip left: %v", err)
	}
}

func TestVersionsFollowsCursor(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	f := newFakePlatform(t, clock)
	d := f.signedIn(t)
	code, stdout, stderr := run(t, d, "", "versions", "-w", "ws_1", "-m", "mp_1")
	if code != 0 || !regexp.MustCompile(`(?m)^VERSION\s+STATUS\s+SIZE\s+UPLOADED\s+PROCESSED\n2\.0\.0\s+ready\s+2\.0 KiB\s+-\s+-\n$`).MatchString(stdout) || !strings.Contains(stderr, "--all") {
		t.Fatalf("exit %d: %q", code, stdout)
	}
	code, stdout, _ = run(t, d, "", "versions", "-w", "ws_1", "-m", "mp_1", "--all", "--json")
	var page struct {
		Items      []struct{ Version string }
		NextCursor string
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &page) != nil || len(page.Items) != 2 || page.Items[1].Version != "1.0.0" || page.NextCursor != "" {
		t.Fatalf("exit %d: %s", code, stdout)
	}
}

func TestStatusShowsReport(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	f := newFakePlatform(t, clock)
	f.versions["1.0.0"] = map[string]any{"version": "1.0.0", "status": "invalid", "size": 10,
		"report": packages.Report{Problems: []packages.Problem{{Code: "not_a_zip", Message: "package is not a zip"}}}}
	d := f.signedIn(t)
	code, stdout, _ := run(t, d, "", "status", "-w", "ws_1", "-m", "mp_1", "1.0.0")
	if code != 0 || !strings.Contains(stdout, "version 1.0.0: invalid") || !strings.Contains(stdout, "  not_a_zip: package is not a zip\n") {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	code, _, stderr := run(t, d, "", "status", "-w", "ws_1", "-m", "mp_1", "9.9.9")
	if code != 2 || !strings.Contains(stderr, "404 Not Found") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestUploadCraftedZipUploadsNothing runs mpdp upload on the crafted archives
// the console's tests also read: each is refused locally, before any request,
// with the same codes.
func TestUploadCraftedZipUploadsNothing(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "packages", "testdata", "zipstructure")
	index, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name  string   `json:"name"`
		Codes []string `json:"codes"`
	}
	if err := json.Unmarshal(index, &cases); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Now()}
	f := newFakePlatform(t, clock)
	d := f.signedIn(t)
	for _, c := range cases {
		if len(c.Codes) == 0 {
			continue
		}
		code, stdout, _ := run(t, d, "", "upload", filepath.Join(dir, c.Name+".zip"), "-w", "ws_1", "-m", "mp_1")
		if code != 3 || len(f.requests) != 0 {
			t.Errorf("%s: exit %d, requests %v: %s", c.Name, code, f.requests, stdout)
		}
		for _, want := range c.Codes {
			if !strings.Contains(stdout, "  "+want+": ") && !strings.Contains(stdout, "  "+want+" (") {
				t.Errorf("%s: output lacks %s:\n%s", c.Name, want, stdout)
			}
		}
	}
}
