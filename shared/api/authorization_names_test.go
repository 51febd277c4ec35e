package api_test

import (
	"testing"
)

// TestAuthorizationShowsCurrentWorkspaceName: after a developer workspace is
// renamed, its authorization (listed, and as revocation answers it) shows the
// new name, not the one the workspace had when it was approved.
func TestAuthorizationShowsCurrentWorkspaceName(t *testing.T) {
	ws, admin := developerWorkspace(t)
	tenant := tenantAdmin(t)
	base := "/v1/workspaces/" + ws
	admin.must(200, "PATCH", base, map[string]any{"name": "Renamed Merchant Co"}, "If-Match", etag(t, admin, base))

	type authz struct{ ID, WorkspaceID, WorkspaceName, Type, Status string }
	find := func() authz {
		t.Helper()
		cursor := ""
		for range 50 {
			var page struct {
				Items      []authz
				NextCursor string
			}
			tenant.must(200, "GET", "/v1/authorizations?limit=100&cursor="+cursor, nil).decode(t, &page)
			for _, a := range page.Items {
				if a.WorkspaceID == ws && a.Type == "workspace" {
					return a
				}
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		t.Fatalf("no workspace authorization for %s", ws)
		return authz{}
	}
	got := find()
	if got.WorkspaceName != "Renamed Merchant Co" {
		t.Errorf("listed authorization names the workspace %q, want the current name", got.WorkspaceName)
	}
	var revoked authz
	tenant.must(200, "DELETE", "/v1/authorizations/"+got.ID, nil).decode(t, &revoked)
	if revoked.WorkspaceName != "Renamed Merchant Co" || revoked.Status != "revoked" {
		t.Errorf("revoked authorization %+v, want the current name", revoked)
	}
	// A later rename shows too, on the revoked authorization.
	admin.must(200, "PATCH", base, map[string]any{"name": "Renamed Again Co"}, "If-Match", etag(t, admin, base))
	if got := find(); got.WorkspaceName != "Renamed Again Co" {
		t.Errorf("after a second rename the authorization names %q", got.WorkspaceName)
	}
}
