package api_test

import (
	"context"
	pathpkg "path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/api"
)

// withWorkflows runs the launch workflow's worker (and the mailer's queue is left
// alone) for the test, with the workflow's waits shortened.
func withWorkflows(t *testing.T, timing api.LaunchTiming) {
	t.Helper()
	old := env.Server.Timing
	env.Server.Timing = timing
	ctx, cancel := context.WithCancel(context.Background())
	p := env.Pollers()[2]
	p.Wait = time.Second
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		env.Server.Timing = old
	})
}

var quick = api.LaunchTiming{ReviewTimeout: time.Minute, PausePoll: time.Second, TaskTimeout: 30 * time.Second}

type launchBody struct {
	ID, Status, Version, Strategy, ApprovalID, EndReason, DecidedBy string
	Percentage                                                      int
	Timeline                                                        []struct{ Status, At, By, Note string }
	Approval                                                        *struct{ Status, Comment, Reason, DecidedBy string }
}

func (l launchBody) statuses() []string {
	var out []string
	for _, e := range l.Timeline {
		out = append(out, e.Status)
	}
	return out
}

// readyMiniProgram makes a developer workspace with a mini program whose given versions are ready.
func readyMiniProgram(t *testing.T, versions ...string) (ws string, admin client, mp string) {
	t.Helper()
	ws, admin = developerWorkspace(t)
	mp = miniProgram(t, admin, ws, "Launch Shop")
	for _, v := range versions {
		if got := uploadAndProcess(t, admin, mp, v, validPkg(t, v)); got.Status != "ready" {
			t.Fatalf("version %s is %s", v, got.Status)
		}
	}
	return ws, admin, mp
}

