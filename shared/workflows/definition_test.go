package workflows

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/mpdp/platform/shared/domain"
)

var testConfig = Config{Table: "mpdp", TaskQueueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/mpdp-launch-tasks"}

// asl is the definition decoded generically, the way a validator sees it.
type asl struct {
	Comment string                    `json:"Comment"`
	StartAt string                    `json:"StartAt"`
	States  map[string]map[string]any `json:"States"`
}

func decode(t *testing.T) (string, asl) {
	t.Helper()
	def, err := Definition(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	var sm asl
	dec := json.NewDecoder(strings.NewReader(def))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sm); err != nil {
		t.Fatalf("definition is not valid JSON of the expected shape: %v\n%s", err, def)
	}
	return def, sm
}

// transitions lists the states st can go to next.
func transitions(st map[string]any) []string {
	var out []string
	if n, ok := st["Next"].(string); ok {
		out = append(out, n)
	}
	if d, ok := st["Default"].(string); ok {
		out = append(out, d)
	}
	for _, key := range []string{"Choices", "Catch"} {
		list, _ := st[key].([]any)
		for _, r := range list {
			if n, ok := r.(map[string]any)["Next"].(string); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

func terminal(st map[string]any) bool {
	switch st["Type"] {
	case "Succeed", "Fail":
		return true
	}
	end, _ := st["End"].(bool)
	return end
}

func TestDefinitionGraph(t *testing.T) {
	_, sm := decode(t)
	if _, ok := sm.States[sm.StartAt]; !ok {
		t.Fatalf("StartAt %q is not a state", sm.StartAt)
	}

	var terminals []string
	for name, st := range sm.States {
		next := transitions(st)
		for _, n := range next {
			if _, ok := sm.States[n]; !ok {
				t.Errorf("%s: goes to %q, which is not a state", name, n)
			}
		}
		switch {
		case terminal(st):
			terminals = append(terminals, name)
			if len(next) > 0 && st["Type"] != "Task" {
				t.Errorf("%s: terminal state with transitions %v", name, next)
			}
		case len(next) == 0:
			t.Errorf("%s: neither ends nor goes anywhere", name)
		}
		if st["Type"] == "Choice" {
			if _, ok := st["Default"]; !ok {
				t.Errorf("%s: Choice without Default", name)
			}
			for i, r := range st["Choices"].([]any) {
				if _, ok := r.(map[string]any)["Next"].(string); !ok {
					t.Errorf("%s: choice %d has no Next", name, i)
				}
			}
		}
	}
	sort.Strings(terminals)
	if want := []string{stLaunchFailed, stLaunchSucceeded}; !slices.Equal(terminals, want) {
		t.Errorf("terminal states = %v, want %v", terminals, want)
	}

	// Every state is reachable from StartAt.
	reached := map[string]bool{sm.StartAt: true}
	queue := []string{sm.StartAt}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, n := range transitions(sm.States[cur]) {
			if !reached[n] {
				reached[n] = true
				queue = append(queue, n)
			}
		}
	}
	for name := range sm.States {
		if !reached[name] {
			t.Errorf("%s is unreachable", name)
		}
	}

	// Every state can reach an end: no path is stuck in a loop without a way out.
	canEnd := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for name, st := range sm.States {
			if canEnd[name] {
				continue
			}
			if terminal(st) || slices.ContainsFunc(transitions(st), func(n string) bool { return canEnd[n] }) {
				canEnd[name] = true
				changed = true
			}
		}
	}
	for name := range sm.States {
		if !canEnd[name] {
			t.Errorf("%s cannot reach an end", name)
		}
	}

	// Every way to an end passes through DeleteActiveLock: remove it and no
	// terminal state is reachable any more.
	seen := map[string]bool{sm.StartAt: true}
	queue = []string{sm.StartAt}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if terminal(sm.States[cur]) {
			t.Errorf("%s is reachable without passing %s", cur, stDeleteActiveLock)
		}
		for _, n := range transitions(sm.States[cur]) {
			if n != stDeleteActiveLock && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
}

func TestDefinitionWaitsAreBounded(t *testing.T) {
	_, sm := decode(t)
	tokens := 0
	for name, st := range sm.States {
		switch st["Type"] {
		case "Task":
			res, _ := st["Resource"].(string)
			if !strings.HasSuffix(res, ".waitForTaskToken") {
				continue
			}
			tokens++
			if _, ok := st["TimeoutSecondsPath"].(string); !ok {
				t.Errorf("%s: waits for a task token without TimeoutSecondsPath", name)
			}
			body, _ := st["Parameters"].(map[string]any)["MessageBody"].(map[string]any)
			if body["taskToken.$"] != "$$.Task.Token" {
				t.Errorf("%s: the message does not carry the task token: %v", name, body)
			}
			if !slices.Contains([]any{TaskReview, TaskPublish, TaskAdvance, TaskAwaitResume}, body["kind"]) {
				t.Errorf("%s: unknown task kind %v", name, body["kind"])
			}
			if !catches(st, "States.Timeout") {
				t.Errorf("%s: a timeout is not caught", name)
			}
		case "Wait":
			n := 0
			for _, k := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
				if _, ok := st[k]; ok {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: a Wait needs exactly one duration field", name)
			}
		}
	}
	if tokens != 4 {
		t.Errorf("%d task-token states, want 4 (review, publish, advance, await resume)", tokens)
	}
}

func catches(st map[string]any, errName string) bool {
	list, _ := st["Catch"].([]any)
	for _, c := range list {
		for _, e := range c.(map[string]any)["ErrorEquals"].([]any) {
			if e == errName || e == "States.ALL" {
				return true
			}
		}
	}
	return false
}

// Every path the definition reads names a field of Input or a result a state
// stores, so a typo cannot fail an execution at run time.
func TestDefinitionPaths(t *testing.T) {
	_, sm := decode(t)
	known := map[string]bool{}
	for _, p := range []string{pReview, pRollout, pError, pReviewTimeout, pLockMissing, pNotExpired, pPauseTimeout} {
		known[strings.TrimPrefix(p, "$.")] = true
	}
	it := reflect.TypeFor[Input]()
	for i := range it.NumField() {
		known[strings.Split(it.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	check := func(where, p string) {
		switch {
		case p == "$", p == "$$.Task.Token", p == "$$.State.EnteredTime":
			return
		case strings.HasPrefix(p, "$."):
			if top := strings.Split(p[2:], ".")[0]; !known[top] {
				t.Errorf("%s: path %s reads %q, which nothing provides", where, p, top)
			}
		default:
			t.Errorf("%s: unexpected path %q", where, p)
		}
	}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (strings.HasSuffix(k, ".$") || strings.HasSuffix(k, "Path") || k == "Variable") {
					check(where, s)
					continue
				}
				walk(where, x)
			}
		case []any:
			for _, x := range v {
				walk(where, x)
			}
		}
	}
	for name, st := range sm.States {
		walk(name, st)
	}
}

// The DynamoDB states write the attributes the launch item carries.
func TestDefinitionWritesLaunchAttributes(t *testing.T) {
	_, sm := decode(t)
	attrs := map[string]bool{}
	lt := reflect.TypeFor[domain.Launch]()
	for i := range lt.NumField() {
		attrs[strings.Split(lt.Field(i).Tag.Get("dynamodbav"), ",")[0]] = true
	}
	statuses := map[string]bool{}
	approvalAttrs := map[string]bool{}
	at := reflect.TypeFor[domain.Approval]()
	for i := range at.NumField() {
		approvalAttrs[strings.Split(at.Field(i).Tag.Get("dynamodbav"), ",")[0]] = true
	}
	for name, st := range sm.States {
		if st["Resource"] != resourceUpdateItem {
			continue
		}
		params := st["Parameters"].(map[string]any)
		if name == stExpireApproval { // the one state that writes the approval, not the launch
			for _, a := range params["ExpressionAttributeNames"].(map[string]any) {
				if !approvalAttrs[a.(string)] {
					t.Errorf("%s: writes %v, which domain.Approval does not have", name, a)
				}
			}
			continue
		}
		for _, a := range params["ExpressionAttributeNames"].(map[string]any) {
			if !attrs[a.(string)] {
				t.Errorf("%s: writes %v, which domain.Launch does not have", name, a)
			}
		}
		status := params["ExpressionAttributeValues"].(map[string]any)[":status"].(map[string]any)["S"].(string)
		if !slices.Contains(domain.LaunchStatuses, domain.LaunchStatus(status)) {
			t.Errorf("%s: status %q is not a launch status", name, status)
		}
		statuses[status] = true
	}
	for _, s := range []string{StatusInReview, StatusRejected, StatusWithdrawn, StatusExpired, StatusScheduled, StatusCompleted, StatusFailed} {
		if !statuses[s] {
			t.Errorf("no state writes status %s", s)
		}
	}
	if !slices.Equal(DefaultSteps, domain.DefaultSteps) {
		t.Errorf("DefaultSteps = %v, domain.DefaultSteps = %v", DefaultSteps, domain.DefaultSteps)
	}
	if DefaultInterval != domain.DefaultInterval {
		t.Errorf("DefaultInterval = %v, domain.DefaultInterval = %v", DefaultInterval, domain.DefaultInterval)
	}
}

// cfn-lint checks the definition against the Step Functions schema (E3601).
func TestDefinitionCfnLint(t *testing.T) {
	t.Parallel()
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed; the graph tests above still ran")
	}
	def, _ := decode(t)
	tmpl := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Resources": map[string]any{"LaunchWorkflow": map[string]any{
			"Type": "AWS::StepFunctions::StateMachine",
			"Properties": map[string]any{
				"RoleArn":    "arn:aws:iam::123456789012:role/sfn",
				"Definition": json.RawMessage(def),
			},
		}},
	}
	body, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "template.json")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(lint, path).CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}

