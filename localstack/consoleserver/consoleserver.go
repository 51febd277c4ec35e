// Package consoleserver serves the built web console (console/dist) the way
// CloudFront does in the cloud: hashed files under /assets cached for a year,
// index.html for every other path (the console routes by path) never cached,
// /config.json written from the running platform, and the same security
// headers on every response.
package consoleserver

import (
	"encoding/json"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Config is /config.json: what the console needs to find the platform.
type Config struct {
	APIURL          string `json:"apiUrl"` // empty: the API is on the console's origin
	Region          string `json:"region"`
	UserPoolID      string `json:"userPoolId"`
	ClientID        string `json:"clientId"`
	CognitoEndpoint string `json:"cognitoEndpoint"`
	BucketOrigin    string `json:"bucketOrigin"` // where presigned S3 URLs point
}

const (
	// IndexFile is the console's entry page; a directory without it holds no console.
	IndexFile = "index.html"

	cacheImmutable = "public, max-age=31536000, immutable"
	cacheNone      = "no-cache"
)

// ContentSecurityPolicy is the policy CloudFront sends with the console; the
// bucket (bucketOrigin) is the only other origin the console may talk to and
// show images from.
func ContentSecurityPolicy(bucketOrigin string) string {
	extra := ""
	if bucketOrigin != "" {
		extra = " " + bucketOrigin
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:" + extra +
		"; connect-src 'self'" + extra + "; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
}

// Built reports whether dir holds a built console.
func Built(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, IndexFile))
	return err == nil && st.Mode().IsRegular()
}

// New serves the console built into dir with cfg as /config.json. Files are
// opened per request (inside dir, never outside it), so a rebuild is served
// without a restart; until index.html exists every page answers 503 saying how
// to build the console.
func New(dir string, cfg Config) http.Handler {
	config, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // strings only
	}
	return &handler{dir: dir, config: config, csp: ContentSecurityPolicy(cfg.BucketOrigin)}
}

type handler struct {
	dir    string
	config []byte
	csp    string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.ContainsRune(p, 0) || hasDotDot(p) {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	switch {
	case p == "/config.json":
		hd.Set("Content-Type", "application/json")
		hd.Set("Cache-Control", cacheNone)
		w.Write(h.config)
		return
	case strings.HasPrefix(p, "/assets/"):
		// Hashed names: a missing one is a stale page asking for an old build,
		// and must not get index.html back as JavaScript.
		if !h.serveFile(w, r, strings.TrimPrefix(path.Clean(p), "/"), cacheImmutable) {
			http.NotFound(w, r)
		}
		return
	case p != "/" && p != "/"+IndexFile:
		if h.serveFile(w, r, strings.TrimPrefix(path.Clean(p), "/"), cacheNone) {
			return
		}
	}
	if !h.serveFile(w, r, IndexFile, cacheNone) {
		hd.Set("Cache-Control", "no-store")
		http.Error(w, "The console is not built: run `make console` (or `cd console && npm ci && npm run build`) and reload.", http.StatusServiceUnavailable)
	}
}

// serveFile serves name (slash-separated, relative to the console directory)
// if it is a regular file there; it reports whether it did.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name, cache string) bool {
	if name == "" || name == "." {
		return false
	}
	// OpenInRoot refuses names that leave the directory, symlinks included.
	f, err := os.OpenInRoot(h.dir, filepath.FromSlash(name))
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() { // directories are never listed
		return false
	}
	hd := w.Header()
	hd.Set("Cache-Control", cache)
	if ct := contentType(name); ct != "" {
		hd.Set("Content-Type", ct)
	}
	http.ServeContent(w, r, name, st.ModTime(), f)
	return true
}

func contentType(name string) string {
	switch ext := path.Ext(name); ext {
	case ".map":
		return "application/json"
	case ".html":
		return "text/html; charset=utf-8"
	default:
		return mime.TypeByExtension(ext)
	}
}

func hasDotDot(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}
