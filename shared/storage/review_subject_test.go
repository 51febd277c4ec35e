package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

// A review subject is one batch read: another workspace's mini program is not
// found, and parts that do not exist (no release yet, an unknown version or
// launch, a version that is not semver) are left out, not errors.
func TestGetReviewSubject(t *testing.T) {
	s, _ := newStore()
	ctx := t.Context()
	ws := domain.Workspace{ID: domain.NewID("ws"), Kind: domain.KindDeveloper, Name: "W", Version: 1}
	if err := s.CreateWorkspace(ctx, ws, domain.Member{WorkspaceID: ws.ID, UserID: "u1", Role: domain.RoleAdmin, Status: domain.MemberActive, Version: 1}); err != nil {
		t.Fatal(err)
	}
	mp := domain.MiniProgram{ID: domain.NewID("mp"), WorkspaceID: ws.ID, Name: "Review One", Category: "food",
		CreatedBy: "u1", CreatedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), Version: 1}
	if err := s.CreateMiniProgram(ctx, mp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetReviewSubject(ctx, "ws_other", mp.ID, "1.0.0", "lch_x"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another workspace's mini program: %v, want not found", err)
	}
	for _, version := range []string{"1.0.0", "not-semver", ""} {
		sub, err := s.GetReviewSubject(ctx, mp.WorkspaceID, mp.ID, version, "lch_missing")
		if err != nil {
			t.Fatalf("version %q: %v", version, err)
		}
		if sub.MiniProgram.ID != mp.ID || sub.MiniProgram.Name != mp.Name {
			t.Errorf("version %q: mini program %+v", version, sub.MiniProgram)
		}
		if sub.Version != nil || sub.Launch != nil {
			t.Errorf("version %q: missing parts read as %+v, %+v", version, sub.Version, sub.Launch)
		}
		if sub.Release == nil || sub.Release.Version != "" || sub.Release.History == nil {
			t.Errorf("version %q: a mini program never released has release %+v, want an empty one", version, sub.Release)
		}
	}
}
