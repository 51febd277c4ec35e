package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestApprovalTransitions(t *testing.T) {
	for _, from := range ApprovalStatuses {
		for _, to := range ApprovalStatuses {
			want := from == ApprovalInReview && to != ApprovalInReview
			if got := CanTransition(from, to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
		}
	}
	a := Approval{Status: ApprovalApproved, Version: 3}
	if _, err := Decide(a, Decision{To: ApprovalRejected}); !errors.Is(err, ErrConflict) {
		t.Fatalf("deciding a decided approval: %v", err)
	}
	a.Status = ApprovalInReview
	at := time.Unix(100, 0)
	got, err := Decide(a, Decision{To: ApprovalRejected, By: "u", Reason: " why ", At: at})
	if err != nil || got.Status != ApprovalRejected || got.Reason != "why" || got.Version != 4 || !got.DecidedAt.Equal(at) {
		t.Fatalf("Decide = %+v, %v", got, err)
	}
}

func TestCheckDecider(t *testing.T) {
	signed := Approval{Requester: Requester{UserID: "req", Email: "req@x.test"}}
	anon := Approval{Requester: Requester{Email: "app@x.test"}}
	for _, tc := range []struct {
		name string
		a    Approval
		d    Decision
		ok   bool
	}{
		{"reviewer approves", signed, Decision{To: ApprovalApproved, By: "rev", ByEmail: "rev@x.test"}, true},
		{"requester approves own", signed, Decision{To: ApprovalApproved, By: "req"}, false},
		{"same email approves applicant's", anon, Decision{To: ApprovalApproved, By: "rev", ByEmail: "APP@x.test"}, false},
		{"requester withdraws", signed, Decision{To: ApprovalWithdrawn, By: "req"}, true},
		{"other withdraws", signed, Decision{To: ApprovalWithdrawn, By: "rev"}, false},
		{"anonymous request withdrawn", anon, Decision{To: ApprovalWithdrawn, By: "rev"}, false},
	} {
		err := CheckDecider(tc.a, tc.d)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrForbidden)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestRolePermissions(t *testing.T) {
	active := func(r Role) Member { return Member{Role: r, Status: MemberActive} }
	for _, tc := range []struct {
		kind WorkspaceKind
		m    Member
		act  Action
		want bool
	}{
		{KindDeveloper, active(RoleAdmin), ActManageMembers, true},
		{KindDeveloper, active(RoleDeveloper), ActManageMembers, false},
		{KindDeveloper, active(RoleDeveloper), ActDevelop, true},
		{KindDeveloper, active(RoleReviewer), ActDevelop, false},
		{KindDeveloper, active(RoleAdmin), ActDecide, false}, // only the tenant decides
		{KindDeveloper, active(RoleAdmin), ActManageTenant, false},
		{KindTenant, active(RoleReviewer), ActDecide, true},
		{KindTenant, active(RoleReviewer), ActManageTenant, false},
		{KindTenant, active(RoleAdmin), ActManageTenant, true},
		{KindTenant, Member{Role: RoleAdmin, Status: MemberBlocked}, ActRead, false},
		{KindDeveloper, Member{Role: "owner", Status: MemberActive}, ActRead, false},
	} {
		if got := Allows(tc.kind, tc.m, tc.act); got != tc.want {
			t.Errorf("%s %s/%s %s: %v, want %v", tc.kind, tc.m.Role, tc.m.Status, tc.act, got, tc.want)
		}
	}
}

func TestAdminDelta(t *testing.T) {
	admin := Member{Role: RoleAdmin, Status: MemberActive, Version: 1}
	dev := Member{Role: RoleDeveloper, Status: MemberActive, Version: 1}
	now := time.Now()
	demote, _ := ChangeRole(admin, RoleDeveloper, now)
	promote, _ := ChangeRole(dev, RoleAdmin, now)
	block, _ := SetStatus(admin, MemberBlocked, now)
	blockDev, _ := SetStatus(dev, MemberBlocked, now)
	for name, tc := range map[string]struct {
		c    MemberChange
		want int
	}{
		"demote admin": {demote, -1}, "promote developer": {promote, 1}, "block admin": {block, -1},
		"block developer": {blockDev, 0}, "remove admin": {RemoveMember(admin), -1}, "remove developer": {RemoveMember(dev), 0},
	} {
		if got := tc.c.AdminDelta(); got != tc.want {
			t.Errorf("%s: %d, want %d", name, got, tc.want)
		}
	}
	if _, err := SetStatus(admin, MemberActive, now); !errors.Is(err, ErrConflict) {
		t.Error("unblocking an active member should conflict")
	}
	if _, err := ChangeRole(admin, "owner", now); err == nil {
		t.Error("unknown role accepted")
	}
}

func TestApplicationValidation(t *testing.T) {
	ok := Application{Company: "Acme", ContactName: "Ann", Email: " Ann@Acme.TEST ", Country: "sg", Reason: "We sell things online"}
	if err := ok.Validate(); err != nil || ok.Email != "ann@acme.test" || ok.Country != "SG" {
		t.Fatalf("valid application: %v %+v", err, ok)
	}
	bad := Application{Company: strings.Repeat("x", 121), Email: "no-at-sign", Country: "SGP", Reason: "short"}
	var v *ValidationError
	if err := bad.Validate(); !errors.As(err, &v) || len(v.Fields) != 5 {
		t.Fatalf("invalid application: %v", err)
	}
}

func TestTestersValidation(t *testing.T) {
	if err := ValidateTesters([]Tester{{UserID: "a"}, {Email: "b.c@d.test"}, {UserID: "sub-1", Email: "e@f.test"}}); err != nil {
		t.Fatal(err)
	}
	for name, items := range map[string][]Tester{
		"nil": nil, "dup": {{UserID: "a"}, {UserID: "a"}}, "bad": {{UserID: ""}}, "long note": {{UserID: "a", Note: strings.Repeat("n", 201)}},
		"email as id": {{UserID: "b.c@d"}}, "bad email": {{Email: "b.c"}}, "dup email": {{Email: "a@b.test"}, {Email: " A@b.test"}},
		"too many": make([]Tester, MaxTesters+1),
	} {
		if err := ValidateTesters(items); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestTestersMatchSubjectsOnly(t *testing.T) {
	list := Testers{Items: []Tester{{UserID: "sub-1", Email: "ann@acme.test"}, {UserID: "app-user-2"}}}
	for subject, want := range map[string]bool{"sub-1": true, "app-user-2": true, "ann@acme.test": false, "": false, "sub-2": false} {
		if got := list.Includes(subject); got != want {
			t.Errorf("Includes(%q) = %v, want %v", subject, got, want)
		}
	}
}

func TestInvitationView(t *testing.T) {
	exp := time.Unix(1000, 0)
	inv := Invitation{Status: InvitationPending, ExpiresAt: exp}
	if inv.View(exp.Add(-time.Second)).Status != InvitationPending || inv.View(exp).Status != InvitationExpired {
		t.Fatal("expiry not derived")
	}
	inv.Status = InvitationAccepted
	if inv.View(exp.Add(time.Hour)).Status != InvitationAccepted {
		t.Fatal("accepted invitation shown as expired")
	}
}

func TestSecrets(t *testing.T) {
	tok, hash := NewSecret()
	if !SecretMatches(tok, hash) || SecretMatches(tok+"x", hash) || strings.Contains(hash, tok) {
		t.Fatal("secret hashing broken")
	}
	if a, b := NewID("ws"), NewID("ws"); a == b || !strings.HasPrefix(a, "ws_") {
		t.Fatalf("ids %s %s", a, b)
	}
}

// TestPermissionsMarkdownCoversEveryAction: every action of the matrix is a
// row with a description, and each cell is what Allows says.
func TestPermissionsMarkdownCoversEveryAction(t *testing.T) {
	table := PermissionsMarkdown()
	seen := map[Action]bool{}
	for _, a := range Actions {
		seen[a] = true
		if actionDocs[a] == "" {
			t.Errorf("action %s has no description", a)
		}
	}
	for _, acts := range permissions {
		for a := range acts {
			if !seen[a] {
				t.Errorf("action %s is in the matrix but not in Actions, so the table leaves it out", a)
			}
		}
	}
	// The developer workspace's reviewer may only read; the tenant's may decide.
	for _, want := range []string{
		"| `read` | " + actionDocs[ActRead] + " | yes | yes | yes | yes | yes | yes |",
		"| `approvals:decide` | " + actionDocs[ActDecide] + " | yes | yes | no | no | no | no |",
		"| `develop` | " + actionDocs[ActDevelop] + " | yes | no | yes | yes | no | yes |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks the row %q:\n%s", want, table)
		}
	}
}

func TestWorkspaceCheckAuthorized(t *testing.T) {
	for _, tc := range []struct {
		ws Workspace
		ok bool
	}{
		{Workspace{Kind: KindTenant}, true},
		{Workspace{Kind: KindDeveloper, Authorization: AuthorizationActive}, true},
		{Workspace{Kind: KindDeveloper, Authorization: AuthorizationRevoked}, false},
		{Workspace{Kind: KindDeveloper}, false},
	} {
		err := tc.ws.CheckAuthorized()
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrForbidden)) {
			t.Errorf("%+v: %v", tc.ws, err)
		}
	}
}
