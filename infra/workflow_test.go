package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/workflows"
)

// stateMachineLogActions are what CDK grants a state machine's role for logging
// to CloudWatch Logs (log delivery takes no resource-level permissions).
var stateMachineLogActions = []string{
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}

// stateMachineTraceActions are what CDK grants a state machine's role for X-Ray tracing.
var stateMachineTraceActions = []string{
	"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
}

func hasPermission(fn resources.Function, p resources.Permission) bool {
	return slices.Contains(fn.Permissions, p)
}

func getAttArn(id string) string { return asJSON(map[string]any{"Fn::GetAtt": getAtt(id, "Arn")}) }

// grants lists a role's statements as "Effect action on resource".
func grants(stmts []statement) []string {
	var out []string
	for _, st := range stmts {
		for _, a := range st.Actions {
			for _, r := range st.Resources {
				out = append(out, st.Effect+" "+a+" on "+r)
			}
		}
	}
	return sortedSet(out)
}

func (s *synthesized) stateMachine(t *testing.T) (string, map[string]any) {
	t.Helper()
	id := s.logicalID(s.stack.StateMachine)
	sm := s.resources("AWS::StepFunctions::StateMachine")
	if len(sm) != 1 || sm[id] == nil {
		t.Fatalf("want the one state machine %s, got %d", id, len(sm))
	}
	return id, sm[id]
}

// TestLaunchStateMachine: a STANDARD state machine named from the spec, logging
// every event (without execution data) to a log group with retention, traced.
func TestLaunchStateMachine(t *testing.T) {
	s := synth(t)
	_, sm := s.stateMachine(t)
	p := props(sm)
	logsID := s.logicalID(s.stack.StateMachineLogs)
	checks := map[string][2]any{
		"StateMachineName":     {p["StateMachineName"], stageName(DefaultStage, resources.LaunchWorkflow.Name)},
		"StateMachineType":     {p["StateMachineType"], "STANDARD"},
		"RoleArn":              {asJSON(p["RoleArn"]), getAttArn(s.logicalID(s.stack.StateMachineRole))},
		"TracingConfiguration": {asJSON(p["TracingConfiguration"]), `{"Enabled":true}`},
		"LoggingConfiguration": {asJSON(p["LoggingConfiguration"]), asJSON(map[string]any{
			"Destinations": []any{map[string]any{"CloudWatchLogsLogGroup": map[string]any{
				"LogGroupArn": map[string]any{"Fn::GetAtt": getAtt(logsID, "Arn")},
			}}},
			"IncludeExecutionData": false,
			"Level":                "ALL",
		})},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("state machine %s = %v, want %v", name, c[0], c[1])
		}
	}
	if got := props(s.resources("AWS::Logs::LogGroup")[logsID])["RetentionInDays"]; got != float64(90) {
		t.Errorf("state machine log group %s: RetentionInDays %v, want 90", logsID, got)
	}
}

