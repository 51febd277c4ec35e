package openapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/packages"
	"github.com/mpdp/platform/shared/routes"
)

func mustLoad(t testing.TB) *Doc {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLoad: the document parses, is OpenAPI 3.1, and every schema compiles.
func TestLoad(t *testing.T) {
	d := mustLoad(t)
	var doc struct {
		OpenAPI    string `json:"openapi"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(d.JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Components.Schemas) == 0 || len(d.schemas) != len(doc.Components.Schemas) {
		t.Errorf("compiled %d of %d component schemas", len(d.schemas), len(doc.Components.Schemas))
	}
	for name := range doc.Components.Schemas {
		if d.schemas[name] == nil {
			t.Errorf("schema %s not compiled", name)
		}
	}
	for _, key := range d.Operations() {
		op := d.ops[key]
		if len(op.responses) == 0 {
			t.Errorf("%s has no responses", key)
		}
		for code, r := range op.responses {
			for mt, sch := range r.content {
				if sch == nil {
					t.Errorf("%s %s %s has no schema", key, code, mt)
				}
			}
		}
	}
	if again, _ := Load(); again != d {
		t.Error("Load compiled the document twice")
	}
}

// TestOperationsMatchRouteTable: the document and the route table name exactly
// the same routes, both ways.
func TestOperationsMatchRouteTable(t *testing.T) {
	d := mustLoad(t)
	var table []string
	for _, r := range routes.Table {
		table = append(table, r.Pattern())
	}
	ops := d.Operations()
	for _, p := range table {
		if !slices.Contains(ops, p) {
			t.Errorf("route %s is not in openapi.yaml", p)
		}
	}
	for _, op := range ops {
		if !slices.Contains(table, op) {
			t.Errorf("openapi.yaml documents %s, which is not in the route table", op)
		}
	}
}

// TestConventions checks the cross-cutting rules on the document itself:
// security matches the route table's access, updates take If-Match (except a
// launch's percentage, which has no version and only goes up), creating POSTs
// take Idempotency-Key, and every signed operation documents 401.
func TestConventions(t *testing.T) {
	d := mustLoad(t)
	type param struct {
		Ref      string `json:"$ref"`
		Name, In string
	}
	type op struct {
		Security   *[]map[string][]string `json:"security"`
		Parameters []param                `json:"parameters"`
		Responses  map[string]json.RawMessage
	}
	var doc struct {
		Security   []map[string][]string                 `json:"security"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(d.JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Security) != 1 || doc.Security[0]["cognito"] == nil {
		t.Fatalf("global security = %v, want cognito", doc.Security)
	}
	idempotent := map[string]bool{"POST /v1/applications": true, "POST /v1/workspaces/{ws}/invitations": true,
		"POST /v1/workspaces/{ws}/miniprograms":               true,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches": true,
		"POST /v1/apps": true, "POST /v1/jsapis": true, "POST /v1/features": true, "POST /v1/feedback": true}
	unversioned := map[string]bool{"PATCH /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}": true}
	for _, r := range routes.Table {
		var o op
		if err := json.Unmarshal(doc.Paths[r.Path][strings.ToLower(r.Method)], &o); err != nil {
			t.Fatalf("%s: %v", r.Pattern(), err)
		}
		public := o.Security != nil && len(*o.Security) == 0
		if public != (r.Access == routes.Public) {
			t.Errorf("%s: security: [] is %v, route access public is %v", r.Pattern(), public, r.Access == routes.Public)
		}
		appKey := o.Security != nil && len(*o.Security) == 1 && len((*o.Security)[0]) == 1 && (*o.Security)[0]["appKey"] != nil
		if appKey != (r.Access == routes.AppKey) {
			t.Errorf("%s: security: [appKey: []] is %v, route access app-key is %v", r.Pattern(), appKey, r.Access == routes.AppKey)
		}
		if r.Access == routes.Signed || r.Access == routes.AppKey {
			if _, ok := o.Responses["401"]; !ok {
				t.Errorf("%s: signed route without a 401 response", r.Pattern())
			}
		}
		headers := map[string]bool{}
		for _, p := range o.Parameters {
			if p.Ref != "" {
				p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			if p.In == "header" {
				headers[p.Name] = true
			}
		}
		update := (r.Method == "PATCH" || r.Method == "PUT") && !unversioned[r.Pattern()]
		if headers["If-Match"] != update {
			t.Errorf("%s: If-Match parameter %v, want %v", r.Pattern(), headers["If-Match"], update)
		}
		if _, ok := o.Responses["428"]; ok != update {
			t.Errorf("%s: 428 documented %v, want %v", r.Pattern(), ok, update)
		}
		if headers["Idempotency-Key"] != idempotent[r.Pattern()] {
			t.Errorf("%s: Idempotency-Key parameter %v, want %v", r.Pattern(), headers["Idempotency-Key"], idempotent[r.Pattern()])
		}
	}
}

func TestRoute(t *testing.T) {
	d := mustLoad(t)
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/v1/workspaces/ws_123", "/v1/workspaces/{ws}"},
		{"POST", "/v1/workspaces/ws_1/members/u-9/block", "/v1/workspaces/{ws}/members/{userId}/block"},
		{"delete", "/v1/authorizations/authz_1", "/v1/authorizations/{id}"},
		{"POST", "/v1/workspaces/ws_1/settings/assets", "/v1/workspaces/{ws}/settings/assets"},
		{"PATCH", "/v1/workspaces/ws_1/miniprograms/mp_1", "/v1/workspaces/{ws}/miniprograms/{mp}"},
		{"GET", "/v1/workspaces/ws_1/miniprograms/mp_1/versions/1.0.0-beta.1", "/v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}"},
		{"POST", "/v1/workspaces/ws_1/miniprograms/mp_1/versions/1.0.0/trial", "/v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}/trial"},
		{"GET", "/v1/workspaces/ws_1/miniprograms/mp_1/launches", "/v1/workspaces/{ws}/miniprograms/{mp}/launches"},
		{"PATCH", "/v1/workspaces/ws_1/miniprograms/mp_1/launches/lch_1", "/v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}"},
		{"POST", "/v1/workspaces/ws_1/miniprograms/mp_1/launches/lch_1/resume", "/v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/resume"},
		{"POST", "/v1/workspaces/ws_1/miniprograms/mp_1/rollback", "/v1/workspaces/{ws}/miniprograms/{mp}/rollback"},
		{"POST", "/v1/workspaces/ws_1/miniprograms/mp_1/online", "/v1/workspaces/{ws}/miniprograms/{mp}/online"},
		{"DELETE", "/v1/workspaces/ws_1/miniprograms/mp_1/launches/lch_1", ""},
		{"GET", "/v1/workspaces/ws_1/miniprograms/mp_1/rollback", ""},
		{"DELETE", "/v1/workspaces/ws_1/miniprograms/mp_1", ""},
		{"GET", "/v1/health", "/v1/health"},
		{"DELETE", "/v1/workspaces/ws_1", ""},
		{"GET", "/v1/nothing", ""},
	} {
		got, ok := d.Route(c.method, c.path)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Route(%s %s) = %q, %v; want %q", c.method, c.path, got, ok, c.want)
		}
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// without returns the JSON object s with the named keys removed.
func without(t testing.TB, s string, keys ...string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		delete(m, k)
	}
	return mustJSON(t, m)
}

// with returns the JSON object s with key set to v.
func with(t testing.TB, s, key string, v any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	m[key] = v
	return mustJSON(t, m)
}

func problem(t testing.TB, status int, fields ...domain.FieldError) string {
	p := httpapi.NewProblem(status, "something is wrong")
	p.Errors, p.RequestID = fields, "0123abcd"
	return mustJSON(t, p)
}

const (
	jsonCT    = "application/json"
	problemCT = "application/problem+json"
)

// TestValidateResponse drives the validator with bodies made by marshalling the
// real Go types (so the schemas are checked against the JSON tags) and with
// hand-made invalid ones.
func TestValidateResponse(t *testing.T) {
	d := mustLoad(t)
	now := time.Date(2025, 3, 4, 5, 6, 7, 890000000, time.UTC)
	later := now.Add(time.Hour)

	tenant := domain.Workspace{ID: domain.TenantWorkspaceID, Kind: domain.KindTenant, Name: "Tenant",
		Contact: domain.Contact{Name: "Root", Email: "root@tenant.test"}, CreatedAt: now, UpdatedAt: now, Version: 1}
	dev := domain.Workspace{ID: "ws_abc", Kind: domain.KindDeveloper, Name: "Acme", Description: "Shops", Logo: "assets/ws_abc/logo.png",
		Contact: domain.Contact{Name: "Ann", Email: "ann@acme.test", Phone: "+6512345678"}, Country: "SG",
		Authorization: domain.AuthorizationActive, ActiveAdmins: 1, CreatedAt: now, UpdatedAt: later, Version: 7}
	member := domain.Member{WorkspaceID: "ws_abc", UserID: "u-1", Email: "ann@acme.test", Role: domain.RoleAdmin,
		Status: domain.MemberActive, JoinedAt: now, UpdatedAt: now, Version: 1}
	inv := domain.Invitation{ID: "inv_1", WorkspaceID: "ws_abc", Email: "bob@acme.test", Role: domain.RoleDeveloper,
		Status: domain.InvitationPending, TokenHash: "secret-hash", InvitedBy: "u-1", CreatedAt: now, ExpiresAt: later, SentCount: 1, Version: 1}
	accepted := inv
	accepted.Status, accepted.AcceptedBy, accepted.Version = domain.InvitationAccepted, "u-2", 2
	invWithToken := struct {
		domain.Invitation
		Token     string `json:"token"`
		AcceptURL string `json:"acceptUrl"`
	}{inv, "tok", "https://console.test/invitations/inv_1?token=tok"}
	authz := domain.Authorization{ID: "authz_1", Type: "workspace", WorkspaceID: "ws_abc", WorkspaceName: "Acme",
		Status: domain.AuthorizationActive, GrantedBy: "u-0", GrantedAt: now, Version: 1}
	revoked := authz
	revoked.Status, revoked.RevokedBy, revoked.RevokedAt, revoked.Version = domain.AuthorizationRevoked, "u-0", &later, 2
	app := domain.Application{Company: "Acme", ContactName: "Ann", Email: "ann@acme.test", Country: "SG", Reason: "We build mini programs."}
	apv := domain.Approval{ID: "apv_1", Type: domain.ApprovalWorkspaceCreate, Status: domain.ApprovalInReview,
		Title: "Developer account for Acme", Requester: domain.Requester{Email: "ann@acme.test"},
		Payload: json.RawMessage(mustJSON(t, app)), CreatedAt: now, Version: 1}
	decided := apv
	decided.Status, decided.DecidedAt, decided.DecidedBy, decided.Comment, decided.Version = domain.ApprovalApproved, &later, "u-0", "welcome", 2
	decided.Result = map[string]string{"workspaceId": "ws_abc", "adminUserId": "u-1", "authorizationId": "authz_1"}
	listItem := struct {
		domain.Workspace
		Role         domain.Role         `json:"role"`
		MemberStatus domain.MemberStatus `json:"memberStatus"`
	}{dev, domain.RoleAdmin, domain.MemberActive}

	// mini programs, versions, uploads
	mp := domain.MiniProgram{ID: "mp_1", WorkspaceID: "ws_abc", Name: "Acme Shop", Category: "shopping", CreatedBy: "u-1",
		CreatedAt: now, UpdatedAt: now, Version: 1}
	mpFull := mp
	mpFull.Description, mpFull.Icon, mpFull.LatestVersion, mpFull.LatestKey, mpFull.Version = "Shop", "assets/ws_abc/icon_1.png", "1.2.0-beta.1", "secret-key", 4
	sum := strings.Repeat("ab", 32)
	uploading := domain.PackageVersion{ID: "ver_1", MiniProgramID: "mp_1", WorkspaceID: "ws_abc", Version: "1.0.0",
		Status: domain.VersionUploading, Size: 1234, SHA256: sum, UploadedBy: "u-1", CreatedAt: now, ExpiresAt: later, Revision: 1}
	validReport := packages.Report{Valid: true, Entries: 3, CompressedBytes: 1234, UncompressedBytes: 4000, MainBytes: 1200,
		Manifest: &packages.ManifestSummary{Version: "1.0.0", Pages: []string{"pages/index/index"}, Subpackages: 1, EntryPage: "pages/index/index"}}
	ready := uploading
	ready.Status, ready.ReceivedAt, ready.ProcessedAt, ready.Attempts, ready.Revision = domain.VersionReady, &now, &later, 1, 3
	ready.Report = json.RawMessage(mustJSON(t, validReport))
	invalid := ready
	invalid.Status = domain.VersionInvalid
	invalid.Report = json.RawMessage(mustJSON(t, packages.Report{Problems: []packages.Problem{
		{Code: "page_missing", Message: "pages/cart/cart is declared but has no files", Path: "pages/cart/cart"}}, CompressedBytes: 99}))
	failed := uploading
	failed.Status, failed.Failure, failed.Attempts, failed.Revision = domain.VersionInvalid, "processing failed after 3 attempts: gone", 3, 5
	failed.Report = json.RawMessage(mustJSON(t, packages.Report{Problems: []packages.Problem{{Code: "processing_failed", Message: failed.Failure}}}))
	readyJSON := mustJSON(t, ready)
	up := bucket.Upload{URL: "https://bucket.test/incoming/ws_abc/mp_1/1.0.0/ver_1.zip?X-Amz-Signature=abc", Method: "PUT",
		Headers: map[string]string{"Content-Type": "application/zip", "Content-Length": "1234", "x-amz-checksum-sha256": "q83vASNFZ4k="}, ExpiresAt: later}
	uploadJSON := mustJSON(t, struct {
		VersionID string                `json:"versionId"`
		Version   domain.PackageVersion `json:"packageVersion"`
		Upload    bucket.Upload         `json:"upload"`
	}{uploading.ID, uploading, up})
	trialJSON := mustJSON(t, struct {
		Version     string    `json:"version"`
		DownloadURL string    `json:"downloadUrl"`
		ExpiresAt   time.Time `json:"expiresAt"`
		SHA256      string    `json:"sha256"`
		Size        int64     `json:"size"`
		QR          string    `json:"qrPayload"`
	}{"1.0.0", "https://bucket.test/packages/ws_abc/mp_1/1.0.0.zip?X-Amz-Signature=abc", later, sum, 1234,
		"mpdp://trial?mp=mp_1&sha256=" + sum + "&url=https%3A%2F%2Fbucket.test&version=1.0.0&ws=ws_abc"})
	assetJSON := mustJSON(t, map[string]any{"asset": "assets/ws_abc/icon_5f3kq9.png", "upload": up})
	// launches and releases
	releaseAt := later.Add(24 * time.Hour)
	inReview := domain.Launch{ID: "lch_1", WorkspaceID: "ws_abc", MiniProgramID: "mp_1", Version: "1.0.0", Strategy: domain.StrategyFull,
		Status: domain.LaunchInReview, ApprovalID: "apv_9", RequestedBy: "u-1", RequestedEmail: "ann@acme.test", ExecutionARN: "arn:secret",
		Timeline: []domain.TimelineEntry{}, CreatedAt: now, UpdatedAt: now.Format(time.RFC3339Nano)}
	inReviewJSON := mustJSON(t, inReview)
	rolling := inReview
	rolling.Version, rolling.Strategy, rolling.Steps, rolling.IntervalSeconds = "2.0.0-beta.1", domain.StrategyPhased, []int{10, 50, 100}, 3600
	rolling.ReleaseAt, rolling.Note, rolling.Status, rolling.Percentage, rolling.DecidedBy = &releaseAt, "second try", domain.LaunchRollingOut, 10, "u-0"
	rolling.UpdatedAt = "2026-11-25T23:40:01.123Z" // written by Step Functions ($$.State.EnteredTime)
	rolling.Timeline = []domain.TimelineEntry{
		{Status: "in_review", At: "2026-11-25T23:40:01.123Z"},
		{Status: "scheduled", At: "2026-11-25T23:41:00.5+00:00", By: "u-0"},
		{Status: "published", At: now.Format(time.RFC3339Nano), Note: "released 2.0.0-beta.1 to 10% of users"},
	}
	rollingJSON := mustJSON(t, rolling)
	rejectedLaunch := inReview
	rejectedLaunch.Status, rejectedLaunch.EndReason, rejectedLaunch.DecidedBy = domain.LaunchRejected, "Privacy policy missing", "u-0"
	launchApv := domain.Approval{ID: "apv_9", Type: domain.ApprovalLaunch, Status: domain.ApprovalInReview, Title: "Launch 1.0.0 of Acme Shop (full)",
		Requester: domain.Requester{UserID: "u-1", Email: "ann@acme.test", WorkspaceID: "ws_abc"}, TaskToken: "secret-token",
		Payload:   json.RawMessage(`{"launchId":"lch_1","miniProgramId":"mp_1","miniProgram":"Acme Shop","version":"1.0.0","strategy":"full"}`),
		CreatedAt: now, Version: 1}
	launchDetailJSON := mustJSON(t, struct {
		domain.Launch
		Approval *domain.Approval `json:"approval,omitempty"`
	}{rejectedLaunch, &launchApv})
	withdrawnApv := launchApv
	withdrawnApv.Status, withdrawnApv.DecidedAt, withdrawnApv.DecidedBy, withdrawnApv.Version = domain.ApprovalWithdrawn, &later, "u-1", 2
	offlineApv := domain.Approval{ID: "apv_7", Type: domain.ApprovalOffline, Status: domain.ApprovalInReview, Title: "Take Acme Shop offline",
		Requester: domain.Requester{UserID: "u-1", Email: "ann@acme.test", WorkspaceID: "ws_abc"},
		Payload:   json.RawMessage(`{"miniProgramId":"mp_1","miniProgram":"Acme Shop","reason":"legal review"}`), CreatedAt: now, Version: 1}
	onlineApv := offlineApv
	onlineApv.Type, onlineApv.Title = domain.ApprovalOnline, "Take Acme Shop online"
	rel := domain.Release{MiniProgramID: "mp_1", WorkspaceID: "ws_abc", Version: "1.0.0", PreviousVersion: "2.0.0", Strategy: domain.StrategyFull,
		Percentage: 100, TestersVersion: "2.1.0-rc.1", History: []string{"2.0.0", "1.0.0"}, UpdatedAt: later, Revision: 4}
	relJSON := mustJSON(t, rel)
	const (
		mpsPath      = "/v1/workspaces/{ws}/miniprograms"
		mpPath       = mpsPath + "/{mp}"
		versionPath  = mpPath + "/versions/{version}"
		uploadsPath  = mpPath + "/uploads"
		versionsPath = mpPath + "/versions"
		trialPath    = versionPath + "/trial"
		assetsPath   = "/v1/workspaces/{ws}/settings/assets"
		launchesPath = mpPath + "/launches"
		launchPath   = launchesPath + "/{launch}"
		rollbackPath = mpPath + "/rollback"
	)

	workspaceJSON := mustJSON(t, dev)
	memberList := mustJSON(t, httpapi.List[domain.Member]{Items: []domain.Member{member}, NextCursor: "eyJwayI6IlcifQ"})

	cases := []struct {
		name         string
		method, path string
		status       int
		ct, body     string
		ok           bool
	}{
		// success bodies, from the Go types
		{"health", "GET", "/v1/health", 200, jsonCT, `{"status":"ok"}`, true},
		{"health wrong status value", "GET", "/v1/health", 200, jsonCT, `{"status":"down"}`, false},
		{"application receipt", "POST", "/v1/applications", 201, jsonCT,
			mustJSON(t, map[string]any{"id": apv.ID, "status": apv.Status, "type": apv.Type, "createdAt": apv.CreatedAt}), true},
		{"me", "GET", "/v1/me", 200, jsonCT, mustJSON(t, map[string]any{"userId": "u-1", "email": "", "memberships": []any{
			map[string]any{"workspace": map[string]any{"id": "ws_abc", "name": "Acme", "kind": "developer"}, "role": "admin", "status": "blocked"}}}), true},
		{"me without memberships", "GET", "/v1/me", 200, jsonCT, `{"userId":"u-1","email":"a@b.test"}`, false},
		{"accept gives member", "POST", "/v1/invitations/{invitationId}/accept", 200, jsonCT, mustJSON(t, member), true},
		{"workspace list", "GET", "/v1/workspaces", 200, jsonCT, mustJSON(t, httpapi.List[any]{Items: []any{listItem}}), true},
		{"workspace list item without role", "GET", "/v1/workspaces", 200, jsonCT, `{"items":[` + workspaceJSON + `]}`, false},
		{"developer workspace", "GET", "/v1/workspaces/{ws}", 200, jsonCT, workspaceJSON, true},
		{"tenant workspace, optional fields absent", "GET", "/v1/workspaces/{ws}", 200, jsonCT, mustJSON(t, tenant), true},
		{"workspace with charset", "GET", "/v1/workspaces/{ws}", 200, "application/json; charset=utf-8", workspaceJSON, true},
		{"workspace with an extra field", "GET", "/v1/workspaces/{ws}", 200, jsonCT, with(t, workspaceJSON, "brandColor", "#fff"), true},
		{"workspace without version", "GET", "/v1/workspaces/{ws}", 200, jsonCT, without(t, workspaceJSON, "version"), false},
		{"workspace without contact", "GET", "/v1/workspaces/{ws}", 200, jsonCT, without(t, workspaceJSON, "contact"), false},
		{"workspace unknown kind", "GET", "/v1/workspaces/{ws}", 200, jsonCT, with(t, workspaceJSON, "kind", "merchant"), false},
		{"workspace bad date", "GET", "/v1/workspaces/{ws}", 200, jsonCT, with(t, workspaceJSON, "createdAt", "yesterday"), false},
		{"workspace version as string", "GET", "/v1/workspaces/{ws}", 200, jsonCT, with(t, workspaceJSON, "version", "7"), false},
		{"workspace as problem media type", "GET", "/v1/workspaces/{ws}", 200, problemCT, workspaceJSON, false},
		{"workspace without content type", "GET", "/v1/workspaces/{ws}", 200, "", workspaceJSON, false},
		{"patched workspace", "PATCH", "/v1/workspaces/{ws}", 200, jsonCT, workspaceJSON, true},
		{"empty testers", "GET", "/v1/workspaces/{ws}/testers", 200, jsonCT, mustJSON(t, domain.Testers{Items: []domain.Tester{}}), true},
		{"testers", "PUT", "/v1/workspaces/{ws}/testers", 200, jsonCT,
			`{"items":[{"userId":"a"},{"userId":"sub-b","email":"b@app.test","note":"qa"}],"version":3,"unresolved":["c@app.test"]}`, true},
		{"testers without unresolved", "PUT", "/v1/workspaces/{ws}/testers", 200, jsonCT,
			mustJSON(t, domain.Testers{Items: []domain.Tester{{UserID: "a"}}, Version: 3}), false},
		{"testers null items", "GET", "/v1/workspaces/{ws}/testers", 200, jsonCT, `{"items":null,"version":0}`, false},
		{"member list", "GET", "/v1/workspaces/{ws}/members", 200, jsonCT, memberList, true},
		{"empty list", "GET", "/v1/workspaces/{ws}/members", 200, jsonCT, `{"items":[]}`, true},
		{"list without items", "GET", "/v1/workspaces/{ws}/members", 200, jsonCT, `{"nextCursor":"abc"}`, false},
		{"list with empty cursor", "GET", "/v1/workspaces/{ws}/members", 200, jsonCT, `{"items":[],"nextCursor":""}`, false},
		{"list of the wrong entity", "GET", "/v1/workspaces/{ws}/members", 200, jsonCT, mustJSON(t, httpapi.List[domain.Invitation]{Items: []domain.Invitation{inv}}), false},
		{"patched member", "PATCH", "/v1/workspaces/{ws}/members/{userId}", 200, jsonCT, mustJSON(t, member), true},
		{"member bad role", "PATCH", "/v1/workspaces/{ws}/members/{userId}", 200, jsonCT, with(t, mustJSON(t, member), "role", "owner"), false},
		{"removed member", "DELETE", "/v1/workspaces/{ws}/members/{userId}", 204, "", "", true},
		{"204 with a body", "DELETE", "/v1/workspaces/{ws}/members/{userId}", 204, jsonCT, "{}", false},
		{"blocked member", "POST", "/v1/workspaces/{ws}/members/{userId}/block", 200, jsonCT, mustJSON(t, member), true},
		{"invitation list", "GET", "/v1/workspaces/{ws}/invitations", 200, jsonCT,
			mustJSON(t, httpapi.List[domain.Invitation]{Items: []domain.Invitation{inv, accepted}}), true},
		{"created invitation", "POST", "/v1/workspaces/{ws}/invitations", 201, jsonCT, mustJSON(t, invWithToken), true},
		{"created invitation replayed without token", "POST", "/v1/workspaces/{ws}/invitations", 201, jsonCT, mustJSON(t, inv), true},
		{"resent invitation", "POST", "/v1/workspaces/{ws}/invitations/{id}/resend", 200, jsonCT, mustJSON(t, invWithToken), true},
		{"resent invitation without token", "POST", "/v1/workspaces/{ws}/invitations/{id}/resend", 200, jsonCT, mustJSON(t, inv), false},
		{"withdrawn invitation", "DELETE", "/v1/workspaces/{ws}/invitations/{id}", 204, "", "", true},
		{"authorization list", "GET", "/v1/authorizations", 200, jsonCT,
			mustJSON(t, httpapi.List[domain.Authorization]{Items: []domain.Authorization{authz, revoked}}), true},
		{"revoked authorization", "DELETE", "/v1/authorizations/{id}", 200, jsonCT, mustJSON(t, revoked), true},
		{"approval list", "GET", "/v1/approvals", 200, jsonCT, mustJSON(t, httpapi.List[domain.Approval]{Items: []domain.Approval{apv, decided}}), true},
		{"approval", "GET", "/v1/approvals/{id}", 200, jsonCT, mustJSON(t, apv), true},
		{"approval with null payload", "GET", "/v1/approvals/{id}", 200, jsonCT, mustJSON(t, domain.Approval{ID: "apv_2", Type: domain.ApprovalLaunch,
			Status: domain.ApprovalExpired, Requester: domain.Requester{UserID: "u-3", Email: "c@d.test", WorkspaceID: "ws_abc"}, CreatedAt: now}), true},
		{"approval bad status", "GET", "/v1/approvals/{id}", 200, jsonCT, with(t, mustJSON(t, apv), "status", "pending"), false},
		{"approval without requester", "GET", "/v1/approvals/{id}", 200, jsonCT, without(t, mustJSON(t, apv), "requester"), false},
		{"approved", "POST", "/v1/approvals/{id}/approve", 200, jsonCT, mustJSON(t, decided), true},
		{"rejected", "POST", "/v1/approvals/{id}/reject", 200, jsonCT, mustJSON(t, decided), true},
		{"withdrawn", "POST", "/v1/approvals/{id}/withdraw", 200, jsonCT, mustJSON(t, decided), true},

		{"asset upload", "POST", assetsPath, 201, jsonCT, assetJSON, true},
		{"asset outside the assets prefix", "POST", assetsPath, 201, jsonCT, with(t, assetJSON, "asset", "incoming/ws_abc/x.png"), false},
		{"asset without upload", "POST", assetsPath, 201, jsonCT, without(t, assetJSON, "upload"), false},
		{"asset upload with GET", "POST", assetsPath, 201, jsonCT, with(t, assetJSON, "upload", map[string]any{
			"url": up.URL, "method": "GET", "headers": up.Headers, "expiresAt": up.ExpiresAt}), false},
		{"asset upload with a numeric header", "POST", assetsPath, 201, jsonCT, with(t, assetJSON, "upload", map[string]any{
			"url": up.URL, "method": "PUT", "headers": map[string]any{"Content-Length": 1234}, "expiresAt": up.ExpiresAt}), false},
		{"mini program list", "GET", mpsPath, 200, jsonCT, mustJSON(t, httpapi.List[domain.MiniProgram]{Items: []domain.MiniProgram{mpFull, mp}, NextCursor: "abc"}), true},
		{"mini program list of versions", "GET", mpsPath, 200, jsonCT, mustJSON(t, httpapi.List[domain.PackageVersion]{Items: []domain.PackageVersion{ready}}), false},
		{"created mini program", "POST", mpsPath, 201, jsonCT, mustJSON(t, mp), true},
		{"mini program with icon and latest version", "GET", mpPath, 200, jsonCT, mustJSON(t, mpFull), true},
		{"mini program without category", "GET", mpPath, 200, jsonCT, without(t, mustJSON(t, mp), "category"), false},
		{"mini program unknown category", "GET", mpPath, 200, jsonCT, with(t, mustJSON(t, mp), "category", "spaceships"), false},
		{"mini program bad latest version", "GET", mpPath, 200, jsonCT, with(t, mustJSON(t, mp), "latestVersion", "v1"), false},
		{"patched mini program", "PATCH", mpPath, 200, jsonCT, mustJSON(t, mpFull), true},
		{"new upload", "POST", uploadsPath, 201, jsonCT, uploadJSON, true},
		{"re-issued upload", "POST", uploadsPath, 200, jsonCT, uploadJSON, true},
		{"upload without url", "POST", uploadsPath, 201, jsonCT, with(t, uploadJSON, "upload", map[string]any{"method": "PUT", "headers": map[string]string{}, "expiresAt": later}), false},
		{"upload without its version", "POST", uploadsPath, 201, jsonCT, without(t, uploadJSON, "packageVersion"), false},
		{"version list", "GET", versionsPath, 200, jsonCT,
			mustJSON(t, httpapi.List[domain.PackageVersion]{Items: []domain.PackageVersion{uploading.View(later.Add(time.Hour)), invalid, ready, failed}}), true},
		{"uploading version", "GET", versionPath, 200, jsonCT, mustJSON(t, uploading), true},
		{"ready version with report", "GET", versionPath, 200, jsonCT, readyJSON, true},
		{"invalid version with problems", "GET", versionPath, 200, jsonCT, mustJSON(t, invalid), true},
		{"version failed in processing", "GET", versionPath, 200, jsonCT, mustJSON(t, failed), true},
		{"zero report", "GET", versionPath, 200, jsonCT, with(t, readyJSON, "report", packages.Report{}), true},
		{"version unknown status", "GET", versionPath, 200, jsonCT, with(t, readyJSON, "status", "done"), false},
		{"version upper-case sha256", "GET", versionPath, 200, jsonCT, with(t, readyJSON, "sha256", strings.ToUpper(sum)), false},
		{"version not semver", "GET", versionPath, 200, jsonCT, with(t, readyJSON, "version", "1.0"), false},
		{"version without revision", "GET", versionPath, 200, jsonCT, without(t, readyJSON, "revision"), false},
		{"report without problems", "GET", versionPath, 200, jsonCT, with(t, readyJSON, "report", map[string]any{"valid": true}), false},
		{"report problem without message", "GET", versionPath, 200, jsonCT, with(t, readyJSON, "report", map[string]any{"problems": []any{map[string]any{"code": "x"}}}), false},
		{"report with a negative size", "GET", versionPath, 200, jsonCT, with(t, readyJSON, "report", map[string]any{"problems": []any{}, "mainBytes": -1}), false},
		{"trial", "POST", trialPath, 200, jsonCT, trialJSON, true},
		{"trial without QR payload", "POST", trialPath, 200, jsonCT, without(t, trialJSON, "qrPayload"), false},
		{"trial other QR scheme", "POST", trialPath, 200, jsonCT, with(t, trialJSON, "qrPayload", "https://x.test/"), false},

		{"created launch", "POST", launchesPath, 201, jsonCT, inReviewJSON, true},
		{"launch list", "GET", launchesPath, 200, jsonCT, mustJSON(t, httpapi.List[domain.Launch]{Items: []domain.Launch{rolling, inReview, rejectedLaunch}, NextCursor: "abc"}), true},
		{"empty launch page with a cursor", "GET", launchesPath, 200, jsonCT, `{"items":[],"nextCursor":"abc"}`, true},
		{"launch list of releases", "GET", launchesPath, 200, jsonCT, mustJSON(t, httpapi.List[domain.Release]{Items: []domain.Release{rel}}), false},
		{"phased launch, times from Step Functions", "GET", launchPath, 200, jsonCT, rollingJSON, true},
		{"launch with its approval", "GET", launchPath, 200, jsonCT, launchDetailJSON, true},
		{"launch without its approval", "GET", launchPath, 200, jsonCT, inReviewJSON, true},
		{"launch with a bad approval", "GET", launchPath, 200, jsonCT, with(t, launchDetailJSON, "approval", map[string]any{"id": "apv_9"}), false},
		{"launch unknown status", "GET", launchPath, 200, jsonCT, with(t, rollingJSON, "status", "published"), false},
		{"launch unknown strategy", "GET", launchPath, 200, jsonCT, with(t, rollingJSON, "strategy", "canary"), false},
		{"launch over 100 percent", "GET", launchPath, 200, jsonCT, with(t, rollingJSON, "percentage", 101), false},
		{"launch null timeline", "GET", launchPath, 200, jsonCT, with(t, inReviewJSON, "timeline", nil), false},
		{"launch without timeline", "GET", launchPath, 200, jsonCT, without(t, inReviewJSON, "timeline"), false},
		{"launch without approval id", "GET", launchPath, 200, jsonCT, without(t, inReviewJSON, "approvalId"), false},
		{"launch bad updatedAt", "GET", launchPath, 200, jsonCT, with(t, inReviewJSON, "updatedAt", "yesterday"), false},
		{"timeline entry without at", "GET", launchPath, 200, jsonCT, with(t, inReviewJSON, "timeline", []any{map[string]any{"status": "in_review"}}), false},
		{"timeline entry bad at", "GET", launchPath, 200, jsonCT, with(t, inReviewJSON, "timeline", []any{map[string]any{"status": "in_review", "at": "1764114001"}}), false},
		{"patched launch", "PATCH", launchPath, 200, jsonCT, rollingJSON, true},
		{"paused launch", "POST", launchPath + "/pause", 200, jsonCT, with(t, rollingJSON, "status", "paused"), true},
		{"resumed launch", "POST", launchPath + "/resume", 200, jsonCT, rollingJSON, true},
		{"withdrawn launch gives approval", "POST", launchPath + "/withdraw", 200, jsonCT, mustJSON(t, withdrawnApv), true},
		{"withdrawn launch gives launch", "POST", launchPath + "/withdraw", 200, jsonCT, inReviewJSON, false},
		{"rollback", "POST", rollbackPath, 200, jsonCT, relJSON, true},
		{"rollback to a release never launched", "POST", rollbackPath, 200, jsonCT,
			mustJSON(t, domain.Release{MiniProgramID: "mp_1", WorkspaceID: "ws_abc", History: []string{}, UpdatedAt: now}), true},
		{"release without history", "POST", rollbackPath, 200, jsonCT, without(t, relJSON, "history"), false},
		{"release with six in history", "POST", rollbackPath, 200, jsonCT, with(t, relJSON, "history", []string{"6.0.0", "5.0.0", "4.0.0", "3.0.0", "2.0.0", "1.0.0"}), false},
		{"release bad version", "POST", rollbackPath, 200, jsonCT, with(t, relJSON, "version", "latest"), false},
		{"offline request", "POST", mpPath + "/offline", 201, jsonCT, mustJSON(t, offlineApv), true},
		{"online request", "POST", mpPath + "/online", 201, jsonCT, mustJSON(t, onlineApv), true},
		{"online approvals", "GET", "/v1/approvals", 200, jsonCT, mustJSON(t, httpapi.List[domain.Approval]{Items: []domain.Approval{onlineApv, launchApv}}), true},
		{"approval unknown type", "GET", "/v1/approvals/{id}", 200, jsonCT, with(t, mustJSON(t, onlineApv), "type", "delete"), false},
		{"offline request as 200", "POST", mpPath + "/offline", 200, jsonCT, mustJSON(t, offlineApv), false},

		// problems
		{"problem 404", "GET", "/v1/workspaces/{ws}", 404, problemCT, problem(t, 404), true},
		{"problem 400 with fields", "POST", "/v1/applications", 400, problemCT,
			problem(t, 400, domain.FieldError{Field: "email", Message: "is required"}), true},
		{"problem 401", "GET", "/v1/me", 401, problemCT, problem(t, 401), true},
		{"gateway 401", "GET", "/v1/me", 401, jsonCT, `{"message":"Unauthorized"}`, true},
		{"problem 412", "PATCH", "/v1/workspaces/{ws}", 412, problemCT, problem(t, 412), true},
		{"problem 413", "PUT", "/v1/workspaces/{ws}/testers", 413, problemCT, problem(t, 413), true},
		{"problem 415", "POST", "/v1/workspaces/{ws}/invitations", 415, problemCT, problem(t, 415), true},
		{"problem 422", "POST", "/v1/workspaces/{ws}/invitations", 422, problemCT, problem(t, 422), true},
		{"problem 428", "PUT", "/v1/workspaces/{ws}/testers", 428, problemCT, problem(t, 428), true},
		{"problem 409", "POST", "/v1/approvals/{id}/approve", 409, problemCT, problem(t, 409), true},
		{"problem 503", "GET", "/v1/approvals", 503, problemCT, problem(t, 503), true},
		{"upload 409 version not greater", "POST", uploadsPath, 409, problemCT, problem(t, 409), true},
		{"upload 403 revoked", "POST", uploadsPath, 403, problemCT, problem(t, 403), true},
		{"upload 422", "POST", uploadsPath, 422, problemCT, problem(t, 422), false},
		{"create mini program 409", "POST", mpsPath, 409, problemCT, problem(t, 409), true},
		{"patch mini program 428", "PATCH", mpPath, 428, problemCT, problem(t, 428), true},
		{"patch mini program 412", "PATCH", mpPath, 412, problemCT, problem(t, 412), true},
		{"trial 409 not ready", "POST", trialPath, 409, problemCT, problem(t, 409), true},
		{"asset 415", "POST", assetsPath, 415, problemCT, problem(t, 415), true},
		{"problem with charset", "GET", "/v1/workspaces/{ws}", 404, "application/problem+json; charset=utf-8", problem(t, 404), true},
		{"problem missing status", "GET", "/v1/workspaces/{ws}", 404, problemCT, without(t, problem(t, 404), "status"), false},
		{"problem missing title", "GET", "/v1/workspaces/{ws}", 404, problemCT, without(t, problem(t, 404), "title"), false},
		{"problem status as string", "GET", "/v1/workspaces/{ws}", 404, problemCT, with(t, problem(t, 404), "status", "404"), false},
		{"problem status differs", "GET", "/v1/workspaces/{ws}", 404, problemCT, problem(t, 409), false},
		{"problem field error without message", "POST", "/v1/applications", 400, problemCT,
			with(t, problem(t, 400), "errors", []any{map[string]any{"field": "email"}}), false},
		{"problem as plain JSON", "GET", "/v1/workspaces/{ws}", 404, jsonCT, problem(t, 404), false},

		// statuses
		{"undocumented 500", "GET", "/v1/workspaces/{ws}", 500, problemCT, problem(t, 500), false},
		{"undocumented 418", "GET", "/v1/workspaces/{ws}", 418, problemCT, problem(t, 418), false},
		{"412 is not a GET's", "GET", "/v1/workspaces/{ws}", 412, problemCT, problem(t, 412), false},
		{"428 is not a POST's", "POST", "/v1/applications", 428, problemCT, problem(t, 428), false},
		{"no 403 from health", "GET", "/v1/health", 403, problemCT, problem(t, 403), false},
		{"trial takes no body, so no 400", "POST", trialPath, 400, problemCT, problem(t, 400), false},
		{"no 412 from a version read", "GET", versionPath, 412, problemCT, problem(t, 412), false},
		{"asset is not idempotent", "POST", assetsPath, 422, problemCT, problem(t, 422), false},
		{"no 202 from uploads", "POST", uploadsPath, 202, jsonCT, uploadJSON, false},
		{"create launch 422", "POST", launchesPath, 422, problemCT, problem(t, 422), true},
		{"create launch 409", "POST", launchesPath, 409, problemCT, problem(t, 409), true},
		{"launch list bad status 400", "GET", launchesPath, 400, problemCT,
			problem(t, 400, domain.FieldError{Field: "status", Message: "is not a launch status"}), true},
		{"patch launch 409", "PATCH", launchPath, 409, problemCT, problem(t, 409), true},
		{"patch launch takes no If-Match, so no 428", "PATCH", launchPath, 428, problemCT, problem(t, 428), false},
		{"patch launch takes no If-Match, so no 412", "PATCH", launchPath, 412, problemCT, problem(t, 412), false},
		{"pause 409", "POST", launchPath + "/pause", 409, problemCT, problem(t, 409), true},
		{"pause takes no body, so no 400", "POST", launchPath + "/pause", 400, problemCT, problem(t, 400), false},
		{"withdraw launch takes no body, so no 415", "POST", launchPath + "/withdraw", 415, problemCT, problem(t, 415), false},
		{"rollback 409", "POST", rollbackPath, 409, problemCT, problem(t, 409), true},
		{"rollback is not idempotent", "POST", rollbackPath, 422, problemCT, problem(t, 422), false},
		{"offline 415", "POST", mpPath + "/offline", 415, problemCT, problem(t, 415), true},
		{"launch not found", "GET", launchPath, 404, problemCT, problem(t, 404), true},

		// bodies that are not JSON, and unknown operations
		{"not JSON", "GET", "/v1/workspaces/{ws}", 200, jsonCT, "not json", false},
		{"two values", "GET", "/v1/health", 200, jsonCT, `{"status":"ok"}{"status":"ok"}`, false},
		{"empty body", "GET", "/v1/health", 200, jsonCT, "", false},
		{"unknown path", "GET", "/v1/nothing", 200, jsonCT, `{}`, false},
		{"unknown method", "DELETE", "/v1/workspaces/{ws}", 204, "", "", false},
		{"concrete path instead of pattern", "GET", "/v1/workspaces/ws_1", 200, jsonCT, workspaceJSON, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := d.ValidateResponse(c.method, c.path, c.status, c.ct, []byte(c.body))
			if c.ok && err != nil {
				t.Errorf("want valid, got %v", err)
			}
			if !c.ok && err == nil {
				t.Errorf("want an error for %s", c.body)
			}
			if err != nil {
				t.Logf("%v", err)
			}
		})
	}
}

// TestValidateRequest checks request bodies, hand-written like a client's.
func TestValidateRequest(t *testing.T) {
	d := mustLoad(t)
	application := `{"company":"Acme","contactName":"Ann","email":"ann@acme.test","country":"SG","reason":"We build mini programs."}`
	sum := strings.Repeat("0f", 32)
	asset := `{"kind":"icon","contentType":"image/png","size":2048,"sha256":"` + sum + `"}`
	miniProgram := `{"name":"Acme Shop","category":"shopping"}`
	upload := `{"version":"1.0.0","size":1234,"sha256":"` + sum + `"}`
	maxPackage := packages.DefaultLimits().MaxPackageBytes
	launch := `{"version":"1.0.0","strategy":"full"}`
	phased := `{"version":"1.0.0","strategy":"phased","steps":[1,10,50,100],"intervalSeconds":3600}`
	steps := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = 100 - (n-1-i)*4
		}
		return out
	}
	const (
		mpPath       = "/v1/workspaces/{ws}/miniprograms/{mp}"
		launchesPath = mpPath + "/launches"
		launchPath   = launchesPath + "/{launch}"
		rollbackPath = mpPath + "/rollback"
	)
	testers := func(n int) string {
		items := make([]domain.Tester, n)
		for i := range items {
			items[i] = domain.Tester{UserID: "user" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + "-" + string(rune('0'+i/26))}
		}
		return mustJSON(t, map[string]any{"items": items})
	}
	cases := []struct {
		name         string
		method, path string
		ct, body     string
		ok           bool
	}{
		{"application", "POST", "/v1/applications", jsonCT, application, true},
		{"application, json with charset", "POST", "/v1/applications", "application/json; charset=utf-8", application, true},
		{"application missing reason", "POST", "/v1/applications", jsonCT, without(t, application, "reason"), false},
		{"application short reason", "POST", "/v1/applications", jsonCT, with(t, application, "reason", "short"), false},
		{"application unknown field", "POST", "/v1/applications", jsonCT, with(t, application, "phone", "+6512345678"), false},
		{"application company at 120", "POST", "/v1/applications", jsonCT, with(t, application, "company", strings.Repeat("é", 120)), true},
		{"application company at 121", "POST", "/v1/applications", jsonCT, with(t, application, "company", strings.Repeat("é", 121)), false},
		{"application company with control char", "POST", "/v1/applications", jsonCT, with(t, application, "company", "Ac\tme"), false},
		{"application company blank", "POST", "/v1/applications", jsonCT, with(t, application, "company", "   "), false},
		{"application bad email", "POST", "/v1/applications", jsonCT, with(t, application, "email", "not an email"), false},
		{"application lower-case country", "POST", "/v1/applications", jsonCT, with(t, application, "country", "sg"), true},
		{"application bad country", "POST", "/v1/applications", jsonCT, with(t, application, "country", "SGP"), false},
		{"application as text", "POST", "/v1/applications", "text/plain", application, false},
		{"application without content type", "POST", "/v1/applications", "", application, false},
		{"application empty", "POST", "/v1/applications", jsonCT, "", false},
		{"application array", "POST", "/v1/applications", jsonCT, "[]", false},

		{"accept", "POST", "/v1/invitations/{invitationId}/accept", jsonCT, `{"token":"abc"}`, true},
		{"accept blank token", "POST", "/v1/invitations/{invitationId}/accept", jsonCT, `{"token":"  "}`, false},

		{"patch name", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{"name":"New name"}`, true},
		{"patch nothing", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{}`, false},
		{"patch short name", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{"name":"x"}`, false},
		{"patch clear logo", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{"logo":""}`, true},
		{"patch logo", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{"logo":"assets/ws_abc/logo.png"}`, true},
		{"patch bad logo", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{"logo":"http://x/logo.png"}`, false},
		{"patch contact", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{"contact":{"name":"Ann","email":"ann@acme.test","phone":"+6512345678"}}`, true},
		{"patch contact without email", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{"contact":{"name":"Ann"}}`, false},
		{"patch contact bad phone", "PATCH", "/v1/workspaces/{ws}", jsonCT, `{"contact":{"name":"Ann","email":"ann@acme.test","phone":"12345"}}`, false},
		{"patch long description", "PATCH", "/v1/workspaces/{ws}", jsonCT, mustJSON(t, map[string]string{"description": strings.Repeat("d", 1001)}), false},

		{"testers", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, `{"items":[{"email":"alice@app.test"},{"userId":"bob","note":"QA"},{"userId":"sub-1","email":"carol@app.test"}]}`, true},
		{"testers email as id", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, `{"items":[{"userId":"alice@app"}]}`, false},
		{"testers empty item", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, `{"items":[{"note":"who?"}]}`, false},
		{"testers clear", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, `{"items":[]}`, true},
		{"testers at 100", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, testers(100), true},
		{"testers at 101", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, testers(101), false},
		{"testers missing items", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, `{}`, false},
		{"testers bad id", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, `{"items":[{"userId":"has space"}]}`, false},

		{"role", "PATCH", "/v1/workspaces/{ws}/members/{userId}", jsonCT, `{"role":"reviewer"}`, true},
		{"bad role", "PATCH", "/v1/workspaces/{ws}/members/{userId}", jsonCT, `{"role":"owner"}`, false},
		{"invite", "POST", "/v1/workspaces/{ws}/invitations", jsonCT, `{"email":"bob@acme.test","role":"developer"}`, true},
		{"invite without role", "POST", "/v1/workspaces/{ws}/invitations", jsonCT, `{"email":"bob@acme.test"}`, false},

		{"block takes no body", "POST", "/v1/workspaces/{ws}/members/{userId}/block", "", "", true},
		{"block with a body", "POST", "/v1/workspaces/{ws}/members/{userId}/block", jsonCT, `{}`, false},
		{"approve without body", "POST", "/v1/approvals/{id}/approve", "", "", true},
		{"approve with comment", "POST", "/v1/approvals/{id}/approve", jsonCT, `{"comment":"welcome"}`, true},
		{"approve long comment", "POST", "/v1/approvals/{id}/approve", jsonCT, mustJSON(t, map[string]string{"comment": strings.Repeat("c", 2001)}), false},
		{"reject without body", "POST", "/v1/approvals/{id}/reject", "", "", false},
		{"reject without reason", "POST", "/v1/approvals/{id}/reject", jsonCT, `{"comment":"no"}`, false},
		{"reject blank reason", "POST", "/v1/approvals/{id}/reject", jsonCT, `{"reason":"   "}`, false},
		{"reject", "POST", "/v1/approvals/{id}/reject", jsonCT, `{"reason":"incomplete"}`, true},
		{"withdraw without body", "POST", "/v1/approvals/{id}/withdraw", "", "", true},

		{"asset", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, asset, true},
		{"asset upper-case sha256", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, with(t, asset, "sha256", strings.Repeat("AB", 32)), true},
		{"asset short sha256", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, with(t, asset, "sha256", "abcd"), false},
		{"asset gif", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, with(t, asset, "contentType", "image/gif"), false},
		{"asset unknown kind", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, with(t, asset, "kind", "banner"), false},
		{"asset at 1 MiB", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, with(t, asset, "size", 1<<20), true},
		{"asset over 1 MiB", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, with(t, asset, "size", 1<<20+1), false},
		{"asset empty", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, with(t, asset, "size", 0), false},
		{"asset without size", "POST", "/v1/workspaces/{ws}/settings/assets", jsonCT, without(t, asset, "size"), false},

		{"mini program", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT, miniProgram, true},
		{"mini program with all fields", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT,
			with(t, with(t, miniProgram, "description", "Shop"), "icon", "assets/ws_abc/icon_1.png"), true},
		{"mini program without category", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT, without(t, miniProgram, "category"), false},
		{"mini program without name", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT, without(t, miniProgram, "name"), false},
		{"mini program unknown category", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT, with(t, miniProgram, "category", "spaceships"), false},
		{"mini program name at 40", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT, with(t, miniProgram, "name", strings.Repeat("é", 40)), true},
		{"mini program name at 41", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT, with(t, miniProgram, "name", strings.Repeat("é", 41)), false},
		{"mini program icon URL", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT, with(t, miniProgram, "icon", "https://x.test/i.png"), false},
		{"mini program unknown field", "POST", "/v1/workspaces/{ws}/miniprograms", jsonCT, with(t, miniProgram, "latestVersion", "1.0.0"), false},
		{"patch mini program category", "PATCH", "/v1/workspaces/{ws}/miniprograms/{mp}", jsonCT, `{"category":"food"}`, true},
		{"patch mini program clear icon", "PATCH", "/v1/workspaces/{ws}/miniprograms/{mp}", jsonCT, `{"icon":""}`, true},
		{"patch mini program nothing", "PATCH", "/v1/workspaces/{ws}/miniprograms/{mp}", jsonCT, `{}`, false},
		{"patch mini program long description", "PATCH", "/v1/workspaces/{ws}/miniprograms/{mp}", jsonCT,
			mustJSON(t, map[string]string{"description": strings.Repeat("d", 501)}), false},

		{"upload", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", jsonCT, upload, true},
		{"upload pre-release", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", jsonCT, with(t, upload, "version", "2.0.0-beta.1"), true},
		{"upload not semver", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", jsonCT, with(t, upload, "version", "one"), false},
		{"upload leading v", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", jsonCT, with(t, upload, "version", "v1.0.0"), false},
		{"upload build metadata", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", jsonCT, with(t, upload, "version", "1.0.0+5"), false},
		// The contract's bound is the code's (packages.DefaultLimits), to the byte.
		{"upload at the size limit", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", jsonCT, with(t, upload, "size", maxPackage), true},
		{"upload a byte over the size limit", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", jsonCT, with(t, upload, "size", maxPackage+1), false},
		{"upload without sha256", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", jsonCT, without(t, upload, "sha256"), false},
		{"launch full", "POST", launchesPath, jsonCT, launch, true},
		{"launch scheduled with note", "POST", launchesPath, jsonCT,
			with(t, with(t, launch, "releaseAt", "2026-12-01T08:00:00Z"), "note", "first release"), true},
		{"launch testers", "POST", launchesPath, jsonCT, with(t, launch, "strategy", "testers"), true},
		{"launch phased with defaults", "POST", launchesPath, jsonCT, with(t, launch, "strategy", "phased"), true},
		{"launch phased with steps", "POST", launchesPath, jsonCT, phased, true},
		{"launch phased single step", "POST", launchesPath, jsonCT, with(t, phased, "steps", []int{100}), true},
		{"launch phased steps not ending at 100", "POST", launchesPath, jsonCT, with(t, phased, "steps", []int{10, 50}), false},
		{"launch phased steps repeated", "POST", launchesPath, jsonCT, with(t, phased, "steps", []int{10, 10, 100}), false},
		{"launch phased step 0", "POST", launchesPath, jsonCT, with(t, phased, "steps", []int{0, 100}), false},
		{"launch phased no steps", "POST", launchesPath, jsonCT, with(t, phased, "steps", []int{}), false},
		{"launch phased 21 steps", "POST", launchesPath, jsonCT, with(t, phased, "steps", steps(21)), false},
		{"launch phased 20 steps", "POST", launchesPath, jsonCT, with(t, phased, "steps", steps(20)), true},
		{"launch phased zero interval", "POST", launchesPath, jsonCT, with(t, phased, "intervalSeconds", 0), false},
		{"launch phased interval over 30 days", "POST", launchesPath, jsonCT, with(t, phased, "intervalSeconds", 30*24*3600+1), false},
		{"launch full with steps", "POST", launchesPath, jsonCT, with(t, launch, "steps", []int{100}), false},
		{"launch testers with interval", "POST", launchesPath, jsonCT, with(t, with(t, launch, "strategy", "testers"), "intervalSeconds", 60), false},
		{"launch unknown strategy", "POST", launchesPath, jsonCT, with(t, launch, "strategy", "canary"), false},
		{"launch without strategy", "POST", launchesPath, jsonCT, without(t, launch, "strategy"), false},
		{"launch without version", "POST", launchesPath, jsonCT, without(t, launch, "version"), false},
		{"launch not semver", "POST", launchesPath, jsonCT, with(t, launch, "version", "latest"), false},
		{"launch bad releaseAt", "POST", launchesPath, jsonCT, with(t, launch, "releaseAt", "tomorrow"), false},
		{"launch long note", "POST", launchesPath, jsonCT, with(t, launch, "note", strings.Repeat("n", 501)), false},
		{"launch unknown field", "POST", launchesPath, jsonCT, with(t, launch, "percentage", 10), false},
		{"launch empty", "POST", launchesPath, jsonCT, "", false},
		{"percentage", "PATCH", launchPath, jsonCT, `{"percentage":60}`, true},
		{"percentage 100", "PATCH", launchPath, jsonCT, `{"percentage":100}`, true},
		{"percentage 0", "PATCH", launchPath, jsonCT, `{"percentage":0}`, false},
		{"percentage 101", "PATCH", launchPath, jsonCT, `{"percentage":101}`, false},
		{"percentage fraction", "PATCH", launchPath, jsonCT, `{"percentage":12.5}`, false},
		{"percentage missing", "PATCH", launchPath, jsonCT, `{}`, false},
		{"percentage with status", "PATCH", launchPath, jsonCT, `{"percentage":60,"status":"paused"}`, false},
		{"withdraw launch takes no body", "POST", launchPath + "/withdraw", "", "", true},
		{"pause with a body", "POST", launchPath + "/pause", jsonCT, `{}`, false},
		{"resume takes no body", "POST", launchPath + "/resume", "", "", true},
		{"rollback", "POST", rollbackPath, jsonCT, `{"version":"1.0.0"}`, true},
		{"rollback without version", "POST", rollbackPath, jsonCT, `{}`, false},
		{"rollback not semver", "POST", rollbackPath, jsonCT, `{"version":"previous"}`, false},
		{"rollback empty", "POST", rollbackPath, jsonCT, "", false},
		{"offline without body", "POST", mpPath + "/offline", "", "", true},
		{"offline with reason", "POST", mpPath + "/offline", jsonCT, `{"reason":"legal review"}`, true},
		{"offline long reason", "POST", mpPath + "/offline", jsonCT, mustJSON(t, map[string]string{"reason": strings.Repeat("r", 2001)}), false},
		{"online with unknown field", "POST", mpPath + "/online", jsonCT, `{"reason":"fixed","at":"now"}`, false},
		{"online as text", "POST", mpPath + "/online", "text/plain", `{"reason":"fixed"}`, false},
		{"trial takes no body", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}/trial", "", "", true},
		{"trial with a body", "POST", "/v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}/trial", jsonCT, `{}`, false},
		{"unknown operation", "POST", "/v1/nothing", jsonCT, `{}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := d.ValidateRequest(c.method, c.path, c.ct, []byte(c.body))
			if c.ok && err != nil {
				t.Errorf("want valid, got %v", err)
			}
			if !c.ok && err == nil {
				t.Errorf("want an error for %s", c.body)
			}
			if err != nil {
				t.Logf("%v", err)
			}
		})
	}
}

// TestConcurrentValidation: a Doc is shared by parallel tests.
func TestConcurrentValidation(t *testing.T) {
	d := mustLoad(t)
	body := []byte(problem(t, 404))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if err := d.ValidateResponse("GET", "/v1/workspaces/{ws}", http.StatusNotFound, problemCT, body); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzValidateResponse feeds arbitrary bodies, statuses and media types to the
// validators: they may reject anything, but must never panic.
func FuzzValidateResponse(f *testing.F) {
	d, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	ops := d.Operations()
	cts := []string{jsonCT, problemCT, "application/problem+json; charset=utf-8", "", "text/plain", "application/json;;", "*/*"}
	f.Add(uint(0), 200, uint8(0), []byte(`{"status":"ok"}`))
	f.Add(uint(5), 404, uint8(1), []byte(`{"type":"about:blank","title":"Not Found","status":404}`))
	f.Add(uint(7), 200, uint8(0), []byte(`{"items":[{"userId":"a"}],"version":1}`))
	f.Add(uint(3), 204, uint8(3), []byte{})
	f.Add(uint(9), 400, uint8(2), []byte(`{"type":1,"errors":[{"field":null}]}`))
	f.Add(uint(1), 201, uint8(0), []byte(`[[[[[[[[[[{}]]]]]]]]]]`))
	f.Add(uint(2), 200, uint8(0), []byte("\xff\xfe{\"a\":1e999999}"))
	f.Fuzz(func(t *testing.T, op uint, status int, ct uint8, body []byte) {
		key := ops[op%uint(len(ops))]
		method, path, _ := strings.Cut(key, " ")
		contentType := cts[int(ct)%len(cts)]
		_ = d.ValidateResponse(method, path, status, contentType, body)
		_ = d.ValidateRequest(method, path, contentType, body)
		_, _ = d.Route(method, string(body))
	})
}
