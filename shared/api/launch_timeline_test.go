package api_test

import (
	"slices"
	"testing"
)

// TestLaunchTimelineRecordsSubmissionAndDecisions: the create response's
// timeline holds the submission (by the requester); an approval shows who
// approved, with the comment, before the workflow publishes; a rejection and a
// withdrawal show who decided.
func TestLaunchTimelineRecordsSubmissionAndDecisions(t *testing.T) {
	withWorkflows(t, quick)
	tenant := tenantAdmin(t)
	_, admin, mp := readyMiniProgram(t, "1.0.0", "1.1.0", "1.2.0")
	var me, reviewer struct{ UserID string }
	admin.must(200, "GET", "/v1/me", nil).decode(t, &me)
	tenant.must(200, "GET", "/v1/me", nil).decode(t, &reviewer)

	entry := func(l launchBody, status string) (by, note string, ok bool) {
		for _, e := range l.Timeline {
			if e.Status == status {
				return e.By, e.Note, true
			}
		}
		return "", "", false
	}

	path, created := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	if len(created.Timeline) != 1 || created.Timeline[0].Status != "submitted" || created.Timeline[0].By != me.UserID || created.Timeline[0].At == "" {
		t.Fatalf("create response timeline %+v, want the submission by %s", created.Timeline, me.UserID)
	}
	tenant.must(200, "POST", "/v1/approvals/"+created.ApprovalID+"/approve", map[string]string{"comment": "looks good"})
	done := awaitLaunch(t, admin, path, "completed")
	by, note, ok := entry(done, "approved")
	if !ok || by != reviewer.UserID || note != "looks good" {
		t.Errorf("timeline %+v, want approved by %s with the comment", done.Timeline, reviewer.UserID)
	}
	st := done.statuses()
	if i, j, k := slices.Index(st, "submitted"), slices.Index(st, "approved"), slices.Index(st, "published"); i != 0 || j < 0 || k < j {
		t.Errorf("timeline order %v, want submitted first and approved before published", st)
	}

	path, rej := launch(t, admin, mp, map[string]any{"version": "1.1.0", "strategy": "full"})
	tenant.must(200, "POST", "/v1/approvals/"+rej.ApprovalID+"/reject", map[string]string{"reason": "crashes on start"})
	rejected := awaitLaunch(t, admin, path, "rejected")
	if by, note, ok := entry(rejected, "rejected"); !ok || by != reviewer.UserID || note != "crashes on start" {
		t.Errorf("timeline %+v, want rejected by %s with the reason", rejected.Timeline, reviewer.UserID)
	}
	if _, _, ok := entry(rejected, "approved"); ok {
		t.Errorf("a rejected launch shows an approval: %+v", rejected.Timeline)
	}

	path, _ = launch(t, admin, mp, map[string]any{"version": "1.2.0", "strategy": "full"})
	admin.must(200, "POST", path+"/withdraw", nil)
	withdrawn := awaitLaunch(t, admin, path, "withdrawn")
	if by, _, ok := entry(withdrawn, "withdrawn"); !ok || by != me.UserID {
		t.Errorf("timeline %+v, want withdrawn by %s", withdrawn.Timeline, me.UserID)
	}

}
