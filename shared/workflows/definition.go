package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Defaults for the timing fields of Input; WithDefaults fills them in.
const (
	DefaultReviewTimeout = 7 * 24 * time.Hour
	DefaultInterval      = 24 * time.Hour
	DefaultPausePoll     = time.Hour
	DefaultTaskTimeout   = 5 * time.Minute
)

// Strategies (the same values as domain.Strategy).
const (
	StrategyFull    = "full"
	StrategyPhased  = "phased"
	StrategyTesters = "testers"
)

// DefaultSteps are a phased rollout's percentages unless the launch names its own.
var DefaultSteps = []int{1, 2, 5, 10, 20, 50, 100}

// Retry policy of the publish and advance tasks: after a failure or a timeout
// the task is sent again PublishRetries times, waiting PublishRetryInterval,
// then twice that, and so on.
const (
	PublishRetries       = 2
	PublishRetryInterval = 2 * time.Second
	publishBackoffRate   = 2.0
)

// Error names the state machine itself reports.
const (
	// ErrorInvalidReview ends a launch whose review result the definition cannot use.
	ErrorInvalidReview = "Launch.InvalidReview"
	// ErrorLaunchMissing ends a launch whose item is gone from the table.
	ErrorLaunchMissing = "Launch.ItemMissing"
	// ErrorLaunchFailed is the error of a failed execution.
	ErrorLaunchFailed = "Launch.Failed"
)

// ExpiredReason is the endReason of a launch whose review timed out.
const ExpiredReason = "review timed out"

// WithDefaults returns in with every zero timing field set to its default and,
// for a phased launch without steps, the default steps.
func (in Input) WithDefaults() Input {
	def := func(v *int, d time.Duration) {
		if *v <= 0 {
			*v = int(d / time.Second)
		}
	}
	def(&in.ReviewTimeoutSeconds, DefaultReviewTimeout)
	def(&in.IntervalSeconds, DefaultInterval)
	def(&in.PausePollSeconds, DefaultPausePoll)
	def(&in.TaskTimeoutSeconds, DefaultTaskTimeout)
	if in.Strategy == StrategyPhased && len(in.Steps) == 0 {
		in.Steps = slices.Clone(DefaultSteps)
	}
	return in
}

// ReleaseTime formats t as the state machine's Wait state needs it: UTC,
// whole seconds, "Z" (Step Functions' TimestampPath accepts only RFC 3339 with
// an upper-case T and Z). A fraction of a second is rounded up, so that the
// release never happens before t.
func ReleaseTime(t time.Time) string {
	t = t.UTC()
	if s := t.Truncate(time.Second); !s.Equal(t) {
		t = s.Add(time.Second)
	}
	return t.Format(time.RFC3339)
}

// State names. Every end goes through DeleteActiveLock, which releases the mini
// program for its next launch, then to LaunchSucceeded or LaunchFailed.
const (
	stMarkInReview        = "MarkInReview"
	stAwaitReview         = "AwaitReview"
	stReviewDecision      = "ReviewDecision"
	stMarkScheduled       = "MarkScheduled"
	stWaitForRelease      = "WaitForRelease"
	stPublish             = "Publish"
	stCheckRollout        = "CheckRollout"
	stWaitInterval        = "WaitInterval"
	stAdvance             = "Advance"
	stWaitPaused          = "WaitPaused"
	stMarkCompleted       = "MarkCompleted"
	stMarkRejected        = "MarkRejected"
	stMarkRejectedNoNote  = "MarkRejectedWithoutReason"
	stMarkWithdrawn       = "MarkWithdrawn"
	stMarkWithdrawnNoNote = "MarkWithdrawnWithoutReason"
	stMarkExpired         = "MarkExpired"
	stInvalidReview       = "InvalidReview"
	stLaunchItemMissing   = "LaunchItemMissing"
	stCheckFailure        = "CheckFailure"
	stMarkFailed          = "MarkFailed"
	stMarkFailedNoCause   = "MarkFailedWithoutCause"
	stDeleteActiveLock    = "DeleteActiveLock"
	stHasApproval         = "HasApproval"
	stExpireApproval      = "ExpireApproval"
	stCheckEnd            = "CheckEnd"
	stLaunchSucceeded     = "LaunchSucceeded"
	stLaunchFailed        = "LaunchFailed"
)

