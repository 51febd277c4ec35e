package api_test

import (
	"net/url"
	"path"
	"testing"
)

type inboxItem struct {
	ID        string
	Requester struct{ WorkspaceID, WorkspaceName string }
}

// inbox walks every page of GET /v1/approvals with query and returns the items in order.
func inbox(t *testing.T, c client, query string) []inboxItem {
	t.Helper()
	var all []inboxItem
	cursor := ""
	for {
		var page struct {
			Items      []inboxItem
			NextCursor string
		}
		q := query + "&limit=100"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		c.must(200, "GET", "/v1/approvals?"+q, nil).decode(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

func indexOf(items []inboxItem, id string) int {
	for i, it := range items {
		if it.ID == id {
			return i
		}
	}
	return -1
}

// The reviewer's inbox: oldest first on request (newest first by default), and
// each approval names the workspace that asked, as it is called now.
func TestApprovalsInboxOrderAndWorkspaceNames(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, devAdmin := developerWorkspace(t)
	mp := miniProgram(t, devAdmin, ws, "Inbox Shop")
	j := createJSAPI(t, tenant, "inbox", "ios")
	first := createFeature(t, tenant, "Inbox first", j.Name)
	second := createFeature(t, tenant, "Inbox second", j.Name)
	var a1, a2 struct{ ID string }
	devAdmin.must(201, "POST", mp+"/features", map[string]any{"featureId": first.ID}).decode(t, &a1)
	devAdmin.must(201, "POST", mp+"/features", map[string]any{"featureId": second.ID}).decode(t, &a2)
	var w struct{ Name string }
	devAdmin.must(200, "GET", "/v1/workspaces/"+ws, nil).decode(t, &w)

	for _, tc := range []struct {
		query       string
		firstBefore bool
	}{
		{"type=feature.activate&status=in_review&order=oldest", true},
		{"status=in_review&order=oldest", true},
		{"type=feature.activate&status=in_review", false},
		{"type=feature.activate&status=in_review&order=newest", false},
	} {
		items := inbox(t, tenant, tc.query)
		i1, i2 := indexOf(items, a1.ID), indexOf(items, a2.ID)
		if i1 < 0 || i2 < 0 {
			t.Fatalf("%s: approvals %s and %s at %d and %d", tc.query, a1.ID, a2.ID, i1, i2)
		}
		if (i1 < i2) != tc.firstBefore {
			t.Errorf("%s: the first request at %d, the second at %d", tc.query, i1, i2)
		}
		if got := items[i1].Requester; got.WorkspaceID != ws || got.WorkspaceName != w.Name {
			t.Errorf("%s: requester %+v, want workspace %s named %q", tc.query, got, ws, w.Name)
		}
	}

	var one inboxItem
	tenant.must(200, "GET", "/v1/approvals/"+a1.ID, nil).decode(t, &one)
	if one.Requester.WorkspaceName != w.Name {
		t.Errorf("GET approval: requester %+v, want the workspace name %q", one.Requester, w.Name)
	}
	// A rename shows at once: the name is read, not copied into the approval.
	devAdmin.must(200, "PATCH", "/v1/workspaces/"+ws, map[string]any{"name": "Inbox Renamed " + path.Base(ws)}, "If-Match", etag(t, devAdmin, "/v1/workspaces/"+ws))
	tenant.must(200, "GET", "/v1/approvals/"+a1.ID, nil).decode(t, &one)
	if one.Requester.WorkspaceName != "Inbox Renamed "+path.Base(ws) {
		t.Errorf("after a rename: requester %+v", one.Requester)
	}

	p := tenant.must(400, "GET", "/v1/approvals?order=sideways", nil).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "order" {
		t.Errorf("order=sideways: %+v", p)
	}
}
