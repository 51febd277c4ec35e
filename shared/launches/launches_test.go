package launches

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/workflows"
)

// store is a test double of Store: it records what was asked and answers the
// errors it is given.
type store struct {
	launches  map[string]domain.Launch // what GetLaunch finds
	createErr error
	failErr   error
	created   []domain.Launch
	ended     []string // CreateLaunch's ended argument, per call
	failed    []domain.Launch
}

func (s *store) CreateLaunch(_ context.Context, l domain.Launch, _ domain.Approval, ended string) error {
	s.ended = append(s.ended, ended)
	if s.createErr != nil {
		return s.createErr
	}
	s.created = append(s.created, l)
	return nil
}

func (s *store) GetLaunch(_ context.Context, _, id string) (domain.Launch, error) {
	l, ok := s.launches[id]
	if !ok {
		return l, domain.ErrNotFound
	}
	return l, nil
}

func (s *store) FailLaunch(_ context.Context, l domain.Launch, _ string, _ time.Time) error {
	s.failed = append(s.failed, l)
	return s.failErr
}

type flows struct {
	startErr error
	started  []workflows.Input
}

func (f *flows) Start(_ context.Context, in workflows.Input) (string, error) {
	f.started = append(f.started, in)
	if f.startErr != nil {
		return "", f.startErr
	}
	return "arn:aws:states:eu-west-1:123456789012:execution:launch:" + in.LaunchID, nil
}

func (f *flows) ExecutionARN(id string) (string, error) {
	return "arn:aws:states:eu-west-1:123456789012:execution:launch:" + id, nil
}

func request(holder string) Request {
	mp := domain.MiniProgram{ID: "mp_1", WorkspaceID: "ws_1", Name: "Shop"}
	v := domain.PackageVersion{MiniProgramID: "mp_1", Version: "1.0.0", Status: domain.VersionReady}
	return Request{Input: domain.LaunchInput{Version: "1.0.0", Strategy: domain.StrategyFull},
		By: domain.Requester{UserID: "u_1", Email: "dev@x.test", WorkspaceID: "ws_1"}, MiniProgram: &mp, Version: &v,
		LockHolder: holder, Now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
}

// Submitting: the launch carries its execution's ARN from the start; a
// workflow that cannot start ends the launch (freeing the lock) and answers
// ErrUnavailable, also when that undo fails too; a refused write starts nothing.
func TestSubmitAndItsUndo(t *testing.T) {
	startFailed, undoFailed, refused := errors.New("sfn down"), errors.New("dynamodb down"), domain.Errorf(domain.ErrConflict, "locked")
	cases := []struct {
		name                 string
		createErr, startErr  error
		failErr              error
		wantErr              error
		wantStarts, wantUndo int
	}{
		{"started", nil, nil, nil, nil, 1, 0},
		{"start fails: undone", nil, startFailed, nil, domain.ErrUnavailable, 1, 1},
		{"start and undo fail", nil, startFailed, undoFailed, domain.ErrUnavailable, 1, 1},
		{"write refused: nothing started", refused, nil, nil, domain.ErrConflict, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, wf := &store{createErr: tc.createErr, failErr: tc.failErr}, &flows{startErr: tc.startErr}
			svc := Service{Store: st, Workflows: wf, Timing: DefaultTiming}
			sub, err := svc.Prepare(request(""))
			if err != nil {
				t.Fatal(err)
			}
			err = svc.Submit(context.Background(), sub)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Submit: %v, want %v", err, tc.wantErr)
			}
			if len(wf.started) != tc.wantStarts || len(st.failed) != tc.wantUndo {
				t.Fatalf("%d starts, %d undos; want %d, %d", len(wf.started), len(st.failed), tc.wantStarts, tc.wantUndo)
			}
			if tc.wantUndo > 0 && st.failed[0].ID != sub.Launch.ID {
				t.Fatalf("undid %s, not the launch %s", st.failed[0].ID, sub.Launch.ID)
			}
			if tc.wantStarts > 0 {
				in := wf.started[0]
				if in.LaunchID != sub.Launch.ID || in.ApprovalID != sub.Approval.ID || in.Approval == nil || in.Key.PK == "" || in.LockKey.PK == "" {
					t.Fatalf("workflow input %+v", in)
				}
			}
			if len(st.created) > 0 && st.created[0].ExecutionARN == "" {
				t.Fatal("the launch was written without its execution's ARN")
			}
		})
	}
}

// A lock held by a launch that ended (or is gone) may be taken over; one
// held by an active launch may not (the write then refuses).
func TestLockTakeover(t *testing.T) {
	cases := []struct {
		name, holder string
		launches     map[string]domain.Launch
		wantEnded    string
	}{
		{"free", "", nil, ""},
		{"held by an ended launch", "lch_old", map[string]domain.Launch{"lch_old": {ID: "lch_old", Status: domain.LaunchCompleted}}, "lch_old"},
		{"held by a launch gone", "lch_gone", nil, "lch_gone"},
		{"held by an active launch", "lch_live", map[string]domain.Launch{"lch_live": {ID: "lch_live", Status: domain.LaunchInReview}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &store{launches: tc.launches}
			svc := Service{Store: st, Workflows: &flows{}}
			sub, err := svc.Prepare(request(tc.holder))
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.Submit(context.Background(), sub); err != nil {
				t.Fatal(err)
			}
			if len(st.ended) != 1 || st.ended[0] != tc.wantEnded {
				t.Fatalf("ended %v, want %q", st.ended, tc.wantEnded)
			}
		})
	}
}

// What cannot be launched is refused before anything is written.
func TestPrepareRefuses(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Request)
		want   error // nil: a *domain.ValidationError
	}{
		{"no such mini program", func(r *Request) { r.MiniProgram = nil }, domain.ErrNotFound},
		{"no such version", func(r *Request) { r.Version = nil }, nil},
		{"version not ready", func(r *Request) { r.Version.Status = domain.VersionProcessing }, domain.ErrConflict},
		{"bad input", func(r *Request) { r.Input.Strategy = "sideways" }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := request("")
			tc.change(&req)
			_, err := (Service{Workflows: &flows{}}).Prepare(req)
			var invalid *domain.ValidationError
			if tc.want == nil && !errors.As(err, &invalid) || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Prepare: %v, want %v", err, tc.want)
			}
		})
	}
}