// awaitLaunch polls a launch until its status is one of want.
func awaitLaunch(t *testing.T, c client, path string, want ...string) launchBody {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	var l launchBody
	for time.Now().Before(deadline) {
		l = launchBody{}
		c.must(200, "GET", path, nil).decode(t, &l)
		if slices.Contains(want, l.Status) {
			return l
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("launch %s is %s (timeline %v), want %v", path, l.Status, l.statuses(), want)
	return l
}

func launch(t *testing.T, c client, mp string, body map[string]any) (path string, l launchBody) {
	t.Helper()
	c.must(201, "POST", mp+"/launches", body).decode(t, &l)
	return mp + "/launches/" + l.ID, l
}

type releaseBody struct {
	Version, PreviousVersion string
	Percentage               int
	Offline                  bool
	History                  []string
}

func TestFullLaunchApprovedAndReleased(t *testing.T) {
	withWorkflows(t, quick)
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full", "note": "first release"})
	if l.Status != "in_review" || l.ApprovalID == "" {
		t.Fatalf("new launch %+v", l)
	}
	admin.must(409, "POST", mp+"/launches", map[string]any{"version": "1.0.0", "strategy": "full"}).problem(t)
	admin.must(400, "POST", mp+"/launches", map[string]any{"version": "1.0.0", "strategy": "phased", "steps": []int{50, 20}}).problem(t)

	tenant := tenantAdmin(t)
	admin.must(403, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil) // nobody approves their own
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", map[string]string{"comment": "looks good"})
	done := awaitLaunch(t, admin, path, "completed", "failed")
	if done.Status != "completed" || done.Percentage != 100 || !slices.Contains(done.statuses(), "published") ||
		done.Approval == nil || done.Approval.Comment != "looks good" {
		t.Fatalf("launch %+v", done)
	}
	tenant.must(409, "POST", "/v1/approvals/"+l.ApprovalID+"/reject", map[string]string{"reason": "late"}).problem(t)
	// The requester hears of the release by the mini program's name.
	released := false
	for _, m := range mailTo(t, admin.email) {
		released = released || m.Subject == "Launch Shop 1.0.0 is released"
	}
	if !released {
		t.Errorf("no release email naming the mini program to %s", admin.email)
	}
	// The mini program is free for the next launch.
	var list struct{ Items []launchBody }
	admin.must(200, "GET", mp+"/launches?status=completed", nil).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != l.ID {
		t.Fatalf("completed launches %+v", list.Items)
	}
	notThroughAnotherWorkspace(t, mp) // with a release
}

func TestLaunchRejectedWithdrawnExpired(t *testing.T) {
	withWorkflows(t, quick)
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	tenant := tenantAdmin(t)

	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/reject", map[string]string{"reason": "Privacy policy missing"})
	rejected := awaitLaunch(t, admin, path, "rejected")
	if rejected.EndReason != "Privacy policy missing" {
		t.Fatalf("rejected %+v", rejected)
	}

	path, l = launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	admin.must(200, "POST", path+"/withdraw", nil)
	awaitLaunch(t, admin, path, "withdrawn")
	admin.must(409, "POST", path+"/withdraw", nil).problem(t)

	env.Server.Timing.ReviewTimeout = 2 * time.Second
	path, l = launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	awaitLaunch(t, admin, path, "expired")
	env.Server.Timing = quick
	tenant.must(409, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil).problem(t)
}

func TestPhasedRolloutPauseResumeAndRollback(t *testing.T) {
	withWorkflows(t, quick)
	ws, admin, mp := readyMiniProgram(t, "1.0.0", "2.0.0")
	tenant := tenantAdmin(t)
	dev := addMember(t, admin, ws, "developer")

	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, path, "completed")

	path, l = launch(t, dev, mp, map[string]any{"version": "2.0.0", "strategy": "phased", "steps": []int{10, 50, 100}, "intervalSeconds": 2})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	rolling := awaitLaunch(t, dev, path, "rolling_out")
	admin.must(409, "POST", mp+"/rollback", map[string]string{"version": "1.0.0"}).problem(t)
	var pausedNow launchBody
	dev.must(200, "POST", path+"/pause", nil).decode(t, &pausedNow)
	if pausedNow.Status != "paused" || pausedNow.statuses()[len(pausedNow.statuses())-1] != "paused" {
		t.Fatalf("pause answered %+v", pausedNow)
	}
	dev.must(409, "POST", path+"/pause", nil).problem(t)
	time.Sleep(4 * time.Second)
	var paused launchBody
	dev.must(200, "GET", path, nil).decode(t, &paused)
	if paused.Status != "paused" || paused.Percentage > 50 {
		t.Fatalf("paused launch moved: %+v (was %d%%)", paused, rolling.Percentage)
	}
	dev.must(403, "PATCH", path, map[string]int{"percentage": 60}).problem(t)
	admin.must(409, "PATCH", path, map[string]int{"percentage": paused.Percentage}).problem(t)
	var raised launchBody
	admin.must(200, "PATCH", path, map[string]int{"percentage": 60}).decode(t, &raised)
	if raised.Percentage != 60 || raised.Timeline[len(raised.Timeline)-1].Note != "percentage set by hand" {
		t.Fatalf("raise answered %+v", raised)
	}
	dev.must(200, "POST", path+"/resume", nil)
	done := awaitLaunch(t, dev, path, "completed", "failed")
	if done.Status != "completed" || done.Percentage != 100 {
		t.Fatalf("rollout ended %+v", done)
	}

	var rel releaseBody
	dev.must(404, "GET", mp[:strings.LastIndexByte(mp, '/')]+"/mp_none/release", nil).problem(t)
	dev.must(200, "GET", mp+"/release", nil).decode(t, &rel)
	if rel.Version != "2.0.0" || rel.Percentage != 100 || !slices.Equal(rel.History, []string{"2.0.0", "1.0.0"}) {
		t.Fatalf("release before the rollback %+v", rel)
	}
	admin.must(200, "POST", mp+"/rollback", map[string]string{"version": "1.0.0"}).decode(t, &rel)
	if rel.Version != "1.0.0" || rel.PreviousVersion != "2.0.0" || rel.Percentage != 100 {
		t.Fatalf("rollback %+v", rel)
	}
	var read releaseBody
	dev.must(200, "GET", mp+"/release", nil).decode(t, &read)
	if read.Version != "1.0.0" || read.PreviousVersion != "2.0.0" {
		t.Fatalf("release after the rollback %+v", read)
	}
	admin.must(409, "POST", mp+"/rollback", map[string]string{"version": "0.1.0"}).problem(t)
}

func TestOfflineAndOnlineNeedApproval(t *testing.T) {
	withWorkflows(t, quick)
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	tenant := tenantAdmin(t)
	admin.must(409, "POST", mp+"/offline", map[string]string{"reason": "never released"}).problem(t)
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, path, "completed")

	var off struct{ ID, Type string }
	admin.must(201, "POST", mp+"/offline", map[string]string{"reason": "legal review"}).decode(t, &off)
	if off.Type != "offline" {
		t.Fatalf("approval %+v", off)
	}
	tenant.must(200, "POST", "/v1/approvals/"+off.ID+"/approve", nil)
	admin.must(409, "POST", mp+"/offline", nil).problem(t)
	var on struct{ ID string }
	admin.must(201, "POST", mp+"/online", nil).decode(t, &on)
	tenant.must(200, "POST", "/v1/approvals/"+on.ID+"/approve", nil)
	admin.must(409, "POST", mp+"/online", nil).problem(t)
}

