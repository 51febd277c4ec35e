package api_test

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"
	"time"
)

type jsapiBody struct {
	Name, Description, Status string
	SupportedOS               []string
	NeedsUserAuthorization    bool
	Version                   int
}

type featureBody struct {
	ID, Name, Description string
	JSAPIs                []string
	Version               int
}

type historyBody struct {
	ID, FeatureID, Action, By, ByEmail string
	At                                 time.Time
	Changes                            map[string]struct{ From, To any }
	Version                            int
}

type grantBody struct {
	MiniProgramID, WorkspaceID, FeatureID, FeatureName, Status, ApprovalID, AuthorizationID, RevokedBy string
	RevokedAt                                                                                          *time.Time
}

type authzBody struct {
	ID, Type, WorkspaceID, Status, FeatureID, FeatureName, MiniProgramID string
}

// uniqueJSAPIName returns a fresh JSAPI name starting with prefix.
func uniqueJSAPIName(prefix string) string {
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano()%1e6, seq.Add(1))
}

func createJSAPI(t testing.TB, c client, prefix string, os ...string) jsapiBody {
	t.Helper()
	var j jsapiBody
	c.must(201, "POST", "/v1/jsapis", map[string]any{"name": uniqueJSAPIName(prefix), "description": "Does " + prefix,
		"supportedOS": os}).decode(t, &j)
	return j
}

func createFeature(t testing.TB, c client, name string, jsapis ...string) featureBody {
	t.Helper()
	var f featureBody
	c.must(201, "POST", "/v1/features", map[string]any{"name": name, "description": "About " + name, "jsapis": jsapis}).decode(t, &f)
	return f
}

func jsapiNames(t testing.TB, c client, query string) []string {
	t.Helper()
	var page struct{ Items []jsapiBody }
	c.must(200, "GET", "/v1/jsapis?limit=100&"+query, nil).decode(t, &page)
	var out []string
	for _, j := range page.Items {
		out = append(out, j.Name)
	}
	return out
}

