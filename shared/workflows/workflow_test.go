package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/localstack/emulator"
	"github.com/mpdp/platform/shared/provision"
	"github.com/mpdp/platform/shared/resources"
	wf "github.com/mpdp/platform/shared/workflows"
)

// outcomeDeadline bounds how long a case waits for its execution to end; the
// cases take a few seconds.
const outcomeDeadline = 30 * time.Second

// world is the emulator with the table, the task queue, the state machine
// and a worker: the test plays the workflow worker and the reviewers.
type world struct {
	emu    *emulator.Emulator
	ddb    *dynamodb.Client
	sfn    *sfn.Client
	runner *wf.Runner
	worker *worker
}

var (
	worldOnce sync.Once
	theWorld  *world
	worldErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theWorld != nil {
		theWorld.worker.stop()
		theWorld.emu.Stop()
	}
	os.Exit(code)
}

func setup(t *testing.T) *world {
	t.Helper()
	worldOnce.Do(func() { theWorld, worldErr = newWorld() })
	if errors.Is(worldErr, emulator.ErrNotInstalled) {
		t.Skip(worldErr)
	}
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return theWorld
}

func newWorld() (*world, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	emu, err := emulator.Start(ctx, emulator.Options{})
	if err != nil {
		return nil, err
	}
	w, err := provisionWorld(ctx, emu)
	if err != nil {
		emu.Stop()
		return nil, err
	}
	return w, nil
}

func provisionWorld(ctx context.Context, emu *emulator.Emulator) (*world, error) {
	cfg, err := emu.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	ddb := dynamodb.NewFromConfig(cfg)
	sq := sqs.NewFromConfig(cfg)
	sf := sfn.NewFromConfig(cfg)

	if _, err := ddb.CreateTable(ctx, provision.CreateTableInput(resources.Table)); err != nil {
		return nil, fmt.Errorf("create table: %w", err)
	}
	q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("mpdp-launch-tasks")})
	if err != nil {
		return nil, fmt.Errorf("create queue: %w", err)
	}
	def, err := wf.Definition(wf.Config{Table: resources.Table.Name, TaskQueueURL: aws.ToString(q.QueueUrl)})
	if err != nil {
		return nil, err
	}
	created, err := sf.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("mpdp-launch"),
		Definition: aws.String(def),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sfn"),
	})
	if err != nil {
		return nil, fmt.Errorf("create state machine: %w", err)
	}
	w := &world{emu: emu, ddb: ddb, sfn: sf, runner: wf.NewRunner(sf, aws.ToString(created.StateMachineArn))}
	w.worker = startWorker(sq, aws.ToString(q.QueueUrl), w.runner)
	return w, nil
}

// reply is how a scripted worker answers a task.
type reply struct {
	result  any    // SendTaskSuccess with this
	errCode string // or SendTaskFailure with this and cause
	cause   string
	ignore  bool // or no answer at all
}

// received is a task as the worker saw it.
type received struct {
	wf.Task
	at time.Time
}

// script answers one launch's tasks. It runs on its own goroutine per task.
type script func(task received, n int) reply

// worker receives the task queue and hands each task to its launch's script.
type worker struct {
	sqs    *sqs.Client
	url    string
	runner *wf.Runner
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	scripts map[string]script
	tasks   map[string][]received
	errs    map[string][]error
}

func startWorker(client *sqs.Client, url string, r *wf.Runner) *worker {
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{sqs: client, url: url, runner: r, cancel: cancel, done: make(chan struct{}),
		scripts: map[string]script{}, tasks: map[string][]received{}, errs: map[string][]error{}}
	go w.run(ctx)
	return w
}

func (w *worker) stop() {
	w.cancel()
	<-w.done
}