// Paths in the execution's data. The input stays at $; states add their
// results beside it.
const (
	pReview        = "$.review"             // ReviewResult
	pRollout       = "$.rollout"            // RolloutResult of the latest publish or advance
	pError         = "$.error"              // {Error, Cause}: set only when the launch fails
	pReviewTimeout = "$.reviewTimeout"      // {Error, Cause} of the review's timeout
	pLockMissing   = "$.lockMissing"        // the lock was gone or held by another launch
	pNotExpired    = "$.approvalNotExpired" // the approval was decided at the last moment
	pPauseTimeout  = "$.pauseTimeout"       // {Error, Cause} of the latest pause that timed out without a resume
)

// Amazon States Language, as much of it as the definition uses.
type (
	stateMachine struct {
		Comment string           `json:"Comment,omitempty"`
		StartAt string           `json:"StartAt"`
		States  map[string]state `json:"States"`
	}

	state struct {
		Type               string         `json:"Type"`
		Comment            string         `json:"Comment,omitempty"`
		Resource           string         `json:"Resource,omitempty"`
		Parameters         map[string]any `json:"Parameters,omitempty"`
		Result             any            `json:"Result,omitempty"`
		ResultPath         any            `json:"ResultPath,omitempty"` // a path, or discard
		TimeoutSecondsPath string         `json:"TimeoutSecondsPath,omitempty"`
		SecondsPath        string         `json:"SecondsPath,omitempty"`
		TimestampPath      string         `json:"TimestampPath,omitempty"`
		Choices            []rule         `json:"Choices,omitempty"`
		Default            string         `json:"Default,omitempty"`
		Retry              []retrier      `json:"Retry,omitempty"`
		Catch              []catcher      `json:"Catch,omitempty"`
		Error              string         `json:"Error,omitempty"`
		Cause              string         `json:"Cause,omitempty"`
		Next               string         `json:"Next,omitempty"`
		End                bool           `json:"End,omitempty"`
	}

	retrier struct {
		ErrorEquals     []string `json:"ErrorEquals"`
		IntervalSeconds int      `json:"IntervalSeconds"`
		MaxAttempts     int      `json:"MaxAttempts"`
		BackoffRate     float64  `json:"BackoffRate"`
	}

	catcher struct {
		ErrorEquals []string `json:"ErrorEquals"`
		ResultPath  string   `json:"ResultPath"`
		Next        string   `json:"Next"`
	}

	// rule is a Choice rule: a comparison, or And / Not of rules, plus Next at the top level.
	rule map[string]any
)

// discard is ResultPath null: the state's result is dropped and its input passes on.
var discard = json.RawMessage("null")

const (
	errAll                = "States.ALL"
	errTaskFailed         = "States.TaskFailed"
	errTimeout            = "States.Timeout"
	errConditionalCheck   = "DynamoDB.ConditionalCheckFailedException"
	resourceUpdateItem    = "arn:aws:states:::dynamodb:updateItem"
	resourceDeleteItem    = "arn:aws:states:::dynamodb:deleteItem"
	resourceSendWithToken = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
	pathEnteredTime       = "$$.State.EnteredTime"
	pathTaskToken         = "$$.Task.Token"
)

// dynamoRetry retries the DynamoDB errors that go away by themselves.
var dynamoRetry = []retrier{{
	ErrorEquals: []string{
		"DynamoDB.ProvisionedThroughputExceededException",
		"DynamoDB.ThrottlingException",
		"DynamoDB.RequestLimitExceeded",
		"DynamoDB.InternalServerErrorException",
		"DynamoDB.AmazonDynamoDBException",
	},
	IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2,
}}

// Definition returns the launch workflow's state machine in Amazon States
// Language. The CDK app and the local provisioning both deploy it; cfg's
// values may be CDK tokens.
func Definition(cfg Config) (string, error) {
	if cfg.Table == "" || cfg.TaskQueueURL == "" {
		return "", errors.New("workflows: Config needs Table and TaskQueueURL")
	}
	sm := build(cfg)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sm); err != nil {
		return "", fmt.Errorf("workflows: encode definition: %w", err)
	}
	return buf.String(), nil
}