// TestLaunchStateMachineDefinition: the deployed definition is exactly
// workflows.Definition with the table's name and the workflow queue's URL.
func TestLaunchStateMachineDefinition(t *testing.T) {
	s := synth(t)
	_, sm := s.stateMachine(t)
	tableID := s.logicalID(s.stack.Table)
	queueID := s.logicalID(s.stack.Queues[resources.WorkflowQueue.Name])
	const table, queue = "TABLE-NAME-FROM-THE-TEMPLATE", "WORKFLOW-QUEUE-URL-FROM-THE-TEMPLATE"

	// {"Fn::Join": ["", [text, {"Ref": table}, text, {"Ref": queue}, ...]]}: the
	// table's Ref is its name and the queue's Ref its URL.
	var got strings.Builder
	switch def := props(sm)["DefinitionString"].(type) {
	case string:
		got.WriteString(def)
	case map[string]any:
		join, _ := def["Fn::Join"].([]any)
		if len(join) != 2 || join[0] != "" {
			t.Fatalf("DefinitionString %s", asJSON(def))
		}
		for _, part := range join[1].([]any) {
			switch v := part.(type) {
			case string:
				got.WriteString(v)
			default:
				switch asJSON(v) {
				case asJSON(ref(tableID)):
					got.WriteString(table)
				case asJSON(ref(queueID)):
					got.WriteString(queue)
				default:
					t.Errorf("DefinitionString refers to %s, want only the table %s and the workflow queue %s", asJSON(v), tableID, queueID)
				}
			}
		}
	default:
		t.Fatalf("DefinitionString %s", asJSON(def))
	}
	want, err := workflows.Definition(workflows.Config{Table: table, TaskQueueURL: queue})
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want {
		t.Errorf("definition differs from workflows.Definition:\n got  %s\n want %s", got.String(), want)
	}

	// Spelled out: every DynamoDB task names the table, every SQS task the workflow queue.
	var doc struct {
		StartAt string
		States  map[string]struct {
			Type       string
			Resource   string
			Parameters map[string]any
		}
	}
	if err := json.Unmarshal([]byte(got.String()), &doc); err != nil {
		t.Fatalf("definition is not JSON: %v", err)
	}
	if _, ok := doc.States[doc.StartAt]; !ok {
		t.Errorf("StartAt %q is not a state", doc.StartAt)
	}
	kinds := map[string]int{}
	for name, st := range doc.States {
		if st.Type != "Task" {
			continue
		}
		switch st.Resource {
		case "arn:aws:states:::dynamodb:updateItem", "arn:aws:states:::dynamodb:deleteItem":
			if st.Parameters["TableName"] != table {
				t.Errorf("%s: TableName %v, want the table", name, st.Parameters["TableName"])
			}
		case "arn:aws:states:::sqs:sendMessage.waitForTaskToken":
			if st.Parameters["QueueUrl"] != queue {
				t.Errorf("%s: QueueUrl %v, want the workflow queue", name, st.Parameters["QueueUrl"])
			}
		default:
			t.Errorf("%s: task resource %s, which the state machine's role does not allow", name, st.Resource)
		}
		kinds[st.Resource]++
	}
	for _, r := range []string{"arn:aws:states:::dynamodb:updateItem", "arn:aws:states:::dynamodb:deleteItem",
		"arn:aws:states:::sqs:sendMessage.waitForTaskToken"} {
		if kinds[r] == 0 {
			t.Errorf("no %s task", r)
		}
	}
}

// TestLaunchStateMachineRole: only Step Functions, for this state machine in
// this account, assumes the role; it may update and delete items of the table,
// send to the workflow queue, and log and trace; nothing else.
func TestLaunchStateMachineRole(t *testing.T) {
	s := synth(t)
	roleID := s.logicalID(s.stack.StateMachineRole)
	tableArn := getAttArn(s.logicalID(s.stack.Table))
	queueArn := getAttArn(s.logicalID(s.stack.Queues[resources.WorkflowQueue.Name]))
	want := []string{
		"Allow dynamodb:UpdateItem on " + tableArn,
		"Allow dynamodb:DeleteItem on " + tableArn,
		"Allow sqs:SendMessage on " + queueArn,
	}
	for _, a := range append(slices.Clone(stateMachineLogActions), stateMachineTraceActions...) {
		want = append(want, "Allow "+a+" on *")
	}
	if got := grants(s.roleStatements(t)[roleID]); !reflect.DeepEqual(got, sortedSet(want)) {
		t.Errorf("state machine role %s:\n got  %v\n want %v", roleID, got, sortedSet(want))
	}

	trust := props(s.resources("AWS::IAM::Role")[roleID])["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
	wantTrust := []any{map[string]any{
		"Action":    "sts:AssumeRole",
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": "states.amazonaws.com"},
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")},
			"ArnLike": map[string]any{"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":states:", ref("AWS::Region"), ":", ref("AWS::AccountId"),
				":stateMachine:" + stageName(DefaultStage, resources.LaunchWorkflow.Name),
			}}}},
		},
	}}
	if !reflect.DeepEqual(trust, wantTrust) {
		t.Errorf("state machine role trust:\n got  %s\n want %s", asJSON(trust), asJSON(wantTrust))
	}
}

