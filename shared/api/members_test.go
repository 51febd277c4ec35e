package api_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

func TestInvitationLifecycle(t *testing.T) {
	ws, admin := developerWorkspace(t)
	base := "/v1/workspaces/" + ws
	email := uniqueEmail("invitee")

	var inv struct {
		ID, Token, AcceptURL, Status, Role string
		ExpiresAt                          time.Time
	}
	admin.must(201, "POST", base+"/invitations", map[string]string{"email": strings.ToUpper(email), "role": "developer"}).decode(t, &inv)
	if inv.Token == "" || inv.Status != "pending" || !strings.Contains(inv.AcceptURL, inv.ID) {
		t.Fatalf("invitation %+v", inv)
	}
	if d := time.Until(inv.ExpiresAt); d < 71*time.Hour || d > 73*time.Hour {
		t.Fatalf("expires in %v, want 3 days", d)
	}
	if got := mailTo(t, email); len(got) != 1 || !strings.Contains(got[0].Text, inv.Token) {
		t.Fatalf("invitation emails %v", got)
	}
	// The token is shown once: the list never has it.
	list := admin.must(200, "GET", base+"/invitations", nil)
	if strings.Contains(string(list.Body), inv.Token) || strings.Contains(string(list.Body), "tokenHash") {
		t.Fatal("the invitation list leaks the token")
	}
	admin.must(409, "POST", base+"/invitations", map[string]string{"email": email, "role": "admin"}).problem(t)
	admin.must(400, "POST", base+"/invitations", map[string]string{"email": "nope", "role": "owner"}).problem(t)

	invitee := signIn(t, email)
	stranger := signIn(t, uniqueEmail("stranger"))
	accept := "/v1/invitations/" + inv.ID + "/accept"
	invitee.must(404, "POST", accept, map[string]string{"token": "wrong"}).problem(t)
	invitee.must(400, "POST", accept, map[string]string{}).problem(t)
	stranger.must(403, "POST", accept, map[string]string{"token": inv.Token}).problem(t)
	invitee.must(404, "GET", base, nil).problem(t) // not a member yet

	// Resending replaces the token.
	var resent struct{ Token string }
	admin.must(200, "POST", base+"/invitations/"+inv.ID+"/resend", nil).decode(t, &resent)
	invitee.must(404, "POST", accept, map[string]string{"token": inv.Token}).problem(t)

	var m struct{ Role, Status, Email string }
	invitee.must(200, "POST", accept, map[string]string{"token": resent.Token}).decode(t, &m)
	if m.Role != "developer" || m.Status != "active" || m.Email != email {
		t.Fatalf("member %+v", m)
	}
	invitee.must(409, "POST", accept, map[string]string{"token": resent.Token}).problem(t)
	invitee.must(200, "GET", base, nil)
	admin.must(409, "POST", base+"/invitations/"+inv.ID+"/resend", nil).problem(t)

	// Withdrawn invitations cannot be accepted, and free the email for a new one.
	other := uniqueEmail("withdrawn")
	var w struct{ ID, Token string }
	admin.must(201, "POST", base+"/invitations", map[string]string{"email": other, "role": "reviewer"}).decode(t, &w)
	admin.must(204, "DELETE", base+"/invitations/"+w.ID, nil)
	admin.must(409, "DELETE", base+"/invitations/"+w.ID, nil).problem(t)
	signIn(t, other).must(409, "POST", "/v1/invitations/"+w.ID+"/accept", map[string]string{"token": w.Token}).problem(t)
	admin.must(201, "POST", base+"/invitations", map[string]string{"email": other, "role": "reviewer"})
}

