package api_test

import (
	"bytes"
	"io"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/appkeys"
)

type appBody struct {
	ID, Name, Platform, BundleID, Description, Status string
	ActiveKeys, Version                               int
}

type keyBody struct {
	KeyID, AppID, Status, Secret, Use string
	LastUsedAt, RevokedAt             *time.Time
}

func createApp(t *testing.T, c client, name string) appBody {
	t.Helper()
	var a appBody
	c.must(201, "POST", "/v1/apps", map[string]string{"name": name, "platform": "ios", "bundleId": "com.example.superapp",
		"description": "The super app on iOS"}).decode(t, &a)
	return a
}

func createKey(t *testing.T, c client, app string) keyBody {
	t.Helper()
	var k keyBody
	r := c.must(201, "POST", "/v1/apps/"+app+"/keys", nil)
	r.decode(t, &k)
	if k.KeyID == "" || !strings.HasPrefix(k.Secret, appkeys.SecretPrefix) || k.Status != "active" || k.AppID != app {
		t.Fatalf("new key %s", r.Body)
	}
	return k
}

// signed calls the runtime API as a host app: target is the path and query,
// signed with keyID and secret at at with nonce ("" for a fresh one).
type signed struct {
	keyID, secret string
	at            time.Time
	nonce         string
}

func runtimeGet(t *testing.T, target string, s *signed) response {
	t.Helper()
	req, err := http.NewRequest("GET", gw.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s != nil {
		at, nonce := s.at, s.nonce
		if at.IsZero() {
			at = time.Now()
		}
		if nonce == "" {
			nonce = appkeys.NewNonce()
		}
		if err := appkeys.SignRequest(req, s.keyID, s.secret, nil, at, nonce); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Body: b}
	checkContract(t, "GET", target, r)
	return r
}

// refused checks a 401 of the app-key scheme whose detail says want.
func refused(t *testing.T, r response, want string) {
	t.Helper()
	if r.Status != 401 {
		t.Fatalf("status %d, want 401 (%s): %s", r.Status, want, r.Body)
	}
	if p := r.problem(t); !strings.Contains(p.Detail, want) {
		t.Errorf("detail %q, want it to say %q", p.Detail, want)
	}
	if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "MPDP-HMAC-SHA256") {
		t.Errorf("WWW-Authenticate %q", h)
	}
}