func TestJSAPIs(t *testing.T) {
	tenant := tenantAdmin(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	ws, devAdmin := developerWorkspace(t)
	developer := addMember(t, devAdmin, ws, "developer")
	nobody := signIn(t, uniqueEmail("nobody"))

	prefix := uniqueJSAPIName("zz")
	var loc jsapiBody
	r := tenant.must(201, "POST", "/v1/jsapis", map[string]any{"name": prefix + "Location", "description": "Where the user is",
		"supportedOS": []string{"android", "ios"}, "needsUserAuthorization": true})
	r.decode(t, &loc)
	if loc.Status != "active" || loc.Version != 1 || !loc.NeedsUserAuthorization || !slices.Equal(loc.SupportedOS, []string{"ios", "android"}) {
		t.Fatalf("new JSAPI %s", r.Body)
	}
	if r.Header.Get("Location") != "/v1/jsapis/"+loc.Name || r.Header.Get("ETag") != `"v1"` {
		t.Errorf("headers %v", r.Header)
	}
	tenant.must(201, "POST", "/v1/jsapis", map[string]any{"name": prefix + "Camera", "supportedOS": []string{"android"}, "status": "deprecated"})
	tenant.must(201, "POST", "/v1/jsapis", map[string]any{"name": prefix + "Contacts", "supportedOS": []string{"ios"}})
	tenant.must(409, "POST", "/v1/jsapis", map[string]any{"name": prefix + "Location", "supportedOS": []string{"ios"}}).problem(t)

	// Validation: every problem at once.
	p := tenant.must(400, "POST", "/v1/jsapis", map[string]any{"name": "Get-Location", "supportedOS": []string{"windows"}, "status": "gone"}).problem(t)
	for _, f := range []string{"name", "supportedOS", "status"} {
		if !slices.Contains(p.fields(), f) {
			t.Errorf("missing %s in %v", f, p.fields())
		}
	}
	tenant.must(400, "POST", "/v1/jsapis", map[string]any{"name": "x", "supportedOS": []string{}}).problem(t)
	tenant.must(400, "POST", "/v1/jsapis", map[string]any{"name": "getThing", "supportedOS": []string{"ios", "ios"}}).problem(t)
	tenant.must(400, "POST", "/v1/jsapis", map[string]any{"description": "no name"}).problem(t)

	// Everyone signed in reads; only tenant admins write.
	for _, c := range []client{tenant, reviewer, devAdmin, developer, nobody} {
		c.must(200, "GET", "/v1/jsapis/"+loc.Name, nil)
	}
	anonymous(t).must(401, "GET", "/v1/jsapis", nil)
	reviewer.must(403, "POST", "/v1/jsapis", map[string]any{"name": prefix + "Other", "supportedOS": []string{"ios"}}).problem(t)
	devAdmin.must(404, "POST", "/v1/jsapis", map[string]any{"name": prefix + "Other", "supportedOS": []string{"ios"}}).problem(t)
	tenant.must(404, "GET", "/v1/jsapis/"+prefix+"Missing", nil).problem(t)

	// Search and filters.
	if got := jsapiNames(t, nobody, "q="+prefix); !slices.Equal(got, []string{prefix + "Camera", prefix + "Contacts", prefix + "Location"}) {
		t.Errorf("q=prefix: %v", got)
	}
	if got := jsapiNames(t, developer, "q="+prefix+"C"); !slices.Equal(got, []string{prefix + "Camera", prefix + "Contacts"}) {
		t.Errorf("q=prefixC: %v", got)
	}
	if got := jsapiNames(t, developer, "q="+prefix+"&status=deprecated"); !slices.Equal(got, []string{prefix + "Camera"}) {
		t.Errorf("deprecated: %v", got)
	}
	if got := jsapiNames(t, developer, "q="+prefix+"&os=ios"); !slices.Equal(got, []string{prefix + "Contacts", prefix + "Location"}) {
		t.Errorf("ios: %v", got)
	}
	if got := jsapiNames(t, developer, "q="+prefix+"&os=android&status=active"); !slices.Equal(got, []string{prefix + "Location"}) {
		t.Errorf("android active: %v", got)
	}
	p = developer.must(400, "GET", "/v1/jsapis?status=old&os=windows", nil).problem(t)
	if !slices.Equal(p.fields(), []string{"status", "os"}) {
		t.Errorf("filter errors %v", p.fields())
	}
	// Pagination walks every match.
	var seen []string
	cursor := ""
	for range 10 {
		var page struct {
			Items      []jsapiBody
			NextCursor string
		}
		tenant.must(200, "GET", "/v1/jsapis?limit=1&q="+prefix+"&cursor="+cursor, nil).decode(t, &page)
		for _, j := range page.Items {
			seen = append(seen, j.Name)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 3 {
		t.Errorf("paged through %v", seen)
	}

	// PATCH with If-Match; the name never changes.
	jp := "/v1/jsapis/" + loc.Name
	tag := etag(t, tenant, jp)
	var patched jsapiBody
	tenant.must(200, "PATCH", jp, map[string]any{"status": "deprecated", "supportedOS": []string{"ios"}, "needsUserAuthorization": false},
		"If-Match", tag).decode(t, &patched)
	if patched.Status != "deprecated" || patched.Version != 2 || patched.NeedsUserAuthorization || !slices.Equal(patched.SupportedOS, []string{"ios"}) ||
		patched.Description != "Where the user is" {
		t.Fatalf("patched %+v", patched)
	}
	tenant.must(412, "PATCH", jp, map[string]any{"status": "active"}, "If-Match", tag).problem(t)
	tenant.must(428, "PATCH", jp, map[string]any{"status": "active"}).problem(t)
	tenant.must(400, "PATCH", jp, map[string]any{"name": "renamed"}, "If-Match", `"v2"`).problem(t)
	tenant.must(400, "PATCH", jp, map[string]any{}, "If-Match", `"v2"`).problem(t)
	reviewer.must(403, "PATCH", jp, map[string]any{"status": "active"}, "If-Match", `"v2"`).problem(t)
}

func TestFeaturesAndHistory(t *testing.T) {
	tenant := tenantAdmin(t)
	_, devAdmin := developerWorkspace(t)
	a := createJSAPI(t, tenant, "scan", "ios", "android")
	b := createJSAPI(t, tenant, "share", "ios")

	// Unknown JSAPIs are a 400 that lists them.
	missing1, missing2 := uniqueJSAPIName("nope"), uniqueJSAPIName("gone")
	p := tenant.must(400, "POST", "/v1/features", map[string]any{"name": "Payments", "jsapis": []string{a.Name, missing1, missing2}}).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "jsapis" || !strings.Contains(p.Errors[0].Message, missing1) || !strings.Contains(p.Errors[0].Message, missing2) ||
		strings.Contains(p.Errors[0].Message, a.Name) {
		t.Errorf("unknown JSAPIs problem %+v", p)
	}
	tenant.must(400, "POST", "/v1/features", map[string]any{"name": "P", "jsapis": []string{}}).problem(t)
	tenant.must(400, "POST", "/v1/features", map[string]any{"name": "Payments", "jsapis": []string{a.Name, a.Name}}).problem(t)
	devAdmin.must(404, "POST", "/v1/features", map[string]any{"name": "Payments", "jsapis": []string{a.Name}}).problem(t)

	f := createFeature(t, tenant, "Scanning", a.Name)
	if f.Version != 1 || !slices.Equal(f.JSAPIs, []string{a.Name}) || !strings.HasPrefix(f.ID, "feat_") {
		t.Fatalf("new feature %+v", f)
	}
	fp := "/v1/features/" + f.ID
	devAdmin.must(200, "GET", fp, nil)
	var listed struct{ Items []featureBody }
	devAdmin.must(200, "GET", "/v1/features?limit=100", nil).decode(t, &listed)
	if !slices.ContainsFunc(listed.Items, func(x featureBody) bool { return x.ID == f.ID }) {
		t.Errorf("feature not listed")
	}

	tag := etag(t, tenant, fp)
	tenant.must(400, "PATCH", fp, map[string]any{"jsapis": []string{missing1}}, "If-Match", tag).problem(t)
	var patched featureBody
	tenant.must(200, "PATCH", fp, map[string]any{"name": "Scan and share", "jsapis": []string{a.Name, b.Name}}, "If-Match", tag).decode(t, &patched)
	if patched.Name != "Scan and share" || patched.Version != 2 || patched.Description != "About Scanning" {
		t.Fatalf("patched %+v", patched)
	}
	tenant.must(412, "PATCH", fp, map[string]any{"name": "Again"}, "If-Match", tag).problem(t)
	tenant.must(200, "PATCH", fp, map[string]any{"description": "Scan codes, share results"}, "If-Match", `"v2"`)

	var hist struct {
		Items      []historyBody
		NextCursor string
	}
	tenant.must(200, "GET", fp+"/history", nil).decode(t, &hist)
	if len(hist.Items) != 3 || hist.Items[2].By != tenant.userID || hist.Items[2].ByEmail != tenantAdminEmail {
		t.Fatalf("history %+v", hist)
	}
	// Outside the tenant, the changes show without who made them.
	hist.Items = nil
	devAdmin.must(200, "GET", fp+"/history", nil).decode(t, &hist)
	if len(hist.Items) != 3 {
		t.Fatalf("history %+v", hist)
	}
	for _, e := range hist.Items {
		if e.By != "" || e.ByEmail != "" {
			t.Errorf("a developer sees who changed the feature: %+v", e)
		}
	}
	newest, middle, first := hist.Items[0], hist.Items[1], hist.Items[2]
	if first.Action != "created" || first.Version != 1 || first.Changes["name"].From != nil ||
		first.Changes["name"].To != "Scanning" {
		t.Errorf("created entry %+v", first)
	}
	if middle.Action != "updated" || middle.Version != 2 || len(middle.Changes) != 2 ||
		middle.Changes["name"].From != "Scanning" || middle.Changes["name"].To != "Scan and share" {
		t.Errorf("updated entry %+v", middle)
	}
	if to, _ := middle.Changes["jsapis"].To.([]any); len(to) != 2 {
		t.Errorf("jsapis change %+v", middle.Changes["jsapis"])
	}
	if newest.Version != 3 || len(newest.Changes) != 1 || newest.Changes["description"].To != "Scan codes, share results" ||
		newest.At.Before(first.At) {
		t.Errorf("newest entry %+v", newest)
	}
	var page struct {
		Items      []historyBody
		NextCursor string
	}
	devAdmin.must(200, "GET", fp+"/history?limit=2", nil).decode(t, &page)
	if len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	devAdmin.must(200, "GET", fp+"/history?limit=2&cursor="+page.NextCursor, nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Version != 1 {
		t.Errorf("second page %+v", page)
	}
	devAdmin.must(404, "GET", "/v1/features/feat_none/history", nil).problem(t)
}

func featureGrants(t testing.TB, c client, mp string) []grantBody {
	t.Helper()
	var page struct{ Items []grantBody }
	c.must(200, "GET", mp+"/features", nil).decode(t, &page)
	return page.Items
}

func findAuthorization(t testing.TB, tenant client, id string) authzBody {
	t.Helper()
	var page struct{ Items []authzBody }
	tenant.must(200, "GET", "/v1/authorizations?limit=100", nil).decode(t, &page)
	for _, a := range page.Items {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("authorization %s not listed", id)
	return authzBody{}
}

func TestFeatureActivation(t *testing.T) {
	tenant := tenantAdmin(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	ws, devAdmin := developerWorkspace(t)
	developer := addMember(t, devAdmin, ws, "developer")
	_, outsider := developerWorkspace(t)
	mp := miniProgram(t, devAdmin, ws, "Feature Shop")
	mpID := path.Base(mp)
	j := createJSAPI(t, tenant, "pay", "ios", "android")
	f := createFeature(t, tenant, "Payments", j.Name)
	other := createFeature(t, tenant, "Payments too", j.Name)

	developer.must(400, "POST", mp+"/features", map[string]any{"featureId": "feat_none"}).problem(t)
	developer.must(400, "POST", mp+"/features", map[string]any{}).problem(t)
	outsider.must(404, "POST", mp+"/features", map[string]any{"featureId": f.ID}).problem(t)

	var ap struct {
		ID, Type, Status string
		Requester        struct{ UserID, WorkspaceID string }
		Payload          map[string]string
		Result           map[string]string
	}
	developer.must(201, "POST", mp+"/features", map[string]any{"featureId": f.ID, "reason": "checkout"}).decode(t, &ap)
	if ap.Type != "feature.activate" || ap.Status != "in_review" || ap.Requester.UserID != developer.userID || ap.Requester.WorkspaceID != ws ||
		ap.Payload["featureId"] != f.ID || ap.Payload["featureName"] != "Payments" || ap.Payload["miniProgramId"] != mpID ||
		ap.Payload["miniProgramName"] != "Feature Shop" || ap.Payload["reason"] != "checkout" {
		t.Fatalf("feature request %+v", ap)
	}
	// Pending: a second request for the same feature is a 409.
	devAdmin.must(409, "POST", mp+"/features", map[string]any{"featureId": f.ID}).problem(t)
	if g := featureGrants(t, developer, mp); len(g) != 0 {
		t.Errorf("grants before approval %+v", g)
	}
	developer.must(403, "POST", "/v1/approvals/"+ap.ID+"/approve", nil).problem(t)
	reviewer.must(200, "POST", "/v1/approvals/"+ap.ID+"/approve", map[string]string{"comment": "ok"}).decode(t, &ap)
	if ap.Status != "approved" || ap.Result["authorizationId"] == "" {
		t.Fatalf("approved %+v", ap)
	}
	grants := featureGrants(t, developer, mp)
	if len(grants) != 1 || grants[0].FeatureID != f.ID || grants[0].FeatureName != "Payments" || grants[0].Status != "active" ||
		grants[0].AuthorizationID != ap.Result["authorizationId"] || grants[0].MiniProgramID != mpID || grants[0].ApprovalID != ap.ID {
		t.Fatalf("grants %+v", grants)
	}
	outsider.must(404, "GET", mp+"/features", nil).problem(t)
	authz := findAuthorization(t, tenant, grants[0].AuthorizationID)
	if authz.Type != "feature" || authz.Status != "active" || authz.FeatureID != f.ID || authz.FeatureName != "Payments" ||
		authz.MiniProgramID != mpID || authz.WorkspaceID != ws {
		t.Fatalf("authorization %+v", authz)
	}
	// Granted: asking again is a 409.
	developer.must(409, "POST", mp+"/features", map[string]any{"featureId": f.ID}).problem(t)

	// Revoking the authorization revokes the grant, not the workspace.
	tenant.must(200, "DELETE", "/v1/authorizations/"+authz.ID, nil)
	grants = featureGrants(t, developer, mp)
	if len(grants) != 1 || grants[0].Status != "revoked" || grants[0].RevokedBy != tenant.userID || grants[0].RevokedAt == nil {
		t.Fatalf("grants after revoke %+v", grants)
	}
	var w struct{ Authorization string }
	devAdmin.must(200, "GET", "/v1/workspaces/"+ws, nil).decode(t, &w)
	if w.Authorization != "active" {
		t.Errorf("workspace authorization %q after revoking a feature", w.Authorization)
	}

	// A revoked grant may be requested again; rejecting or withdrawing a
	// request frees the lock, and a fresh approval grants again.
	var again struct{ ID string }
	developer.must(201, "POST", mp+"/features", map[string]any{"featureId": f.ID}).decode(t, &again)
	developer.must(409, "POST", mp+"/features", map[string]any{"featureId": f.ID}).problem(t)
	reviewer.must(200, "POST", "/v1/approvals/"+again.ID+"/reject", map[string]string{"reason": "not now"})
	developer.must(201, "POST", mp+"/features", map[string]any{"featureId": f.ID}).decode(t, &again)
	developer.must(200, "POST", "/v1/approvals/"+again.ID+"/withdraw", nil)
	developer.must(201, "POST", mp+"/features", map[string]any{"featureId": f.ID}).decode(t, &again)
	tenant.must(200, "POST", "/v1/approvals/"+again.ID+"/approve", nil)
	grants = featureGrants(t, developer, mp)
	if len(grants) != 1 || grants[0].Status != "active" || grants[0].ApprovalID != again.ID || grants[0].RevokedAt != nil {
		t.Fatalf("grants after re-approval %+v", grants)
	}

	// Another feature: its own lock; rejection frees it.
	var rej struct{ ID string }
	devAdmin.must(201, "POST", mp+"/features", map[string]any{"featureId": other.ID}).decode(t, &rej)
	developer.must(409, "POST", mp+"/features", map[string]any{"featureId": other.ID}).problem(t)
	reviewer.must(200, "POST", "/v1/approvals/"+rej.ID+"/reject", map[string]string{"reason": "no"})
	developer.must(201, "POST", mp+"/features", map[string]any{"featureId": other.ID})
	if g := featureGrants(t, developer, mp); len(g) != 1 {
		t.Errorf("a rejected request granted something: %+v", g)
	}
}
