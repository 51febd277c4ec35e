package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/mpdp/platform/shared/platform/workers"
)

// afterGet is an SDK HTTP client that runs hook once, right after the first
// GET whose path contains match has been read in full: the moment the
// processor has the upload's bytes and validation starts.
type afterGet struct {
	base  aws.HTTPClient
	match string
	once  sync.Once
	hook  func()
}

func (c *afterGet) Do(req *http.Request) (*http.Response, error) {
	res, err := c.base.Do(req)
	if err != nil || req.Method != http.MethodGet || !strings.Contains(req.URL.Path, c.match) {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	c.once.Do(c.hook)
	return res, nil
}

// Two upload URLs for one version, and a PUT with the first one while the
// processor validates the second's object: the version's recorded SHA-256, the
// trial download and the runtime's package are all the validated bytes.
func TestUploadRaceServesTheValidatedBytes(t *testing.T) {
	ws, admin := developerWorkspace(t)
	mp := miniProgram(t, admin, ws, "Race Shop")
	mpID := mp[strings.LastIndex(mp, "/")+1:]
	first := validPkg(t, "1.0.0")
	second := pkg(t, "1.0.0", map[string]string{"pages/index/index.js": "Page({second: true})", "pages/index/index.wxml": "<view/>"})

	u1 := startUpload(t, admin, mp, "1.0.0", first)
	var u2 upload
	admin.must(200, "POST", mp+"/uploads", map[string]any{"version": "1.0.0", "size": len(second), "sha256": sha(second)}).decode(t, &u2)
	if u1.Upload.URL == u2.Upload.URL {
		t.Fatal("the second URL is the first one again")
	}
	put(t, u2, second)

	cfg := env.AWS.Copy()
	base := cfg.HTTPClient
	if base == nil {
		base = awshttp.NewBuildableClient()
	}
	cfg.HTTPClient = &afterGet{base: base, match: "/" + mpID + "/", hook: func() { put(t, u1, first) }}
	hooked := packagePoller()
	hooked.Worker = workers.NewProcessor(cfg, env.Config, hooked.Log).Handle
	for range 50 {
		n, err := hooked.Once(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	process(t) // the first URL's event, if the hooked run left it

	var v versionBody
	admin.must(200, "GET", mp+"/versions/1.0.0", nil).decode(t, &v)
	if v.Status != "ready" || v.SHA256 != sha(second) {
		t.Fatalf("version %s with %s, want ready with the second package's %s", v.Status, v.SHA256, sha(second))
	}
	tester := signIn(t, uniqueEmail("tester"))
	whitelist(t, admin, ws, tester)
	var trial struct{ DownloadURL, SHA256 string }
	tester.must(200, "POST", mp+"/versions/1.0.0/trial", nil).decode(t, &trial)
	if got := sha(fetched(t, trial.DownloadURL)); got != v.SHA256 || trial.SHA256 != v.SHA256 {
		t.Fatalf("trial serves %s (says %s), version records %s", got, trial.SHA256, v.SHA256)
	}
	// A processed version takes no new upload URL.
	admin.must(409, "POST", mp+"/uploads", map[string]any{"version": "1.0.0", "size": len(first), "sha256": sha(first)}).problem(t)
}

// whitelist puts user on ws's tester whitelist, by email.
func whitelist(t testing.TB, admin client, ws string, user client) {
	t.Helper()
	path := "/v1/workspaces/" + ws + "/testers"
	admin.must(200, "PUT", path, map[string]any{"items": []map[string]string{{"email": user.email}}}, "If-Match", etag(t, admin, path))
}
