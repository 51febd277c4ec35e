package api_test

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHealthIsPublic(t *testing.T) {
	anonymous(t).must(200, "GET", "/v1/health", nil)
}

func TestApplyRejectsBadInput(t *testing.T) {
	a := anonymous(t)
	for _, tc := range []struct {
		name   string
		body   any
		ctype  string
		status int
		fields []string
	}{
		{"malformed JSON", `{"company":`, "", 400, nil},
		{"not an object", `[1,2]`, "", 400, nil},
		{"empty body", ``, "", 400, nil},
		{"two objects", `{} {}`, "", 400, nil},
		{"wrong type", map[string]any{"company": 42}, "", 400, []string{"company"}},
		{"unknown field", `{"company":"Acme","admin":true}`, "", 400, []string{"admin"}},
		{"every field missing", `{}`, "", 400, []string{"company", "contactName", "email", "country", "reason"}},
		{"bad email and country", map[string]any{"company": "Acme", "contactName": "Ann", "email": "Ann <ann@x.test>",
			"country": "Singapore", "reason": "Long enough reason here"}, "", 400, []string{"email", "country"}},
		{"control characters", map[string]any{"company": "Ac\x00me", "contactName": "Ann", "email": "a@x.test",
			"country": "SG", "reason": "Long enough reason here"}, "", 400, []string{"company"}},
		{"oversized", `{"reason":"` + strings.Repeat("x", 70<<10) + `"}`, "", 413, nil},
		{"form body", `company=Acme`, "application/x-www-form-urlencoded", 415, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.ctype != "" {
				headers = []string{"Content-Type", tc.ctype}
			}
			p := a.must(tc.status, "POST", "/v1/applications", tc.body, headers...).problem(t)
			for _, f := range tc.fields {
				if !slices.Contains(p.fields(), f) {
					t.Errorf("problem names fields %v, want %q among them", p.fields(), f)
				}
			}
			if p.Detail == "" {
				t.Error("problem has no detail")
			}
		})
	}
}

// One open application per email, and the answer never tells whether an
// address has one: a repeat gets the same response as a new application (an
// id that leads nowhere), no second email, and no second approval.
func TestOneOpenApplicationPerEmail(t *testing.T) {
	email := uniqueEmail("dup")
	a := anonymous(t)
	type answer struct{ ID, Status, Type, CreatedAt string }
	var first, again, fresh answer
	r1 := a.must(201, "POST", "/v1/applications", application(email))
	r1.decode(t, &first)
	if n := len(mailTo(t, email)); n != 1 {
		t.Fatalf("%d emails for the first application", n)
	}
	r2 := a.must(201, "POST", "/v1/applications", application(strings.ToUpper(email)))
	r2.decode(t, &again)
	a.must(201, "POST", "/v1/applications", application(uniqueEmail("fresh"))).decode(t, &fresh)
	shape := func(r response) string {
		var m map[string]any
		r.decode(t, &m)
		keys := slices.Sorted(maps.Keys(m))
		return strings.Join(keys, ",") + " " + r.Header.Get("ETag") + " " + r.Header.Get("Content-Type")
	}
	if shape(r1) != shape(r2) || again.Status != first.Status || again.Type != first.Type || again.ID == first.ID {
		t.Fatalf("a repeat answers %s %+v, a new one %s %+v", shape(r2), again, shape(r1), first)
	}
	if n := len(mailTo(t, email)); n != 0 {
		t.Fatalf("the repeat sent %d more emails", n)
	}
	tenant := tenantAdmin(t)
	tenant.must(200, "GET", "/v1/approvals/"+first.ID, nil)
	tenant.must(404, "GET", "/v1/approvals/"+again.ID, nil).problem(t)
}

func TestApplicationIdempotencyKey(t *testing.T) {
	a := anonymous(t)
	body := application(uniqueEmail("idem"))
	key := []string{"Idempotency-Key", fmt.Sprintf("apply-%d-%d", time.Now().UnixNano(), seq.Add(1))}
	first := a.must(201, "POST", "/v1/applications", body, key...)
	again := a.must(201, "POST", "/v1/applications", body, key...)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs: %s vs %s (%v)", first.Body, again.Body, again.Header)
	}
	other := application(uniqueEmail("idem"))
	a.must(422, "POST", "/v1/applications", other, key...).problem(t)
	a.must(400, "POST", "/v1/applications", other, "Idempotency-Key", "bad key!").problem(t)
}

