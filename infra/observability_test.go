package main

import (
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/resources"
)

// TestObservabilityAlarms: errors and throttles of every function, the API's
// 5xx and p99 latency, every queue's oldest message, the table's throttles and
// SES's bounce and complaint rates each have an alarm, and every alarm of the
// stack notifies the alarm topic when it fires and when it is OK again.
func TestObservabilityAlarms(t *testing.T) {
	s := synth(t)
	topic := asJSON([]any{ref(s.logicalID(s.stack.AlarmTopic))})
	byName := map[string]map[string]any{}
	for id, a := range s.resources("AWS::CloudWatch::Alarm") {
		p := props(a)
		name, _ := p["AlarmName"].(string)
		byName[name] = p
		if asJSON(p["AlarmActions"]) != topic || asJSON(p["OKActions"]) != topic {
			t.Errorf("alarm %s (%s): actions %v, OK actions %v", id, name, asJSON(p["AlarmActions"]), asJSON(p["OKActions"]))
		}
		if !strings.HasPrefix(name, StackName(DefaultStage)+"-") {
			t.Errorf("alarm %s is not named after the stack", name)
		}
	}
	want := map[string]string{ // suffix → metric name
		"api-5xx": "5xx", "api-latency-p99": "Latency", "table-throttles": "",
		"mail-bounce-rate": "Reputation.BounceRate", "mail-complaint-rate": "Reputation.ComplaintRate",
	}
	for _, fn := range resources.Functions {
		want[fn.Name+"-errors"], want[fn.Name+"-throttles"] = "Errors", "Throttles"
	}
	for _, q := range resources.Queues {
		want[q.Name+"-oldest-message"] = "ApproximateAgeOfOldestMessage"
	}
	for suffix, metric := range want {
		p, ok := byName[StackName(DefaultStage)+"-"+suffix]
		if !ok {
			t.Errorf("no alarm %s", suffix)
			continue
		}
		if metric != "" && p["MetricName"] != metric {
			t.Errorf("alarm %s watches %v, want %s", suffix, p["MetricName"], metric)
		}
	}
	if p := byName[StackName(DefaultStage)+"-api-latency-p99"]; p != nil && p["ExtendedStatistic"] != "p99" {
		t.Errorf("latency alarm statistic %v", p["ExtendedStatistic"])
	}
	if n := len(s.resources("AWS::CloudWatch::Dashboard")); n != 1 {
		t.Errorf("%d dashboards, want 1", n)
	}
}

// TestFunctionsLogJSON: every platform function logs JSON with levels.
func TestFunctionsLogJSON(t *testing.T) {
	s := synth(t)
	for _, fn := range resources.Functions {
		lc := props(s.resources("AWS::Lambda::Function")[s.logicalID(s.stack.Functions[fn.Name])])["LoggingConfig"].(map[string]any)
		if lc["LogFormat"] != "JSON" || lc["ApplicationLogLevel"] != "INFO" || lc["SystemLogLevel"] != "WARN" {
			t.Errorf("%s: logging %s", fn.Name, asJSON(lc))
		}
	}
}