func (w *worker) run(ctx context.Context) {
	defer close(w.done)
	for ctx.Err() == nil {
		out, err := w.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(w.url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		})
		if err != nil {
			if ctx.Err() == nil {
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		at := time.Now()
		for _, m := range out.Messages {
			var task wf.Task
			w.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(w.url), ReceiptHandle: m.ReceiptHandle})
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &task); err != nil {
				w.mu.Lock()
				w.errs[""] = append(w.errs[""], fmt.Errorf("task message %s: %w", aws.ToString(m.Body), err))
				w.mu.Unlock()
				continue
			}
			w.mu.Lock()
			id := task.Input.LaunchID
			rec := received{Task: task, at: at}
			w.tasks[id] = append(w.tasks[id], rec)
			n := 0
			for _, t := range w.tasks[id] {
				if t.Kind == task.Kind {
					n++
				}
			}
			s := w.scripts[id]
			w.mu.Unlock()
			if s != nil {
				go w.answer(ctx, id, s(rec, n), task.TaskToken)
			}
		}
	}
}

func (w *worker) answer(ctx context.Context, id string, r reply, token string) {
	var err error
	switch {
	case r.ignore:
		return
	case r.errCode != "":
		err = w.runner.Fail(ctx, token, r.errCode, r.cause)
	default:
		err = w.runner.Succeed(ctx, token, r.result)
	}
	if err != nil {
		w.mu.Lock()
		w.errs[id] = append(w.errs[id], err)
		w.mu.Unlock()
	}
}

func (w *worker) handle(id string, s script) {
	w.mu.Lock()
	w.scripts[id] = s
	w.mu.Unlock()
}

func (w *worker) received(id string) ([]received, []error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.tasks[id]), slices.Clone(w.errs[id])
}

// kinds lists the kinds of tasks received, in order.
func kinds(tasks []received) []string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.Kind)
	}
	return out
}

var launchSeq atomic.Int64

// launch is one case's launch: its items are in the table and its script is
// registered; start starts its execution.
type launch struct {
	w  *world
	t  *testing.T
	in wf.Input
}

func (w *world) newLaunch(t *testing.T, strategy string, s script) *launch {
	t.Helper()
	n := launchSeq.Add(1)
	id := fmt.Sprintf("L%d-%d", n, time.Now().UnixNano())
	mp := fmt.Sprintf("mp%d", n)
	in := wf.Input{
		LaunchID: id, ApprovalID: "A" + id, WorkspaceID: "ws1", MiniProgramID: mp, Version: "1.0.0",
		Strategy: strategy,
		Key:      wf.ItemKey{PK: "MP#" + mp, SK: "LAUNCH#" + id},
		LockKey:  wf.ItemKey{PK: "MP#" + mp, SK: "ACTIVE_LAUNCH"},
		// Short timings; the review timeout is long enough not to fire unless a case wants it.
		ReviewTimeoutSeconds: 60, IntervalSeconds: 1, PausePollSeconds: 1, TaskTimeoutSeconds: 10,
	}
	l := &launch{w: w, t: t, in: in}
	l.putItem(in.Key, map[string]any{"launchId": id, "status": wf.StatusInReview, "strategy": strategy})
	l.putItem(in.LockKey, map[string]any{"launchId": id})
	w.worker.handle(id, s)
	return l
}

func (l *launch) putItem(k wf.ItemKey, attrs map[string]any) {
	l.t.Helper()
	attrs["pk"], attrs["sk"] = k.PK, k.SK
	item, err := attributevalue.MarshalMap(attrs)
	if err != nil {
		l.t.Fatal(err)
	}
	if _, err := l.w.ddb.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(resources.Table.Name), Item: item,
	}); err != nil {
		l.t.Fatal(err)
	}
}

func (l *launch) start() string {
	l.t.Helper()
	arn, err := l.w.runner.Start(context.Background(), l.in)
	if err != nil {
		l.t.Fatal(err)
	}
	return arn
}

