package api_test

import (
	"net/url"
	"path"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/appkeys"
)

func createKeyFor(t *testing.T, c client, app, use string) keyBody {
	t.Helper()
	var k keyBody
	c.must(201, "POST", "/v1/apps/"+app+"/keys", map[string]string{"use": use}).decode(t, &k)
	if k.Use != use {
		t.Fatalf("new key's use %q, want %q", k.Use, use)
	}
	return k
}

// The testers' build goes only to users the host app's back end asserts; a
// bare ?user= gets the public release, and every bad assertion is a 401 that
// says why.
func TestRuntimeTestersNeedAnAssertedUser(t *testing.T) {
	withWorkflows(t, quick)
	tenant := tenantAdmin(t)
	app := createApp(t, tenant, "Asserting App")
	requests := createKey(t, tenant, app.ID)
	if requests.Use != "requests" {
		t.Fatalf("a key made without a body has use %q, want requests", requests.Use)
	}
	assertions := createKeyFor(t, tenant, app.ID, "assertions")
	otherApp := createApp(t, tenant, "Other Asserting App")
	otherAssertions := createKeyFor(t, tenant, otherApp.ID, "assertions")
	tenant.must(400, "POST", "/v1/apps/"+app.ID+"/keys", map[string]string{"use": "everything"}).problem(t)

	ws, admin, mpPath := readyMiniProgram(t, "1.0.0", "1.1.0")
	for _, l := range []map[string]any{{"version": "1.0.0", "strategy": "full"}, {"version": "1.1.0", "strategy": "testers"}} {
		lpath, got := launch(t, admin, mpPath, l)
		tenant.must(200, "POST", "/v1/approvals/"+got.ApprovalID+"/approve", nil)
		awaitLaunch(t, admin, lpath, "completed")
	}
	testers := "/v1/workspaces/" + ws + "/testers"
	admin.must(200, "PUT", testers, map[string]any{"items": []map[string]string{{"userId": "tester-7"}}}, "If-Match", etag(t, admin, testers))

	mp := path.Base(mpPath)
	release := func(user, assertion string) response {
		t.Helper()
		q := url.Values{"app": {app.ID}, "user": {user}}
		if assertion != "" {
			q.Set("assertion", assertion)
		}
		return runtimeGet(t, "/v1/runtime/miniprograms/"+mp+"/release?"+q.Encode(), &signed{keyID: requests.KeyID, secret: requests.Secret})
	}
	version := func(r response) string {
		t.Helper()
		if r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		var rel struct{ Version string }
		r.decode(t, &rel)
		return rel.Version
	}
	assert := func(k keyBody, appID, user string, exp time.Time) string {
		return appkeys.SignAssertion(k.Secret, appkeys.Assertion{KeyID: k.KeyID, App: appID, User: user, Expires: exp})
	}
	soon := time.Now().Add(5 * time.Minute)

	for name, tc := range map[string]struct{ user, assertion, want string }{
		"bare tester":         {"tester-7", "", "1.0.0"},
		"asserted tester":     {"tester-7", assert(assertions, app.ID, "tester-7", soon), "1.1.0"},
		"asserted non-tester": {"someone", assert(assertions, app.ID, "someone", soon), "1.0.0"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := version(release(tc.user, tc.assertion)); got != tc.want {
				t.Fatalf("version %s, want %s", got, tc.want)
			}
		})
	}

	forged := assertions
	forged.Secret = requests.Secret // the secret an attacker can pull out of the app binary
	for name, tc := range map[string]struct{ assertion, want string }{
		"forged":                   {assert(forged, app.ID, "tester-7", soon), "signature does not match"},
		"signed by a requests key": {assert(requests, app.ID, "tester-7", soon), "signs requests"},
		"expired":                  {assert(assertions, app.ID, "tester-7", time.Now().Add(-time.Second)), "expired"},
		"too long-lived":           {assert(assertions, app.ID, "tester-7", time.Now().Add(time.Hour)), "at most 10m0s"},
		"other app's key":          {assert(otherAssertions, otherApp.ID, "tester-7", soon), "not made for app"},
		"claims another app":       {assert(assertions, otherApp.ID, "tester-7", soon), "not made for app"},
		"another user":             {assert(assertions, app.ID, "someone", soon), "another user"},
		"malformed":                {"mua1.nope", "must be mua1."},
		"unknown key":              {assert(keyBody{KeyID: "key_unknown000000000", Secret: "x"}, app.ID, "tester-7", soon), "unknown key"},
	} {
		t.Run(name, func(t *testing.T) { refused(t, release("tester-7", tc.assertion), tc.want) })
	}

	// An assertion accepted once is refused once it expires.
	short := assert(assertions, app.ID, "tester-7", time.Now().Add(2*time.Second))
	if got := version(release("tester-7", short)); got != "1.1.0" {
		t.Fatalf("fresh assertion: version %s", got)
	}
	time.Sleep(time.Until(time.Unix(time.Now().Add(2*time.Second).Unix(), 0)) + 100*time.Millisecond)
	refused(t, release("tester-7", short), "expired")

	// An assertions key never signs requests.
	r := runtimeGet(t, "/v1/runtime/miniprograms/"+mp+"/release?app="+app.ID+"&user=u1", &signed{keyID: assertions.KeyID, secret: assertions.Secret})
	refused(t, r, "signs user assertions only")
}
