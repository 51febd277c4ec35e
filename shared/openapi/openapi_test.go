package openapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
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
// security matches the route table's access, updates take If-Match, creating
// POSTs take Idempotency-Key, and every signed operation documents 401.
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
	idempotent := map[string]bool{"POST /v1/applications": true, "POST /v1/workspaces/{ws}/invitations": true}
	for _, r := range routes.Table {
		var o op
		if err := json.Unmarshal(doc.Paths[r.Path][strings.ToLower(r.Method)], &o); err != nil {
			t.Fatalf("%s: %v", r.Pattern(), err)
		}
		public := o.Security != nil && len(*o.Security) == 0
		if public != (r.Access == routes.Public) {
			t.Errorf("%s: security: [] is %v, route access public is %v", r.Pattern(), public, r.Access == routes.Public)
		}
		if r.Access == routes.Signed {
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
		update := r.Method == "PATCH" || r.Method == "PUT"
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
			mustJSON(t, domain.Testers{Items: []domain.Tester{{UserID: "a"}, {UserID: "b", Note: "qa"}}, Version: 3}), true},
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
		{"created invitation without token", "POST", "/v1/workspaces/{ws}/invitations", 201, jsonCT, mustJSON(t, inv), false},
		{"resent invitation", "POST", "/v1/workspaces/{ws}/invitations/{id}/resend", 200, jsonCT, mustJSON(t, invWithToken), true},
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

		{"testers", "PUT", "/v1/workspaces/{ws}/testers", jsonCT, `{"items":[{"userId":"alice@app"},{"userId":"bob","note":"QA"}]}`, true},
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
