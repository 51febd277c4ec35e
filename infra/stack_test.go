package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpdp/platform/shared/provision"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/routes"
)

// functionsDir holds an empty placeholder bootstrap per function, and consoleDir
// a tiny console build, so synth needs no real build.
var functionsDir, consoleDir string

func TestMain(m *testing.M) {
	// The jsii runtime warns that Node 20 is end-of-life. It reads the environment
	// before TestMain runs, so silence it from outside if needed:
	// JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20.
	dir, err := os.MkdirTemp("", "mpdp-functions-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := writePlaceholders(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	functionsDir = dir
	cdir, err := os.MkdirTemp("", "mpdp-console-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := writeConsoleDist(cdir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	consoleDir = cdir
	code := m.Run()
	os.RemoveAll(dir)
	os.RemoveAll(cdir)
	os.Exit(code)
}

// testConsoleFiles is the placeholder console build: what the console's build
// script writes, plus a config.json for local runs that the deployment must not ship.
var testConsoleFiles = map[string]string{
	ConsoleIndex:                           `<!doctype html><script type="module" src="/assets/app-TEST1234.js"></script>`,
	ConsoleAssetsDir + "/app-TEST1234.js":  `console.log("mpdp")`,
	ConsoleAssetsDir + "/app-TEST1234.css": `body{margin:0}`,
	ConsoleConfigKey:                       `{"apiUrl":"http://127.0.0.1:8080"}`,
}

func writeConsoleDist(dir string) error {
	for name, content := range testConsoleFiles {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writePlaceholders(dir string) error {
	for _, fn := range resources.Functions {
		if err := os.MkdirAll(filepath.Join(dir, fn.Name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fn.Name, "bootstrap"), nil, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// synthesized is the stack, synthesized once for all tests (each synth costs
// seconds of jsii round trips).
type synthesized struct {
	stack    *PlatformStack
	template assertions.Template
	json     map[string]any
}

var (
	synthOnce sync.Once
	synthRes  *synthesized
	synthErr  any
)

func synth(t *testing.T) *synthesized {
	t.Helper()
	synthOnce.Do(func() {
		defer func() { synthErr = recover() }()
		app := awscdk.NewApp(&awscdk.AppProps{Context: cdkJSONContext()})
		AddNagChecks(app)
		stack := NewPlatformStack(app, StackName(DefaultStage), &PlatformStackProps{FunctionsDir: functionsDir, ConsoleDir: consoleDir})
		tpl := assertions.Template_FromStack(stack.Stack, nil)
		synthRes = &synthesized{stack: stack, template: tpl, json: *tpl.ToJSON()}
	})
	if synthErr != nil {
		t.Fatalf("synth: %v", synthErr)
	}
	return synthRes
}

// cdkJSONContext is the context of cdk.json (feature flags),
// so the tests synthesize what `cdk synth` does.
func cdkJSONContext() *map[string]any {
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		panic(err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		panic(err)
	}
	return &doc.Context
}

// must turns a failed assertions.Template match (a jsii panic) into a test failure.
func must(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

func (s *synthesized) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.json["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func props(res map[string]any) map[string]any {
	p, _ := res["Properties"].(map[string]any)
	return p
}

func (s *synthesized) logicalID(c constructs.IConstruct) string {
	child := c.Node().DefaultChild()
	if child == nil {
		return *s.stack.GetLogicalId(c.(awscdk.CfnElement))
	}
	return *s.stack.GetLogicalId(child.(awscdk.CfnElement))
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }
func getAtt(id, attr string) []any { return []any{id, attr} }
func asJSON(v any) string          { b, _ := json.Marshal(v); return string(b) }
func strs(v any) []string          { return toStrings(v) }
func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, toStrings(e)...)
		}
		return out
	case nil:
		return nil
	default:
		return []string{asJSON(x)}
	}
}

func sortedSet(items []string) []string {
	sort.Strings(items)
	return items
}

func TestTableKeysIndexesPITRAndTTL(t *testing.T) {
	s := synth(t)
	tables := s.resources("AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("want 1 table, got %d", len(tables))
	}
	spec := resources.Table
	var indexes []any
	for _, ix := range spec.Indexes {
		indexes = append(indexes, map[string]any{
			"IndexName": ix.Name,
			"KeySchema": []any{
				map[string]any{"AttributeName": ix.PartitionKey, "KeyType": "HASH"},
				map[string]any{"AttributeName": ix.SortKey, "KeyType": "RANGE"},
			},
			"Projection": map[string]any{"ProjectionType": "ALL"},
		})
	}
	must(t, "table properties", func() {
		s.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), assertions.Match_ObjectLike(&map[string]any{
			"KeySchema": []any{
				map[string]any{"AttributeName": spec.PartitionKey, "KeyType": "HASH"},
				map[string]any{"AttributeName": spec.SortKey, "KeyType": "RANGE"},
			},
			"BillingMode":                      "PAY_PER_REQUEST",
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"TimeToLiveSpecification":          map[string]any{"AttributeName": spec.TTLAttribute, "Enabled": true},
			"DeletionProtectionEnabled":        true,
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
			"GlobalSecondaryIndexes":           assertions.Match_ArrayWith(&indexes),
		}))
	})
	must(t, "table retained (except when its creation fails)", func() {
		s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), &map[string]any{
			"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain",
		})
	})
	for _, tbl := range tables {
		if got := len(props(tbl)["GlobalSecondaryIndexes"].([]any)); got != len(spec.Indexes) {
			t.Errorf("GSIs: want %d, got %d", len(spec.Indexes), got)
		}
	}
}