func build(cfg Config) stateMachine {
	s := map[string]state{}

	// Review.
	s[stMarkInReview] = mark(cfg, StatusInReview, entryFields{none: true}, nil, stAwaitReview,
		"The launch is in review. Its timeline already starts with the submission, written when the launch was created (the decision may even come first), so this adds no entry.")
	s[stAwaitReview] = state{
		Type:     "Task",
		Comment:  "A reviewer decides: the review task's token is stored on the approval, and the decision (or the developer's withdrawal) completes it.",
		Resource: resourceSendWithToken,
		Parameters: map[string]any{
			"QueueUrl":    cfg.TaskQueueURL,
			"MessageBody": taskBody(TaskReview),
		},
		TimeoutSecondsPath: "$.reviewTimeoutSeconds",
		ResultPath:         pReview,
		Catch: []catcher{
			{ErrorEquals: []string{errTimeout}, ResultPath: pReviewTimeout, Next: stMarkExpired},
			{ErrorEquals: []string{errAll}, ResultPath: pError, Next: stCheckFailure},
		},
		Next: stReviewDecision,
	}
	decided := func(decision string) rule { return strEq("$.review.decision", decision) }
	hasBy := isPresent("$.review.by")
	hasReason := isPresent("$.review.reason")
	s[stReviewDecision] = state{
		Type: "Choice",
		Choices: []rule{
			next(and(decided(DecisionApproved), isPresent("$.releaseAt")), stMarkScheduled),
			next(decided(DecisionApproved), stPublish),
			next(and(decided(DecisionRejected), hasBy, hasReason), stMarkRejected),
			next(and(decided(DecisionRejected), hasBy), stMarkRejectedNoNote),
			next(and(decided(DecisionWithdrawn), hasBy, hasReason), stMarkWithdrawn),
			next(and(decided(DecisionWithdrawn), hasBy), stMarkWithdrawnNoNote),
		},
		Default: stInvalidReview,
	}
	s[stInvalidReview] = state{
		Type:       "Pass",
		Comment:    "The review result is not one the definition understands: the launch fails.",
		Result:     map[string]string{"Error": ErrorInvalidReview, "Cause": "the review result has no known decision, or no reviewer"},
		ResultPath: pError,
		Next:       stCheckFailure,
	}

	// Decisions that end the launch.
	for _, d := range []struct {
		name, noReason, status string
	}{
		{stMarkRejected, stMarkRejectedNoNote, StatusRejected},
		{stMarkWithdrawn, stMarkWithdrawnNoNote, StatusWithdrawn},
	} {
		s[d.name] = mark(cfg, d.status, entryFields{by: "$.review.by", note: "$.review.reason"},
			map[string]string{"endReason": "$.review.reason", "decidedBy": "$.review.by"}, stDeleteActiveLock, "")
		s[d.noReason] = mark(cfg, d.status, entryFields{by: "$.review.by"},
			map[string]string{"decidedBy": "$.review.by"}, stDeleteActiveLock, "")
	}
	s[stMarkExpired] = mark(cfg, StatusExpired, entryFields{noteLiteral: ExpiredReason},
		map[string]string{"endReason": "=" + ExpiredReason}, stHasApproval,
		"Nobody decided within reviewTimeoutSeconds.")
	s[stHasApproval] = state{
		Type:    "Choice",
		Choices: []rule{next(isPresent("$.approval.key.pk"), stExpireApproval)},
		Default: stDeleteActiveLock,
	}
	s[stExpireApproval] = state{
		Type:     "Task",
		Comment:  "The approval expires with the launch, so a late decision is refused and the approvals center shows it.",
		Resource: resourceUpdateItem,
		Parameters: map[string]any{
			"TableName": cfg.Table,
			"Key":       keyOf("$.approval.key"),
			"UpdateExpression": "SET #status = :expired, #reason = :reason, decidedAt = :now, gsi1pk = :byStatus, " +
				"gsi2pk = :byTypeStatus, #version = #version + :one",
			"ConditionExpression":      "#status = :inReview",
			"ExpressionAttributeNames": map[string]string{"#status": "status", "#reason": "reason", "#version": "version"},
			"ExpressionAttributeValues": map[string]any{
				":expired": map[string]any{"S": "expired"}, ":inReview": map[string]any{"S": "in_review"},
				":reason": map[string]any{"S": ExpiredReason}, ":now": str(pathEnteredTime), ":one": map[string]any{"N": "1"},
				":byStatus": str("$.approval.expiredByStatus"), ":byTypeStatus": str("$.approval.expiredByTypeStatus"),
			},
		},
		ResultPath: discard,
		Retry:      dynamoRetry,
		// Decided at the last moment, or gone: the launch still ends.
		Catch: []catcher{{ErrorEquals: []string{errAll}, ResultPath: pNotExpired, Next: stDeleteActiveLock}},
		Next:  stDeleteActiveLock,
	}

	// Release.
	s[stMarkScheduled] = mark(cfg, StatusScheduled, entryFields{}, nil, stWaitForRelease,
		"Approved with a release time.")
	s[stWaitForRelease] = state{
		Type:          "Wait",
		Comment:       "releaseAt is UTC with a Z (see ReleaseTime); a time in the past does not wait.",
		TimestampPath: "$.releaseAt",
		Next:          stPublish,
	}
	s[stPublish] = rolloutTask(cfg, TaskPublish,
		"The worker sets the mini program's release: 100 % for full and testers launches, the first step for a phased one.")
	s[stCheckRollout] = state{
		Type: "Choice",
		Choices: []rule{
			next(and(isPresent("$.rollout.done"), boolEq("$.rollout.done", true)), stMarkCompleted),
			next(and(isPresent("$.rollout.paused"), boolEq("$.rollout.paused", true)), stWaitPaused),
		},
		Default: stWaitInterval,
	}
	s[stWaitInterval] = state{Type: "Wait", SecondsPath: "$.intervalSeconds", Next: stAdvance}
	s[stWaitPaused] = state{
		Type: "Task",
		Comment: "The rollout is paused: the worker stores this task's token on the launch and resuming answers it, so the " +
			"next step follows at once. After pausePollSeconds without a resume, Advance looks again (and finds it paused or not).",
		Resource: resourceSendWithToken,
		Parameters: map[string]any{
			"QueueUrl":    cfg.TaskQueueURL,
			"MessageBody": taskBody(TaskAwaitResume),
		},
		TimeoutSecondsPath: "$.pausePollSeconds",
		ResultPath:         discard,
		Catch: []catcher{
			{ErrorEquals: []string{errTimeout}, ResultPath: pPauseTimeout, Next: stAdvance},
			{ErrorEquals: []string{errAll}, ResultPath: pError, Next: stCheckFailure},
		},
		Next: stAdvance,
	}
	s[stAdvance] = rolloutTask(cfg, TaskAdvance,
		"The worker raises the percentage to the next step, unless the rollout is paused.")
	s[stMarkCompleted] = mark(cfg, StatusCompleted, entryFields{}, nil, stDeleteActiveLock, "")

	// Failure.
	s[stCheckFailure] = state{
		Type: "Choice",
		Choices: []rule{
			next(and(isPresent("$.error.Cause"), isString("$.error.Cause"), not(strEq("$.error.Cause", ""))), stMarkFailed),
		},
		Default: stMarkFailedNoCause,
	}
	s[stMarkFailed] = mark(cfg, StatusFailed, entryFields{note: "$.error.Cause"},
		map[string]string{"endReason": "$.error.Cause"}, stDeleteActiveLock, "")
	s[stMarkFailedNoCause] = mark(cfg, StatusFailed, entryFields{note: "$.error.Error"},
		map[string]string{"endReason": "$.error.Error"}, stDeleteActiveLock, "")
	s[stLaunchItemMissing] = state{
		Type:       "Pass",
		Result:     map[string]string{"Error": ErrorLaunchMissing, "Cause": "the launch item is not in the table"},
		ResultPath: pError,
		Next:       stDeleteActiveLock,
	}

	// The one way out.
	s[stDeleteActiveLock] = state{
		Type:     "Task",
		Comment:  "Release the mini program's active-launch lock if this launch still holds it.",
		Resource: resourceDeleteItem,
		Parameters: map[string]any{
			"TableName":                 cfg.Table,
			"Key":                       keyOf("$.lockKey"),
			"ConditionExpression":       "launchId = :id",
			"ExpressionAttributeValues": map[string]any{":id": str("$.launchId")},
		},
		ResultPath: discard,
		Retry:      dynamoRetry,
		Catch: []catcher{
			{ErrorEquals: []string{errConditionalCheck}, ResultPath: pLockMissing, Next: stCheckEnd},
		},
		Next: stCheckEnd,
	}
	s[stCheckEnd] = state{
		Type:    "Choice",
		Choices: []rule{next(isPresent(pError), stLaunchFailed)},
		Default: stLaunchSucceeded,
	}
	s[stLaunchSucceeded] = state{Type: "Succeed"}
	s[stLaunchFailed] = state{
		Type:  "Fail",
		Error: ErrorLaunchFailed,
		Cause: "the launch failed: its item's endReason says why",
	}

	return stateMachine{
		Comment: "Launch workflow: review, optional scheduled release, publish, staged rollout.",
		StartAt: stMarkInReview,
		States:  s,
	}
}