// TestWorkflowPermissions: WorkflowStart is StartExecution on the launch state
// machine only; WorkflowAnswer is SendTaskSuccess and SendTaskFailure, on "*"
// because IAM has no resource type for them; WorkflowConsume is the worker's
// event source on the workflow queue. No role has any other Step Functions action.
func TestWorkflowPermissions(t *testing.T) {
	s := synth(t)
	byRole := s.roleStatements(t)
	smID := s.logicalID(s.stack.StateMachine)
	for _, fn := range resources.Functions {
		var got []string
		for _, g := range grants(byRole[s.logicalID(s.stack.Roles[fn.Name])]) {
			if strings.Contains(g, " states:") {
				got = append(got, g)
			}
		}
		var want []string
		if hasPermission(fn, resources.WorkflowStart) {
			want = append(want, "Allow states:StartExecution on "+asJSON(ref(smID)))
		}
		if hasPermission(fn, resources.WorkflowAnswer) {
			want = append(want, "Allow states:SendTaskFailure on *", "Allow states:SendTaskSuccess on *")
		}
		if !reflect.DeepEqual(got, sortedSet(want)) {
			t.Errorf("%s: Step Functions grants\n got  %v\n want %v", fn.Name, got, sortedSet(want))
		}
	}
	// Spelled out for the functions the brief names.
	for name, want := range map[string][]string{
		"launches": {"Allow states:SendTaskFailure on *", "Allow states:SendTaskSuccess on *",
			"Allow states:StartExecution on " + asJSON(ref(smID))},
		"approvals": {"Allow states:SendTaskFailure on *", "Allow states:SendTaskSuccess on *"},
		"workflows": {"Allow states:SendTaskFailure on *", "Allow states:SendTaskSuccess on *"},
	} {
		var got []string
		for _, g := range grants(byRole[s.logicalID(s.stack.Roles[name])]) {
			if strings.Contains(g, " states:") {
				got = append(got, g)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Step Functions grants %v, want %v", name, got, want)
		}
	}
	// No other role (the state machine's, CDK's helpers) holds a Step Functions action.
	functionRoles := map[string]bool{}
	for _, fn := range resources.Functions {
		functionRoles[s.logicalID(s.stack.Roles[fn.Name])] = true
	}
	for roleID, stmts := range byRole {
		if functionRoles[roleID] {
			continue
		}
		for _, g := range grants(stmts) {
			if strings.Contains(g, " states:") {
				t.Errorf("role %s: %s", roleID, g)
			}
		}
	}
	// The answer statements hold only the two answer actions, nothing else on "*".
	for _, fn := range resources.Functions {
		for _, st := range byRole[s.logicalID(s.stack.Roles[fn.Name])] {
			if slices.Contains(st.Actions, "states:SendTaskSuccess") &&
				(!reflect.DeepEqual(sortedSet(slices.Clone(st.Actions)), []string{"states:SendTaskFailure", "states:SendTaskSuccess"}) ||
					!reflect.DeepEqual(st.Resources, []string{"*"})) {
				t.Errorf("%s: answer statement %v on %v", fn.Name, st.Actions, st.Resources)
			}
		}
	}
}

// TestWorkflowWorker: the workflows function consumes the workflow queue in
// batches of 5 with partial batch failures, runs 30 s with 256 MB, and the queue
// hides a message longer (60 s) than that.
func TestWorkflowWorker(t *testing.T) {
	s := synth(t)
	var fn resources.Function
	for _, f := range resources.Functions {
		if f.Name == "workflows" {
			fn = f
		}
	}
	if fn.Queue == nil || fn.Queue.Name != resources.WorkflowQueue.Name {
		t.Fatalf("workflows function: queue %v, want %s", fn.Queue, resources.WorkflowQueue.Name)
	}
	fnID := s.logicalID(s.stack.Functions["workflows"])
	queueID := s.logicalID(s.stack.Queues[resources.WorkflowQueue.Name])
	p := props(s.resources("AWS::Lambda::Function")[fnID])
	if p["Timeout"] != float64(30) || p["MemorySize"] != float64(256) {
		t.Errorf("workflows: timeout %v, memory %v; want 30 s, 256 MB", p["Timeout"], p["MemorySize"])
	}
	if got := props(s.resources("AWS::SQS::Queue")[queueID])["VisibilityTimeout"]; got != float64(60) {
		t.Errorf("workflow queue: VisibilityTimeout %v, want 60", got)
	}
	var found []map[string]any
	for _, m := range s.resources("AWS::Lambda::EventSourceMapping") {
		mp := props(m)
		if reflect.DeepEqual(mp["EventSourceArn"], map[string]any{"Fn::GetAtt": getAtt(queueID, "Arn")}) {
			found = append(found, mp)
		}
	}
	if len(found) != 1 {
		t.Fatalf("workflow queue: %d event source mappings, want 1", len(found))
	}
	m := found[0]
	if !reflect.DeepEqual(m["FunctionName"], ref(fnID)) || m["BatchSize"] != float64(5) ||
		asJSON(m["FunctionResponseTypes"]) != `["ReportBatchItemFailures"]` || m["MaximumBatchingWindowInSeconds"] != nil {
		t.Errorf("workflow queue mapping %s, want the workflows function, batches of 5, ReportBatchItemFailures", asJSON(m))
	}
}

// TestLaunchWorkflowAlarm: the sum of failed and timed-out executions of the
// launch state machine, at least 1 in 5 minutes, alarms to the alarm topic.
func TestLaunchWorkflowAlarm(t *testing.T) {
	s := synth(t)
	id := s.logicalID(s.stack.WorkflowAlarm)
	p := props(s.resources("AWS::CloudWatch::Alarm")[id])
	if p == nil {
		t.Fatalf("alarm %s not in template", id)
	}
	smID := s.logicalID(s.stack.StateMachine)
	checks := map[string][2]any{
		"AlarmName":          {p["AlarmName"], StackName(DefaultStage) + "-" + resources.LaunchWorkflow.Name + "-failed"},
		"ComparisonOperator": {p["ComparisonOperator"], "GreaterThanOrEqualToThreshold"},
		"Threshold":          {p["Threshold"], float64(1)},
		"EvaluationPeriods":  {p["EvaluationPeriods"], float64(1)},
		"TreatMissingData":   {p["TreatMissingData"], "notBreaching"},
		"AlarmActions":       {asJSON(p["AlarmActions"]), asJSON([]any{ref(s.logicalID(s.stack.AlarmTopic))})},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("workflow alarm %s = %v, want %v", name, c[0], c[1])
		}
	}
	metric := func(id, name string) map[string]any {
		return map[string]any{
			"Id": id,
			"MetricStat": map[string]any{
				"Metric": map[string]any{
					"Dimensions": []any{map[string]any{"Name": "StateMachineArn", "Value": ref(smID)}},
					"MetricName": name,
					"Namespace":  "AWS/States",
				},
				"Period": float64(300),
				"Stat":   "Sum",
			},
			"ReturnData": false,
		}
	}
	metrics, _ := p["Metrics"].([]any)
	var expr map[string]any
	byID := map[string]any{}
	for _, m := range metrics {
		mm := m.(map[string]any)
		if mm["Expression"] != nil {
			expr = mm
		} else {
			byID[mm["Id"].(string)] = mm
		}
	}
	if expr == nil || expr["Expression"] != "SUM([failed, timedOut])" || expr["ReturnData"] != true {
		t.Errorf("workflow alarm expression %s", asJSON(expr))
	}
	wantMetrics := map[string]any{"failed": metric("failed", "ExecutionsFailed"), "timedOut": metric("timedOut", "ExecutionsTimedOut")}
	if !reflect.DeepEqual(byID, wantMetrics) {
		t.Errorf("workflow alarm metrics\n got  %s\n want %s", asJSON(byID), asJSON(wantMetrics))
	}
}