func TestExpiredInvitationCannotBeAccepted(t *testing.T) {
	ws, _ := developerWorkspace(t)
	email := uniqueEmail("late")
	token, hash := domain.NewSecret()
	past := time.Now().Add(-4 * 24 * time.Hour).UTC()
	inv := domain.Invitation{ID: domain.NewID("inv"), WorkspaceID: ws, Email: email, Role: domain.RoleDeveloper,
		Status: domain.InvitationPending, TokenHash: hash, CreatedAt: past, ExpiresAt: past.Add(domain.InvitationTTL), Version: 1}
	if err := env.Store.CreateInvitation(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	p := signIn(t, email).must(409, "POST", "/v1/invitations/"+inv.ID+"/accept", map[string]string{"token": token}).problem(t)
	if !strings.Contains(p.Detail, "expired") {
		t.Fatalf("detail %q", p.Detail)
	}
}

func TestMemberRolesBlockingAndRemoval(t *testing.T) {
	ws, admin := developerWorkspace(t)
	base := "/v1/workspaces/" + ws
	dev := addMember(t, admin, ws, "developer")
	member := base + "/members/" + dev.userID

	var page struct {
		Items []struct{ UserID, Role string }
	}
	dev.must(200, "GET", base+"/members", nil).decode(t, &page)
	if len(page.Items) != 2 {
		t.Fatalf("members %+v", page.Items)
	}

	admin.must(428, "PATCH", member, map[string]string{"role": "reviewer"}).problem(t)
	admin.must(412, "PATCH", member, map[string]string{"role": "reviewer"}, "If-Match", `"v99"`).problem(t)
	admin.must(400, "PATCH", member, map[string]string{"role": "owner"}, "If-Match", `"v1"`).problem(t)
	var changed struct {
		Role    string
		Version int
	}
	admin.must(200, "PATCH", member, map[string]string{"role": "admin"}, "If-Match", `"v1"`).decode(t, &changed)
	if changed.Role != "admin" || changed.Version != 2 {
		t.Fatalf("changed %+v", changed)
	}
	admin.must(412, "PATCH", member, map[string]string{"role": "developer"}, "If-Match", `"v1"`).problem(t)

	// Blocked members lose access on the very next request, and regain it when unblocked.
	admin.must(200, "POST", member+"/block", nil)
	admin.must(409, "POST", member+"/block", nil).problem(t)
	dev.must(403, "GET", base, nil).problem(t)
	dev.must(403, "GET", base+"/members", nil).problem(t)
	admin.must(200, "POST", member+"/unblock", nil)
	dev.must(200, "GET", base, nil)
	admin.must(409, "POST", base+"/members/"+admin.userID+"/block", nil).problem(t)

	// Removed members are refused from the next request on; others still see nothing.
	admin.must(204, "DELETE", member, nil)
	if p := dev.must(403, "GET", base, nil).problem(t); !strings.Contains(p.Detail, "removed") {
		t.Fatalf("detail %q", p.Detail)
	}
	dev.must(403, "GET", base+"/members", nil).problem(t)
	admin.must(404, "DELETE", member, nil).problem(t)
	admin.must(404, "PATCH", base+"/members/nobody", map[string]string{"role": "admin"}, "If-Match", `"v1"`).problem(t)
}

func TestWorkspaceKeepsItsLastActiveAdmin(t *testing.T) {
	ws, admin := developerWorkspace(t)
	base := "/v1/workspaces/" + ws
	self := base + "/members/" + admin.userID
	p := admin.must(409, "PATCH", self, map[string]string{"role": "developer"}, "If-Match", `"v1"`).problem(t)
	if !strings.Contains(p.Detail, "at least one active admin") {
		t.Fatalf("detail %q", p.Detail)
	}
	admin.must(409, "DELETE", self, nil).problem(t)

	// Two admins demoting each other at once: exactly one succeeds.
	second := addMember(t, admin, ws, "admin")
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, pair := range [][2]client{{admin, second}, {second, admin}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			actor, target := pair[0], pair[1]
			statuses[i] = actor.do("PATCH", base+"/members/"+target.userID, map[string]string{"role": "developer"}, "If-Match", `"v1"`).Status
		}()
	}
	wg.Wait()
	slices.Sort(statuses)
	if statuses[0] != 200 || statuses[1] != 409 && statuses[1] != 403 {
		t.Fatalf("statuses %v: want one success and one refusal", statuses)
	}
	var page struct{ Items []struct{ Role string } }
	admin.must(200, "GET", base+"/members", nil).decode(t, &page)
	admins := 0
	for _, m := range page.Items {
		if m.Role == "admin" {
			admins++
		}
	}
	if admins != 1 {
		t.Fatalf("%d admins after the race, want 1", admins)
	}
}