func TestDefinitionNeedsConfig(t *testing.T) {
	if _, err := Definition(Config{Table: "t"}); err == nil {
		t.Error("no error without a queue")
	}
	if _, err := Definition(Config{TaskQueueURL: "q"}); err == nil {
		t.Error("no error without a table")
	}
}

func TestWithDefaults(t *testing.T) {
	got := Input{Strategy: StrategyPhased}.WithDefaults()
	want := Input{Strategy: StrategyPhased, Steps: DefaultSteps, ReviewTimeoutSeconds: 7 * 24 * 3600,
		IntervalSeconds: 24 * 3600, PausePollSeconds: 3600, TaskTimeoutSeconds: 300}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WithDefaults = %+v, want %+v", got, want)
	}
	kept := Input{Strategy: StrategyPhased, Steps: []int{50, 100}, ReviewTimeoutSeconds: 2, IntervalSeconds: 1,
		PausePollSeconds: 1, TaskTimeoutSeconds: 5}
	if got := kept.WithDefaults(); !reflect.DeepEqual(got, kept) {
		t.Errorf("WithDefaults changed set fields: %+v", got)
	}
	if got := (Input{Strategy: StrategyFull}).WithDefaults(); got.Steps != nil {
		t.Errorf("a full launch got steps %v", got.Steps)
	}
}

