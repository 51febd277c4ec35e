package domain

import (
	"slices"
	"strings"
	"time"
)

// Strategy is how an approved version is released.
type Strategy string

const (
	StrategyFull    Strategy = "full"    // everyone at once
	StrategyPhased  Strategy = "phased"  // a growing share of users, step by step
	StrategyTesters Strategy = "testers" // the tester whitelist only
)

// LaunchStatus is where a launch stands. The state machine, its worker and the
// API each write some of them; every change is also in the launch's timeline.
type LaunchStatus string

const (
	LaunchInReview   LaunchStatus = "in_review"
	LaunchRejected   LaunchStatus = "rejected"
	LaunchWithdrawn  LaunchStatus = "withdrawn"
	LaunchExpired    LaunchStatus = "expired"
	LaunchScheduled  LaunchStatus = "scheduled"   // approved, waiting for its release time
	LaunchRollingOut LaunchStatus = "rolling_out" // phased, below 100 %
	LaunchPaused     LaunchStatus = "paused"      // phased, held at its percentage
	LaunchCompleted  LaunchStatus = "completed"
	LaunchFailed     LaunchStatus = "failed"
)

// LaunchStatuses lists the statuses, for filters.
var LaunchStatuses = []LaunchStatus{LaunchInReview, LaunchRejected, LaunchWithdrawn, LaunchExpired, LaunchScheduled,
	LaunchRollingOut, LaunchPaused, LaunchCompleted, LaunchFailed}

// DefaultSteps are a phased rollout's percentages unless the launch names its own.
var DefaultSteps = []int{1, 2, 5, 10, 20, 50, 100}

// DefaultInterval is the wait between phased steps.
const DefaultInterval = 24 * time.Hour

// TimelineEntry is one change of a launch's status.
type TimelineEntry struct {
	Status string `json:"status" dynamodbav:"status"`
	At     string `json:"at" dynamodbav:"at"`
	By     string `json:"by,omitempty" dynamodbav:"by,omitempty"`
	Note   string `json:"note,omitempty" dynamodbav:"note,omitempty"`
}

// Launch asks to release a ready version of a mini program.
type Launch struct {
	ID              string          `json:"id" dynamodbav:"launchId"`
	WorkspaceID     string          `json:"workspaceId" dynamodbav:"workspaceId"`
	MiniProgramID   string          `json:"miniProgramId" dynamodbav:"miniProgramId"`
	Version         string          `json:"version" dynamodbav:"semver"`
	Strategy        Strategy        `json:"strategy" dynamodbav:"strategy"`
	Steps           []int           `json:"steps,omitempty" dynamodbav:"steps,omitempty"`
	IntervalSeconds int             `json:"intervalSeconds,omitempty" dynamodbav:"intervalSeconds,omitempty"`
	ReleaseAt       *time.Time      `json:"releaseAt,omitempty" dynamodbav:"releaseAt,omitempty"`
	Note            string          `json:"note,omitempty" dynamodbav:"note,omitempty"`
	Status          LaunchStatus    `json:"status" dynamodbav:"status"`
	Percentage      int             `json:"percentage" dynamodbav:"percentage"`
	ApprovalID      string          `json:"approvalId" dynamodbav:"approvalId"`
	ExecutionARN    string          `json:"-" dynamodbav:"executionArn,omitempty"`
	RequestedBy     string          `json:"requestedBy" dynamodbav:"requestedBy"`
	RequestedEmail  string          `json:"-" dynamodbav:"requestedEmail"`
	DecidedBy       string          `json:"decidedBy,omitempty" dynamodbav:"decidedBy,omitempty"`
	EndReason       string          `json:"endReason,omitempty" dynamodbav:"endReason,omitempty"`
	Timeline        []TimelineEntry `json:"timeline" dynamodbav:"timeline"`
	CreatedAt       time.Time       `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt       string          `json:"updatedAt" dynamodbav:"updatedAt"`
}

// Active reports whether the launch still holds its mini program's one active launch.
func (l Launch) Active() bool {
	switch l.Status {
	case LaunchRejected, LaunchWithdrawn, LaunchExpired, LaunchCompleted, LaunchFailed:
		return false
	}
	return true
}

// LaunchInput is the body of a new launch.
type LaunchInput struct {
	Version         string     `json:"version"`
	Strategy        Strategy   `json:"strategy"`
	Steps           []int      `json:"steps"`
	IntervalSeconds int        `json:"intervalSeconds"`
	ReleaseAt       *time.Time `json:"releaseAt"`
	Note            string     `json:"note"`
}

// Validate checks the input at now and fills the phased defaults.
func (in *LaunchInput) Validate(now time.Time) error {
	var v ValidationError
	if _, err := ParseSemver(in.Version); err != nil {
		v.Add("version", "%v", err)
	}
	switch in.Strategy {
	case StrategyFull, StrategyTesters:
		if in.Steps != nil || in.IntervalSeconds != 0 {
			v.Add("steps", "only a phased launch has steps and an interval")
		}
	case StrategyPhased:
		if in.Steps == nil {
			in.Steps = slices.Clone(DefaultSteps)
		}
		if in.IntervalSeconds == 0 {
			in.IntervalSeconds = int(DefaultInterval.Seconds())
		}
		checkSteps(&v, in.Steps)
		if in.IntervalSeconds < 1 || in.IntervalSeconds > 30*24*3600 {
			v.Add("intervalSeconds", "must be 1 second to 30 days")
		}
	default:
		v.Add("strategy", "must be full, phased or testers")
	}
	if in.ReleaseAt != nil {
		if !in.ReleaseAt.After(now) || in.ReleaseAt.After(now.Add(90*24*time.Hour)) {
			v.Add("releaseAt", "must be in the future, within 90 days")
		}
		t := in.ReleaseAt.UTC()
		in.ReleaseAt = &t
	}
	checkLength(&v, "note", in.Note, 0, 500)
	return v.Err()
}

func checkSteps(v *ValidationError, steps []int) {
	if len(steps) == 0 || len(steps) > 20 {
		v.Add("steps", "must be 1 to 20 percentages")
		return
	}
	for i, s := range steps {
		if s < 1 || s > 100 || (i > 0 && s <= steps[i-1]) {
			v.Add("steps", "must rise strictly, each from 1 to 100")
			return
		}
	}
	if steps[len(steps)-1] != 100 {
		v.Add("steps", "must end at 100")
	}
}

// NextStep is the first step above current, or 100.
func NextStep(steps []int, current int) int {
	for _, s := range steps {
		if s > current {
			return s
		}
	}
	return 100
}

// LaunchApprovalID is the id of the approval that reviews launch launchID:
// derived from it, so a launch and its approval are read together.
func LaunchApprovalID(launchID string) string {
	return "apv_" + strings.TrimPrefix(launchID, "lch_")
}