// wait polls the execution until it ends and returns its status.
func (l *launch) wait(arn string) sfntypes.ExecutionStatus {
	l.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(outcomeDeadline)
	for {
		out, err := l.w.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			l.t.Fatal(err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out.Status
		}
		if time.Now().After(deadline) {
			l.dumpHistory(arn)
			l.t.Fatalf("execution still running after %v", outcomeDeadline)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (l *launch) dumpHistory(arn string) {
	out, err := l.w.sfn.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		l.t.Logf("history: %v", err)
		return
	}
	for _, e := range out.Events {
		b, _ := json.Marshal(e)
		l.t.Logf("%s", b)
	}
}

// causeKept reports whether the history shows a task failure with error
// errName and a cause.
func (l *launch) causeKept(arn, errName string) bool {
	l.t.Helper()
	out, err := l.w.sfn.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		l.t.Fatal(err)
	}
	for _, e := range out.Events {
		if d := e.TaskFailedEventDetails; d != nil && aws.ToString(d.Error) == errName && aws.ToString(d.Cause) != "" {
			return true
		}
	}
	return false
}

// expect waits for the execution's end and checks its status.
func (l *launch) expect(arn string, want sfntypes.ExecutionStatus) {
	l.t.Helper()
	if got := l.wait(arn); got != want {
		l.dumpHistory(arn)
		l.t.Fatalf("execution ended %s, want %s", got, want)
	}
}

type timelineEntry struct {
	Status string `dynamodbav:"status"`
	At     string `dynamodbav:"at"`
	By     string `dynamodbav:"by"`
	Note   string `dynamodbav:"note"`
}

type launchItem struct {
	Status    string          `dynamodbav:"status"`
	EndReason string          `dynamodbav:"endReason"`
	DecidedBy string          `dynamodbav:"decidedBy"`
	UpdatedAt string          `dynamodbav:"updatedAt"`
	Timeline  []timelineEntry `dynamodbav:"timeline"`
}

func (l *launch) item() launchItem {
	l.t.Helper()
	out, err := l.w.ddb.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(resources.Table.Name), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: l.in.Key.PK},
			"sk": &ddbtypes.AttributeValueMemberS{Value: l.in.Key.SK},
		},
	})
	if err != nil {
		l.t.Fatal(err)
	}
	var it launchItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		l.t.Fatal(err)
	}
	return it
}

// lockHolder returns the launch id in the lock item, or "" without one.
func (l *launch) lockHolder() string {
	l.t.Helper()
	out, err := l.w.ddb.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(resources.Table.Name), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: l.in.LockKey.PK},
			"sk": &ddbtypes.AttributeValueMemberS{Value: l.in.LockKey.SK},
		},
	})
	if err != nil {
		l.t.Fatal(err)
	}
	if out.Item == nil {
		return ""
	}
	id, _ := out.Item["launchId"].(*ddbtypes.AttributeValueMemberS)
	if id == nil {
		return "?"
	}
	return id.Value
}

// check compares the launch item's status, end reason and timeline statuses,
// and that the lock is gone.
func (l *launch) check(status, endReason string, timeline ...string) launchItem {
	l.t.Helper()
	it := l.item()
	if it.Status != status {
		l.t.Errorf("status = %q, want %q", it.Status, status)
	}
	if it.EndReason != endReason {
		l.t.Errorf("endReason = %q, want %q", it.EndReason, endReason)
	}
	var got []string
	for _, e := range it.Timeline {
		got = append(got, e.Status)
		if e.At == "" {
			l.t.Errorf("timeline entry %s has no time", e.Status)
		}
	}
	if !slices.Equal(got, timeline) {
		l.t.Errorf("timeline = %v, want %v", got, timeline)
	}
	if it.UpdatedAt == "" || len(it.Timeline) > 0 && it.UpdatedAt != it.Timeline[len(it.Timeline)-1].At {
		l.t.Errorf("updatedAt = %q, want the last entry's time", it.UpdatedAt)
	}
	if h := l.lockHolder(); h != "" {
		l.t.Errorf("the active-launch lock is still held by %q", h)
	}
	_, errs := l.w.worker.received(l.in.LaunchID)
	_, bad := l.w.worker.received("")
	for _, err := range append(errs, bad...) {
		l.t.Errorf("worker: %v", err)
	}
	return it
}