// TestWorkflowSuppressions: the new IAM5 suppressions apply to Resource::* only,
// with the reason naming the actions concerned.
func TestWorkflowSuppressions(t *testing.T) {
	s := synth(t)
	type suppression struct {
		ID        string   `json:"id"`
		Reason    string   `json:"reason"`
		AppliesTo []string `json:"applies_to"`
	}
	suppressions := func(id string) []suppression {
		res := s.json["Resources"].(map[string]any)[id].(map[string]any)
		md, _ := res["Metadata"].(map[string]any)
		nag, _ := md["cdk_nag"].(map[string]any)
		var out []suppression
		b, _ := json.Marshal(nag["rules_to_suppress"])
		_ = json.Unmarshal(b, &out)
		return out
	}
	check := func(what, id string, mentions ...string) {
		t.Helper()
		got := suppressions(id)
		if len(got) != 1 || got[0].ID != "AwsSolutions-IAM5" || !reflect.DeepEqual(got[0].AppliesTo, []string{"Resource::*"}) {
			t.Errorf("%s %s: suppressions %s, want one AwsSolutions-IAM5 on Resource::*", what, id, asJSON(got))
			return
		}
		for _, m := range mentions {
			if !strings.Contains(got[0].Reason, m) {
				t.Errorf("%s %s: reason %q does not mention %s", what, id, got[0].Reason, m)
			}
		}
	}
	check("state machine role", s.logicalID(s.stack.StateMachineRole), "logs:CreateLogDelivery", "xray:PutTraceSegments")
	for _, fn := range resources.Functions {
		if hasPermission(fn, resources.WorkflowAnswer) {
			check(fn.Name+" role", s.logicalID(s.stack.Roles[fn.Name]), "states:SendTaskSuccess", "states:SendTaskFailure")
		}
	}
}