// taskBody is a Task message: kind, this task's token and the execution data.
func taskBody(kind string) map[string]any {
	return map[string]any{"kind": kind, "taskToken.$": pathTaskToken, "input.$": "$"}
}

// rolloutTask is the publish or advance task: retried, and the launch fails
// once the retries are spent.
func rolloutTask(cfg Config, kind, comment string) state {
	return state{
		Type:     "Task",
		Comment:  comment,
		Resource: resourceSendWithToken,
		Parameters: map[string]any{
			"QueueUrl":    cfg.TaskQueueURL,
			"MessageBody": taskBody(kind),
		},
		TimeoutSecondsPath: "$.taskTimeoutSeconds",
		ResultPath:         pRollout,
		Retry: []retrier{{
			ErrorEquals:     []string{errTaskFailed, errTimeout},
			IntervalSeconds: int(PublishRetryInterval / time.Second),
			MaxAttempts:     PublishRetries,
			BackoffRate:     publishBackoffRate,
		}},
		Catch: []catcher{{ErrorEquals: []string{errAll}, ResultPath: pError, Next: stCheckFailure}},
		Next:  stCheckRollout,
	}
}

// entryFields are the optional fields of a timeline entry: paths, or for
// noteLiteral a fixed text.
type entryFields struct {
	by, note, noteLiteral string
	// none: the status changes without a timeline entry.
	none bool
}

