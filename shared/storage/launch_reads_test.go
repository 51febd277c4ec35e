package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/storage"
)

func newLaunch(mp string, approval func(id string) string, now time.Time) (domain.Launch, domain.Approval) {
	l := domain.Launch{ID: domain.NewID("lch"), WorkspaceID: "ws_1", MiniProgramID: mp, Version: "1.0.0", Strategy: domain.StrategyFull,
		Status: domain.LaunchInReview, CreatedAt: now, UpdatedAt: now.Format(time.RFC3339Nano), Timeline: []domain.TimelineEntry{{Status: "submitted"}}}
	a := domain.Approval{ID: approval(l.ID), Type: domain.ApprovalLaunch, Status: domain.ApprovalInReview, Payload: []byte(`{}`), CreatedAt: now, Version: 1}
	l.ApprovalID = a.ID
	return l, a
}

// A launch and its approval are one read when the approval's id is derived
// from the launch's; an older launch's approval costs one more read but is
// still found; a launch that does not exist is not found.
func TestGetLaunchWithApproval(t *testing.T) {
	s, c := newStore()
	ctx := t.Context()
	cases := []struct {
		name     string
		approval func(string) string
	}{
		{"derived approval id", domain.LaunchApprovalID},
		{"older random approval id", func(string) string { return domain.NewID("apv") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, a := newLaunch(domain.NewID("mp"), tc.approval, c.t)
			if err := s.CreateLaunch(ctx, l, a, ""); err != nil {
				t.Fatal(err)
			}
			got, ap, err := s.GetLaunchWithApproval(ctx, l.MiniProgramID, l.ID)
			if err != nil || got.ID != l.ID || ap == nil || ap.ID != a.ID {
				t.Fatalf("got %+v, %+v, %v", got, ap, err)
			}
		})
	}
	if _, _, err := s.GetLaunchWithApproval(ctx, "mp_none", "lch_none"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("missing launch: %v", err)
	}
}

// A launch whose workflow could not start is undone with the Idempotency-Key
// record written with it: the lock is free and the key unused again.
func TestFailLaunchForgetsItsIdempotencyRecord(t *testing.T) {
	s, c := newStore()
	p := &storage.Idempotent{Scope: "scope", Key: domain.NewID("k"), RequestHash: "h"}
	p.Respond(storage.Replay{Status: 201, Body: "{}"})
	ctx := storage.WithIdempotency(context.Background(), p)
	l, a := newLaunch(domain.NewID("mp"), domain.LaunchApprovalID, c.t)
	if err := s.CreateLaunch(ctx, l, a, ""); err != nil {
		t.Fatal(err)
	}
	if prior, _ := s.GetIdempotent(ctx, "scope", p.Key); prior == nil {
		t.Fatal("the record was not written with the launch")
	}
	if err := s.FailLaunch(ctx, l, "no workflow", c.t); err != nil {
		t.Fatal(err)
	}
	if prior, err := s.GetIdempotent(ctx, "scope", p.Key); prior != nil || err != nil {
		t.Fatalf("record after the undo: %+v %v", prior, err)
	}
	if holder, err := s.ActiveLaunch(ctx, l.MiniProgramID); holder != "" || err != nil {
		t.Fatalf("lock after the undo: %q %v", holder, err)
	}
}
