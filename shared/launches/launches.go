// Package launches holds the use cases of launching a mini program version:
// submitting a launch for review (the launch, its approval and the mini
// program's active-launch lock in one write, then the workflow) and undoing
// it when the workflow cannot start. It works over the small interfaces below,
// declared here where they are used, so its compensation paths are tested
// without the emulator; handlers decode, call it and encode.
package launches

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/storage"
	"github.com/mpdp/platform/shared/workflows"
)

// Store is the storage a launch submission needs.
type Store interface {
	// CreateLaunch writes the launch, its approval and the active-launch lock
	// atomically; ended names a lock holder known to have ended.
	CreateLaunch(ctx context.Context, l domain.Launch, a domain.Approval, ended string) error
	GetLaunch(ctx context.Context, mp, id string) (domain.Launch, error)
	// FailLaunch ends a launch whose workflow never started and frees the lock.
	FailLaunch(ctx context.Context, l domain.Launch, reason string, at time.Time) error
}

// Workflows starts launch executions.
type Workflows interface {
	Start(ctx context.Context, in workflows.Input) (string, error)
	// ExecutionARN is the ARN the launch's execution has once started.
	ExecutionARN(launchID string) (string, error)
}

// Timing are the workflow's waits; tests shorten them.
type Timing struct {
	ReviewTimeout time.Duration
	PausePoll     time.Duration
	TaskTimeout   time.Duration
}

// DefaultTiming is production's: a review waits 7 days.
var DefaultTiming = Timing{ReviewTimeout: 7 * 24 * time.Hour, PausePoll: time.Hour, TaskTimeout: 5 * time.Minute}

// Payload is a launch approval's payload.
type Payload struct {
	LaunchID      string          `json:"launchId"`
	MiniProgramID string          `json:"miniProgramId"`
	MiniProgram   string          `json:"miniProgram"`
	Version       string          `json:"version"`
	Strategy      domain.Strategy `json:"strategy"`
	Note          string          `json:"note,omitempty"`
}

// EntrySubmitted is the first entry of every launch's timeline.
const EntrySubmitted = "submitted"

// Service submits launches.
type Service struct {
	Store     Store
	Workflows Workflows
	Timing    Timing
	Log       *slog.Logger // nil: slog.Default()
}

// Request is a launch asked for: the input, by whom, and what was read for it
// (the mini program, nil if the workspace has none such; the version, nil if
// it does not exist; the active-launch lock's holder, "" if free).
type Request struct {
	Input       domain.LaunchInput
	By          domain.Requester
	MiniProgram *domain.MiniProgram
	Version     *domain.PackageVersion
	LockHolder  string
	Now         time.Time
}

// Submission is a launch ready to submit, with its approval.
type Submission struct {
	Launch     domain.Launch
	Approval   domain.Approval
	lockHolder string
}

// Prepare checks the request and builds the launch in review and its
// approval; nothing is written. The launch records the ARN its execution will
// have (executions are named by their launch), so no write follows the start.
func (s Service) Prepare(req Request) (Submission, error) {
	now := req.Now.UTC()
	in := req.Input
	if err := in.Validate(now); err != nil {
		return Submission{}, err
	}
	if req.MiniProgram == nil {
		return Submission{}, domain.ErrNotFound
	}
	mp, v := *req.MiniProgram, req.Version
	if v == nil {
		return Submission{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "version", Message: "no such version of this mini program"}}}
	}
	if v.Status != domain.VersionReady {
		return Submission{}, domain.Errorf(domain.ErrConflict, "version %s is %s; only ready versions can be launched", v.Version, v.View(now).Status)
	}
	l := domain.Launch{ID: domain.NewID("lch"), WorkspaceID: req.By.WorkspaceID, MiniProgramID: mp.ID, Version: v.Version, Strategy: in.Strategy,
		Steps: in.Steps, IntervalSeconds: in.IntervalSeconds, ReleaseAt: in.ReleaseAt, Note: in.Note,
		Status: domain.LaunchInReview, RequestedBy: req.By.UserID, RequestedEmail: req.By.Email, CreatedAt: now,
		UpdatedAt: now.Format(time.RFC3339Nano)}
	l.Timeline = []domain.TimelineEntry{{Status: EntrySubmitted, At: l.CreatedAt.Format(time.RFC3339Nano), By: l.RequestedBy,
		Note: fmt.Sprintf("submitted %s (%s) for review", l.Version, l.Strategy)}}
	arn, err := s.Workflows.ExecutionARN(l.ID)
	if err != nil {
		return Submission{}, err
	}
	l.ExecutionARN = arn
	payload, err := json.Marshal(Payload{LaunchID: l.ID, MiniProgramID: mp.ID, MiniProgram: mp.Name, Version: v.Version, Strategy: in.Strategy, Note: in.Note})
	if err != nil {
		return Submission{}, err
	}
	ap := domain.Approval{ID: domain.LaunchApprovalID(l.ID), Type: domain.ApprovalLaunch, Status: domain.ApprovalInReview,
		Title: "Launch " + v.Version + " of " + mp.Name + " (" + string(in.Strategy) + ")", Payload: payload, CreatedAt: now, Version: 1,
		Requester: req.By}
	l.ApprovalID = ap.ID
	return Submission{Launch: l, Approval: ap, lockHolder: req.LockHolder}, nil
}

