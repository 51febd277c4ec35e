// Package worker does the launch workflow's tasks: the Step Functions states that
// need code send a task with a token to the task queue, and this worker does the
// work and answers with the token. Tasks are delivered at least once, so each is
// idempotent.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/storage"
	"github.com/mpdp/platform/shared/workflows"
)

// Tasks answers task tokens.
type Tasks interface {
	Succeed(ctx context.Context, token string, output any) error
	Fail(ctx context.Context, token, code, cause string) error
}

// Mailer queues emails.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Worker does the tasks.
type Worker struct {
	Store *storage.Store
	Tasks Tasks
	Mail  Mailer
	Log   *slog.Logger
	Now   func() time.Time
}

// Handle does a batch of tasks and reports those to retry.
func (w *Worker) Handle(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, msg := range e.Records {
		if err := w.task(ctx, msg.Body); err != nil {
			w.Log.WarnContext(ctx, "workflow task failed; will retry", slog.String("messageId", msg.MessageId), slog.String("error", err.Error()))
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

func (w *Worker) task(ctx context.Context, body string) error {
	var t workflows.Task
	if err := json.Unmarshal([]byte(body), &t); err != nil || t.TaskToken == "" {
		return fmt.Errorf("not a workflow task: %v", err)
	}
	var out any
	var err error
	switch t.Kind {
	case workflows.TaskReview:
		return w.review(ctx, t)
	case workflows.TaskPublish:
		out, err = w.publish(ctx, t.Input)
	case workflows.TaskAdvance:
		out, err = w.advance(ctx, t.Input)
	case workflows.TaskAwaitResume:
		return w.awaitResume(ctx, t)
	default:
		return w.answer(ctx, w.Tasks.Fail(ctx, t.TaskToken, "UnknownTask", "unknown task kind "+t.Kind))
	}
	if errors.Is(err, domain.ErrNotFound) {
		return w.answer(ctx, w.Tasks.Fail(ctx, t.TaskToken, "LaunchMissing", err.Error()))
	}
	if errors.Is(err, domain.ErrForbidden) {
		return w.answer(ctx, w.Tasks.Fail(ctx, t.TaskToken, "WorkspaceRevoked", "the workspace's authorization was revoked before the release"))
	}
	if err != nil {
		return err
	}
	return w.answer(ctx, w.Tasks.Succeed(ctx, t.TaskToken, out))
}

// awaitResume stores the token on the paused launch, where resuming answers
// it. A launch resumed (or ended) before the token was stored goes on at once.
func (w *Worker) awaitResume(ctx context.Context, t workflows.Task) error {
	err := w.Store.StoreResumeToken(ctx, t.Input.MiniProgramID, t.Input.LaunchID, t.TaskToken)
	switch {
	case errors.Is(err, domain.ErrConflict):
		return w.answer(ctx, w.Tasks.Succeed(ctx, t.TaskToken, struct{}{}))
	case errors.Is(err, domain.ErrNotFound):
		return w.answer(ctx, w.Tasks.Fail(ctx, t.TaskToken, "LaunchMissing", err.Error()))
	}
	return err
}

// answer treats a task that is already over (answered, timed out) as done.
func (w *Worker) answer(ctx context.Context, err error) error {
	if errors.Is(err, workflows.ErrTaskGone) {
		w.Log.InfoContext(ctx, "task already over")
		return nil
	}
	return err
}

// review stores the token on the approval, where the reviewer's decision will
// complete it. If the decision came first, it completes the task now.
func (w *Worker) review(ctx context.Context, t workflows.Task) error {
	err := w.Store.StoreTaskToken(ctx, t.Input.ApprovalID, t.TaskToken)
	if !errors.Is(err, domain.ErrConflict) {
		return err
	}
	a, err := w.Store.GetApproval(ctx, t.Input.ApprovalID)
	if err != nil {
		return err
	}
	switch a.Status {
	case domain.ApprovalApproved, domain.ApprovalRejected, domain.ApprovalWithdrawn:
		return w.answer(ctx, w.Tasks.Succeed(ctx, t.TaskToken, workflows.ReviewOf(a)))
	}
	return nil
}

func (w *Worker) entry(status, note string) domain.TimelineEntry {
	return domain.TimelineEntry{Status: status, At: w.Now().UTC().Format(time.RFC3339Nano), Note: note}
}

// publish sets the mini program's release to the launch's version, archiving
// the previous one. A retried task finds the release already set and reports it.
func (w *Worker) publish(ctx context.Context, in workflows.Input) (workflows.RolloutResult, error) {
	l, err := w.Store.GetLaunch(ctx, in.MiniProgramID, in.LaunchID)
	if err != nil {
		return workflows.RolloutResult{}, err
	}
	rel, err := w.Store.GetRelease(ctx, in.MiniProgramID)
	if err != nil {
		return workflows.RolloutResult{}, err
	}
	first := 100
	if l.Strategy == domain.StrategyPhased {
		first = domain.NextStep(l.Steps, 0)
	}
	if !rel.PublishedBy(l.ID) {
		// Approved (and perhaps scheduled) before the tenant revoked the
		// workspace's authorization: it is not released.
		ws, err := w.Store.GetWorkspace(ctx, l.WorkspaceID)
		if err != nil {
			return workflows.RolloutResult{}, err
		}
		if err := ws.CheckAuthorized(); err != nil {
			return workflows.RolloutResult{}, err
		}
		next := rel.Publish(l.ID, l.Version, l.Strategy, first, w.Now().UTC())
		next.WorkspaceID, next.MiniProgramID = l.WorkspaceID, l.MiniProgramID
		to := l.Status
		if l.Strategy == domain.StrategyPhased && first < 100 {
			to = domain.LaunchRollingOut
		}
		from := []domain.LaunchStatus{domain.LaunchInReview, domain.LaunchScheduled}
		note := fmt.Sprintf("released %s to %s", l.Version, audience(l.Strategy, first))
		if err := w.Store.PublishLaunch(ctx, rel, next, l, from, to, w.entry("published", note)); err != nil {
			return workflows.RolloutResult{}, err
		}
		if l.RequestedEmail != "" {
			name := l.MiniProgramID // the email still goes out if the name cannot be read
			if mp, err := w.Store.GetMiniProgram(ctx, l.WorkspaceID, l.MiniProgramID); err == nil {
				name = mp.Name
			}
			if err := w.Mail.Send(ctx, mail.Released(l.RequestedEmail, name, l.Version, string(l.Strategy), first)); err != nil {
				w.Log.WarnContext(ctx, "release email not queued", slog.String("error", err.Error()))
			}
		}
	}
	return workflows.RolloutResult{Percentage: first, Done: l.Strategy != domain.StrategyPhased || first >= 100}, nil
}

func audience(s domain.Strategy, pct int) string {
	switch s {
	case domain.StrategyTesters:
		return "testers"
	case domain.StrategyPhased:
		return fmt.Sprintf("%d%% of users", pct)
	}
	return "everyone"
}

// advance raises a phased rollout to its next step, unless it is paused.
func (w *Worker) advance(ctx context.Context, in workflows.Input) (workflows.RolloutResult, error) {
	l, err := w.Store.GetLaunch(ctx, in.MiniProgramID, in.LaunchID)
	if err != nil {
		return workflows.RolloutResult{}, err
	}
	if l.Status == domain.LaunchPaused {
		return workflows.RolloutResult{Percentage: l.Percentage, Paused: true}, nil
	}
	next := domain.NextStep(l.Steps, l.Percentage)
	if l.Percentage >= 100 {
		return workflows.RolloutResult{Percentage: l.Percentage, Done: true}, nil
	}
	rel, err := w.Store.GetRelease(ctx, in.MiniProgramID)
	if err != nil {
		return workflows.RolloutResult{}, err
	}
	raised := rel
	raised.Percentage, raised.UpdatedAt, raised.Revision = next, w.Now().UTC(), rel.Revision+1
	err = w.Store.PublishLaunch(ctx, rel, raised, l, []domain.LaunchStatus{domain.LaunchRollingOut}, domain.LaunchRollingOut,
		w.entry(string(domain.LaunchRollingOut), fmt.Sprintf("raised to %d%%", next)))
	if errors.Is(err, domain.ErrConflict) {
		return workflows.RolloutResult{}, fmt.Errorf("launch or release changed meanwhile: %w", err) // retried
	}
	if err != nil {
		return workflows.RolloutResult{}, err
	}
	return workflows.RolloutResult{Percentage: next, Done: next >= 100}, nil
}
