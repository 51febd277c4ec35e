package api_test

import (
	"slices"
	"strings"
	"testing"
)

type approvalWithContext struct {
	Type, Status, Reason, ReasonCode string
	Context                          *struct {
		MiniProgram *struct{ ID, WorkspaceID, Name string }
		Version     *struct {
			Version, WorkspaceID string
			Size                 int64
			Report               struct {
				Valid    bool
				Manifest struct{ Pages []string }
			}
		}
		LiveVersion *struct{ Version string }
		Release     *struct{ Version string }
		Launch      *struct {
			Strategy        string
			Steps           []int
			IntervalSeconds int
		}
		Features []struct{ FeatureID string }
	}
}

// Reviewers read, read-only, what a launch approval decides on: the version
// under review with its report, the live version, the rollout plan and the
// features; the requester sees the same of their own workspace.
func TestApprovalCarriesItsContext(t *testing.T) {
	withWorkflows(t, quick)
	ws, admin, mp := readyMiniProgram(t, "1.0.0", "1.1.0")
	tenant := tenantAdmin(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, path, "completed")

	_, l = launch(t, admin, mp, map[string]any{"version": "1.1.0", "strategy": "phased", "steps": []int{10, 50, 100}, "intervalSeconds": 3600})
	for name, c := range map[string]client{"reviewer": reviewer, "requester": admin} {
		var a approvalWithContext
		c.must(200, "GET", "/v1/approvals/"+l.ApprovalID, nil).decode(t, &a)
		x := a.Context
		switch {
		case x == nil || x.MiniProgram == nil || x.Version == nil || x.LiveVersion == nil || x.Launch == nil || x.Release == nil:
			t.Fatalf("%s: context %+v", name, x)
		case x.MiniProgram.WorkspaceID != ws || x.Version.WorkspaceID != ws || !strings.HasSuffix(mp, "/"+x.MiniProgram.ID):
			t.Errorf("%s: context from elsewhere: %+v %+v", name, x.MiniProgram, x.Version)
		case x.Version.Version != "1.1.0" || x.Version.Size <= 0 || !x.Version.Report.Valid ||
			!slices.Contains(x.Version.Report.Manifest.Pages, "pages/index/index"):
			t.Errorf("%s: version under review %+v", name, x.Version)
		case x.LiveVersion.Version != "1.0.0" || x.Release.Version != "1.0.0":
			t.Errorf("%s: live %+v release %+v", name, x.LiveVersion, x.Release)
		case x.Launch.Strategy != "phased" || !slices.Equal(x.Launch.Steps, []int{10, 50, 100}) || x.Launch.IntervalSeconds != 3600:
			t.Errorf("%s: rollout plan %+v", name, x.Launch)
		case x.Features == nil || len(x.Features) != 0:
			t.Errorf("%s: features %+v", name, x.Features)
		}
	}
	// Another workspace's member does not see it at all.
	_, outsider := developerWorkspace(t)
	outsider.must(404, "GET", "/v1/approvals/"+l.ApprovalID, nil).problem(t)

	// An application is about no mini program: no context.
	var app struct{ ID string }
	anonymous(t).must(201, "POST", "/v1/applications", application(uniqueEmail("ctx"))).decode(t, &app)
	var a approvalWithContext
	tenant.must(200, "GET", "/v1/approvals/"+app.ID, nil).decode(t, &a)
	if a.Context != nil {
		t.Errorf("application with context %+v", a.Context)
	}
}

// A rejection takes a reason code with its text: checked, stored, and read by
// the requester in the launch's end reason and the mail.
func TestRejectionReasonCode(t *testing.T) {
	withWorkflows(t, quick)
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	tenant := tenantAdmin(t)
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	apv := "/v1/approvals/" + l.ApprovalID
	for _, tc := range []struct {
		name, action string
		body         map[string]string
		field        string
	}{
		{"unknown code", "reject", map[string]string{"reason": "No privacy policy", "reasonCode": "vibes"}, "reasonCode"},
		{"code without text", "reject", map[string]string{"reasonCode": "privacy"}, "reason"},
		{"code on an approval", "approve", map[string]string{"reasonCode": "privacy"}, "reasonCode"},
	} {
		p := tenant.must(400, "POST", apv+"/"+tc.action, tc.body).problem(t)
		if !slices.Contains(p.fields(), tc.field) {
			t.Errorf("%s: fields %v, want %s", tc.name, p.fields(), tc.field)
		}
	}
	var a approvalWithContext
	tenant.must(200, "GET", apv, nil).decode(t, &a)
	if a.Status != "in_review" {
		t.Fatalf("a refused decision changed the approval: %+v", a)
	}
	tenant.must(200, "POST", apv+"/reject", map[string]string{"reason": "No privacy policy", "reasonCode": "privacy"}).decode(t, &a)
	if a.ReasonCode != "privacy" || a.Reason != "No privacy policy" {
		t.Fatalf("rejected %+v", a)
	}
	if got := awaitLaunch(t, admin, path, "rejected"); got.EndReason != "Privacy: No privacy policy" {
		t.Errorf("end reason %q", got.EndReason)
	}
	told := false
	for _, m := range mailTo(t, admin.email) {
		told = told || strings.Contains(m.Text, "Reason: Privacy: No privacy policy")
	}
	if !told {
		t.Errorf("no mail with the coded reason to %s", admin.email)
	}
}