// mark is an updateItem on the launch: status, updatedAt, a timeline entry and
// the given attributes (name → path, or "=text" for a fixed text). A launch
// item that is gone ends the launch; any other error that outlasts the retries
// fails it, still releasing the lock.
func mark(cfg Config, status string, entry entryFields, attrs map[string]string, nextState, comment string) state {
	names := map[string]string{"#status": "status", "#updatedAt": "updatedAt", "#timeline": "timeline"}
	values := map[string]any{
		":status": map[string]any{"S": status},
		":now":    str(pathEnteredTime),
		":empty":  map[string]any{"L": []any{}},
	}
	e := map[string]any{"status": map[string]any{"S": status}, "at": str(pathEnteredTime)}
	if entry.by != "" {
		e["by"] = str(entry.by)
	}
	switch {
	case entry.note != "":
		e["note"] = str(entry.note)
	case entry.noteLiteral != "":
		e["note"] = map[string]any{"S": entry.noteLiteral}
	}
	values[":entry"] = map[string]any{"L": []any{map[string]any{"M": e}}}

	expr := "SET #status = :status, #updatedAt = :now, #timeline = list_append(if_not_exists(#timeline, :empty), :entry)"
	if entry.none {
		delete(names, "#timeline")
		delete(values, ":entry")
		delete(values, ":empty")
		expr = "SET #status = :status, #updatedAt = :now"
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := attrs[k]
		names["#"+k] = k
		if len(v) > 0 && v[0] == '=' {
			values[":"+k] = map[string]any{"S": v[1:]}
		} else {
			values[":"+k] = str(v)
		}
		expr += fmt.Sprintf(", #%s = :%s", k, k)
	}

	return state{
		Type:     "Task",
		Comment:  comment,
		Resource: resourceUpdateItem,
		Parameters: map[string]any{
			"TableName":                 cfg.Table,
			"Key":                       keyOf("$.key"),
			"UpdateExpression":          expr,
			"ConditionExpression":       "attribute_exists(pk)",
			"ExpressionAttributeNames":  names,
			"ExpressionAttributeValues": values,
		},
		ResultPath: discard,
		Retry:      dynamoRetry,
		Catch: []catcher{
			{ErrorEquals: []string{errConditionalCheck}, ResultPath: pError, Next: stLaunchItemMissing},
			{ErrorEquals: []string{errAll}, ResultPath: pError, Next: stDeleteActiveLock},
		},
		Next: nextState,
	}
}

// keyOf is a table key read from an ItemKey at path.
func keyOf(path string) map[string]any {
	return map[string]any{"pk": str(path + ".pk"), "sk": str(path + ".sk")}
}

// str is a DynamoDB string attribute value read from path.
func str(path string) map[string]any { return map[string]any{"S.$": path} }

func isPresent(v string) rule      { return rule{"Variable": v, "IsPresent": true} }
func isString(v string) rule       { return rule{"Variable": v, "IsString": true} }
func strEq(v, s string) rule       { return rule{"Variable": v, "StringEquals": s} }
func boolEq(v string, b bool) rule { return rule{"Variable": v, "BooleanEquals": b} }
func not(r rule) rule              { return rule{"Not": r} }
func and(rs ...rule) rule          { return rule{"And": rs} }

// next is r with its Next state.
func next(r rule, state string) rule {
	c := maps.Clone(r)
	c["Next"] = state
	return c
}
