// Package workflows defines the launch workflow: the Step Functions state machine
// (review → optional scheduled release → publish → staged rollout), built once in
// Go and deployed by CDK and by the local provisioning alike, and the messages
// its task-token states exchange with the workflow worker.
package workflows

import "github.com/mpdp/platform/shared/domain"

// Config is what the definition is built for: the table its DynamoDB states
// write to and the queue its task-token states send work to.
type Config struct {
	Table        string
	TaskQueueURL string
}

// Input is a launch execution's input. The execution is named after the launch,
// so starting it twice is harmless.
type Input struct {
	LaunchID      string  `json:"launchId"`
	ApprovalID    string  `json:"approvalId"`
	WorkspaceID   string  `json:"workspaceId"`
	MiniProgramID string  `json:"miniProgramId"`
	Version       string  `json:"version"`
	Strategy      string  `json:"strategy"`            // full, phased, testers
	Steps         []int   `json:"steps"`               // phased: rollout percentages, ending at 100
	Key           ItemKey `json:"key"`                 // the launch item
	LockKey       ItemKey `json:"lockKey"`             // the mini program's active-launch lock, removed at the end
	ReleaseAt     string  `json:"releaseAt,omitempty"` // RFC 3339; absent: publish right after approval
	// Approval, when set, is marked expired with the launch if nobody decides in time.
	Approval *ApprovalRef `json:"approval,omitempty"`
	// Timing, configurable so tests run in seconds.
	ReviewTimeoutSeconds int `json:"reviewTimeoutSeconds"` // default 7 days; then the launch expires
	IntervalSeconds      int `json:"intervalSeconds"`      // between phased steps; default 1 day
	PausePollSeconds     int `json:"pausePollSeconds"`     // a paused rollout waits this long for a resume before it looks again
	TaskTimeoutSeconds   int `json:"taskTimeoutSeconds"`   // publish and advance tasks
}

// ApprovalRef is the launch's approval item and its index keys once expired
// (the storage package knows the layout; the state machine only writes it).
type ApprovalRef struct {
	Key                 ItemKey `json:"key"`
	ExpiredByStatus     string  `json:"expiredByStatus"`
	ExpiredByTypeStatus string  `json:"expiredByTypeStatus"`
}

// ItemKey is a table item's key.
type ItemKey struct {
	PK string `json:"pk"`
	SK string `json:"sk"`
}

// Task kinds, sent to the task queue with a task token.
const (
	TaskReview  = "review"  // store the token on the approval; the decision completes it
	TaskPublish = "publish" // set the mini program's release
	TaskAdvance = "advance" // raise a phased rollout's percentage, unless paused
	// TaskAwaitResume: store the token on the paused launch, where resuming
	// answers it; answer at once if the launch is no longer paused.
	TaskAwaitResume = "awaitResume"
)

// Task is a message on the task queue. The worker answers with SendTaskSuccess
// carrying the matching result, or SendTaskFailure.
type Task struct {
	Kind      string `json:"kind"`
	TaskToken string `json:"taskToken"`
	Input     Input  `json:"input"`
}

// Review decisions.
const (
	DecisionApproved  = "approved"
	DecisionRejected  = "rejected"
	DecisionWithdrawn = "withdrawn"
)

// ReviewResult completes a review task.
type ReviewResult struct {
	Decision string `json:"decision"`
	By       string `json:"by"`
	Reason   string `json:"reason,omitempty"`
}

// ReviewOf is what a decided launch approval tells the workflow: the reason as
// the requester reads it, with its rejection code's label.
func ReviewOf(a domain.Approval) ReviewResult {
	return ReviewResult{Decision: string(a.Status), By: a.DecidedBy, Reason: a.ReasonText()}
}

// RolloutResult completes a publish or advance task: where the rollout stands.
type RolloutResult struct {
	Percentage int  `json:"percentage"`
	Done       bool `json:"done"`   // 100 % reached (or a full / testers release): the launch completes
	Paused     bool `json:"paused"` // the rollout is paused: wait for the resume (TaskAwaitResume)
}

// Launch statuses the state machine writes itself (the worker and the API write the others).
const (
	StatusInReview  = "in_review"
	StatusRejected  = "rejected"
	StatusWithdrawn = "withdrawn"
	StatusExpired   = "expired"
	StatusScheduled = "scheduled"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
)
