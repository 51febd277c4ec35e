package main

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpdp/platform/shared/routes"
)

// Throttle is a token bucket of API Gateway: a steady rate (requests a second)
// and a burst.
type Throttle struct {
	Rate  float64
	Burst int
}

// Capacity protects the platform from floods: the HTTP API stage's default
// throttle, tighter throttles on the routes without a Cognito token (public:
// account applications; app-key: the host apps' runtime calls), and the most
// concurrent invocations each queue worker's event source starts. Excess
// requests get 429 from API Gateway before any Lambda runs.
type Capacity struct {
	API    Throttle // every route (the stage's default route settings)
	Public Throttle // routes.Public routes
	AppKey Throttle // routes.AppKey routes
	// WorkerMaxConcurrency, if not 0, overrides every worker's MaxConcurrency.
	WorkerMaxConcurrency int
}

// DefaultCapacity fits a new account (Lambda's regional concurrency starts
// at 1,000, sometimes less): the API stays well inside it.
var DefaultCapacity = Capacity{
	API:    Throttle{Rate: 200, Burst: 400},
	Public: Throttle{Rate: 5, Burst: 10},
	AppKey: Throttle{Rate: 100, Burst: 200},
}

// capacityContext names the context values that override DefaultCapacity.
var capacityContext = []struct {
	key   string
	field func(*Capacity) *float64
	burst func(*Capacity) *int
}{
	{key: "apiRateLimit", field: func(c *Capacity) *float64 { return &c.API.Rate }},
	{key: "apiBurstLimit", burst: func(c *Capacity) *int { return &c.API.Burst }},
	{key: "publicRateLimit", field: func(c *Capacity) *float64 { return &c.Public.Rate }},
	{key: "publicBurstLimit", burst: func(c *Capacity) *int { return &c.Public.Burst }},
	{key: "appKeyRateLimit", field: func(c *Capacity) *float64 { return &c.AppKey.Rate }},
	{key: "appKeyBurstLimit", burst: func(c *Capacity) *int { return &c.AppKey.Burst }},
	{key: "workerMaxConcurrency", burst: func(c *Capacity) *int { return &c.WorkerMaxConcurrency }},
}

// CapacityOf is DefaultCapacity with the context's overrides, checked.
func CapacityOf(scope constructs.Construct) (Capacity, error) {
	c := DefaultCapacity
	for _, cc := range capacityContext {
		raw := contextValue(scope, cc.key)
		if raw == "" {
			continue
		}
		if cc.field != nil {
			v, err := strconv.ParseFloat(raw, 64)
			if err != nil || v <= 0 {
				return c, fmt.Errorf("context %s=%q: want a positive number of requests a second", cc.key, raw)
			}
			*cc.field(&c) = v
			continue
		}
		v, err := strconv.Atoi(raw)
		if err != nil || v <= 0 {
			return c, fmt.Errorf("context %s=%q: want a positive whole number", cc.key, raw)
		}
		*cc.burst(&c) = v
	}
	if w := c.WorkerMaxConcurrency; w != 0 && (w < 2 || w > 1000) {
		return c, fmt.Errorf("context workerMaxConcurrency=%d: SQS event sources take 2 to 1000", w)
	}
	for name, t := range map[string]Throttle{"public": c.Public, "appKey": c.AppKey} {
		if t.Rate > c.API.Rate || t.Burst > c.API.Burst {
			return c, fmt.Errorf("the %s routes' throttle (%v/s, burst %d) must not exceed the API's (%v/s, burst %d)",
				name, t.Rate, t.Burst, c.API.Rate, c.API.Burst)
		}
	}
	return c, nil
}

func mustCapacity(scope constructs.Construct) Capacity {
	c, err := CapacityOf(scope)
	if err != nil {
		panic(err.Error())
	}
	return c
}

// workerConcurrency is the maximum concurrency of a worker's event source.
func (c Capacity) workerConcurrency(w WorkerConfig) int {
	if c.WorkerMaxConcurrency != 0 {
		return c.WorkerMaxConcurrency
	}
	if w.MaxConcurrency < 2 {
		panic(fmt.Sprintf("worker MaxConcurrency %d: SQS event sources take 2 to 1000", w.MaxConcurrency))
	}
	return w.MaxConcurrency
}

// throttle gives a route without a Cognito token its own, tighter throttle in
// the default stage's route settings; the stage then depends on the route
// (API Gateway refuses settings for a route key that does not exist yet).
func (s *PlatformStack) throttle(r routes.Route, added []awsapigatewayv2.HttpRoute) {
	var t Throttle
	switch r.Access {
	case routes.Public:
		t = s.Capacity.Public
	case routes.AppKey:
		t = s.Capacity.AppKey
	default:
		return
	}
	stage := s.API.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	// Route keys hold no dots, so the override path names the key whole.
	stage.AddPropertyOverride(jsii.String("RouteSettings."+r.Pattern()),
		map[string]any{"ThrottlingRateLimit": t.Rate, "ThrottlingBurstLimit": t.Burst})
	for _, route := range added {
		stage.Node().AddDependency(route)
	}
}

// contextValue is a context value as a string (cdk -c gives strings, cdk.json
// may give numbers or booleans).
func contextValue(scope constructs.Construct, key string) string {
	switch v := scope.Node().TryGetContext(jsii.String(key)).(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
