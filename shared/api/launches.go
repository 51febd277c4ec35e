package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/launches"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/storage"
	"github.com/mpdp/platform/shared/workflows"
)

// Workflows starts launch executions and completes their review tasks.
type Workflows interface {
	launches.Workflows
	Succeed(ctx context.Context, token string, output any) error
}

// LaunchTiming are the workflow's waits; tests shorten them.
type LaunchTiming = launches.Timing

// DefaultLaunchTiming is production's: a review waits 7 days.
var DefaultLaunchTiming = launches.DefaultTiming

// launchPayload is a launch approval's payload.
type launchPayload = launches.Payload

// launches is the launch use cases over this server's store and workflows
// (the timing is read per request: tests change it).
func (s *Server) launches(r *http.Request) launches.Service {
	return launches.Service{Store: s.Store, Workflows: s.Workflows, Timing: s.Timing, Log: httpapi.Logger(r.Context())}
}

// createLaunch submits a launch for review. The caller's membership, the
// workspace, the mini program, the version and the active-launch lock are
// read in one batch; the launch, its approval, the lock (and the
// Idempotency-Key record) are written in one transaction; then the workflow
// starts.
func (s *Server) createLaunch(w http.ResponseWriter, r *http.Request) error {
	ws, mpID := r.PathValue("ws"), r.PathValue("mp")
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return err
	}
	var in domain.LaunchInput
	badBody := httpapi.Decode(r, &in) // answered only to a caller who may launch
	b, err := s.Store.GetLaunchBasis(r.Context(), ws, c.UserID, mpID, in.Version)
	if err != nil {
		return err
	}
	if _, err := s.admitChange(r.Context(), ws, c, b.Member, b.Workspace, domain.ActDevelop); err != nil {
		return err
	}
	if badBody != nil {
		return badBody
	}
	uc := s.launches(r)
	sub, err := uc.Prepare(launches.Request{Input: in, MiniProgram: b.MiniProgram, Version: b.Version, LockHolder: b.LockHolder,
		By: domain.Requester{UserID: c.UserID, Email: c.Email, WorkspaceID: ws}, Now: s.Now()})
	if err != nil {
		return err
	}
	l := sub.Launch
	res := respond(r, http.StatusCreated, 0, l, "workspaces", ws, "miniprograms", l.MiniProgramID, "launches", l.ID)
	if err := uc.Submit(r.Context(), sub); err != nil {
		return err
	}
	res.send(w)
	return nil
}

func (s *Server) listLaunches(w http.ResponseWriter, r *http.Request) error {
	ws, mpID := r.PathValue("ws"), r.PathValue("mp")
	status := domain.LaunchStatus(r.URL.Query().Get("status"))
	return authorizedList(s, w, r, ws, domain.ActRead, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.Launch], error) {
		if status != "" && !slices.Contains(domain.LaunchStatuses, status) {
			return storage.Page[domain.Launch]{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "status", Message: "is not a launch status"}}}
		}
		// The launches' partition is the mini program's: each launch names its
		// workspace, so a mini program of another workspace is not listable
		// through this one, and only an empty page needs the mini program read
		// to tell "none yet" from 404.
		page, err := s.Store.ListLaunches(ctx, mpID, status, limit, cursor)
		if err != nil {
			return page, err
		}
		for _, l := range page.Items {
			if l.WorkspaceID != ws {
				return page, domain.ErrNotFound
			}
		}
		if len(page.Items) == 0 {
			_, err = s.Store.GetMiniProgram(ctx, ws, mpID)
		}
		return page, err
	})
}

// launch loads a launch of the mini program in the URL, in workspace ws.
func (s *Server) launch(ctx context.Context, r *http.Request, ws string) (domain.Launch, error) {
	l, err := s.Store.GetLaunch(ctx, r.PathValue("mp"), r.PathValue("launch"))
	if err == nil && l.WorkspaceID != ws {
		return l, domain.ErrNotFound
	}
	return l, err
}

type launchDetail struct {
	domain.Launch
	Approval *domain.Approval `json:"approval,omitempty"`
}

func (s *Server) getLaunch(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	var d launchDetail
	if _, err := s.authorizeAnd(r, ws, domain.ActRead, func(ctx context.Context) error {
		l, a, err := s.Store.GetLaunchWithApproval(ctx, r.PathValue("mp"), r.PathValue("launch"))
		if err == nil && l.WorkspaceID != ws {
			err = domain.ErrNotFound
		}
		d.Launch, d.Approval = l, a
		return err
	}); err != nil {
		return err
	}
	httpapi.JSON(w, http.StatusOK, d)
	return nil
}

// withdrawLaunch withdraws the launch's approval, as POST /v1/approvals/{id}/withdraw does.
func (s *Server) withdrawLaunch(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	a, err := s.authorize(r, ws, domain.ActRead)
	if err != nil {
		return err
	}
	l, err := s.launch(r.Context(), r, ws)
	if err != nil {
		return err
	}
	ap, err := s.Store.GetApproval(r.Context(), l.ApprovalID)
	if err != nil {
		return err
	}
	after, err := s.applyLaunchAwareDecision(r, ap, domain.Decision{To: domain.ApprovalWithdrawn, By: a.caller.UserID, ByEmail: a.caller.Email, At: s.Now().UTC()})
	if err != nil {
		return err
	}
	httpapi.JSON(w, http.StatusOK, after)
	return nil
}