// TestTableMatchesLocalProvisioning proves that the cloud table and the table the
// local provisioning creates (provision.CreateTableInput) have the same keys,
// attribute definitions and indexes.
func TestTableMatchesLocalProvisioning(t *testing.T) {
	s := synth(t)
	var table map[string]any
	for _, tbl := range s.resources("AWS::DynamoDB::Table") {
		table = props(tbl)
	}
	in := provision.CreateTableInput(resources.Table)

	keySchema := func(v any) []string { // "name=HASH", ... from the template
		var out []string
		for _, e := range v.([]any) {
			m := e.(map[string]any)
			out = append(out, fmt.Sprintf("%v=%v", m["AttributeName"], m["KeyType"]))
		}
		return sortedSet(out)
	}
	var wantKeys []string
	for _, k := range in.KeySchema {
		wantKeys = append(wantKeys, fmt.Sprintf("%s=%s", *k.AttributeName, k.KeyType))
	}
	if got, want := keySchema(table["KeySchema"]), sortedSet(wantKeys); !reflect.DeepEqual(got, want) {
		t.Errorf("KeySchema: template %v, local %v", got, want)
	}

	var gotAttrs, wantAttrs []string
	for _, e := range table["AttributeDefinitions"].([]any) {
		m := e.(map[string]any)
		gotAttrs = append(gotAttrs, fmt.Sprintf("%v:%v", m["AttributeName"], m["AttributeType"]))
	}
	for _, a := range in.AttributeDefinitions {
		wantAttrs = append(wantAttrs, fmt.Sprintf("%s:%s", *a.AttributeName, a.AttributeType))
	}
	if got, want := sortedSet(gotAttrs), sortedSet(wantAttrs); !reflect.DeepEqual(got, want) {
		t.Errorf("AttributeDefinitions: template %v, local %v", got, want)
	}

	var gotIx, wantIx []string
	for _, e := range table["GlobalSecondaryIndexes"].([]any) {
		m := e.(map[string]any)
		proj := m["Projection"].(map[string]any)
		gotIx = append(gotIx, fmt.Sprintf("%v %v %v", m["IndexName"], keySchema(m["KeySchema"]), proj["ProjectionType"]))
	}
	for _, ix := range in.GlobalSecondaryIndexes {
		var ks []string
		for _, k := range ix.KeySchema {
			ks = append(ks, fmt.Sprintf("%s=%s", *k.AttributeName, k.KeyType))
		}
		wantIx = append(wantIx, fmt.Sprintf("%s %v %s", *ix.IndexName, sortedSet(ks), ix.Projection.ProjectionType))
	}
	if got, want := sortedSet(gotIx), sortedSet(wantIx); !reflect.DeepEqual(got, want) {
		t.Errorf("GlobalSecondaryIndexes:\n template %v\n local    %v", got, want)
	}
	if table["BillingMode"] != string(in.BillingMode) {
		t.Errorf("BillingMode: template %v, local %v", table["BillingMode"], in.BillingMode)
	}
}

func TestBucketIsPrivateEncryptedAndSSLOnly(t *testing.T) {
	s := synth(t)
	bucketID, logBucketID := s.logicalID(s.stack.Bucket), s.logicalID(s.stack.LogBucket)
	buckets := s.resources("AWS::S3::Bucket")
	for _, id := range []string{bucketID, logBucketID} {
		p := props(buckets[id])
		if p == nil {
			t.Fatalf("bucket %s not in template", id)
		}
		want := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
		if got := p["PublicAccessBlockConfiguration"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: PublicAccessBlockConfiguration %v", id, got)
		}
		if got := asJSON(p["BucketEncryption"]); !strings.Contains(got, `"SSEAlgorithm":"AES256"`) {
			t.Errorf("%s: BucketEncryption %s", id, got)
		}
		if !s.hasSSLDeny("AWS::S3::BucketPolicy", "Bucket", id) {
			t.Errorf("%s: no bucket policy denying requests without TLS", id)
		}
	}
	p := props(buckets[bucketID])
	if got := asJSON(p["VersioningConfiguration"]); got != `{"Status":"Enabled"}` {
		t.Errorf("versioning %s", got)
	}
	if got := asJSON(p["LifecycleConfiguration"]); !strings.Contains(got, `"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}`) {
		t.Errorf("lifecycle %s", got)
	}
	logging := p["LoggingConfiguration"].(map[string]any)
	if !reflect.DeepEqual(logging["DestinationBucketName"], ref(logBucketID)) {
		t.Errorf("access logs go to %v, want the log bucket %s", logging["DestinationBucketName"], logBucketID)
	}
	if !strings.Contains(asJSON(p["BucketName"]), stageName(DefaultStage, resources.Bucket.Name)+"-") {
		t.Errorf("bucket name %s does not start with %s", asJSON(p["BucketName"]), resources.Bucket.Name)
	}
}

// hasSSLDeny reports whether a policy of type typ attached (through its attach
// property) to the resource id denies requests with aws:SecureTransport false.
func (s *synthesized) hasSSLDeny(typ, attach, id string) bool {
	for _, pol := range s.resources(typ) {
		p := props(pol)
		target := asJSON(p[attach])
		if !strings.Contains(target, `"`+id+`"`) {
			continue
		}
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			stmt := st.(map[string]any)
			cond := asJSON(stmt["Condition"])
			if stmt["Effect"] == "Deny" && strings.Contains(cond, `"aws:SecureTransport":"false"`) {
				return true
			}
		}
	}
	return false
}

func TestQueuesHaveDeadLetterQueues(t *testing.T) {
	s := synth(t)
	queues := s.resources("AWS::SQS::Queue")
	if len(queues) != 2*len(resources.Queues) {
		t.Errorf("want %d queues (each with a DLQ), got %d", 2*len(resources.Queues), len(queues))
	}
	for _, spec := range resources.Queues {
		qid, dlqID := s.logicalID(s.stack.Queues[spec.Name]), s.logicalID(s.stack.DeadLetters[spec.Name])
		q, dlq := props(queues[qid]), props(queues[dlqID])
		if q == nil || dlq == nil {
			t.Fatalf("%s: queue %s or DLQ %s missing", spec.Name, qid, dlqID)
		}
		rp := q["RedrivePolicy"].(map[string]any)
		if !reflect.DeepEqual(rp["deadLetterTargetArn"], map[string]any{"Fn::GetAtt": getAtt(dlqID, "Arn")}) {
			t.Errorf("%s: redrive target %v, want %s", spec.Name, rp["deadLetterTargetArn"], dlqID)
		}
		if rp["maxReceiveCount"] != float64(spec.MaxReceiveCount) {
			t.Errorf("%s: maxReceiveCount %v, want %d", spec.Name, rp["maxReceiveCount"], spec.MaxReceiveCount)
		}
		if q["VisibilityTimeout"] != spec.VisibilityTimeout.Seconds() {
			t.Errorf("%s: VisibilityTimeout %v, want %v", spec.Name, q["VisibilityTimeout"], spec.VisibilityTimeout.Seconds())
		}
		for name, p := range map[string]map[string]any{qid: q, dlqID: dlq} {
			if p["SqsManagedSseEnabled"] != true {
				t.Errorf("%s: SSE not enabled", name)
			}
			if !s.hasSSLDeny("AWS::SQS::QueuePolicy", "Queues", name) {
				t.Errorf("%s: no queue policy denying requests without TLS", name)
			}
		}
	}
}

func TestUserPoolAndClient(t *testing.T) {
	s := synth(t)
	spec := resources.UserPool
	must(t, "user pool", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), assertions.Match_ObjectLike(&map[string]any{
			"UserPoolName":          stageName(DefaultStage, spec.Name),
			"UsernameAttributes":    []any{"email"},
			"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": true},
			"Policies": map[string]any{"PasswordPolicy": map[string]any{
				"MinimumLength": spec.PasswordMinLength, "RequireLowercase": true, "RequireUppercase": true,
				"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": spec.TemporaryPasswordDays,
			}},
			"MfaConfiguration": "OPTIONAL",
			"EnabledMfas":      []any{"SOFTWARE_TOKEN_MFA"},
			"UserPoolAddOns":   map[string]any{"AdvancedSecurityMode": "ENFORCED"},
		}))
	})
	must(t, "user pool client", func() {
		s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), assertions.Match_ObjectLike(&map[string]any{
			"ClientName":        stageName(DefaultStage, spec.ClientName),
			"GenerateSecret":    false,
			"ExplicitAuthFlows": assertions.Match_ArrayWith(&[]any{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}),
		}))
	})
}