func approve(by string) reply {
	return reply{result: wf.ReviewResult{Decision: wf.DecisionApproved, By: by}}
}

func done(pct int) reply { return reply{result: wf.RolloutResult{Percentage: pct, Done: pct == 100}} }

func TestLaunchWorkflow(t *testing.T) {
	t.Parallel()
	w := setup(t)

	t.Run("approved and published", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyFull, func(task received, _ int) reply {
			if task.Kind == wf.TaskReview {
				return approve("reviewer1")
			}
			return done(100)
		})
		arn := l.start()
		l.expect(arn, sfntypes.ExecutionStatusSucceeded)
		l.check(wf.StatusCompleted, "", wf.StatusCompleted)
		tasks, _ := w.worker.received(l.in.LaunchID)
		if got := kinds(tasks); !slices.Equal(got, []string{wf.TaskReview, wf.TaskPublish}) {
			t.Errorf("tasks = %v", got)
		}
		// The publish task carries the input and the review.
		if pub := tasks[len(tasks)-1]; pub.Input.LaunchID != l.in.LaunchID || pub.Input.Key != l.in.Key || pub.TaskToken == "" {
			t.Errorf("publish task = %+v", pub.Task)
		}

		// The execution is over: its tokens are gone, and the wf.Runner says so.
		token := tasks[len(tasks)-1].TaskToken
		if err := w.runner.Succeed(context.Background(), token, done(100).result); !errors.Is(err, wf.ErrTaskGone) {
			t.Errorf("Succeed on a finished execution's token: %v, want ErrTaskGone", err)
		}
		// moto 5.2.1 accepts SendTaskFailure for any token it has seen, so only
		// an error other than ErrTaskGone is wrong here; TestTaskError covers the mapping.
		if err := w.runner.Fail(context.Background(), token, "Late", "too late"); err != nil && !errors.Is(err, wf.ErrTaskGone) {
			t.Errorf("Fail on a finished execution's token: %v, want ErrTaskGone", err)
		}
	})

	t.Run("rejected with a reason", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyFull, func(task received, _ int) reply {
			return reply{result: wf.ReviewResult{Decision: wf.DecisionRejected, By: "reviewer2", Reason: "crashes on start"}}
		})
		l.expect(l.start(), sfntypes.ExecutionStatusSucceeded)
		it := l.check(wf.StatusRejected, "crashes on start", wf.StatusRejected)
		if it.DecidedBy != "reviewer2" {
			t.Errorf("decidedBy = %q", it.DecidedBy)
		}
		if last := it.Timeline[len(it.Timeline)-1]; last.By != "reviewer2" || last.Note != "crashes on start" {
			t.Errorf("timeline entry = %+v", last)
		}
	})

	t.Run("withdrawn without a reason", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyFull, func(task received, _ int) reply {
			return reply{result: wf.ReviewResult{Decision: wf.DecisionWithdrawn, By: "dev1"}}
		})
		l.expect(l.start(), sfntypes.ExecutionStatusSucceeded)
		it := l.check(wf.StatusWithdrawn, "", wf.StatusWithdrawn)
		if last := it.Timeline[len(it.Timeline)-1]; it.DecidedBy != "dev1" || last.By != "dev1" || last.Note != "" {
			t.Errorf("decidedBy = %q, timeline entry = %+v", it.DecidedBy, last)
		}
	})

	t.Run("review times out", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyFull, func(received, int) reply { return reply{ignore: true} })
		l.in.ReviewTimeoutSeconds = 2
		l.expect(l.start(), sfntypes.ExecutionStatusSucceeded)
		it := l.check(wf.StatusExpired, wf.ExpiredReason, wf.StatusExpired)
		if it.DecidedBy != "" {
			t.Errorf("decidedBy = %q", it.DecidedBy)
		}
		// A reviewer deciding after the expiry is told it is too late.
		tasks, _ := w.worker.received(l.in.LaunchID)
		if len(tasks) != 1 {
			t.Fatalf("tasks = %v", kinds(tasks))
		}
		late := wf.ReviewResult{Decision: wf.DecisionApproved, By: "reviewer1"}
		err := w.runner.Succeed(context.Background(), tasks[0].TaskToken, late)
		// moto walks its running executions without a lock, so while the other
		// parallel cases run it can answer 500; ask again rather than read that as an answer.
		for i := 0; i < 5 && serverFault(err); i++ {
			time.Sleep(200 * time.Millisecond)
			err = w.runner.Succeed(context.Background(), tasks[0].TaskToken, late)
		}
		if !errors.Is(err, wf.ErrTaskGone) {
			t.Errorf("a decision after the expiry: %v, want ErrTaskGone", err)
		}
	})

	t.Run("scheduled release", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyFull, func(task received, _ int) reply {
			if task.Kind == wf.TaskReview {
				return approve("reviewer1")
			}
			return done(100)
		})
		releaseAt := time.Now().Add(3 * time.Second)
		l.in.ReleaseAt = wf.ReleaseTime(releaseAt)
		release, _ := time.Parse(time.RFC3339, l.in.ReleaseAt)
		l.expect(l.start(), sfntypes.ExecutionStatusSucceeded)
		l.check(wf.StatusCompleted, "", wf.StatusScheduled, wf.StatusCompleted)
		tasks, _ := w.worker.received(l.in.LaunchID)
		if got := kinds(tasks); !slices.Equal(got, []string{wf.TaskReview, wf.TaskPublish}) {
			t.Fatalf("tasks = %v", got)
		}
		// moto 5.2.1 waits int(releaseAt - now) seconds, so it may wake up to
		// a second early; Step Functions itself only promises the second.
		pub := tasks[1].at
		if pub.Before(release.Add(-time.Second)) {
			t.Errorf("publish asked at %s, before the release at %s", pub.Format(time.RFC3339Nano), l.in.ReleaseAt)
		}
		t.Logf("publish asked %v after releaseAt", pub.Sub(release).Round(time.Millisecond))
	})

	t.Run("phased rollout with a pause", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyPhased, func(task received, n int) reply {
			switch task.Kind {
			case wf.TaskReview:
				return approve("reviewer1")
			case wf.TaskPublish:
				return done(task.Input.Steps[0])
			}
			if task.Kind == wf.TaskAwaitResume {
				return reply{result: struct{}{}} // resumed
			}
			switch n {
			case 1:
				return done(50)
			case 2:
				return reply{result: wf.RolloutResult{Percentage: 50, Paused: true}}
			}
			return done(100)
		})
		l.in.Steps = []int{10, 50, 100}
		l.expect(l.start(), sfntypes.ExecutionStatusSucceeded)
		l.check(wf.StatusCompleted, "", wf.StatusCompleted)
		tasks, _ := w.worker.received(l.in.LaunchID)
		want := []string{wf.TaskReview, wf.TaskPublish, wf.TaskAdvance, wf.TaskAdvance, wf.TaskAwaitResume, wf.TaskAdvance}
		if got := kinds(tasks); !slices.Equal(got, want) {
			t.Errorf("tasks = %v, want %v", got, want)
		}
		if last := tasks[len(tasks)-1]; !slices.Equal(last.Input.Steps, []int{10, 50, 100}) {
			t.Errorf("advance task steps = %v", last.Input.Steps)
		}
	})

	// A paused rollout waits for its resume on a task token, so a resume after
	// the step's wait ended moves it on at once, not after pausePollSeconds.
	t.Run("resume reaches a paused rollout at once", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyPhased, func(task received, n int) reply {
			switch task.Kind {
			case wf.TaskReview:
				return approve("reviewer1")
			case wf.TaskPublish:
				return done(10)
			case wf.TaskAwaitResume:
				return reply{ignore: true} // the test resumes it below
			}
			if n == 1 {
				return reply{result: wf.RolloutResult{Percentage: 10, Paused: true}}
			}
			return done(100)
		})
		l.in.Steps = []int{10, 100}
		l.in.PausePollSeconds = 600 // far beyond the deadlines below: only the resume can move it on
		arn := l.start()
		var token string
		for deadline := time.Now().Add(outcomeDeadline); token == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			tasks, _ := w.worker.received(l.in.LaunchID)
			for _, task := range tasks {
				if task.Kind == wf.TaskAwaitResume {
					token = task.TaskToken
				}
			}
		}
		if token == "" {
			tasks, _ := w.worker.received(l.in.LaunchID)
			t.Fatalf("the paused rollout asked for no resume; tasks %v", kinds(tasks))
		}
		if err := w.runner.Succeed(context.Background(), token, struct{}{}); err != nil {
			t.Fatal(err)
		}
		l.expect(arn, sfntypes.ExecutionStatusSucceeded)
		tasks, _ := w.worker.received(l.in.LaunchID)
		want := []string{wf.TaskReview, wf.TaskPublish, wf.TaskAdvance, wf.TaskAwaitResume, wf.TaskAdvance}
		if got := kinds(tasks); !slices.Equal(got, want) {
			t.Errorf("tasks = %v, want %v", got, want)
		}
	})

	// Without a resume, the paused state looks again after pausePollSeconds.
	t.Run("a pause without a resume looks again", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyPhased, func(task received, n int) reply {
			switch task.Kind {
			case wf.TaskReview:
				return approve("reviewer1")
			case wf.TaskPublish:
				return done(10)
			case wf.TaskAwaitResume:
				return reply{ignore: true}
			}
			if n == 1 {
				return reply{result: wf.RolloutResult{Percentage: 10, Paused: true}}
			}
			return done(100)
		})
		l.in.Steps = []int{10, 100}
		l.expect(l.start(), sfntypes.ExecutionStatusSucceeded)
		tasks, _ := w.worker.received(l.in.LaunchID)
		want := []string{wf.TaskReview, wf.TaskPublish, wf.TaskAdvance, wf.TaskAwaitResume, wf.TaskAdvance}
		if got := kinds(tasks); !slices.Equal(got, want) {
			t.Errorf("tasks = %v, want %v", got, want)
		}
	})

	t.Run("publish keeps failing", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyFull, func(task received, _ int) reply {
			if task.Kind == wf.TaskReview {
				return approve("reviewer1")
			}
			return reply{errCode: "PublishFailed", cause: "package missing"}
		})
		arn := l.start()
		l.expect(arn, sfntypes.ExecutionStatusFailed)
		if os.Getenv("WF_DEBUG") != "" {
			l.dumpHistory(arn)
		}
		// moto 5.2.1 drops SendTaskFailure's cause; the launch then records the error name.
		reason := "package missing"
		if !l.causeKept(arn, "PublishFailed") {
			t.Log("the emulator dropped the cause of SendTaskFailure: expecting the error name as the reason")
			reason = "PublishFailed"
		}
		it := l.check(wf.StatusFailed, reason, wf.StatusFailed)
		if last := it.Timeline[len(it.Timeline)-1]; last.Note != reason {
			t.Errorf("timeline entry = %+v", last)
		}
		tasks, _ := w.worker.received(l.in.LaunchID)
		want := []string{wf.TaskReview, wf.TaskPublish, wf.TaskPublish, wf.TaskPublish}
		if got := kinds(tasks); !slices.Equal(got, want) {
			t.Errorf("tasks = %v, want %v (one try and %d retries)", got, want, wf.PublishRetries)
		}
	})

	t.Run("started twice", func(t *testing.T) {
		t.Parallel()
		decide := make(chan struct{})
		l := w.newLaunch(t, wf.StrategyFull, func(task received, _ int) reply {
			<-decide
			return reply{result: wf.ReviewResult{Decision: wf.DecisionWithdrawn, By: "dev1", Reason: "changed my mind"}}
		})
		first := l.start()
		second := l.start()
		close(decide)
		if first != second {
			t.Errorf("second start: %s, want %s", second, first)
		}
		want, _ := wf.ExecutionARN(w.runner.StateMachineARN(), l.in.LaunchID)
		if first != want {
			t.Errorf("execution ARN = %s, want %s", first, want)
		}
		l.expect(first, sfntypes.ExecutionStatusSucceeded)
		// Once it has ended, starting again still names the same execution.
		if again := l.start(); again != first {
			t.Errorf("start after the end: %s, want %s", again, first)
		}
		out, err := w.sfn.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(w.runner.StateMachineARN())})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range out.Executions {
			if aws.ToString(e.Name) == l.in.LaunchID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d executions named %s, want 1", n, l.in.LaunchID)
		}
		tasks, _ := w.worker.received(l.in.LaunchID)
		if got := kinds(tasks); !slices.Equal(got, []string{wf.TaskReview}) {
			t.Errorf("tasks = %v", got)
		}
		l.check(wf.StatusWithdrawn, "changed my mind", wf.StatusWithdrawn)
	})

	t.Run("lock held by another launch is kept", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyFull, func(task received, _ int) reply {
			return reply{result: wf.ReviewResult{Decision: wf.DecisionRejected, By: "reviewer2"}}
		})
		l.putItem(l.in.LockKey, map[string]any{"launchId": "someone-else"})
		l.expect(l.start(), sfntypes.ExecutionStatusSucceeded)
		if it := l.item(); it.Status != wf.StatusRejected || it.EndReason != "" {
			t.Errorf("launch = %+v", it)
		}
		if h := l.lockHolder(); h != "someone-else" {
			t.Errorf("lock holder = %q, want someone-else", h)
		}
	})

	t.Run("launch item missing", func(t *testing.T) {
		t.Parallel()
		l := w.newLaunch(t, wf.StrategyFull, func(received, int) reply { return reply{ignore: true} })
		_, err := w.ddb.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
			TableName: aws.String(resources.Table.Name),
			Key: map[string]ddbtypes.AttributeValue{
				"pk": &ddbtypes.AttributeValueMemberS{Value: l.in.Key.PK},
				"sk": &ddbtypes.AttributeValueMemberS{Value: l.in.Key.SK},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		l.expect(l.start(), sfntypes.ExecutionStatusFailed)
		if it := l.item(); it.Status != "" {
			t.Errorf("the state machine created a launch item: %+v", it)
		}
		if h := l.lockHolder(); h != "" {
			t.Errorf("lock still held by %q", h)
		}
		if tasks, _ := w.worker.received(l.in.LaunchID); len(tasks) > 0 {
			t.Errorf("tasks = %v", kinds(tasks))
		}
	})

	t.Run("invalid input is refused", func(t *testing.T) {
		t.Parallel()
		in := wf.Input{LaunchID: "bad", Key: wf.ItemKey{PK: "MP#x", SK: "LAUNCH#bad"}, LockKey: wf.ItemKey{PK: "MP#x", SK: "ACTIVE_LAUNCH"},
			ReleaseAt: "2030-01-01T08:00:00+08:00"}
		if _, err := w.runner.Start(context.Background(), in); err == nil || !strings.Contains(err.Error(), "releaseAt") {
			t.Errorf("Start = %v, want a releaseAt error", err)
		}
	})
}

// serverFault reports whether err is the service's fault (5xx), not an answer.
func serverFault(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() >= 500
}
