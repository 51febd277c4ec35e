package api_test

import (
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/routes"
)

// TestRoleRouteMatrix calls every route as every kind of caller and checks who
// gets through, who is refused (403), who cannot see the resource (404) and who
// is not signed in (401). Requests that get through are built to fail their own
// validation or state checks (400, 409, 428) so the matrix changes nothing.
func TestRoleRouteMatrix(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, devAdmin := developerWorkspace(t)
	developer := addMember(t, devAdmin, ws, "developer")
	blocked := addMember(t, devAdmin, ws, "developer")
	devAdmin.must(200, "POST", "/v1/workspaces/"+ws+"/members/"+blocked.userID+"/block", nil)
	removed := addMember(t, devAdmin, ws, "developer")
	devReviewer := addMember(t, devAdmin, ws, "reviewer") // a role that decides nothing outside the tenant
	_, outsider := developerWorkspace(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	blockedReviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	tenant.must(200, "POST", "/v1/workspaces/ws_tenant/members/"+blockedReviewer.userID+"/block", nil)

	// Fixtures in states that make allowed calls fail harmlessly.
	var decided struct{ ID string }
	anonymous(t).must(201, "POST", "/v1/applications", application(uniqueEmail("matrix"))).decode(t, &decided)
	tenant.must(200, "POST", "/v1/approvals/"+decided.ID+"/reject", map[string]string{"reason": "fixture"})
	var inv struct{ ID string }
	devAdmin.must(201, "POST", "/v1/workspaces/"+ws+"/invitations", map[string]string{"email": uniqueEmail("gone"), "role": "developer"}).decode(t, &inv)
	devAdmin.must(204, "DELETE", "/v1/workspaces/"+ws+"/invitations/"+inv.ID, nil)
	revokedWS, _ := developerWorkspace(t)
	var authz struct {
		Items []struct{ ID, WorkspaceID string }
	}
	tenant.must(200, "GET", "/v1/authorizations?limit=100", nil).decode(t, &authz)
	revoked := ""
	for _, a := range authz.Items {
		if a.WorkspaceID == revokedWS {
			revoked = a.ID
		}
	}
	tenant.must(200, "DELETE", "/v1/authorizations/"+revoked, nil)

	mp := miniProgram(t, devAdmin, ws, "Matrix Shop")
	body := validPkg(t, "1.0.0")
	startUpload(t, devAdmin, mp, "1.0.0", body)
	// Another mini program of the same workspace, with a launch in review and a
	// version of its own: their ids under mp are 404.
	otherMP := miniProgram(t, devAdmin, ws, "Matrix Other")
	if v := uploadAndProcess(t, devAdmin, otherMP, "1.0.0", validPkg(t, "1.0.0")); v.Status != "ready" {
		t.Fatalf("version %+v", v)
	}
	startUpload(t, devAdmin, otherMP, "2.0.0", validPkg(t, "2.0.0"))
	var otherLaunch struct{ ID, ApprovalID string }
	devAdmin.must(201, "POST", otherMP+"/launches", map[string]any{"version": "1.0.0", "strategy": "full"}).decode(t, &otherLaunch)
	foreignLaunch := mp + "/launches/" + otherLaunch.ID

	app := createApp(t, tenant, "Matrix App")
	var appKey struct{ KeyID string }
	tenant.must(201, "POST", "/v1/apps/"+app.ID+"/keys", nil).decode(t, &appKey)
	tenant.must(200, "DELETE", "/v1/apps/"+app.ID+"/keys/"+appKey.KeyID, nil)
	appPath := "/v1/apps/" + app.ID

	jsapi := createJSAPI(t, tenant, "matrix", "ios")
	feature := createFeature(t, tenant, "Matrix feature", jsapi.Name)
	featurePath := "/v1/features/" + feature.ID
	// The removed developer asked for something before they left.
	var requested struct{ ID string }
	removed.must(201, "POST", mp+"/features", map[string]any{"featureId": feature.ID}).decode(t, &requested)
	devAdmin.must(204, "DELETE", "/v1/workspaces/"+ws+"/members/"+removed.userID, nil)

	callers := map[string]client{
		"tenant admin": tenant, "tenant reviewer": reviewer, "blocked reviewer": blockedReviewer,
		"developer admin": devAdmin, "developer": developer, "developer reviewer": devReviewer, "blocked developer": blocked,
		"removed developer": removed, "other workspace": outsider, "no token": anonymous(t),
	}
	// Expectations by kind of route; "ok" is replaced by the route's allowed status.
	devRead := map[string]int{"developer admin": 0, "developer": 0, "developer reviewer": 0, "blocked developer": 403, "removed developer": 403,
		"other workspace": 404, "tenant admin": 404, "tenant reviewer": 404, "blocked reviewer": 404, "no token": 401}
	devManage := with(with(devRead, "developer", 403), "developer reviewer", 403)
	devDevelop := with(devRead, "developer reviewer", 403)
	tenantDecide := map[string]int{"tenant admin": 0, "tenant reviewer": 0, "blocked reviewer": 403, "developer admin": 404,
		"developer": 404, "developer reviewer": 404, "blocked developer": 404, "removed developer": 404, "other workspace": 404, "no token": 401}
	tenantManage := with(tenantDecide, "tenant reviewer", 403)
	tenantRead := tenantDecide
	signed := map[string]int{"no token": 401}
	// Feedback is listed and handled by tenant admins only; to everyone else signed in it is a 403.
	feedbackAdmin := map[string]int{"tenant admin": 0, "tenant reviewer": 403, "blocked reviewer": 403, "developer admin": 403,
		"developer": 403, "developer reviewer": 403, "blocked developer": 403, "removed developer": 403, "other workspace": 403, "no token": 401}
	// The removed developer's own approval: to them now a 403, as on every route of the workspace they left.
	removedRequester := with(tenantDecide, "removed developer", 403)
	public := map[string]int{}

	wsPath := "/v1/workspaces/" + ws
	cases := []struct {
		route  string // the route table pattern
		path   string
		body   any
		allow  int
		expect map[string]int
	}{
		{"GET /v1/health", "/v1/health", nil, 200, public},
		{"POST /v1/applications", "/v1/applications", map[string]any{}, 400, public},
		{"GET /v1/me", "/v1/me", nil, 200, signed},
		{"POST /v1/invitations/{invitationId}/accept", "/v1/invitations/" + inv.ID + "/accept", map[string]string{"token": "x"}, 404, signed},
		{"GET /v1/workspaces", "/v1/workspaces", nil, 200, signed},
		{"GET /v1/workspaces/{ws}", wsPath, nil, 200, devRead},
		{"PATCH /v1/workspaces/{ws}", wsPath, map[string]any{"name": "X y"}, 428, devManage},
		{"GET /v1/workspaces/{ws}/testers", wsPath + "/testers", nil, 200, devRead},
		{"PUT /v1/workspaces/{ws}/testers", wsPath + "/testers", map[string]any{"items": []any{}}, 428, devManage},
		{"GET /v1/workspaces/{ws}/members", wsPath + "/members", nil, 200, devRead},
		{"PATCH /v1/workspaces/{ws}/members/{userId}", wsPath + "/members/" + developer.userID, map[string]any{"role": "admin"}, 428, devManage},
		{"DELETE /v1/workspaces/{ws}/members/{userId}", wsPath + "/members/" + devAdmin.userID, nil, 409, devManage},
		{"POST /v1/workspaces/{ws}/members/{userId}/block", wsPath + "/members/" + devAdmin.userID + "/block", nil, 409, devManage},
		{"POST /v1/workspaces/{ws}/members/{userId}/unblock", wsPath + "/members/" + devAdmin.userID + "/unblock", nil, 409, devManage},
		{"GET /v1/workspaces/{ws}/invitations", wsPath + "/invitations", nil, 200, devManage},
		{"POST /v1/workspaces/{ws}/invitations", wsPath + "/invitations", map[string]any{}, 400, devManage},
		{"DELETE /v1/workspaces/{ws}/invitations/{id}", wsPath + "/invitations/" + inv.ID, nil, 409, devManage},
		{"POST /v1/workspaces/{ws}/invitations/{id}/resend", wsPath + "/invitations/" + inv.ID + "/resend", nil, 409, devManage},
		{"GET /v1/workspaces/{ws}/settings", wsPath + "/settings", nil, 200, devRead},
		{"PUT /v1/workspaces/{ws}/settings", wsPath + "/settings", map[string]any{}, 428, devManage},
		{"POST /v1/workspaces/{ws}/settings/terms", wsPath + "/settings/terms", map[string]any{}, 400, devManage},
		{"POST /v1/workspaces/{ws}/settings/assets", wsPath + "/settings/assets", map[string]any{}, 400, devDevelop},
		{"GET /v1/workspaces/{ws}/miniprograms", wsPath + "/miniprograms", nil, 200, devRead},
		{"POST /v1/workspaces/{ws}/miniprograms", wsPath + "/miniprograms", map[string]any{}, 400, devDevelop},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}", mp, nil, 200, devRead},
		{"PATCH /v1/workspaces/{ws}/miniprograms/{mp}", mp, map[string]any{"name": "New name"}, 428, devDevelop},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/uploads", mp + "/uploads", map[string]any{}, 400, devDevelop},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/versions", mp + "/versions", nil, 200, devRead},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}", mp + "/versions/1.0.0", nil, 200, devRead},
		// Nobody is on the tester whitelist: members are refused, others see nothing.
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}/trial", mp + "/versions/1.0.0/trial", nil, 403, devRead},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/launches", mp + "/launches", nil, 200, devRead},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches", mp + "/launches", map[string]any{}, 400, devDevelop},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}", mp + "/launches/lch_none", nil, 404, devRead},
		{"PATCH /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}", mp + "/launches/lch_none", map[string]int{"percentage": 50}, 404, devManage},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/withdraw", mp + "/launches/lch_none/withdraw", nil, 404, devRead},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/pause", mp + "/launches/lch_none/pause", nil, 404, devDevelop},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/resume", mp + "/launches/lch_none/resume", nil, 404, devDevelop},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/release", mp + "/release", nil, 200, devRead},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/rollback", mp + "/rollback", map[string]string{"version": "9.9.9"}, 409, devDevelop},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/offline", mp + "/offline", nil, 409, devDevelop},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/online", mp + "/online", nil, 409, devDevelop},
		{"GET /v1/authorizations", "/v1/authorizations", nil, 200, tenantManage},
		{"DELETE /v1/authorizations/{id}", "/v1/authorizations/" + revoked, nil, 200, tenantManage},
		{"POST /v1/authorizations/{id}/regrant", "/v1/authorizations/" + revoked + "/regrant", map[string]any{}, 400, tenantManage},
		{"GET /v1/terms", "/v1/terms", nil, 200, public},
		{"POST /v1/terms/accept", "/v1/terms/accept", map[string]any{}, 400, signed},
		{"GET /v1/apps", "/v1/apps", nil, 200, tenantRead},
		{"POST /v1/apps", "/v1/apps", map[string]any{}, 400, tenantManage},
		{"GET /v1/apps/{app}", appPath, nil, 200, tenantRead},
		{"PATCH /v1/apps/{app}", appPath, map[string]any{"name": "X y"}, 428, tenantManage},
		{"GET /v1/apps/{app}/keys", appPath + "/keys", nil, 200, tenantRead},
		// An unknown app: admins learn it does not exist, nothing is created.
		{"POST /v1/apps/{app}/keys", "/v1/apps/app_none/keys", nil, 404, tenantManage},
		{"DELETE /v1/apps/{app}/keys/{keyId}", appPath + "/keys/" + appKey.KeyID, nil, 200, tenantManage},
		// App-key routes ignore Cognito tokens: without the signature headers everyone gets 401.
		{"GET /v1/runtime/miniprograms/{mp}/release", "/v1/runtime/miniprograms/" + path.Base(mp) + "/release?app=" + app.ID + "&user=u1", nil, 401, public},
		{"POST /v1/runtime/events", "/v1/runtime/events?app=" + app.ID, map[string]any{"items": []any{}}, 401, public},
		{"POST /v1/runtime/crashes", "/v1/runtime/crashes?app=" + app.ID, map[string]any{"items": []any{}}, 401, public},
		// Reads without a range are a 400; the fingerprint exists nowhere.
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/analytics", mp + "/analytics", nil, 400, devRead},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/analytics/summary", mp + "/analytics/summary", nil, 400, devRead},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/analytics/versions", mp + "/analytics/versions", nil, 400, devRead},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/analytics/retention", mp + "/analytics/retention", nil, 400, devRead},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/crashes", mp + "/crashes", nil, 400, devRead},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/crashes/{fingerprint}", mp + "/crashes/0123456789abcdef0123456789abcdef", nil, 404, devRead},
		{"PATCH /v1/workspaces/{ws}/miniprograms/{mp}/crashes/{fingerprint}", mp + "/crashes/0123456789abcdef0123456789abcdef", map[string]string{"status": "resolved"}, 404, devDevelop},
		{"GET /v1/jsapis", "/v1/jsapis", nil, 200, signed},
		{"POST /v1/jsapis", "/v1/jsapis", map[string]any{}, 400, tenantManage},
		{"GET /v1/jsapis/{name}", "/v1/jsapis/" + jsapi.Name, nil, 200, signed},
		{"PATCH /v1/jsapis/{name}", "/v1/jsapis/" + jsapi.Name, map[string]any{"status": "deprecated"}, 428, tenantManage},
		{"GET /v1/features", "/v1/features", nil, 200, signed},
		{"POST /v1/features", "/v1/features", map[string]any{}, 400, tenantManage},
		{"GET /v1/features/{id}", featurePath, nil, 200, signed},
		{"PATCH /v1/features/{id}", featurePath, map[string]any{"name": "Other"}, 428, tenantManage},
		{"GET /v1/features/{id}/history", featurePath + "/history", nil, 200, signed},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/features", mp + "/features", nil, 200, devRead},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/features", mp + "/features", map[string]any{}, 400, devDevelop},
		{"GET /v1/feedback", "/v1/feedback", nil, 200, feedbackAdmin},
		{"POST /v1/feedback", "/v1/feedback", map[string]any{}, 400, signed},
		{"POST /v1/feedback/screenshots", "/v1/feedback/screenshots", map[string]any{}, 400, signed},
		{"PATCH /v1/feedback/{id}", "/v1/feedback/fb_none", map[string]any{"status": "handled"}, 428, feedbackAdmin},
		{"GET /v1/approvals", "/v1/approvals", nil, 200, tenantDecide},
		{"GET /v1/approvals/{id}", "/v1/approvals/" + decided.ID, nil, 200, tenantDecide},
		{"POST /v1/approvals/{id}/approve", "/v1/approvals/" + decided.ID + "/approve", nil, 409, tenantDecide},
		{"POST /v1/approvals/{id}/reject", "/v1/approvals/" + decided.ID + "/reject", map[string]string{"reason": "r"}, 409, tenantDecide},
		{"POST /v1/approvals/{id}/withdraw", "/v1/approvals/" + decided.ID + "/withdraw", nil, 403, tenantDecide},
		{"GET /v1/approvals/{id}", "/v1/approvals/" + requested.ID, nil, 200, removedRequester},
		// A launch approval with its context: its requester (the developer admin) reads it too.
		{"GET /v1/approvals/{id}", "/v1/approvals/" + otherLaunch.ApprovalID, nil, 200, with(tenantDecide, "developer admin", 0)},
		// Only its requester may withdraw it, and they were removed.
		{"POST /v1/approvals/{id}/withdraw", "/v1/approvals/" + requested.ID + "/withdraw", nil, 403, removedRequester},
	}
	// Ids of the other mini program of the same workspace, under mp: whoever may
	// reach the route finds nothing (404).
	for _, tc := range []struct {
		route, path string
		body        any
		expect      map[string]int
	}{
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}", mp + "/versions/2.0.0", nil, devRead},
		{"GET /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}", foreignLaunch, nil, devRead},
		{"PATCH /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}", foreignLaunch, map[string]int{"percentage": 50}, devManage},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/withdraw", foreignLaunch + "/withdraw", nil, devRead},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/pause", foreignLaunch + "/pause", nil, devDevelop},
		{"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/resume", foreignLaunch + "/resume", nil, devDevelop},
	} {
		cases = append(cases, struct {
			route  string
			path   string
			body   any
			allow  int
			expect map[string]int
		}{tc.route, tc.path, tc.body, 404, tc.expect})
	}

	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.route] = true
		method := strings.Fields(tc.route)[0]
		names := make([]string, 0, len(callers))
		for name := range callers {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			want, listed := tc.expect[name]
			if !listed || want == 0 {
				want = tc.allow
			}
			c := callers[name]
			c.t = t
			if got := c.do(method, tc.path, tc.body); got.Status != want {
				t.Errorf("%s as %s: %d, want %d: %s", tc.route, name, got.Status, want, got.Body)
			}
		}
	}
	// Whoever reads the launch approval gets its context from the requesting
	// workspace only.
	for _, name := range []string{"tenant admin", "tenant reviewer", "developer admin"} {
		var a struct {
			Context *struct {
				MiniProgram struct{ ID, WorkspaceID string }
				Version     struct{ WorkspaceID string }
			}
		}
		c := callers[name]
		c.t = t
		c.must(200, "GET", "/v1/approvals/"+otherLaunch.ApprovalID, nil).decode(t, &a)
		if a.Context == nil || a.Context.MiniProgram.WorkspaceID != ws || a.Context.Version.WorkspaceID != ws ||
			!strings.HasSuffix(otherMP, "/"+a.Context.MiniProgram.ID) {
			t.Errorf("launch approval's context as %s: %+v", name, a.Context)
		}
	}
	for _, rt := range routes.Table {
		if !covered[rt.Pattern()] {
			t.Errorf("route %s is not in the matrix", rt.Pattern())
		}
	}
}

func with(m map[string]int, name string, status int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = v
	}
	out[name] = status
	return out
}