func TestOneLambdaPerFunction(t *testing.T) {
	s := synth(t)
	fns := s.resources("AWS::Lambda::Function")
	// Besides the platform's, only CDK's handlers of Custom::S3BucketNotifications
	// and Custom::CDKBucketDeployment (the console).
	helpers := map[string]bool{}
	for _, typ := range []string{"Custom::S3BucketNotifications", "Custom::CDKBucketDeployment"} {
		handler := s.serviceTokenFunction(typ)
		if handler == "" || fns[handler] == nil {
			t.Errorf("no handler %q of %s", handler, typ)
		}
		helpers[handler] = true
	}
	if len(fns) != len(resources.Functions)+len(helpers) {
		t.Errorf("want %d functions and %d handlers, got %d functions", len(resources.Functions), len(helpers), len(fns))
	}
	origin := asJSON(s.consoleOriginCFN())
	envKeys := []string{resources.EnvTableName, resources.EnvBucketName, resources.EnvUserPoolID, resources.EnvClientID,
		resources.EnvMailQueueURL, resources.EnvMailFrom, resources.EnvConsoleURL, resources.EnvConsoleOrigins,
		resources.EnvStateMachine, resources.EnvAppKeysKMSKey}
	for _, fn := range resources.Functions {
		id := s.logicalID(s.stack.Functions[fn.Name])
		p := props(fns[id])
		if p == nil {
			t.Errorf("%s: function %s not in template", fn.Name, id)
			continue
		}
		wantTimeout, wantMemory, wantStorage := float64(httpFunctionTimeout), float64(functionMemoryMB), "null"
		if fn.Queue != nil {
			w := Workers[fn.Queue.Name]
			wantTimeout, wantMemory = float64(w.TimeoutSeconds), float64(w.MemoryMB)
			if w.EphemeralStorageMB > 0 {
				wantStorage = fmt.Sprintf(`{"Size":%d}`, w.EphemeralStorageMB)
			}
		}
		checks := map[string][2]any{
			"Architectures":    {asJSON(p["Architectures"]), `["arm64"]`},
			"Runtime":          {p["Runtime"], "provided.al2023"},
			"Handler":          {p["Handler"], "bootstrap"},
			"MemorySize":       {p["MemorySize"], wantMemory},
			"Timeout":          {p["Timeout"], wantTimeout},
			"EphemeralStorage": {asJSON(p["EphemeralStorage"]), wantStorage},
			"TracingConfig":    {asJSON(p["TracingConfig"]), `{"Mode":"Active"}`},
		}
		for name, c := range checks {
			if c[0] != c[1] {
				t.Errorf("%s: %s = %v, want %v", fn.Name, name, c[0], c[1])
			}
		}
		vars := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		for _, k := range envKeys {
			if _, ok := vars[k]; !ok {
				t.Errorf("%s: environment lacks %s", fn.Name, k)
			}
		}
		if vars[resources.EnvMailFrom] != DefaultMailFrom {
			t.Errorf("%s: MAIL_FROM %v, want %s", fn.Name, vars[resources.EnvMailFrom], DefaultMailFrom)
		}
		if want := ref(s.logicalID(s.stack.StateMachine)); !reflect.DeepEqual(vars[resources.EnvStateMachine], want) {
			t.Errorf("%s: %s %v, want %v", fn.Name, resources.EnvStateMachine, vars[resources.EnvStateMachine], want)
		}
		for _, k := range []string{resources.EnvConsoleOrigins, resources.EnvConsoleURL} {
			if got := asJSON(vars[k]); got != origin {
				t.Errorf("%s: %s %s, want the distribution's origin %s", fn.Name, k, got, origin)
			}
		}
		logGroup := asJSON(p["LoggingConfig"])
		if !strings.Contains(logGroup, `"LogGroup":{"Ref":`) {
			t.Errorf("%s: no own log group: %s", fn.Name, logGroup)
		} else {
			lgID := p["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"].(string)
			if props(s.resources("AWS::Logs::LogGroup")[lgID])["RetentionInDays"] == nil {
				t.Errorf("%s: log group %s has no retention", fn.Name, lgID)
			}
		}
	}
}

func TestQueueWorkersHaveEventSources(t *testing.T) {
	s := synth(t)
	mappings := s.resources("AWS::Lambda::EventSourceMapping")
	want := 0
	for _, fn := range resources.Functions {
		if fn.Queue == nil {
			continue
		}
		want++
		fnID, qID := s.logicalID(s.stack.Functions[fn.Name]), s.logicalID(s.stack.Queues[fn.Queue.Name])
		w, ok := Workers[fn.Queue.Name]
		if !ok {
			t.Errorf("%s: queue %s has no Workers entry", fn.Name, fn.Queue.Name)
		}
		// Lambda refuses a mapping whose queue hides messages for less than the function may run.
		if vis := fn.Queue.VisibilityTimeout; vis <= time.Duration(w.TimeoutSeconds)*time.Second {
			t.Errorf("%s: visibility timeout %s of %s does not exceed the function timeout %ds", fn.Name, vis, fn.Queue.Name, w.TimeoutSeconds)
		}
		found := false
		for _, m := range mappings {
			p := props(m)
			if reflect.DeepEqual(p["FunctionName"], ref(fnID)) &&
				reflect.DeepEqual(p["EventSourceArn"], map[string]any{"Fn::GetAtt": getAtt(qID, "Arn")}) {
				found = true
				var window any
				if w.BatchingWindow > 0 {
					window = w.BatchingWindow.Seconds()
				}
				if p["BatchSize"] != float64(w.BatchSize) || asJSON(p["FunctionResponseTypes"]) != `["ReportBatchItemFailures"]` ||
					p["MaximumBatchingWindowInSeconds"] != window {
					t.Errorf("%s: mapping %v, want batch size %d, window %v, ReportBatchItemFailures", fn.Name, asJSON(p), w.BatchSize, window)
				}
			}
		}
		if !found {
			t.Errorf("%s: no event source mapping from %s", fn.Name, fn.Queue.Name)
		}
	}
	if len(mappings) != want {
		t.Errorf("want %d event source mappings, got %d", want, len(mappings))
	}
}