func TestReleaseTime(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("CST", 8*3600))
	if got := ReleaseTime(at); got != "2030-01-01T19:04:05Z" {
		t.Errorf("ReleaseTime = %s", got)
	}
	if got := ReleaseTime(at.Add(time.Millisecond)); got != "2030-01-01T19:04:06Z" {
		t.Errorf("ReleaseTime rounds a fraction to %s, want the next second", got)
	}
}

func TestExecutionARN(t *testing.T) {
	got, err := ExecutionARN("arn:aws:states:us-east-1:123456789012:stateMachine:launch", "L1")
	if err != nil || got != "arn:aws:states:us-east-1:123456789012:execution:launch:L1" {
		t.Errorf("ExecutionARN = %q, %v", got, err)
	}
	if _, err := ExecutionARN("arn:aws:sqs:us-east-1:123456789012:q", "L1"); err == nil {
		t.Error("no error for a queue ARN")
	}
}

func TestValidateInput(t *testing.T) {
	ok := Input{LaunchID: "L1", Key: ItemKey{PK: "MP#1", SK: "LAUNCH#L1"}, LockKey: ItemKey{PK: "MP#1", SK: "ACTIVE_LAUNCH"}}
	if err := validateInput(ok); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Input){
		"no id":            func(in *Input) { in.LaunchID = "" },
		"id with a colon":  func(in *Input) { in.LaunchID = "a:b" },
		"id too long":      func(in *Input) { in.LaunchID = strings.Repeat("x", 81) },
		"no key":           func(in *Input) { in.Key = ItemKey{} },
		"no lock":          func(in *Input) { in.LockKey.SK = "" },
		"release offset":   func(in *Input) { in.ReleaseAt = "2030-01-01T08:00:00+08:00" },
		"release fraction": func(in *Input) { in.ReleaseAt = "2030-01-01T00:00:00.5Z" },
		"release not time": func(in *Input) { in.ReleaseAt = "tomorrow" },
	} {
		in := ok
		mutate(&in)
		if err := validateInput(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("héllo", 2); got != "h" {
		t.Errorf("truncate cut a rune: %q", got)
	}
	if got := truncate("abc", 5); got != "abc" {
		t.Errorf("truncate = %q", got)
	}
}

func TestTaskError(t *testing.T) {
	for _, code := range []string{"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"} {
		err := taskError("complete", &smithy.GenericAPIError{Code: code, Message: "m"})
		if !errors.Is(err, ErrTaskGone) {
			t.Errorf("%s: %v is not ErrTaskGone", code, err)
		}
	}
	if err := taskError("fail", &smithy.GenericAPIError{Code: "ThrottlingException"}); err == nil || errors.Is(err, ErrTaskGone) {
		t.Errorf("throttling: %v", err)
	}
	if err := taskError("fail", nil); err != nil {
		t.Errorf("nil: %v", err)
	}
}
