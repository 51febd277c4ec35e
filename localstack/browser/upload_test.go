package browser_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/localstack/stack/stacktest"
	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/resources"
)

const (
	chromiumPath  = "/usr/bin/chromium"
	installScript = "localstack/browser/install-chromium.sh"
	browserLimit  = 60 * time.Second
)

// TestBrowserUploadThroughPresignedURL uploads a package from a page on one
// origin to the bucket (another origin) through a presigned PUT, in headless
// Chromium. The PUT carries Content-Type application/zip and
// x-amz-checksum-sha256, so it is not a "simple" request: Chromium must send a
// CORS preflight first, and the bucket's CORS rule (the console origins only)
// decides. A recording proxy in front of the emulator shows the preflight.
func TestBrowserUploadThroughPresignedURL(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("headless Chromium is needed at %s (%v): run %s as root (make test runs it first)", chromiumPath, err, installScript)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Two page servers on loopback: A is the console, B is some other site.
	var pages sync.Map // path → *page
	serve := func() *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := pages.Load(r.URL.Path)
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			if err := pageTemplate.Execute(w, p); err != nil {
				t.Errorf("page %s: %v", r.URL.Path, err)
			}
		}))
	}
	originA, originB := serve(), serve()
	defer originA.Close()
	defer originB.Close()

	// The bucket's CORS rule allows ConsoleURL's origin, i.e. origin A only.
	s := stacktest.Start(t, stack.Options{ConsoleURL: originA.URL + "/console/"})
	if !slices.Equal(s.Config.ConsoleOrigins, []string{originA.URL}) {
		t.Fatalf("console origins = %v, want [%s]", s.Config.ConsoleOrigins, originA.URL)
	}

	// The browser talks to the emulator through a recording reverse proxy, so the
	// test sees the preflight and its answer. The URL is signed for the proxy's
	// host; moto does not check signatures, and nothing else changes on the way.
	rec := &recorder{}
	proxy := httptest.NewServer(rec.wrap(s.Emulator.Endpoint()))
	defer proxy.Close()
	viaProxy := bucket.New(s3.NewFromConfig(s.AWS, func(o *s3.Options) {
		o.UsePathStyle = true
		o.BaseEndpoint = aws.String(proxy.URL)
	}), s.Config.BucketName, nil)
	direct := s3.NewFromConfig(s.AWS, func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})

	body := zipPackage(t)
	sum := sha256.Sum256(body)
	shaHex := hex.EncodeToString(sum[:])
	newPage := func(key string) *page {
		t.Helper()
		up, err := viaProxy.PresignPut(ctx, key, "application/zip", int64(len(body)), shaHex, 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		headers := map[string]string{}
		for k, v := range up.Headers {
			if !strings.EqualFold(k, "Content-Length") { // forbidden in fetch: the browser sets it
				headers[k] = v
			}
		}
		return &page{URL: up.URL, Method: up.Method, Headers: headers, Body: base64.StdEncoding.EncodeToString(body),
			checksum: up.Headers["x-amz-checksum-sha256"]}
	}
	prefix := resources.Bucket.IncomingPrefix + "ws-browser/mp-browser/1.0.0/"
	keyA, keyB := prefix+"from-console.zip", prefix+"from-elsewhere.zip"
	pageA, pageB := newPage(keyA), newPage(keyB)
	pages.Store("/console/upload-a.html", pageA)
	pages.Store("/console/upload-b.html", pageB)

	t.Run("console origin may upload", func(t *testing.T) {
		start := time.Now()
		result := runChromium(ctx, t, originA.URL+"/console/upload-a.html")
		t.Logf("chromium (origin %s) in %v: %s", originA.URL, time.Since(start).Round(time.Millisecond), result)
		if result != "OK 200" {
			t.Fatalf("upload from the console origin: %q, want OK 200", result)
		}

		pre, ok := rec.find(http.MethodOptions, keyA)
		if !ok {
			t.Fatalf("no CORS preflight reached the bucket; saw %v", rec.all())
		}
		if pre.Origin != originA.URL || !strings.EqualFold(pre.RequestMethod, "PUT") {
			t.Errorf("preflight Origin=%q Access-Control-Request-Method=%q, want %q and PUT", pre.Origin, pre.RequestMethod, originA.URL)
		}
		asked := headerList(pre.RequestHeaders)
		for _, h := range []string{"x-amz-checksum-sha256", "content-type"} {
			if !slices.Contains(asked, h) {
				t.Errorf("preflight Access-Control-Request-Headers = %q, lacks %s", pre.RequestHeaders, h)
			}
		}
		if pre.Status != http.StatusOK || pre.AllowOrigin != originA.URL || !slices.Contains(headerList(pre.AllowMethods), "put") {
			t.Errorf("bucket's answer to the preflight: %d, Access-Control-Allow-Origin=%q, -Methods=%q; want 200, %q, PUT",
				pre.Status, pre.AllowOrigin, pre.AllowMethods, originA.URL)
		}
		put, ok := rec.find(http.MethodPut, keyA)
		if !ok {
			t.Fatalf("the PUT never reached the bucket; saw %v", rec.all())
		}
		if put.Seq < pre.Seq {
			t.Errorf("PUT (#%d) sent before its preflight (#%d)", put.Seq, pre.Seq)
		}
		if put.Origin != originA.URL || put.Checksum != pageA.checksum || put.ContentLength != int64(len(body)) || put.Status != http.StatusOK {
			t.Errorf("PUT Origin=%q checksum=%q length=%d status=%d; want %q, %q, %d, 200",
				put.Origin, put.Checksum, put.ContentLength, put.Status, originA.URL, pageA.checksum, len(body))
		}
		t.Logf("preflight: OPTIONS Origin: %s, Access-Control-Request-Method: %s, Access-Control-Request-Headers: %s -> %d, Access-Control-Allow-Origin: %s, Allow-Methods: %s, Allow-Headers: %s",
			pre.Origin, pre.RequestMethod, pre.RequestHeaders, pre.Status, pre.AllowOrigin, pre.AllowMethods, pre.AllowHeaders)

		out, err := direct.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.Config.BucketName, Key: &keyA})
		if err != nil {
			t.Fatalf("the uploaded object: %v", err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if gotSum := sha256.Sum256(got); gotSum != sum {
			t.Fatalf("stored object: %d bytes, sha256 %x; uploaded %d bytes, sha256 %x", len(got), gotSum, len(body), sum)
		}
		if ct := aws.ToString(out.ContentType); ct != "application/zip" {
			t.Errorf("stored Content-Type = %q, want application/zip", ct)
		}
	})

	t.Run("other origin is refused at the preflight", func(t *testing.T) {
		start := time.Now()
		result := runChromium(ctx, t, originB.URL+"/console/upload-b.html")
		t.Logf("chromium (origin %s) in %v: %s", originB.URL, time.Since(start).Round(time.Millisecond), result)
		if result != "FAILED TypeError: Failed to fetch" {
			t.Fatalf("upload from a foreign origin: %q, want FAILED TypeError: Failed to fetch", result)
		}
		pre, ok := rec.find(http.MethodOptions, keyB)
		if !ok {
			t.Fatalf("no CORS preflight reached the bucket; saw %v", rec.all())
		}
		if pre.Origin != originB.URL || !strings.EqualFold(pre.RequestMethod, "PUT") {
			t.Errorf("preflight Origin=%q Access-Control-Request-Method=%q, want %q and PUT", pre.Origin, pre.RequestMethod, originB.URL)
		}
		if pre.AllowOrigin != "" {
			t.Errorf("the bucket allowed %q (Access-Control-Allow-Origin: %s)", originB.URL, pre.AllowOrigin)
		}
		t.Logf("preflight: OPTIONS Origin: %s, Access-Control-Request-Method: %s, Access-Control-Request-Headers: %s -> %d, no Access-Control-Allow-Origin",
			pre.Origin, pre.RequestMethod, pre.RequestHeaders, pre.Status)
		if put, ok := rec.find(http.MethodPut, keyB); ok {
			t.Errorf("Chromium sent the PUT despite the refused preflight: %+v", put)
		}
		_, err := direct.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.Config.BucketName, Key: &keyB})
		var missing *s3types.NotFound
		if !errors.As(err, &missing) {
			t.Errorf("HeadObject %s after a refused upload: %v, want NotFound", keyB, err)
		}
	})
}