func TestOneRoutePerRouteTableEntry(t *testing.T) {
	s := synth(t)
	authorizerID := ""
	for id := range s.resources("AWS::ApiGatewayV2::Authorizer") {
		authorizerID = id
	}
	integrations := s.resources("AWS::ApiGatewayV2::Integration")
	byKey := map[string]map[string]any{}
	for _, r := range s.resources("AWS::ApiGatewayV2::Route") {
		p := props(r)
		key := p["RouteKey"].(string)
		if _, dup := byKey[key]; dup {
			t.Errorf("route %s defined twice", key)
		}
		byKey[key] = p
	}
	if len(byKey) != len(routes.Table) {
		t.Errorf("want %d routes, got %d", len(routes.Table), len(byKey))
	}
	for _, r := range routes.Table {
		p, ok := byKey[r.Pattern()]
		if !ok {
			t.Errorf("route %s missing", r.Pattern())
			continue
		}
		switch r.Access {
		case routes.Signed:
			if p["AuthorizationType"] != "JWT" || !reflect.DeepEqual(p["AuthorizerId"], ref(authorizerID)) {
				t.Errorf("%s: signed route has AuthorizationType %v, AuthorizerId %v", r.Pattern(), p["AuthorizationType"], p["AuthorizerId"])
			}
		case routes.Public, routes.AppKey:
			if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
				t.Errorf("%s: public route has AuthorizationType %v, AuthorizerId %v", r.Pattern(), p["AuthorizationType"], p["AuthorizerId"])
			}
		}
		// Target is {"Fn::Join": ["", ["integrations/", {"Ref": integration}]]}.
		target := p["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any)[1].(map[string]any)["Ref"].(string)
		ip := props(integrations[target])
		fnID := s.logicalID(s.stack.Functions[r.Function])
		if !reflect.DeepEqual(ip["IntegrationUri"], map[string]any{"Fn::GetAtt": getAtt(fnID, "Arn")}) {
			t.Errorf("%s: integrated with %v, want function %s", r.Pattern(), ip["IntegrationUri"], r.Function)
		}
		if ip["IntegrationType"] != "AWS_PROXY" || ip["PayloadFormatVersion"] != "2.0" {
			t.Errorf("%s: integration %s / payload %v", r.Pattern(), ip["IntegrationType"], ip["PayloadFormatVersion"])
		}
	}
}

func TestJWTAuthorizer(t *testing.T) {
	s := synth(t)
	auths := s.resources("AWS::ApiGatewayV2::Authorizer")
	if len(auths) != 1 {
		t.Fatalf("want 1 authorizer, got %d", len(auths))
	}
	poolID, clientID := s.logicalID(s.stack.UserPool), s.logicalID(s.stack.Client)
	for _, a := range auths {
		p := props(a)
		if p["AuthorizerType"] != "JWT" {
			t.Errorf("AuthorizerType %v", p["AuthorizerType"])
		}
		if got := asJSON(p["IdentitySource"]); got != `["$request.header.Authorization"]` {
			t.Errorf("IdentitySource %s", got)
		}
		jwt := p["JwtConfiguration"].(map[string]any)
		if !reflect.DeepEqual(jwt["Audience"], []any{ref(clientID)}) {
			t.Errorf("Audience %v, want the app client %s", jwt["Audience"], clientID)
		}
		wantIssuer := map[string]any{"Fn::Join": []any{"", []any{
			"https://cognito-idp.", ref("AWS::Region"), ".", ref("AWS::URLSuffix"), "/", ref(poolID),
		}}}
		if !reflect.DeepEqual(jwt["Issuer"], wantIssuer) {
			t.Errorf("Issuer %s, want %s", asJSON(jwt["Issuer"]), asJSON(wantIssuer))
		}
	}
}

func TestAPIAccessLogs(t *testing.T) {
	s := synth(t)
	for id, st := range s.resources("AWS::ApiGatewayV2::Stage") {
		als, _ := props(st)["AccessLogSettings"].(map[string]any)
		if als == nil {
			t.Errorf("stage %s has no access logs", id)
			continue
		}
		dest := asJSON(als["DestinationArn"])
		if !strings.Contains(dest, "Fn::GetAtt") || als["Format"] == nil {
			t.Errorf("stage %s: access logs %s", id, asJSON(als))
		}
		var format map[string]string
		if err := json.Unmarshal([]byte(als["Format"].(string)), &format); err != nil || format["requestId"] != "$context.requestId" {
			t.Errorf("stage %s: access log format %v (%v)", id, als["Format"], err)
		}
	}
}

func TestOutputs(t *testing.T) {
	s := synth(t)
	outputs, _ := s.json["Outputs"].(map[string]any)
	for _, name := range []string{"ApiUrl", "UserPoolId", "UserPoolClientId", "TableName", "BucketName", "AlarmTopicArn",
		"LaunchStateMachineArn", "ConsoleUrl", "ConsoleDistributionId", "ConsoleDistributionDomainName", "ConsoleBucketName"} {
		if _, ok := outputs[name]; !ok {
			t.Errorf("output %s missing", name)
		}
	}
}

// statement is one IAM policy statement with Action and Resource as lists.
type statement struct {
	Effect    string
	Actions   []string
	Resources []string
}

// roleStatements gathers every statement of the policies attached to each role,
// by role logical id, and reports the ones of policies attached to no role.
func (s *synthesized) roleStatements(t *testing.T) map[string][]statement {
	t.Helper()
	out := map[string][]statement{}
	collect := func(roleID string, doc any) {
		for _, st := range doc.(map[string]any)["Statement"].([]any) {
			m := st.(map[string]any)
			out[roleID] = append(out[roleID], statement{
				Effect: m["Effect"].(string), Actions: strs(m["Action"]), Resources: strs(m["Resource"]),
			})
		}
	}
	for id, pol := range s.resources("AWS::IAM::Policy") {
		p := props(pol)
		roles, _ := p["Roles"].([]any)
		if len(roles) == 0 {
			t.Errorf("policy %s is attached to no role", id)
		}
		for _, r := range roles {
			collect(r.(map[string]any)["Ref"].(string), p["PolicyDocument"])
		}
	}
	for id, role := range s.resources("AWS::IAM::Role") {
		p := props(role)
		if arns, ok := p["ManagedPolicyArns"]; ok {
			t.Errorf("role %s has managed policies %v", id, asJSON(arns))
		}
		if inline, ok := p["Policies"].([]any); ok {
			for _, pol := range inline {
				collect(id, pol.(map[string]any)["PolicyDocument"])
			}
		}
	}
	if n := len(s.resources("AWS::IAM::ManagedPolicy")); n != 0 {
		t.Errorf("%d customer managed policies; want inline ones only", n)
	}
	return out
}

