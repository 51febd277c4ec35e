package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/storage"
)

// TestGetWithMember: one read tells a member, a removed member and a stranger
// apart, and returns the entity (or its absence, or its default) alongside.
func TestGetWithMember(t *testing.T) {
	s, c := newStore()
	ctx := context.Background()
	ws := domain.Workspace{ID: domain.NewID("ws"), Kind: domain.KindDeveloper, Name: "W", Version: 1}
	admin := domain.Member{WorkspaceID: ws.ID, UserID: "admin", Role: domain.RoleAdmin, Status: domain.MemberActive, Version: 1}
	if err := s.CreateWorkspace(ctx, ws, admin); err != nil {
		t.Fatal(err)
	}
	gone := domain.Member{WorkspaceID: ws.ID, UserID: "gone", Role: domain.RoleDeveloper, Status: domain.MemberActive, Version: 1}
	inv := domain.Invitation{ID: domain.NewID("inv"), WorkspaceID: ws.ID, Email: "gone@example.test", Role: domain.RoleDeveloper,
		Status: domain.InvitationPending, ExpiresAt: c.t.Add(time.Hour), Version: 1}
	if err := s.CreateInvitation(ctx, inv); err != nil {
		t.Fatal(err)
	}
	accepted := inv
	accepted.Status, accepted.Version = domain.InvitationAccepted, 2
	if err := s.AcceptInvitation(ctx, inv, accepted, gone); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyMemberChange(ctx, domain.RemoveMember(gone)); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, user    string
		found, former bool
	}{
		{"member", "admin", true, false},
		{"removed", "gone", false, true},
		{"stranger", "nobody", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, got, err := storage.GetWithMember(ctx, s, ws.ID, tc.user, storage.WorkspaceRef(ws.ID))
			if err != nil || got.Name != "W" {
				t.Fatalf("workspace %+v, %v", got, err)
			}
			if m.Found != tc.found || m.Former != tc.former || (tc.found && m.Member.Role != domain.RoleAdmin) {
				t.Fatalf("membership %+v", m)
			}
		})
	}
	t.Run("missing entity", func(t *testing.T) {
		m, _, err := storage.GetWithMember(ctx, s, ws.ID, "admin", storage.MiniProgramRef(ws.ID, "mp_none"))
		if !errors.Is(err, domain.ErrNotFound) || !m.Found {
			t.Fatalf("membership %+v, err %v; want the member and ErrNotFound", m, err)
		}
	})
	t.Run("the member row itself", func(t *testing.T) {
		m, got, err := storage.GetWithMember(ctx, s, ws.ID, "admin", storage.MemberRef(ws.ID, "admin"))
		if err != nil || !m.Found || got.UserID != "admin" || m.Member != got {
			t.Fatalf("membership %+v, member %+v, %v", m, got, err)
		}
	})
	t.Run("default entity", func(t *testing.T) {
		_, st, err := storage.GetWithMember(ctx, s, ws.ID, "admin", storage.SettingsRef(ws.ID))
		if err != nil || st.Version != 0 || !st.Email.Notifications.Releases {
			t.Fatalf("settings %+v, %v; want the defaults at version 0", st, err)
		}
	})
}