func TestApplicationApprovedEndToEnd(t *testing.T) {
	email := uniqueEmail("owner")
	var created struct{ ID, Status string }
	anonymous(t).must(201, "POST", "/v1/applications", application(email)).decode(t, &created)
	if created.Status != "in_review" {
		t.Fatalf("status %q", created.Status)
	}
	if got := mailTo(t, email); len(got) != 1 || !strings.Contains(got[0].Text, created.ID) {
		t.Fatalf("acknowledgement emails %v", got)
	}

	admin := tenantAdmin(t)
	var list struct {
		Items []struct{ ID, Type, Status string }
	}
	admin.must(200, "GET", "/v1/approvals?type=workspace.create&status=in_review&limit=100", nil).decode(t, &list)
	if !slices.ContainsFunc(list.Items, func(a struct{ ID, Type, Status string }) bool { return a.ID == created.ID }) {
		t.Fatalf("approval %s not in the in_review list", created.ID)
	}

	var approved struct {
		Status, DecidedBy, Comment string
		Result                     map[string]string
	}
	admin.must(200, "POST", "/v1/approvals/"+created.ID+"/approve", map[string]string{"comment": "ok"}).decode(t, &approved)
	ws := approved.Result["workspaceId"]
	if approved.Status != "approved" || ws == "" || approved.DecidedBy != admin.userID || approved.Comment != "ok" {
		t.Fatalf("approved %+v", approved)
	}
	admin.must(409, "POST", "/v1/approvals/"+created.ID+"/approve", nil).problem(t)
	admin.must(409, "POST", "/v1/approvals/"+created.ID+"/reject", map[string]string{"reason": "late"}).problem(t)

	// The applicant gets a temporary password by email, signs in, sets a new one
	// and finds themselves admin of the new workspace.
	emails := mailTo(t, email)
	if len(emails) != 1 {
		t.Fatalf("want one welcome email, got %v", emails)
	}
	temp := regexp.MustCompile(`(?m)^    (\S+)$`).FindStringSubmatch(emails[0].Text)
	if temp == nil {
		t.Fatalf("no temporary password in %q", emails[0].Text)
	}
	token, err := env.SignIn(t.Context(), email, temp[1], "N3w-Passw0rd!x")
	if err != nil {
		t.Fatal(err)
	}
	owner := client{t: t, token: token}
	var me struct {
		Email       string
		Memberships []struct {
			Workspace struct{ ID, Kind string }
			Role      string
		}
	}
	owner.must(200, "GET", "/v1/me", nil).decode(t, &me)
	if me.Email != email || len(me.Memberships) != 1 || me.Memberships[0].Workspace.ID != ws ||
		me.Memberships[0].Role != "admin" || me.Memberships[0].Workspace.Kind != "developer" {
		t.Fatalf("me %+v", me)
	}
	var authz struct {
		Items []struct{ ID, WorkspaceID, Status string }
	}
	admin.must(200, "GET", "/v1/authorizations?limit=100", nil).decode(t, &authz)
	if !slices.ContainsFunc(authz.Items, func(a struct{ ID, WorkspaceID, Status string }) bool {
		return a.WorkspaceID == ws && a.Status == "active"
	}) {
		t.Fatalf("no active authorization for %s", ws)
	}
	// The email is free again for a new application once decided.
	anonymous(t).must(201, "POST", "/v1/applications", application(email))
}

func TestRejectNeedsReasonAndTellsApplicant(t *testing.T) {
	email := uniqueEmail("rejected")
	var created struct{ ID string }
	anonymous(t).must(201, "POST", "/v1/applications", application(email)).decode(t, &created)
	mailTo(t, email)
	admin := tenantAdmin(t)
	p := admin.must(400, "POST", "/v1/approvals/"+created.ID+"/reject", map[string]string{"comment": "no"}).problem(t)
	if !slices.Contains(p.fields(), "reason") {
		t.Fatalf("fields %v", p.fields())
	}
	var rejected struct{ Status, Reason string }
	admin.must(200, "POST", "/v1/approvals/"+created.ID+"/reject", map[string]string{"reason": "Incomplete company details"}).decode(t, &rejected)
	if rejected.Status != "rejected" || rejected.Reason != "Incomplete company details" {
		t.Fatalf("rejected %+v", rejected)
	}
	if got := mailTo(t, email); len(got) != 1 || !strings.Contains(got[0].Text, "Incomplete company details") {
		t.Fatalf("rejection emails %v", got)
	}
	var filtered struct{ Items []struct{ ID, Status string } }
	admin.must(200, "GET", "/v1/approvals?status=rejected&limit=100", nil).decode(t, &filtered)
	if !slices.ContainsFunc(filtered.Items, func(a struct{ ID, Status string }) bool { return a.ID == created.ID }) {
		t.Fatal("rejected approval missing from status=rejected")
	}
	admin.must(400, "GET", "/v1/approvals?status=maybe", nil).problem(t)
	admin.must(400, "GET", "/v1/approvals?type=coffee", nil).problem(t)
	admin.must(400, "GET", "/v1/approvals?limit=0", nil).problem(t)
	admin.must(400, "GET", "/v1/approvals?cursor=bm90LWEtY3Vyc29y", nil).problem(t)
}