// objectsARN renders the ARN of the package bucket's objects under a prefix as
// the template has it.
func (s *synthesized) objectsARN() func(prefix string) string {
	bucketID := s.logicalID(s.stack.Bucket)
	return func(prefix string) string {
		return asJSON(map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": getAtt(bucketID, "Arn")}, "/" + prefix + "*"}}})
	}
}

// scopedGrants are the grants that several permissions make on different
// resources: the exact "action on resource" pairs each permission brings
// (S3 objects by prefix, queues). TestIAMLeastPrivilege checks that a
// function's role holds exactly the union of its permissions' pairs.
func (s *synthesized) scopedGrants() map[resources.Permission][]string {
	objects := s.objectsARN()
	queueArn := func(q resources.QueueSpec) string {
		return asJSON(map[string]any{"Fn::GetAtt": getAtt(s.logicalID(s.stack.Queues[q.Name]), "Arn")})
	}
	consume := func(q resources.QueueSpec) []string {
		var out []string
		for _, a := range []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"} {
			out = append(out, a+" on "+queueArn(q))
		}
		return out
	}
	b := resources.Bucket
	return map[resources.Permission][]string{
		resources.PackagesSign:     {"s3:PutObject on " + objects(b.IncomingPrefix), "s3:GetObject on " + objects(b.PackagesPrefix)},
		resources.AssetsSign:       {"s3:PutObject on " + objects(b.AssetsPrefix)},
		resources.AssetsRead:       {"s3:GetObject on " + objects(b.AssetsPrefix)},
		resources.PackagesProcess:  {"s3:GetObject on " + objects(b.IncomingPrefix), "s3:PutObject on " + objects(b.PackagesPrefix)},
		resources.MailConsume:      consume(resources.MailQueue),
		resources.PackagesConsume:  consume(resources.PackageQueue),
		resources.WorkflowConsume:  consume(resources.WorkflowQueue),
		resources.AnalyticsConsume: consume(resources.AnalyticsQueue),
		// Enqueueing is sqs:SendMessage on one queue each.
		resources.MailEnqueue:      {"sqs:SendMessage on " + queueArn(resources.MailQueue)},
		resources.AnalyticsEnqueue: {"sqs:SendMessage on " + queueArn(resources.AnalyticsQueue)},
		// The analytics worker archives raw items under ArchivePrefix only.
		resources.ArchiveWrite: {"s3:PutObject on " + objects(b.ArchivePrefix)},
	}
}

func TestIAMLeastPrivilege(t *testing.T) {
	s := synth(t)
	byRole := s.roleStatements(t)
	// Actions that take no resource-level permissions, allowed on "*" beside X-Ray's:
	// the state machine's log delivery, and the answers to its callback tasks for
	// the functions with WorkflowAnswer.
	onStar := map[string][]string{s.logicalID(s.stack.StateMachineRole): stateMachineLogActions}
	for _, fn := range resources.Functions {
		if hasPermission(fn, resources.WorkflowAnswer) {
			onStar[s.logicalID(s.stack.Roles[fn.Name])] = []string{"states:SendTaskSuccess", "states:SendTaskFailure"}
		}
	}
	for roleID, stmts := range byRole {
		for _, st := range stmts {
			for _, a := range st.Actions {
				if strings.Contains(a, "*") {
					t.Errorf("role %s: wildcard action %q", roleID, a)
				}
			}
			if hasString(st.Resources, "*") {
				for _, a := range st.Actions {
					if !strings.HasPrefix(a, "xray:") && !hasString(onStar[roleID], a) {
						t.Errorf("role %s: %s on Resource *", roleID, a)
					}
				}
			}
		}
	}

	// Which actions each permission brings; a function without the permission must
	// hold none of them.
	exclusive := map[resources.Permission][]string{
		resources.TableWrite:     {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"},
		resources.TableRead:      {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:Scan"},
		resources.UsersRead:      {"cognito-idp:AdminGetUser"},
		resources.UsersAdmin:     {"cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword"},
		resources.MailSend:       {"ses:SendEmail", "ses:SendRawEmail"},
		resources.WorkflowStart:  {"states:StartExecution"},
		resources.WorkflowAnswer: {"states:SendTaskSuccess", "states:SendTaskFailure"},
		resources.KeysEncrypt:    {"kms:Encrypt"},
		resources.KeysDecrypt:    {"kms:Decrypt"},
	}
	// Grants that several permissions make on different resources: the exact
	// (action, resource) pairs each permission brings. A function's S3 object and
	// SQS consumer grants must be exactly the union of its permissions' pairs.
	bucketID := s.logicalID(s.stack.Bucket)
	objects := s.objectsARN()
	consumeActions := []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}
	b := resources.Bucket
	scoped := s.scopedGrants()
	isScoped := func(action string) bool {
		return strings.HasPrefix(action, "s3:") || hasString(consumeActions, action) || action == "sqs:SendMessage"
	}
	for _, fn := range resources.Functions {
		roleID := s.logicalID(s.stack.Roles[fn.Name])
		if got := props(s.resources("AWS::Lambda::Function")[s.logicalID(s.stack.Functions[fn.Name])])["Role"]; !reflect.DeepEqual(got, map[string]any{"Fn::GetAtt": getAtt(roleID, "Arn")}) {
			t.Errorf("%s: runs as %v, want its role %s", fn.Name, got, roleID)
		}
		var granted []string
		for _, st := range byRole[roleID] {
			if st.Effect == "Allow" {
				granted = append(granted, st.Actions...)
			}
		}
		has := map[resources.Permission]bool{}
		for _, p := range fn.Permissions {
			has[p] = true
		}
		for perm, actions := range exclusive {
			for _, a := range actions {
				if hasString(granted, a) && !has[perm] {
					t.Errorf("%s: granted %s without %s", fn.Name, a, perm)
				}
			}
			if has[perm] && !hasString(granted, actions[0]) {
				t.Errorf("%s: has %s but not %s", fn.Name, perm, actions[0])
			}
		}
		if hasString(granted, "dynamodb:Scan") {
			t.Errorf("%s: granted dynamodb:Scan", fn.Name)
		}
		for _, a := range granted {
			if strings.HasPrefix(a, "states:") && !hasString(exclusive[resources.WorkflowStart], a) &&
				!hasString(exclusive[resources.WorkflowAnswer], a) {
				t.Errorf("%s: granted %s", fn.Name, a)
			}
		}

		var gotScoped, wantScoped []string
		for _, st := range byRole[roleID] {
			for _, a := range st.Actions {
				if st.Effect == "Allow" && isScoped(a) {
					for _, r := range st.Resources {
						gotScoped = append(gotScoped, a+" on "+r)
					}
				}
			}
		}
		for _, p := range fn.Permissions {
			wantScoped = append(wantScoped, scoped[p]...)
		}
		if got, want := sortedSet(gotScoped), sortedSet(wantScoped); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: S3 and queue-consumer grants\n got  %v\n want %v", fn.Name, got, want)
		}
	}

	// Spelled out for the functions that sign URLs: presigned URLs act with the
	// signer's permissions, so these are exactly what a URL they sign may do.
	for name, want := range map[string][]string{
		"miniprograms": {"s3:PutObject on " + objects(b.IncomingPrefix), "s3:GetObject on " + objects(b.PackagesPrefix),
			"s3:GetObject on " + objects(b.AssetsPrefix)},
		"workspaces": {"s3:PutObject on " + objects(b.AssetsPrefix), "s3:GetObject on " + objects(b.AssetsPrefix)},
		"feedback":   {"s3:PutObject on " + objects(b.AssetsPrefix), "s3:GetObject on " + objects(b.AssetsPrefix)},
	} {
		var got []string
		for _, st := range byRole[s.logicalID(s.stack.Roles[name])] {
			for _, a := range st.Actions {
				if strings.HasPrefix(a, "s3:") {
					for _, r := range st.Resources {
						got = append(got, a+" on "+r)
					}
				}
			}
		}
		if !reflect.DeepEqual(sortedSet(got), sortedSet(want)) {
			t.Errorf("%s: S3 grants %v, want %v", name, got, want)
		}
	}

	// No role anywhere (CDK's own helpers included) may act on every object of the
	// bucket or on the whole bucket except to set its notifications.
	bucketArn := asJSON(map[string]any{"Fn::GetAtt": getAtt(bucketID, "Arn")})
	for roleID, stmts := range byRole {
		for _, st := range stmts {
			for _, r := range st.Resources {
				if r == objects("") {
					t.Errorf("role %s: %v on every object of the bucket", roleID, st.Actions)
				}
				if r == bucketArn && !reflect.DeepEqual(st.Actions, []string{"s3:PutBucketNotification"}) {
					t.Errorf("role %s: %v on the bucket", roleID, st.Actions)
				}
			}
		}
	}

	// Table writes go to the table only, never to its indexes.
	tableID := s.logicalID(s.stack.Table)
	for roleID, stmts := range byRole {
		for _, st := range stmts {
			if hasString(st.Actions, "dynamodb:PutItem") {
				if len(st.Resources) != 1 || st.Resources[0] != asJSON(map[string]any{"Fn::GetAtt": getAtt(tableID, "Arn")}) {
					t.Errorf("role %s: table writes on %v", roleID, st.Resources)
				}
			}
		}
	}
}