func (s *Server) pauseLaunch(w http.ResponseWriter, r *http.Request) error {
	return s.moveRollout(w, r, domain.LaunchRollingOut, domain.LaunchPaused)
}

func (s *Server) resumeLaunch(w http.ResponseWriter, r *http.Request) error {
	return s.moveRollout(w, r, domain.LaunchPaused, domain.LaunchRollingOut)
}

// moveRollout pauses or resumes a staged rollout; the workflow's next step sees it.
// Only resuming changes what users get, so only it needs the workspace's authorization.
func (s *Server) moveRollout(w http.ResponseWriter, r *http.Request, from, to domain.LaunchStatus) error {
	ws := r.PathValue("ws")
	check := s.authorize
	if to == domain.LaunchRollingOut {
		check = s.authorizeChange
	}
	a, err := check(r, ws, domain.ActDevelop)
	if err != nil {
		return err
	}
	l, err := s.launch(r.Context(), r, ws)
	if err != nil {
		return err
	}
	if l.Status != from {
		return domain.Errorf(domain.ErrConflict, "the launch is %s, not %s", l.Status, from)
	}
	entry := domain.TimelineEntry{Status: string(to), At: s.Now().UTC().Format(time.RFC3339Nano), By: a.caller.UserID}
	if to == domain.LaunchRollingOut {
		err = s.resume(r, l, entry)
	} else {
		err = s.Store.UpdateLaunch(r.Context(), l, []domain.LaunchStatus{from}, to, l.Percentage, entry)
	}
	if err != nil {
		return err
	}
	l.Status, l.UpdatedAt, l.Timeline = to, entry.At, append(l.Timeline, entry)
	httpapi.JSON(w, http.StatusOK, l)
	return nil
}

// resume rolls a paused launch out again and answers the workflow's
// await-resume task, so that a step whose wait already ended follows at once.
// If the answer is lost, the task's timeout (PausePoll) still moves it on.
func (s *Server) resume(r *http.Request, l domain.Launch, entry domain.TimelineEntry) error {
	token, err := s.Store.ResumeLaunch(r.Context(), l, entry)
	if err != nil || token == "" {
		return err
	}
	if err := s.Workflows.Succeed(r.Context(), token, struct{}{}); err != nil && !errors.Is(err, workflows.ErrTaskGone) {
		httpapi.Logger(r.Context()).WarnContext(r.Context(), "resume not delivered to the workflow; it looks again after the pause poll",
			"launch", l.ID, "error", err.Error())
	}
	return nil
}

type percentageInput struct {
	Percentage int `json:"percentage"`
}

// patchLaunch raises a staged rollout's percentage by hand (admins, upward only).
func (s *Server) patchLaunch(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	a, err := s.authorizeChange(r, ws, domain.ActManageWorkspace)
	if err != nil {
		return err
	}
	var in percentageInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	l, err := s.launch(r.Context(), r, ws)
	if err != nil {
		return err
	}
	if in.Percentage < 1 || in.Percentage > 100 {
		return &domain.ValidationError{Fields: []domain.FieldError{{Field: "percentage", Message: "must be 1 to 100"}}}
	}
	if l.Status != domain.LaunchRollingOut && l.Status != domain.LaunchPaused {
		return domain.Errorf(domain.ErrConflict, "the launch is %s; only a staged rollout's percentage can be set", l.Status)
	}
	if in.Percentage <= l.Percentage {
		return domain.Errorf(domain.ErrConflict, "a rollout only goes up: it is at %d%%", l.Percentage)
	}
	rel, err := s.Store.GetRelease(r.Context(), l.MiniProgramID)
	if err != nil {
		return err
	}
	next := rel
	next.Percentage, next.UpdatedAt, next.Revision = in.Percentage, s.Now().UTC(), rel.Revision+1
	entry := domain.TimelineEntry{Status: string(l.Status), At: s.Now().UTC().Format(time.RFC3339Nano), By: a.caller.UserID,
		Note: "percentage set by hand"}
	if err := s.Store.PublishLaunch(r.Context(), rel, next, l, []domain.LaunchStatus{l.Status}, l.Status, entry); err != nil {
		return err
	}
	l.Percentage, l.UpdatedAt, l.Timeline = in.Percentage, entry.At, append(l.Timeline, entry)
	httpapi.JSON(w, http.StatusOK, l)
	return nil
}

// getRelease answers what the mini program serves now: the released version,
// its share, the history a rollback picks from, and whether it is offline. One
// that never released answers a release without a version.
func (s *Server) getRelease(w http.ResponseWriter, r *http.Request) error {
	ws, mpID := r.PathValue("ws"), r.PathValue("mp")
	var rel domain.Release
	if _, err := s.authorizeAnd(r, ws, domain.ActRead, func(ctx context.Context) (err error) {
		rel, err = s.Store.GetReleaseIn(ctx, ws, mpID)
		return err
	}); err != nil {
		return err
	}
	httpapi.JSON(w, http.StatusOK, rel)
	return nil
}