func TestNobodyDecidesTheirOwnRequest(t *testing.T) {
	reviewer := addMember(t, tenantAdmin(t), "ws_tenant", "reviewer")
	var created struct{ ID string }
	anonymous(t).must(201, "POST", "/v1/applications", application(reviewer.email)).decode(t, &created)
	p := reviewer.must(403, "POST", "/v1/approvals/"+created.ID+"/approve", nil).problem(t)
	if !strings.Contains(p.Detail, "own request") {
		t.Fatalf("detail %q", p.Detail)
	}
	// Anonymous applications cannot be withdrawn by a reviewer either.
	reviewer.must(403, "POST", "/v1/approvals/"+created.ID+"/withdraw", nil).problem(t)
}

func TestConcurrentDecisionsYieldExactlyOne(t *testing.T) {
	admin := tenantAdmin(t)
	reviewer := addMember(t, admin, "ws_tenant", "reviewer")
	for _, tc := range []struct {
		name  string
		calls []string // approve or reject, one per concurrent caller
	}{
		{"two approvals", []string{"approve", "approve"}},
		{"five approvals", []string{"approve", "approve", "approve", "approve", "approve"}},
		{"approve and reject", []string{"approve", "reject", "approve", "reject"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := uniqueEmail("race")
			var created struct{ ID string }
			anonymous(t).must(201, "POST", "/v1/applications", application(email)).decode(t, &created)
			mailTo(t, email)
			statuses := make([]int, len(tc.calls))
			var wg sync.WaitGroup
			for i, call := range tc.calls {
				c := admin
				if i%2 == 1 {
					c = reviewer
				}
				c.t = t
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = c.do("POST", "/v1/approvals/"+created.ID+"/"+call, map[string]string{"reason": "race"}).Status
				}()
			}
			wg.Wait()
			wins := 0
			for _, s := range statuses {
				switch s {
				case 200:
					wins++
				case 409:
				default:
					t.Errorf("unexpected status %d", s)
				}
			}
			if wins != 1 {
				t.Fatalf("statuses %v: want exactly one decision", statuses)
			}
			var final struct {
				Status string
				Result map[string]string
			}
			admin.must(200, "GET", "/v1/approvals/"+created.ID, nil).decode(t, &final)
			if final.Status != "approved" {
				return
			}
			// The one approval created its workspace and authorization.
			var authz struct {
				Items []struct{ WorkspaceID string }
			}
			admin.must(200, "GET", "/v1/authorizations?limit=100", nil).decode(t, &authz)
			var ids []string
			for _, a := range authz.Items {
				ids = append(ids, a.WorkspaceID)
			}
			if final.Result["workspaceId"] == "" || !slices.Contains(ids, final.Result["workspaceId"]) {
				t.Fatalf("approved with result %v; authorizations %v", final.Result, ids)
			}
			// Exactly one welcome email, and its temporary password works: losers of
			// the race must not have reset it.
			emails := mailTo(t, email)
			if len(emails) != 1 {
				t.Fatalf("want one welcome email, got %d", len(emails))
			}
			temp := regexp.MustCompile(`(?m)^    (\S+)$`).FindStringSubmatch(emails[0].Text)
			if temp == nil {
				t.Fatalf("no temporary password in %q", emails[0].Text)
			}
			if _, err := env.SignIn(t.Context(), email, temp[1], "N3w-Passw0rd!x"); err != nil {
				t.Fatalf("the emailed temporary password does not work: %v", err)
			}
		})
	}
}
