package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// ErrTaskGone reports that a task token can no longer be answered: its task
// timed out, its execution ended, or the token is unknown. Answering it again
// will not help, unlike an outage.
var ErrTaskGone = errors.New("workflows: the task is no longer waiting for an answer")

// Limits of SendTaskFailure.
const (
	maxErrorLen = 256
	maxCauseLen = 32768
	maxNameLen  = 80
)

// Runner starts launch executions and answers their tasks.
type Runner struct {
	client *sfn.Client
	arn    string
}

// NewRunner returns a Runner for the launch state machine stateMachineARN.
func NewRunner(client *sfn.Client, stateMachineARN string) *Runner {
	return &Runner{client: client, arn: stateMachineARN}
}

// StateMachineARN is the ARN the Runner starts executions of.
func (r *Runner) StateMachineARN() string { return r.arn }

// Start starts the launch's execution, named after in.LaunchID, with the
// defaults filled in, and returns its ARN. Starting a launch that already has
// an execution, running or ended, returns that execution's ARN.
func (r *Runner) Start(ctx context.Context, in Input) (string, error) {
	if err := validateInput(in); err != nil {
		return "", err
	}
	body, err := json.Marshal(in.WithDefaults())
	if err != nil {
		return "", fmt.Errorf("workflows: encode input: %w", err)
	}
	out, err := r.client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(r.arn),
		Name:            aws.String(in.LaunchID),
		Input:           aws.String(string(body)),
	})
	if err == nil {
		return aws.ToString(out.ExecutionArn), nil
	}
	if apiCode(err) == "ExecutionAlreadyExists" {
		return ExecutionARN(r.arn, in.LaunchID)
	}
	return "", fmt.Errorf("workflows: start launch %s: %w", in.LaunchID, err)
}

// ExecutionARN is the ARN the execution of launch launchID has (or will have):
// executions are named by their launch, so it is known before the start.
func (r *Runner) ExecutionARN(launchID string) (string, error) { return ExecutionARN(r.arn, launchID) }

// ExecutionARN is the ARN of the execution called name of the state machine
// stateMachineARN (arn:<partition>:states:<region>:<account>:stateMachine:<machine>).
func ExecutionARN(stateMachineARN, name string) (string, error) {
	parts := strings.Split(stateMachineARN, ":")
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "states" || parts[5] != "stateMachine" {
		return "", fmt.Errorf("workflows: %q is not a state machine ARN", stateMachineARN)
	}
	parts[5] = "execution"
	return strings.Join(parts, ":") + ":" + name, nil
}

// Succeed completes the task with v, encoded as JSON, as its result.
func (r *Runner) Succeed(ctx context.Context, token string, v any) error {
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("workflows: encode task result: %w", err)
	}
	_, err = r.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{
		TaskToken: aws.String(token),
		Output:    aws.String(string(out)),
	})
	return taskError("complete", err)
}

// Fail fails the task with errorCode and cause. The state machine retries
// publish and advance tasks, then ends the launch as failed with cause as
// its reason.
func (r *Runner) Fail(ctx context.Context, token, errorCode, cause string) error {
	_, err := r.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{
		TaskToken: aws.String(token),
		Error:     aws.String(truncate(errorCode, maxErrorLen)),
		Cause:     aws.String(truncate(cause, maxCauseLen)),
	})
	return taskError("fail", err)
}

func taskError(op string, err error) error {
	if err == nil {
		return nil
	}
	switch apiCode(err) {
	case "TaskTimedOut", "InvalidToken", "TaskDoesNotExist":
		return fmt.Errorf("%w: %w", ErrTaskGone, err)
	}
	return fmt.Errorf("workflows: %s task: %w", op, err)
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func validateInput(in Input) error {
	var problems []string
	if in.LaunchID == "" || len(in.LaunchID) > maxNameLen || strings.ContainsAny(in.LaunchID, " \t\n<>{}[]?*\"#%\\^|~`$&,;:/") {
		problems = append(problems, "launchId must be 1 to 80 characters that an execution name allows")
	}
	if in.Key.PK == "" || in.Key.SK == "" {
		problems = append(problems, "key is incomplete")
	}
	if in.LockKey.PK == "" || in.LockKey.SK == "" {
		problems = append(problems, "lockKey is incomplete")
	}
	if in.ReleaseAt != "" && !validReleaseAt(in.ReleaseAt) {
		problems = append(problems, "releaseAt must be UTC in whole seconds, like 2006-01-02T15:04:05Z (see ReleaseTime)")
	}
	if len(problems) > 0 {
		return fmt.Errorf("workflows: invalid input: %s", strings.Join(problems, "; "))
	}
	return nil
}

// validReleaseAt accepts what ReleaseTime produces, the form every Step
// Functions implementation reads.
func validReleaseAt(s string) bool {
	t, err := time.Parse(time.RFC3339, s)
	return err == nil && ReleaseTime(t) == s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