// TestAssetsReadIsLeastPrivilege: reading images (presigned views, and reading
// uploads back to check their real type) is s3:GetObject on the assets prefix only, held by exactly the
// functions with AssetsRead, in a statement of its own.
func TestAssetsReadIsLeastPrivilege(t *testing.T) {
	s := synth(t)
	byRole := s.roleStatements(t)
	bucketID := s.logicalID(s.stack.Bucket)
	assets := asJSON(map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": getAtt(bucketID, "Arn")}, "/" + resources.Bucket.AssetsPrefix + "*"}}})
	holders := 0
	for _, fn := range resources.Functions {
		reads := false
		for _, st := range byRole[s.logicalID(s.stack.Roles[fn.Name])] {
			if st.Effect == "Allow" && hasString(st.Actions, "s3:GetObject") && hasString(st.Resources, assets) {
				reads = true
				if len(st.Actions) != 1 || len(st.Resources) != 1 {
					t.Errorf("%s: asset reads granted together with %v on %v", fn.Name, st.Actions, st.Resources)
				}
			}
		}
		if reads != hasPermission(fn, resources.AssetsRead) {
			t.Errorf("%s: s3:GetObject on %s is %v, AssetsRead is %v", fn.Name, resources.Bucket.AssetsPrefix, reads, !reads)
		}
		if reads {
			holders++
		}
	}
	// workspaces checks branding images and shows them; miniprograms (icons) and
	// feedback (screenshots) show images through presigned GETs.
	if holders != 3 {
		t.Errorf("%d functions read assets, want 3 (workspaces, miniprograms, feedback)", holders)
	}
	for _, name := range []string{"workspaces", "miniprograms", "feedback"} {
		if !hasPermission(resources.Functions[slices.IndexFunc(resources.Functions, func(f resources.Function) bool { return f.Name == name })], resources.AssetsRead) {
			t.Errorf("%s lacks AssetsRead: it signs GET URLs of images", name)
		}
	}
}

func TestCdkNagReportsNoErrorsOrWarnings(t *testing.T) {
	s := synth(t)
	annotations := assertions.Annotations_FromStack(s.stack.Stack)
	pattern := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	report := func(kind string, msgs *[]*cxapi.SynthesisMessage) {
		if msgs == nil {
			return
		}
		for _, m := range *msgs {
			t.Errorf("cdk-nag %s at %s: %v", kind, *m.Id, asJSON(m.Entry.Data))
		}
	}
	report("error", annotations.FindError(jsii.String("*"), pattern))
	report("warning", annotations.FindWarning(jsii.String("*"), pattern))
}

func TestCheckFunctionAssets(t *testing.T) {
	if err := CheckFunctionAssets(functionsDir); err != nil {
		t.Errorf("placeholders: %v", err)
	}
	empty := t.TempDir()
	if err := CheckFunctionAssets(empty); err == nil || !strings.Contains(err.Error(), resources.Functions[0].Name) {
		t.Errorf("empty dir: got %v, want an error naming %s", err, resources.Functions[0].Name)
	}
}

func TestConstructID(t *testing.T) {
	for in, want := range map[string]string{"mpdp-mail": "MpdpMail", "accounts": "Accounts", "a_b.c": "ABC"} {
		if got := constructID(in); got != want {
			t.Errorf("constructID(%q) = %q, want %q", in, got, want)
		}
	}
}

// notificationsHandlerID is the logical id of the Lambda behind Custom::S3BucketNotifications.
func (s *synthesized) notificationsHandlerID(t *testing.T) string {
	t.Helper()
	return s.serviceTokenFunction("Custom::S3BucketNotifications")
}

// serviceTokenFunction is the logical id of the Lambda behind the custom resources of type typ.
func (s *synthesized) serviceTokenFunction(typ string) string {
	for _, n := range s.resources(typ) {
		token, _ := props(n)["ServiceToken"].(map[string]any)
		if att, ok := token["Fn::GetAtt"].([]any); ok && len(att) == 2 {
			return att[0].(string)
		}
	}
	return ""
}

// synthWith synthesizes a separate stack with cdk.json's context plus extra, for
// tests of context values; it does not run cdk-nag.
func synthWith(t *testing.T, extra map[string]any) *synthesized {
	t.Helper()
	ctx := *cdkJSONContext()
	for k, v := range extra {
		ctx[k] = v
	}
	var res *synthesized
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("synth with %v: %v", extra, r)
			}
		}()
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
		stage, err := StageOf(app)
		if err != nil {
			panic(err)
		}
		stack := NewPlatformStack(app, StackName(stage), &PlatformStackProps{FunctionsDir: functionsDir, ConsoleDir: consoleDir})
		tpl := assertions.Template_FromStack(stack.Stack, nil)
		res = &synthesized{stack: stack, template: tpl, json: *tpl.ToJSON()}
	}()
	return res
}