// One online or offline request per mini program is in review at a time, and
// a decision on a request the mini program's state has overtaken is refused.
func TestOneOnlineRequestAtATime(t *testing.T) {
	withWorkflows(t, quick)
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	tenant := tenantAdmin(t)
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, path, "completed")

	var first, second struct{ ID string }
	admin.must(201, "POST", mp+"/offline", map[string]string{"reason": "first"}).decode(t, &first)
	p := admin.must(409, "POST", mp+"/offline", map[string]string{"reason": "again"}).problem(t)
	if !strings.Contains(p.Detail, "already in review") {
		t.Fatalf("problem %+v", p)
	}
	admin.must(200, "POST", "/v1/approvals/"+first.ID+"/withdraw", nil)
	admin.must(201, "POST", mp+"/offline", map[string]string{"reason": "second"}).decode(t, &first)

	// A second request made before this rule (no lock) is refused once stale.
	_, err := dynamodb.NewFromConfig(env.AWS).DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: &env.Config.TableName,
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "MP#" + pathpkg.Base(mp)},
			"sk": &ddbtypes.AttributeValueMemberS{Value: "ONLINE_REQUEST"}}})
	if err != nil {
		t.Fatal(err)
	}
	admin.must(201, "POST", mp+"/offline", map[string]string{"reason": "legacy"}).decode(t, &second)
	tenant.must(200, "POST", "/v1/approvals/"+first.ID+"/approve", nil)
	var on struct{ ID string }
	admin.must(201, "POST", mp+"/online", nil).decode(t, &on)
	tenant.must(200, "POST", "/v1/approvals/"+on.ID+"/approve", nil)
	p = tenant.must(409, "POST", "/v1/approvals/"+second.ID+"/approve", nil).problem(t)
	if !strings.Contains(p.Detail, "stale") {
		t.Fatalf("problem %+v", p)
	}
	var rel releaseBody
	admin.must(200, "GET", mp+"/release", nil).decode(t, &rel)
	if rel.Offline {
		t.Fatal("a stale offline request took the mini program offline again")
	}
	tenant.must(200, "POST", "/v1/approvals/"+second.ID+"/reject", map[string]string{"reason": "stale"})
}

