package api_test

import "testing"

// A requester reads and withdraws their approvals only while an active member
// of the workspace they asked for: once removed or blocked, 403.
func TestFormerRequesterLosesTheirApprovals(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, devAdmin := developerWorkspace(t)
	mp := miniProgram(t, devAdmin, ws, "Requester Shop")
	f := createFeature(t, tenant, "Requested feature", createJSAPI(t, tenant, "req", "ios").Name)
	for _, tc := range []struct {
		name  string
		leave func(c client)
	}{
		{"removed", func(c client) { devAdmin.must(204, "DELETE", "/v1/workspaces/"+ws+"/members/"+c.userID, nil) }},
		{"blocked", func(c client) { devAdmin.must(200, "POST", "/v1/workspaces/"+ws+"/members/"+c.userID+"/block", nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			devAdmin.t = t
			dev := addMember(t, devAdmin, ws, "developer")
			var ap struct{ ID string }
			dev.must(201, "POST", mp+"/features", map[string]any{"featureId": f.ID}).decode(t, &ap)
			dev.must(200, "GET", "/v1/approvals/"+ap.ID, nil)
			tc.leave(dev)
			dev.must(403, "GET", "/v1/approvals/"+ap.ID, nil).problem(t)
			dev.must(403, "POST", "/v1/approvals/"+ap.ID+"/withdraw", nil).problem(t)
			var still struct{ Status string }
			tenant.must(200, "GET", "/v1/approvals/"+ap.ID, nil).decode(t, &still)
			if still.Status != "in_review" {
				t.Fatalf("the approval is %s", still.Status)
			}
			// Free the feature's lock for the next case.
			tenant.must(200, "POST", "/v1/approvals/"+ap.ID+"/reject", map[string]string{"reason": "gone"})
		})
	}
}