func TestAppsManagedByTenantAdmins(t *testing.T) {
	tenant := tenantAdmin(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	_, devAdmin := developerWorkspace(t)

	a := createApp(t, tenant, "Super App iOS")
	if a.Status != "active" || a.Platform != "ios" || a.Version != 1 || a.ActiveKeys != 0 {
		t.Fatalf("new app %+v", a)
	}
	tenant.must(400, "POST", "/v1/apps", map[string]string{"name": "X", "platform": "windows", "bundleId": "nodots"}).problem(t)
	appPath := "/v1/apps/" + a.ID
	tag := etag(t, tenant, appPath)
	var patched appBody
	tenant.must(200, "PATCH", appPath, map[string]string{"name": "Super App (iOS)", "status": "disabled"}, "If-Match", tag).decode(t, &patched)
	if patched.Name != "Super App (iOS)" || patched.Status != "disabled" || patched.Version != 2 {
		t.Fatalf("patched %+v", patched)
	}
	tenant.must(412, "PATCH", appPath, map[string]string{"status": "active"}, "If-Match", tag).problem(t)
	tenant.must(428, "PATCH", appPath, map[string]string{"status": "active"}).problem(t)

	reviewer.must(200, "GET", appPath, nil)
	reviewer.must(403, "PATCH", appPath, map[string]string{"status": "active"}, "If-Match", `"v2"`).problem(t)
	reviewer.must(403, "POST", appPath+"/keys", nil).problem(t)
	devAdmin.must(404, "GET", appPath, nil).problem(t)
	devAdmin.must(404, "GET", "/v1/apps", nil).problem(t)

	var list struct{ Items []appBody }
	reviewer.must(200, "GET", "/v1/apps?limit=100", nil).decode(t, &list)
	found := false
	for _, x := range list.Items {
		found = found || x.ID == a.ID
	}
	if !found {
		t.Fatalf("app %s not listed", a.ID)
	}
	tenant.must(404, "GET", "/v1/apps/app_none", nil).problem(t)
}

func TestRuntimeReleaseSignedWithAppKeys(t *testing.T) {
	withWorkflows(t, quick)
	tenant := tenantAdmin(t)
	app := createApp(t, tenant, "Super App Android")
	k1, k2 := createKey(t, tenant, app.ID), createKey(t, tenant, app.ID)
	other := createApp(t, tenant, "Other App")
	k3 := createKey(t, tenant, other.ID)

	// Secrets are shown once: never in a list or a read.
	keysPath := "/v1/apps/" + app.ID + "/keys"
	for _, p := range []string{keysPath, "/v1/apps/" + app.ID, "/v1/apps?limit=100"} {
		body := tenant.must(200, "GET", p, nil).Body
		if bytes.Contains(body, []byte(k1.Secret)) || bytes.Contains(body, []byte(k2.Secret)) || bytes.Contains(body, []byte(`"secret"`)) ||
			bytes.Contains(body, []byte("ciphertext")) {
			t.Fatalf("GET %s shows a secret: %s", p, body)
		}
	}
	var got appBody
	tenant.must(200, "GET", "/v1/apps/"+app.ID, nil).decode(t, &got)
	if got.ActiveKeys != 2 {
		t.Fatalf("active keys %d", got.ActiveKeys)
	}

	// A launched mini program.
	_, admin, mpPath := readyMiniProgram(t, "1.0.0")
	lpath, l := launch(t, admin, mpPath, map[string]any{"version": "1.0.0", "strategy": "full"})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, lpath, "completed")
	var ver struct {
		SHA256 string
		Size   int64
	}
	admin.must(200, "GET", mpPath+"/versions/1.0.0", nil).decode(t, &ver)
	mp := path.Base(mpPath)
	target := "/v1/runtime/miniprograms/" + mp + "/release?app=" + app.ID + "&user=user-42"

	// Both active keys work (rotation).
	for _, k := range []keyBody{k1, k2} {
		r := runtimeGet(t, target, &signed{keyID: k.KeyID, secret: k.Secret})
		if r.Status != 200 {
			t.Fatalf("key %s: %d %s", k.KeyID, r.Status, r.Body)
		}
		var rel struct {
			MiniProgramID, Version, DownloadURL, SHA256 string
			Size                                        int64
			ExpiresAt                                   time.Time
		}
		r.decode(t, &rel)
		if rel.MiniProgramID != mp || rel.Version != "1.0.0" || rel.SHA256 != ver.SHA256 || rel.Size != ver.Size ||
			!strings.Contains(rel.DownloadURL, "packages/") || time.Until(rel.ExpiresAt) > 5*time.Minute+5*time.Second {
			t.Fatalf("release %s", r.Body)
		}
	}
	var keys struct{ Items []keyBody }
	tenant.must(200, "GET", keysPath, nil).decode(t, &keys)
	if len(keys.Items) != 2 || keys.Items[0].LastUsedAt == nil || keys.Items[1].LastUsedAt == nil {
		t.Fatalf("keys after use %+v", keys.Items)
	}

	// Refusals, each with a detail that says why.
	refused(t, runtimeGet(t, target, nil), "not signed")
	refused(t, runtimeGet(t, target, &signed{keyID: "key_unknown000000000", secret: k1.Secret}), "unknown app key")
	refused(t, runtimeGet(t, target, &signed{keyID: k1.KeyID, secret: k2.Secret}), "signature does not match")
	refused(t, runtimeGet(t, target, &signed{keyID: k1.KeyID, secret: k1.Secret, at: time.Now().Add(-6 * time.Minute)}), "within 5m0s")
	refused(t, runtimeGet(t, target, &signed{keyID: k1.KeyID, secret: k1.Secret, at: time.Now().Add(6 * time.Minute)}), "within 5m0s")
	once := &signed{keyID: k1.KeyID, secret: k1.Secret, at: time.Now(), nonce: appkeys.NewNonce()}
	if r := runtimeGet(t, target, once); r.Status != 200 {
		t.Fatalf("first use of a nonce: %d %s", r.Status, r.Body)
	}
	refused(t, runtimeGet(t, target, once), "replayed request")
	refused(t, runtimeGet(t, target, &signed{keyID: k3.KeyID, secret: k3.Secret}), "does not belong to app "+app.ID)
	// A signature over another query does not hold for this one.
	req := "/v1/runtime/miniprograms/" + mp + "/release?app=" + app.ID + "&user=user-43"
	tampered := &signed{keyID: k1.KeyID, secret: k1.Secret, at: time.Now(), nonce: appkeys.NewNonce()}
	r := func() response {
		hreq, _ := http.NewRequest("GET", gw.URL+target, nil)
		appkeys.SignRequest(hreq, tampered.keyID, tampered.secret, nil, tampered.at, tampered.nonce)
		hreq2, _ := http.NewRequest("GET", gw.URL+req, nil)
		hreq2.Header = hreq.Header
		res, err := http.DefaultClient.Do(hreq2)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return response{Status: res.StatusCode, Header: res.Header, Body: b}
	}()
	refused(t, r, "signature does not match")

	// Revocation takes effect at once, and revoking again is harmless.
	var revoked keyBody
	tenant.must(200, "DELETE", keysPath+"/"+k2.KeyID, nil).decode(t, &revoked)
	if revoked.Status != "revoked" || revoked.RevokedAt == nil {
		t.Fatalf("revoked %+v", revoked)
	}
	tenant.must(200, "DELETE", keysPath+"/"+k2.KeyID, nil)
	tenant.must(404, "DELETE", "/v1/apps/"+other.ID+"/keys/"+k2.KeyID, nil).problem(t)
	refused(t, runtimeGet(t, target, &signed{keyID: k2.KeyID, secret: k2.Secret}), "was revoked")
	tenant.must(200, "GET", "/v1/apps/"+app.ID, nil).decode(t, &got)
	if got.ActiveKeys != 1 {
		t.Fatalf("active keys after revoking %d", got.ActiveKeys)
	}

	// Bad input.
	bad := runtimeGet(t, "/v1/runtime/miniprograms/"+mp+"/release?app="+app.ID, &signed{keyID: k1.KeyID, secret: k1.Secret})
	if bad.Status != 400 || bad.problem(t).fields()[0] != "user" {
		t.Fatalf("no user: %d %s", bad.Status, bad.Body)
	}
	// A parameter that was sent but is malformed is not "required": the
	// message says what it must be.
	for _, c := range []struct{ query, field, want string }{
		{"?user=u1", "app", "is required: the id of the app"},
		{"?app=bad&user=u1", "app", "is not the id of the app whose key signs the request: it must be app_ followed by"},
		{"?app=" + app.ID + "&user=has%20space", "user", "is not the super app's user id: it must be 1 to 128 printable ASCII characters"},
		{"?app=" + app.ID + "&user=", "user", "is required: the super app's user id"},
	} {
		res := runtimeGet(t, "/v1/runtime/miniprograms/"+mp+"/release"+c.query, &signed{keyID: k1.KeyID, secret: k1.Secret})
		p := res.problem(t)
		if res.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != c.field || !strings.HasPrefix(p.Errors[0].Message, c.want) {
			t.Errorf("%s: %d %s, want %s %q", c.query, res.Status, res.Body, c.field, c.want)
		}
	}

	// Unknown and offline mini programs.
	unknown := runtimeGet(t, "/v1/runtime/miniprograms/mp_none/release?app="+app.ID+"&user=u1", &signed{keyID: k1.KeyID, secret: k1.Secret})
	if unknown.Status != 404 {
		t.Fatalf("unknown mini program: %d %s", unknown.Status, unknown.Body)
	}
	var off struct{ ID string }
	admin.must(201, "POST", mpPath+"/offline", map[string]string{"reason": "legal review"}).decode(t, &off)
	tenant.must(200, "POST", "/v1/approvals/"+off.ID+"/approve", nil)
	offline := runtimeGet(t, target, &signed{keyID: k1.KeyID, secret: k1.Secret})
	if offline.Status != 404 || !strings.Contains(offline.problem(t).Detail, "offline") {
		t.Fatalf("offline mini program: %d %s", offline.Status, offline.Body)
	}
}