func TestScheduledRelease(t *testing.T) {
	withWorkflows(t, quick)
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	at := time.Now().Add(4 * time.Second).UTC().Truncate(time.Second)
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full", "releaseAt": at.Format(time.RFC3339)})
	tenantAdmin(t).must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, path, "scheduled", "completed")
	done := awaitLaunch(t, admin, path, "completed")
	for _, e := range done.Timeline {
		if e.Status == "published" {
			// moto's Wait truncates the remaining time to whole seconds (AWS does not),
			// so it may publish up to a second early.
			if ts, err := time.Parse(time.RFC3339Nano, e.At); err != nil || ts.Before(at.Add(-time.Second)) {
				t.Fatalf("published at %s, before the release time %s", e.At, at)
			}
		}
	}
}

func TestTwoReviewersDecideALaunchAtOnce(t *testing.T) {
	withWorkflows(t, quick)
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	tenant := tenantAdmin(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, c := range []client{tenant, reviewer} {
		c.t = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			action := []string{"approve", "reject"}[i]
			statuses[i] = c.do("POST", "/v1/approvals/"+l.ApprovalID+"/"+action, map[string]string{"reason": "race"}).Status
		}()
	}
	wg.Wait()
	slices.Sort(statuses)
	if statuses[0] != 200 || statuses[1] != 409 {
		t.Fatalf("statuses %v", statuses)
	}
	awaitLaunch(t, admin, path, "completed", "rejected")
}

// revokeWorkspace revokes the tenant's authorization of workspace ws.
func revokeWorkspace(t *testing.T, tenant client, ws string) {
	t.Helper()
	var page struct {
		Items []struct{ ID, WorkspaceID string }
	}
	tenant.must(200, "GET", "/v1/authorizations?limit=100", nil).decode(t, &page) // newest first
	for _, a := range page.Items {
		if a.WorkspaceID == ws {
			tenant.must(200, "DELETE", "/v1/authorizations/"+a.ID, nil)
			return
		}
	}
	t.Fatalf("no authorization of %s", ws)
}

// Revoking a workspace's authorization pauses its running rollout and refuses
// every action that would change what its users get; reads, pauses and
// taking a mini program offline stay open.
func TestRevocationStopsEverything(t *testing.T) {
	withWorkflows(t, quick)
	ws, admin, mp := readyMiniProgram(t, "1.0.0", "2.0.0")
	tenant := tenantAdmin(t)
	dev := addMember(t, admin, ws, "developer")
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full"})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, path, "completed")
	// A second mini program's launch waits for review.
	mp2 := miniProgram(t, admin, ws, "Pending Shop")
	if v := uploadAndProcess(t, admin, mp2, "1.0.0", validPkg(t, "1.0.0")); v.Status != "ready" {
		t.Fatalf("version %+v", v)
	}
	_, pending := launch(t, admin, mp2, map[string]any{"version": "1.0.0", "strategy": "full"})
	path, l = launch(t, dev, mp, map[string]any{"version": "2.0.0", "strategy": "phased", "steps": []int{10, 50, 100}, "intervalSeconds": 3})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, dev, path, "rolling_out")

	revokeWorkspace(t, tenant, ws)
	var paused launchBody
	dev.must(200, "GET", path, nil).decode(t, &paused)
	if paused.Status != "paused" || paused.Timeline[len(paused.Timeline)-1].By != tenant.userID {
		t.Fatalf("after the revocation the rollout is %+v", paused)
	}
	held := paused.Percentage
	revokeWorkspace(t, tenant, ws) // a repeat changes nothing

	for _, tc := range []struct {
		name         string
		caller       client
		method, path string
		body         any
	}{
		{"resume", dev, "POST", path + "/resume", nil},
		{"raise the percentage", admin, "PATCH", path, map[string]int{"percentage": 100}},
		{"roll back", admin, "POST", mp + "/rollback", map[string]string{"version": "1.0.0"}},
		{"bring online", admin, "POST", mp + "/online", nil},
		{"launch", dev, "POST", mp2 + "/launches", map[string]any{"version": "1.0.0", "strategy": "full"}},
		{"upload", dev, "POST", mp + "/uploads", map[string]any{"version": "3.0.0", "size": 100, "sha256": strings.Repeat("ab", 32)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.caller.t = t
			p := tc.caller.must(403, tc.method, tc.path, tc.body).problem(t)
			if !strings.Contains(p.Detail, "revoked") {
				t.Fatalf("403 without saying why: %+v", p)
			}
		})
	}
	// The tenant cannot approve what the workspace asked for before; it can reject it.
	tenant.must(409, "POST", "/v1/approvals/"+pending.ApprovalID+"/approve", nil).problem(t)
	tenant.must(200, "POST", "/v1/approvals/"+pending.ApprovalID+"/reject", map[string]string{"reason": "revoked"})
	// What only reads or reduces stays open.
	dev.must(409, "POST", path+"/pause", nil).problem(t) // already paused
	admin.must(201, "POST", mp+"/offline", map[string]string{"reason": "revoked"})

	// The workflow holds the rollout where it was.
	time.Sleep(5 * time.Second)
	var rel releaseBody
	dev.must(200, "GET", mp+"/release", nil).decode(t, &rel)
	dev.must(200, "GET", path, nil).decode(t, &paused)
	if paused.Status != "paused" || paused.Percentage != held || rel.Version != "2.0.0" || rel.Percentage != held || held == 100 {
		t.Fatalf("after the revocation: launch %s at %d%%, release %+v", paused.Status, paused.Percentage, rel)
	}
}