// TestAlarmEmail: alarmEmail subscribes that address to the alarm topic; without
// it (cdk.json) there is no subscription.
func TestAlarmEmail(t *testing.T) {
	if n := len(synth(t).resources("AWS::SNS::Subscription")); n != 0 {
		t.Errorf("%d alarm subscriptions without alarmEmail", n)
	}
	s := synthWith(t, map[string]any{"alarmEmail": "ops@example.com"})
	subs := s.resources("AWS::SNS::Subscription")
	if len(subs) != 1 {
		t.Fatalf("want 1 alarm subscription, got %d", len(subs))
	}
	for _, sub := range subs {
		p := props(sub)
		if p["Protocol"] != "email" || p["Endpoint"] != "ops@example.com" ||
			!reflect.DeepEqual(p["TopicArn"], ref(s.logicalID(s.stack.AlarmTopic))) {
			t.Errorf("subscription %s", asJSON(p))
		}
	}
}

// TestBucketLifecycle: uploads under IncomingPrefix expire after IncomingDays (the
// current version and, the bucket being versioned, the noncurrent one); the
// multipart rule stays.
func TestBucketLifecycle(t *testing.T) {
	s := synth(t)
	p := props(s.resources("AWS::S3::Bucket")[s.logicalID(s.stack.Bucket)])
	rules := map[string]map[string]any{}
	for _, r := range p["LifecycleConfiguration"].(map[string]any)["Rules"].([]any) {
		rule := r.(map[string]any)
		rules[fmt.Sprint(rule["Id"])] = rule
	}
	incoming := rules["expire-incoming-uploads"]
	days := float64(resources.Bucket.IncomingDays)
	if incoming == nil || incoming["Status"] != "Enabled" || incoming["Prefix"] != resources.Bucket.IncomingPrefix ||
		incoming["ExpirationInDays"] != days ||
		!reflect.DeepEqual(incoming["NoncurrentVersionExpiration"], map[string]any{"NoncurrentDays": days}) {
		t.Errorf("incoming rule %s, want prefix %s expiring after %v days", asJSON(incoming), resources.Bucket.IncomingPrefix, days)
	}
	multipart := rules["abort-incomplete-multipart-uploads"]
	if multipart == nil || multipart["Prefix"] != nil ||
		!reflect.DeepEqual(multipart["AbortIncompleteMultipartUpload"], map[string]any{"DaysAfterInitiation": float64(1)}) {
		t.Errorf("multipart rule %s", asJSON(multipart))
	}
	archive := rules["archive-runtime-events"]
	if archive == nil || archive["Status"] != "Enabled" || archive["Prefix"] != resources.Bucket.ArchivePrefix ||
		archive["ExpirationInDays"] != float64(resources.Bucket.ArchiveDays) ||
		!reflect.DeepEqual(archive["Transitions"], []any{map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": float64(resources.Bucket.ArchiveIADays)}}) {
		t.Errorf("archive rule %s, want prefix %s to Infrequent Access after %d days, expiring after %d", asJSON(archive),
			resources.Bucket.ArchivePrefix, resources.Bucket.ArchiveIADays, resources.Bucket.ArchiveDays)
	}
	for id, rule := range rules {
		if rule["ExpirationInDays"] != nil && rule["Prefix"] != resources.Bucket.IncomingPrefix && rule["Prefix"] != resources.Bucket.ArchivePrefix {
			t.Errorf("rule %s expires current objects outside %s and %s", id, resources.Bucket.IncomingPrefix, resources.Bucket.ArchivePrefix)
		}
	}
}

// TestPackageNotifications: ObjectCreated under IncomingPrefix, and nothing else,
// goes to the package queue; CDK's handler runs with a narrow role.
func TestPackageNotifications(t *testing.T) {
	s := synth(t)
	bucketID, queueID := s.logicalID(s.stack.Bucket), s.logicalID(s.stack.Queues[resources.PackageQueue.Name])
	notifications := s.resources("Custom::S3BucketNotifications")
	if len(notifications) != 1 {
		t.Fatalf("want 1 Custom::S3BucketNotifications, got %d", len(notifications))
	}
	for id, n := range notifications {
		p := props(n)
		if !reflect.DeepEqual(p["BucketName"], ref(bucketID)) {
			t.Errorf("%s: bucket %v, want %s", id, p["BucketName"], bucketID)
		}
		want := map[string]any{"QueueConfigurations": []any{map[string]any{
			"Events": []any{"s3:ObjectCreated:*"},
			"Filter": map[string]any{"Key": map[string]any{"FilterRules": []any{
				map[string]any{"Name": "prefix", "Value": resources.Bucket.IncomingPrefix},
			}}},
			"QueueArn": map[string]any{"Fn::GetAtt": getAtt(queueID, "Arn")},
		}}}
		if got := p["NotificationConfiguration"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: NotificationConfiguration\n got  %s\n want %s", id, asJSON(got), asJSON(want))
		}
		// S3 checks the queue policy when the notification is set.
		policyID := ""
		for pid, pol := range s.resources("AWS::SQS::QueuePolicy") {
			if hasString(strs(props(pol)["Queues"]), asJSON(ref(queueID))) {
				policyID = pid
			}
		}
		if policyID == "" || !hasString(strs(n["DependsOn"]), policyID) {
			t.Errorf("%s: does not depend on the queue policy %q: %v", id, policyID, n["DependsOn"])
		}
		// The handler: its own log group with retention, no managed policy, and only
		// s3:PutBucketNotification on this bucket besides its logs.
		handlerID := s.notificationsHandlerID(t)
		hp := props(s.resources("AWS::Lambda::Function")[handlerID])
		roleID := s.logicalID(s.stack.NotificationsRole)
		if !reflect.DeepEqual(hp["Role"], map[string]any{"Fn::GetAtt": getAtt(roleID, "Arn")}) {
			t.Errorf("handler %s runs as %v, want %s", handlerID, hp["Role"], roleID)
		}
		lg, _ := hp["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)
		lgID, _ := lg["Ref"].(string)
		if props(s.resources("AWS::Logs::LogGroup")[lgID])["RetentionInDays"] == nil {
			t.Errorf("handler %s: log group %v without retention", handlerID, hp["LoggingConfig"])
		}
		var got []string
		for _, st := range s.roleStatements(t)[roleID] {
			for _, a := range st.Actions {
				for _, r := range st.Resources {
					got = append(got, st.Effect+" "+a+" on "+r)
				}
			}
		}
		lgArn := asJSON(map[string]any{"Fn::GetAtt": getAtt(lgID, "Arn")})
		want2 := []string{
			"Allow logs:CreateLogStream on " + lgArn, "Allow logs:PutLogEvents on " + lgArn,
			"Allow s3:PutBucketNotification on " + asJSON(map[string]any{"Fn::GetAtt": getAtt(bucketID, "Arn")}),
		}
		if !reflect.DeepEqual(sortedSet(got), sortedSet(want2)) {
			t.Errorf("handler role %s:\n got  %v\n want %v", roleID, got, want2)
		}
	}
}

// queuePolicyStatements are the statements of the policies attached to queue id.
func (s *synthesized) queuePolicyStatements(id string) []map[string]any {
	var out []map[string]any
	for _, pol := range s.resources("AWS::SQS::QueuePolicy") {
		p := props(pol)
		if !hasString(strs(p["Queues"]), asJSON(ref(id))) {
			continue
		}
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

// TestPackageQueuePolicy: only S3, for this bucket in this account, may send to the
// package queue; no other queue allows anyone through its resource policy.
func TestPackageQueuePolicy(t *testing.T) {
	s := synth(t)
	bucketID := s.logicalID(s.stack.Bucket)
	for _, spec := range resources.Queues {
		for _, q := range []string{s.logicalID(s.stack.Queues[spec.Name]), s.logicalID(s.stack.DeadLetters[spec.Name])} {
			var allows []map[string]any
			for _, st := range s.queuePolicyStatements(q) {
				if st["Effect"] == "Allow" {
					allows = append(allows, st)
				}
			}
			if q != s.logicalID(s.stack.Queues[resources.PackageQueue.Name]) {
				if len(allows) != 0 {
					t.Errorf("queue %s allows %s", q, asJSON(allows))
				}
				continue
			}
			if len(allows) != 1 {
				t.Fatalf("package queue %s: want 1 Allow statement, got %s", q, asJSON(allows))
			}
			st := allows[0]
			want := map[string]any{
				"Principal": map[string]any{"Service": "s3.amazonaws.com"},
				"Action":    "sqs:SendMessage",
				"Resource":  map[string]any{"Fn::GetAtt": getAtt(q, "Arn")},
				"Condition": map[string]any{
					"ArnLike":      map[string]any{"aws:SourceArn": map[string]any{"Fn::GetAtt": getAtt(bucketID, "Arn")}},
					"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")},
				},
			}
			for k, v := range want {
				if !reflect.DeepEqual(st[k], v) {
					t.Errorf("package queue policy %s = %s, want %s", k, asJSON(st[k]), asJSON(v))
				}
			}
		}
	}
}

// TestDeadLetterAlarms: one alarm per dead-letter queue, on a visible message in
// five minutes, notifying the encrypted, TLS-only alarm topic.
func TestDeadLetterAlarms(t *testing.T) {
	s := synth(t)
	alarms := s.resources("AWS::CloudWatch::Alarm")
	if want := len(resources.Queues) + 1 + len(s.stack.MonitoringAlarms); len(alarms) != want {
		t.Errorf("want %d alarms (one per DLQ, the launch workflow's, observability.go's %d), got %d",
			want, len(s.stack.MonitoringAlarms), len(alarms))
	}
	topicID, keyID := s.logicalID(s.stack.AlarmTopic), s.logicalID(s.stack.AlarmKey)
	var alarmArns []any
	for _, spec := range resources.Queues {
		dlqID := s.logicalID(s.stack.DeadLetters[spec.Name])
		found := 0
		for id, a := range alarms {
			p := props(a)
			if !reflect.DeepEqual(p["Dimensions"], []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": getAtt(dlqID, "QueueName")}}}) {
				continue
			}
			found++
			checks := map[string][2]any{
				"Namespace":          {p["Namespace"], "AWS/SQS"},
				"MetricName":         {p["MetricName"], "ApproximateNumberOfMessagesVisible"},
				"ComparisonOperator": {p["ComparisonOperator"], "GreaterThanOrEqualToThreshold"},
				"Threshold":          {p["Threshold"], float64(1)},
				"Period":             {p["Period"], float64(300)},
				"EvaluationPeriods":  {p["EvaluationPeriods"], float64(1)},
				"TreatMissingData":   {p["TreatMissingData"], "notBreaching"},
				"AlarmActions":       {asJSON(p["AlarmActions"]), asJSON([]any{ref(topicID)})},
				"OKActions":          {asJSON(p["OKActions"]), asJSON([]any{ref(topicID)})},
			}
			for name, c := range checks {
				if c[0] != c[1] {
					t.Errorf("%s alarm %s: %s = %v, want %v", spec.Name, id, name, c[0], c[1])
				}
			}
			alarmArns = append(alarmArns, map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":cloudwatch:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":alarm:" + p["AlarmName"].(string),
			}}})
		}
		if found != 1 {
			t.Errorf("%s: %d alarms on its DLQ %s, want 1", spec.Name, found, dlqID)
		}
	}
	// Every other alarm of the stack (the launch workflow's, observability.go's)
	// publishes to the same topic, in the order the stack creates them.
	alarmArns = alarmArns[:0]
	for _, name := range s.stack.alarmNames {
		alarmArns = append(alarmArns, map[string]any{"Fn::Join": []any{"", []any{
			"arn:", ref("AWS::Partition"), ":cloudwatch:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":alarm:" + name,
		}}})
	}
	if n := len(s.resources("AWS::CloudWatch::Alarm")); n != len(alarmArns) {
		t.Errorf("%d alarms, %d named in the topic's and key's policies", n, len(alarmArns))
	}

	topic := props(s.resources("AWS::SNS::Topic")[topicID])
	if !reflect.DeepEqual(topic["KmsMasterKeyId"], map[string]any{"Fn::GetAtt": getAtt(keyID, "Arn")}) {
		t.Errorf("alarm topic key %v, want %s", topic["KmsMasterKeyId"], keyID)
	}
	if !s.hasSSLDeny("AWS::SNS::TopicPolicy", "Topics", topicID) {
		t.Errorf("alarm topic: no policy denying requests without TLS")
	}
	key := props(s.resources("AWS::KMS::Key")[keyID])
	if key["EnableKeyRotation"] != true {
		t.Errorf("alarm key: rotation off")
	}
	// CloudWatch may use the key and publish only for these alarms, in this account.
	fromAlarms := map[string]any{
		"ArnLike":      map[string]any{"aws:SourceArn": alarmArns},
		"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")},
	}
	cloudwatchStatements := func(doc any) (out []map[string]any) {
		for _, st := range doc.(map[string]any)["Statement"].([]any) {
			m := st.(map[string]any)
			if asJSON(m["Principal"]) == `{"Service":"cloudwatch.amazonaws.com"}` {
				out = append(out, m)
			}
		}
		return out
	}
	keyStmts := cloudwatchStatements(key["KeyPolicy"])
	if len(keyStmts) != 1 || !reflect.DeepEqual(keyStmts[0]["Condition"], fromAlarms) ||
		asJSON(keyStmts[0]["Action"]) != `["kms:Decrypt","kms:GenerateDataKey*"]` {
		t.Errorf("alarm key: CloudWatch statements %s, want conditions %s", asJSON(keyStmts), asJSON(fromAlarms))
	}
	var topicStmts []map[string]any
	for _, pol := range s.resources("AWS::SNS::TopicPolicy") {
		topicStmts = append(topicStmts, cloudwatchStatements(props(pol)["PolicyDocument"])...)
	}
	if len(topicStmts) != 1 || !reflect.DeepEqual(topicStmts[0]["Condition"], fromAlarms) || topicStmts[0]["Action"] != "sns:Publish" {
		t.Errorf("alarm topic: CloudWatch statements %s, want sns:Publish with %s", asJSON(topicStmts), asJSON(fromAlarms))
	}
}
