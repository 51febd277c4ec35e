package main

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/routes"
)

func TestCapacityOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ctx     map[string]any
		want    func(*Capacity)
		wantErr string
	}{
		{name: "defaults", ctx: nil, want: func(*Capacity) {}},
		{name: "strings from -c", ctx: map[string]any{"apiRateLimit": "500", "apiBurstLimit": "1000", "publicRateLimit": "2.5", "appKeyBurstLimit": "300"},
			want: func(c *Capacity) { c.API = Throttle{500, 1000}; c.Public.Rate = 2.5; c.AppKey.Burst = 300 }},
		{name: "numbers from cdk.json", ctx: map[string]any{"workerMaxConcurrency": float64(3)}, want: func(c *Capacity) { c.WorkerMaxConcurrency = 3 }},
		{name: "not a number", ctx: map[string]any{"apiRateLimit": "lots"}, wantErr: "apiRateLimit"},
		{name: "zero", ctx: map[string]any{"publicBurstLimit": "0"}, wantErr: "publicBurstLimit"},
		{name: "worker concurrency 1", ctx: map[string]any{"workerMaxConcurrency": "1"}, wantErr: "2 to 1000"},
		{name: "public above the API", ctx: map[string]any{"publicRateLimit": "1000"}, wantErr: "must not exceed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = map[string]any{}
			}
			app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
			got, err := CapacityOf(app)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultCapacity
			tc.want(&want)
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestAPIThrottling: the stage throttles every route by default, and the routes
// without a Cognito token (public, app-key) tighter; the stage depends on those
// routes so that API Gateway knows their keys when it applies the settings.
func TestAPIThrottling(t *testing.T) {
	s := synth(t)
	stages := s.resources("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("%d stages", len(stages))
	}
	for id, st := range stages {
		p := props(st)
		c := DefaultCapacity
		if got, want := p["DefaultRouteSettings"], map[string]any{"ThrottlingRateLimit": c.API.Rate, "ThrottlingBurstLimit": float64(c.API.Burst)}; !reflect.DeepEqual(got, want) {
			t.Errorf("stage %s default route settings %v, want %v", id, asJSON(got), asJSON(want))
		}
		want := map[string]any{}
		for _, r := range routes.Table {
			var th Throttle
			switch r.Access {
			case routes.Public:
				th = c.Public
			case routes.AppKey:
				th = c.AppKey
			default:
				continue
			}
			want[r.Pattern()] = map[string]any{"ThrottlingRateLimit": th.Rate, "ThrottlingBurstLimit": float64(th.Burst)}
		}
		if !hasKey(want, "POST /v1/applications") || !hasKey(want, "POST /v1/runtime/events") {
			t.Fatalf("route table changed: %v", want)
		}
		if got := p["RouteSettings"]; !reflect.DeepEqual(asJSON(got), asJSON(want)) {
			t.Errorf("route settings\n got  %v\n want %v", asJSON(got), asJSON(want))
		}
		deps := strs(st["DependsOn"])
		routeIDs := map[string]string{}
		for rid, r := range s.resources("AWS::ApiGatewayV2::Route") {
			routeIDs[props(r)["RouteKey"].(string)] = rid
		}
		for key := range want {
			if !hasString(deps, routeIDs[key]) {
				t.Errorf("stage does not depend on route %s (%s)", key, routeIDs[key])
			}
		}
	}
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// TestWorkerMaxConcurrency: every queue's event source caps its concurrency.
func TestWorkerMaxConcurrency(t *testing.T) {
	s := synth(t)
	byQueue := map[string]float64{}
	for _, esm := range s.resources("AWS::Lambda::EventSourceMapping") {
		p := props(esm)
		sc, _ := p["ScalingConfig"].(map[string]any)
		mc, _ := sc["MaximumConcurrency"].(float64)
		byQueue[asJSON(p["EventSourceArn"])] = mc
	}
	if len(byQueue) != len(resources.Queues) {
		t.Fatalf("%d event sources, want one per queue (%d)", len(byQueue), len(resources.Queues))
	}
	for _, q := range resources.Queues {
		arn := asJSON(map[string]any{"Fn::GetAtt": getAtt(s.logicalID(s.stack.Queues[q.Name]), "Arn")})
		if got, want := byQueue[arn], float64(Workers[q.Name].MaxConcurrency); got != want || got < 2 {
			t.Errorf("%s: maximum concurrency %v, want %v", q.Name, got, want)
		}
	}
	over := synthWith(t, map[string]any{"workerMaxConcurrency": "7"})
	for _, esm := range over.resources("AWS::Lambda::EventSourceMapping") {
		if got := asJSON(props(esm)["ScalingConfig"]); got != `{"MaximumConcurrency":7}` {
			t.Errorf("workerMaxConcurrency=7: %s", got)
		}
	}
}

// TestOneLambdaPermissionPerFunction: API Gateway may invoke each HTTP
// function through one permission, for this API only, not one per route.
func TestOneLambdaPermissionPerFunction(t *testing.T) {
	s := synth(t)
	apiID := s.logicalID(s.stack.API)
	wantArn := asJSON(map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":execute-api:",
		map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":", ref(apiID), "/*/*/*"}}})
	perFunction := map[string]int{}
	for id, perm := range s.resources("AWS::Lambda::Permission") {
		p := props(perm)
		if p["Principal"] != "apigateway.amazonaws.com" {
			continue
		}
		fn := asJSON(p["FunctionName"])
		perFunction[fn]++
		if got := asJSON(p["SourceArn"]); got != wantArn {
			t.Errorf("permission %s: source %s, want %s", id, got, wantArn)
		}
	}
	var served []string
	for _, fn := range resources.Functions {
		if len(routes.ForFunction(fn.Name)) > 0 {
			served = append(served, fn.Name)
			arn := asJSON(map[string]any{"Fn::GetAtt": getAtt(s.logicalID(s.stack.Functions[fn.Name]), "Arn")})
			if perFunction[arn] != 1 {
				t.Errorf("%s: %d API Gateway permissions, want 1", fn.Name, perFunction[arn])
			}
		}
	}
	if len(perFunction) != len(served) {
		keys := make([]string, 0, len(perFunction))
		for k := range perFunction {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Errorf("API Gateway may invoke %d functions %v, want the %d that serve routes %v", len(perFunction), keys, len(served), served)
	}
}
