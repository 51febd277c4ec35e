package main

import (
	"math"
	"testing"
)

func TestGoalVerdictLine(t *testing.T) {
	for _, tc := range []struct {
		g    goal
		want string
	}{
		{goal{name: "latency.x", measured: 2.6, limit: 1.3, unit: "×", decimals: 2}, "goal latency.x: 2.60× (limit 1.30×) FAIL"},
		{goal{name: "calls.read", measured: 2, limit: 2}, "goal calls.read: 2 (limit 2) PASS"}, // the limit itself is met
		{goal{name: "calls.write", measured: 3, limit: 2}, "goal calls.write: 3 (limit 2) FAIL"},
		{goal{name: "size.members", measured: 14.96, limit: 15, unit: " MB", decimals: 1}, "goal size.members: 15.0 MB (limit 15.0 MB) PASS"},
		{goal{name: "writes", measured: 0.0501, limit: 0.05, decimals: 3}, "goal writes: 0.050 (limit 0.050) FAIL"},
		{goal{name: "nothing", measured: math.NaN(), limit: 1.2, unit: "×", decimals: 2}, "goal nothing: n/a× (limit 1.20×) FAIL"}, // a missing measurement never passes
	} {
		if got := tc.g.String(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestSummaryCountsGoalsMet(t *testing.T) {
	goals := []goal{{measured: 1, limit: 2}, {measured: 3, limit: 2}, {measured: 2, limit: 2}}
	if got, want := summary(goals), "bench: 2/3 goals met"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRouteCallsCountOnlyDynamoDBCallsOnce(t *testing.T) {
	rc := routeCalls{calls: map[string]float64{"DynamoDB.GetItem": 2, "DynamoDB.Query": 1, "DynamoDB.Query (attempts)": 3, "SQS.SendMessage": 1}}
	if got := rc.dynamoDB(); got != 3 {
		t.Errorf("DynamoDB calls %v, want 3 (retries are attempts of one call; SQS is not DynamoDB)", got)
	}
}