type rollbackInput struct {
	Version string `json:"version"`
}

// rollback serves one of the last released versions to everyone again.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	if _, err := s.authorizeChange(r, ws, domain.ActDevelop); err != nil {
		return err
	}
	var in rollbackInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if _, err := domain.ParseSemver(in.Version); err != nil {
		return &domain.ValidationError{Fields: []domain.FieldError{{Field: "version", Message: err.Error()}}}
	}
	mp, err := s.Store.GetMiniProgram(r.Context(), ws, r.PathValue("mp"))
	if err != nil {
		return err
	}
	if active, err := s.Store.ActiveLaunch(r.Context(), mp.ID); err != nil {
		return err
	} else if active != "" {
		if l, err := s.Store.GetLaunch(r.Context(), mp.ID, active); err == nil && (l.Status == domain.LaunchRollingOut || l.Status == domain.LaunchPaused) {
			return domain.Errorf(domain.ErrConflict, "a staged rollout (%s) is running; it must finish before a rollback", l.ID)
		}
	}
	rel, err := s.Store.GetRelease(r.Context(), mp.ID)
	if err != nil {
		return err
	}
	next, err := rel.Rollback(in.Version, s.Now().UTC())
	if err != nil {
		return err
	}
	if err := s.Store.PutRelease(r.Context(), rel, next); err != nil {
		return err
	}
	httpapi.JSON(w, http.StatusOK, next)
	return nil
}

type onlineInput struct {
	Reason string `json:"reason"`
}

func (in *onlineInput) validate() error {
	in.Reason = strings.TrimSpace(in.Reason)
	if utf8.RuneCountInString(in.Reason) > 2000 {
		return &domain.ValidationError{Fields: []domain.FieldError{{Field: "reason", Message: "must be at most 2000 characters"}}}
	}
	return nil
}

// requestOnline asks the tenant to take the mini program offline or bring it
// back. Bringing it back changes what users get, so it needs the workspace's
// authorization; taking it offline never does.
func (s *Server) requestOnline(typ domain.ApprovalType) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ws := r.PathValue("ws")
		check := s.authorize
		if typ == domain.ApprovalOnline {
			check = s.authorizeChange
		}
		a, err := check(r, ws, domain.ActDevelop)
		if err != nil {
			return err
		}
		var in onlineInput
		if err := httpapi.DecodeOptional(r, &in); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		mp, err := s.Store.GetMiniProgram(r.Context(), ws, r.PathValue("mp"))
		if err != nil {
			return err
		}
		rel, err := s.Store.GetRelease(r.Context(), mp.ID)
		if err != nil {
			return err
		}
		if typ == domain.ApprovalOffline && (rel.Offline || rel.Version == "") {
			return domain.Errorf(domain.ErrConflict, "the mini program is not online")
		}
		if typ == domain.ApprovalOnline && !rel.Offline {
			return domain.Errorf(domain.ErrConflict, "the mini program is not offline")
		}
		payload, _ := json.Marshal(map[string]string{"miniProgramId": mp.ID, "miniProgram": mp.Name, "reason": in.Reason})
		now := s.Now().UTC()
		ap := domain.Approval{ID: domain.NewID("apv"), Type: typ, Status: domain.ApprovalInReview,
			Title: "Take " + mp.Name + " " + string(typ), Payload: payload, CreatedAt: now, Version: 1,
			Requester: domain.Requester{UserID: a.caller.UserID, Email: a.caller.Email, WorkspaceID: ws}}
		if err := s.Store.RequestOnline(r.Context(), ap); err != nil {
			return err
		}
		created(w, "approvals", ap.ID)
		httpapi.JSON(w, http.StatusCreated, ap)
		return nil
	}
}

// signalReview completes the launch workflow's review task with the decision.
// If the worker has not stored the task token yet, it will find the decision
// when it tries, and complete the task itself: the workflow never waits on a
// decision already made.
func (s *Server) signalReview(r *http.Request, a domain.Approval) {
	if a.TaskToken == "" {
		return
	}
	if err := s.Workflows.Succeed(r.Context(), a.TaskToken, workflows.ReviewOf(a)); err != nil && !errors.Is(err, workflows.ErrTaskGone) {
		httpapi.Logger(r.Context()).ErrorContext(r.Context(), "review decision not delivered to the workflow", "approval", a.ID, "error", err.Error())
	}
}

// notifyDecision tells a launch's requester of the review decision.
func (s *Server) notifyDecision(r *http.Request, a domain.Approval) {
	if a.Requester.Email == "" || a.Status == domain.ApprovalWithdrawn {
		return
	}
	s.notify(r, mail.Decision(a.Requester.Email, a.Title, string(a.Status), a.ReasonText(), a.Comment))
}