// page is one upload page: it PUTs Body (base64) to URL with Headers.
type page struct {
	URL, Method, Body string
	Headers           map[string]string
	checksum          string
}

// The page writes PENDING, then OK <status> or FAILED <status|error> into #result;
// Chromium's --dump-dom prints the DOM once the page's work is done.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>upload</title></head>
<body>
<pre id="result">PENDING</pre>
<script>
(async () => {
  const out = document.getElementById('result');
  try {
    const raw = atob({{.Body}});
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const headers = {{.Headers}};
    const res = await fetch({{.URL}}, {method: {{.Method}}, mode: 'cors', headers,
      body: new Blob([bytes], {type: 'application/zip'})});
    out.textContent = res.ok ? 'OK ' + res.status : 'FAILED ' + res.status + ' ' + (await res.text());
  } catch (e) {
    out.textContent = 'FAILED ' + e.name + ': ' + e.message;
  }
})();
</script>
</body></html>
`))

var resultRE = regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`)

// runChromium loads pageURL in a fresh headless Chromium and returns the text
// of #result from the dumped DOM.
func runChromium(ctx context.Context, t *testing.T, pageURL string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath,
		// The flags that work on this kind of machine (see the README):
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(),
		// Let the page's async fetch finish before the DOM is printed.
		"--virtual-time-budget=15000",
		"--dump-dom", pageURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("chromium did not finish within %v\nstderr:\n%s", browserLimit, stderr.String())
	}
	if err != nil {
		t.Fatalf("chromium: %v\nstderr:\n%s", err, stderr.String())
	}
	m := resultRE.FindSubmatch(stdout.Bytes())
	if m == nil {
		t.Fatalf("no #result in the dumped DOM:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	return strings.TrimSpace(html.UnescapeString(string(m[1])))
}

// zipPackage is a small mini program package.
func zipPackage(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"app.json", `{"version":"1.0.0","pages":["pages/index/index"]}`},
		{"pages/index/index.js", "Page({})"},
		{"pages/index/index.wxml", "<view/>"},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// exchange is one request through the proxy and the emulator's answer.
type exchange struct {
	Seq                       int
	Method, Path, Origin      string
	RequestMethod             string // Access-Control-Request-Method
	RequestHeaders            string // Access-Control-Request-Headers
	Checksum                  string
	ContentLength             int64
	Status                    int
	AllowOrigin, AllowMethods string
	AllowHeaders              string
}

// recorder is a reverse proxy to the emulator that records every exchange.
type recorder struct {
	mu   sync.Mutex
	seq  int
	seen []exchange
}

func (r *recorder) wrap(target string) http.Handler {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seq++
		x := exchange{Seq: r.seq, Method: req.Method, Path: req.URL.Path, Origin: req.Header.Get("Origin"),
			RequestMethod:  req.Header.Get("Access-Control-Request-Method"),
			RequestHeaders: req.Header.Get("Access-Control-Request-Headers"),
			Checksum:       req.Header.Get("x-amz-checksum-sha256"), ContentLength: req.ContentLength}
		r.mu.Unlock()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(sw, req)
		h := w.Header()
		x.Status, x.AllowOrigin = sw.status, h.Get("Access-Control-Allow-Origin")
		x.AllowMethods, x.AllowHeaders = h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Allow-Headers")
		r.mu.Lock()
		r.seen = append(r.seen, x)
		r.mu.Unlock()
	})
}

// find returns the first exchange with method for key.
func (r *recorder) find(method, key string) (exchange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.seen {
		if x.Method == method && strings.HasSuffix(x.Path, "/"+key) {
			return x, true
		}
	}
	return exchange{}, false
}

func (r *recorder) all() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// headerList splits a comma-separated header value into lower-case names.
func headerList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}