// Submit writes the launch, its approval and the lock in one transaction and
// starts its workflow. If the workflow cannot start, the launch is ended and
// the lock freed (a launch without an execution could never move), and the
// error is ErrUnavailable.
func (s Service) Submit(ctx context.Context, sub Submission) error {
	l := sub.Launch
	ended, err := s.endedLockHolder(ctx, l.MiniProgramID, sub.lockHolder)
	if err != nil {
		return err
	}
	if err := s.Store.CreateLaunch(ctx, l, sub.Approval, ended); err != nil {
		return err
	}
	if _, err := s.Workflows.Start(ctx, s.Input(l, sub.Approval)); err != nil {
		if ferr := s.Store.FailLaunch(ctx, l, "the launch workflow could not start", l.CreatedAt); ferr != nil {
			s.log().ErrorContext(ctx, "launch left without a workflow", "launch", l.ID, "error", ferr.Error())
		}
		return errors.Join(domain.ErrUnavailable, err)
	}
	return nil
}

// endedLockHolder returns the lock's holder if that launch has already ended
// (or is gone), so a new launch need not wait for the workflow's last step,
// which marks a launch ended a moment before it frees the lock.
func (s Service) endedLockHolder(ctx context.Context, mp, holder string) (string, error) {
	if holder == "" {
		return "", nil
	}
	l, err := s.Store.GetLaunch(ctx, mp, holder)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && !l.Active()) {
		return holder, nil
	}
	return "", err
}

// Input is the workflow input for a launch.
func (s Service) Input(l domain.Launch, a domain.Approval) workflows.Input {
	key, lock := storage.LaunchKeys(l)
	in := workflows.Input{LaunchID: l.ID, ApprovalID: a.ID, WorkspaceID: l.WorkspaceID, MiniProgramID: l.MiniProgramID,
		Version: l.Version, Strategy: string(l.Strategy), Steps: l.Steps, Key: key, LockKey: lock,
		ReviewTimeoutSeconds: int(s.Timing.ReviewTimeout.Seconds()), IntervalSeconds: l.IntervalSeconds,
		PausePollSeconds: int(s.Timing.PausePoll.Seconds()), TaskTimeoutSeconds: int(s.Timing.TaskTimeout.Seconds())}
	pk, sk, byStatus, byTypeStatus := storage.ApprovalExpiry(a)
	in.Approval = &workflows.ApprovalRef{Key: workflows.ItemKey{PK: pk, SK: sk}, ExpiredByStatus: byStatus, ExpiredByTypeStatus: byTypeStatus}
	if in.Steps == nil {
		in.Steps = []int{100}
	}
	if in.IntervalSeconds == 0 {
		in.IntervalSeconds = 1
	}
	if l.ReleaseAt != nil {
		in.ReleaseAt = workflows.ReleaseTime(*l.ReleaseAt)
	}
	return in
}

func (s Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
