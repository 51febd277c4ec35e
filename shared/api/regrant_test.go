package api_test

import (
	"strings"
	"testing"
)

type regrantAuthz struct {
	ID, Type, WorkspaceID, Status, GrantedBy, RevokedBy string
	RevokedAt                                           *string
	Version                                             int
}

func workspaceAuthorization(t *testing.T, tenant client, ws string) regrantAuthz {
	t.Helper()
	var page struct{ Items []regrantAuthz }
	tenant.must(200, "GET", "/v1/authorizations?limit=100", nil).decode(t, &page)
	for _, a := range page.Items {
		if a.WorkspaceID == ws && a.Type == "workspace" {
			return a
		}
	}
	t.Fatalf("no authorization of %s", ws)
	return regrantAuthz{}
}

// A revoked workspace authorization is granted again only through an approval
// decided by someone other than who asked; the legal and illegal transitions.
func TestRegrantAuthorization(t *testing.T) {
	tenant := tenantAdmin(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	ws, devAdmin := developerWorkspace(t)
	mp := miniProgram(t, devAdmin, ws, "Regrant Shop")
	upload := map[string]any{"version": "1.0.0", "size": 100, "sha256": strings.Repeat("ab", 32)}
	authz := workspaceAuthorization(t, tenant, ws)
	path := "/v1/authorizations/" + authz.ID + "/regrant"
	reason := map[string]string{"reason": "The merchant fixed the policy breach."}

	// Only a revoked authorization, only by a tenant admin, only with a reason.
	if p := tenant.must(409, "POST", path, reason).problem(t); !strings.Contains(p.Detail, "active") {
		t.Errorf("regrant of an active authorization: %+v", p)
	}
	tenant.must(200, "DELETE", "/v1/authorizations/"+authz.ID, nil)
	devAdmin.must(403, "POST", mp+"/uploads", upload).problem(t)
	reviewer.must(403, "POST", path, reason).problem(t)
	devAdmin.must(404, "POST", path, reason).problem(t)
	anonymous(t).must(401, "POST", path, reason).problem(t)
	if f := fieldErrors(t, tenant.must(400, "POST", path, map[string]string{"reason": "  "})); f["reason"] == "" {
		t.Errorf("no reason: %v", f)
	}
	tenant.must(404, "POST", "/v1/authorizations/authz_none/regrant", reason).problem(t)

	type approvalBody struct {
		ID, Type, Status, Title string
		Requester               struct{ UserID, WorkspaceID string }
		Payload                 map[string]string
	}
	request := func() approvalBody {
		t.Helper()
		var a approvalBody
		tenant.must(201, "POST", path, reason).decode(t, &a)
		if a.Type != "authorization.regrant" || a.Status != "in_review" || a.Requester.UserID != tenant.userID ||
			a.Payload["authorizationId"] != authz.ID || a.Payload["workspaceId"] != ws || a.Payload["reason"] != reason["reason"] {
			t.Fatalf("regrant request %+v", a)
		}
		return a
	}
	stillRevoked := func(when string) {
		t.Helper()
		if a := workspaceAuthorization(t, tenant, ws); a.Status != "revoked" {
			t.Fatalf("%s: authorization %+v", when, a)
		}
		devAdmin.must(403, "POST", mp+"/uploads", upload).problem(t)
	}

	// Rejected: stays revoked, and may be asked about again.
	a := request()
	if p := tenant.must(409, "POST", path, reason).problem(t); !strings.Contains(p.Detail, "already in review") {
		t.Errorf("second open request: %+v", p)
	}
	var inbox struct{ Items []approvalBody }
	reviewer.must(200, "GET", "/v1/approvals?type=authorization.regrant&status=in_review&limit=100", nil).decode(t, &inbox)
	found := false
	for _, it := range inbox.Items {
		found = found || it.ID == a.ID
	}
	if !found {
		t.Errorf("the request is not in the reviewers' inbox")
	}
	if p := tenant.must(403, "POST", "/v1/approvals/"+a.ID+"/approve", nil).problem(t); !strings.Contains(p.Detail, "own request") {
		t.Errorf("approving one's own request: %+v", p)
	}
	reviewer.must(200, "POST", "/v1/approvals/"+a.ID+"/reject", map[string]string{"reason": "Not yet.", "reasonCode": "policy"})
	stillRevoked("after a rejection")
	reviewer.must(409, "POST", "/v1/approvals/"+a.ID+"/approve", nil).problem(t)

	// Withdrawn by its requester: the same.
	a = request()
	reviewer.must(403, "POST", "/v1/approvals/"+a.ID+"/withdraw", nil).problem(t)
	tenant.must(200, "POST", "/v1/approvals/"+a.ID+"/withdraw", nil)
	stillRevoked("after a withdrawal")

	// Approved by another reviewer: active again, granted by them, and the workspace uploads again.
	a = request()
	var decided struct{ Status string }
	reviewer.must(200, "POST", "/v1/approvals/"+a.ID+"/approve", map[string]string{"comment": "welcome back"}).decode(t, &decided)
	if decided.Status != "approved" {
		t.Fatalf("approval %+v", decided)
	}
	got := workspaceAuthorization(t, tenant, ws)
	if got.Status != "active" || got.GrantedBy != reviewer.userID || got.RevokedBy != "" || got.RevokedAt != nil || got.Version <= authz.Version {
		t.Fatalf("authorization after the approval %+v", got)
	}
	var w struct{ Authorization string }
	devAdmin.must(200, "GET", "/v1/workspaces/"+ws, nil).decode(t, &w)
	if w.Authorization != "active" {
		t.Errorf("workspace authorization %q after the regrant", w.Authorization)
	}
	devAdmin.must(201, "POST", mp+"/uploads", upload)
	reviewer.must(409, "POST", "/v1/approvals/"+a.ID+"/approve", nil).problem(t)
	tenant.must(409, "POST", path, reason).problem(t) // active again

	// And it can be revoked again.
	tenant.must(200, "DELETE", "/v1/authorizations/"+authz.ID, nil)
	stillRevoked("after revoking again")
}