// Resuming a rollout paused after its step's wait ended reaches the workflow
// at once: the next step follows within seconds, not after the pause poll.
func TestResumeAfterTheStepWaitMovesOnAtOnce(t *testing.T) {
	slow := quick
	slow.PausePoll = 10 * time.Minute // only the resume itself can move the rollout on in time
	withWorkflows(t, slow)
	_, admin, mp := readyMiniProgram(t, "1.0.0")
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "phased", "steps": []int{10, 100}, "intervalSeconds": 1})
	tenantAdmin(t).must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, path, "rolling_out")
	admin.must(200, "POST", path+"/pause", nil)
	// The step's wait (1 s) ends while paused: the workflow finds the pause and waits for the resume.
	time.Sleep(3 * time.Second)
	var paused launchBody
	admin.must(200, "GET", path, nil).decode(t, &paused)
	if paused.Status != "paused" || paused.Percentage != 10 {
		t.Fatalf("paused launch %+v", paused)
	}
	admin.must(200, "POST", path+"/resume", nil)
	done := awaitLaunch(t, admin, path, "completed", "failed")
	if done.Status != "completed" || done.Percentage != 100 {
		t.Fatalf("after the resume %+v", done)
	}
}

// A launch approved for a later release before the revocation is not released.
func TestRevokedScheduledLaunchIsNotReleased(t *testing.T) {
	withWorkflows(t, quick)
	ws, admin, mp := readyMiniProgram(t, "1.0.0")
	tenant := tenantAdmin(t)
	// The margin covers approval → "scheduled" through the workflow on a loaded machine (seen at 2.7 s); the revocation must land before the release time.
	at := time.Now().Add(15 * time.Second).UTC().Truncate(time.Second)
	path, l := launch(t, admin, mp, map[string]any{"version": "1.0.0", "strategy": "full", "releaseAt": at.Format(time.RFC3339)})
	tenant.must(200, "POST", "/v1/approvals/"+l.ApprovalID+"/approve", nil)
	awaitLaunch(t, admin, path, "scheduled")
	revokeWorkspace(t, tenant, ws)
	failed := awaitLaunch(t, admin, path, "failed", "completed")
	if failed.Status != "failed" || !strings.Contains(strings.ToLower(failed.EndReason), "revoked") {
		t.Fatalf("launch %+v", failed)
	}
	var rel releaseBody
	admin.must(200, "GET", mp+"/release", nil).decode(t, &rel)
	if rel.Version != "" {
		t.Fatalf("released after the revocation: %+v", rel)
	}
}
