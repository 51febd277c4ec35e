package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mpdp/platform/localstack/emulator"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/workflows"
)

// TestDeployToEmulator deploys the CDK app with the real CDK CLI to a fresh moto
// server's CloudFormation, as far as moto models the resource types, and checks
// what it created against the shared definitions. `make test-deploy` runs it
// (it needs the CDK CLI in infra/node_modules and the console's build).
func TestDeployToEmulator(t *testing.T) {
	if os.Getenv("MPDP_TEST_DEPLOY") == "" {
		t.Skip("make test-deploy runs this (MPDP_TEST_DEPLOY=1): it needs the CDK CLI (make infra-deps) and the console's build (make console)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	infra := filepath.Join(root, "infra")
	cdk := filepath.Join(infra, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("no CDK CLI at %s: run make infra-deps", cdk)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	em, err := emulator.Start(ctx, emulator.Options{}) // always a fresh server, never $AWS_ENDPOINT_URL's
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Stop() })
	// moto's CloudFormation creates state machines in the backend that Step
	// Functions' API reads only while it does not execute them (the emulator
	// turns execution on for the integration tests): turn it off again.
	if err := setConfig(ctx, em.Endpoint(), `{"stepfunctions":{"execute_state_machine":false}}`); err != nil {
		t.Fatal(err)
	}
	// localhost, not 127.0.0.1: the CLI builds the asset bucket's URLs from it.
	endpoint := strings.Replace(em.Endpoint(), "127.0.0.1", "localhost", 1)
	functions := stubFunctions(t)
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, cdk, args...)
		cmd.Dir = infra
		cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+endpoint, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
			"AWS_REGION="+emulator.Region, "AWS_DEFAULT_REGION="+emulator.Region, "AWS_PROFILE=", "AWS_CONFIG_FILE="+filepath.Join(t.TempDir(), "none"),
			"CDK_DEFAULT_ACCOUNT=123456789012", "CDK_DEFAULT_REGION="+emulator.Region,
			"MPDP_FUNCTIONS_DIR="+functions, "MPDP_CONSOLE_DIR="+filepath.Join(root, "console", "dist"))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("cdk %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		t.Logf("cdk %s: %s", args[0], time.Since(start).Round(100*time.Millisecond))
		return out.String()
	}

	assembly := filepath.Join(t.TempDir(), "cdk.out")
	cli("synth", "--quiet", "-c", "stage="+deployStage, "-c", "mailFrom=no-reply@mpdp.test", "-o", assembly)
	stacks := stacksOf(t, assembly)
	var types []string // every type of every stack, before stripping
	templates := map[string]map[string]any{}
	for name, file := range stacks {
		template := readJSON(t, file)
		before, total := resourceTypes(template), len(resourcesOf(template))
		removed, err := Strip(template)
		if err != nil {
			t.Fatal(err)
		}
		writeJSON(t, file, template)
		templates[name] = template
		for _, typ := range before {
			if !slices.Contains(types, typ) {
				types = append(types, typ)
			}
		}
		t.Logf("stack %s: %d resources of %d types; %d resources of %d types left out", name, total, len(before), len(removed), len(before)-len(resourceTypes(template)))
	}
	for entry := range Unsupported { // the list stays exact: no entry for a type the templates lost
		if !slices.ContainsFunc(types, func(typ string) bool {
			p, prefix := strings.CutSuffix(entry, "*")
			return typ == entry || prefix && strings.HasPrefix(typ, p)
		}) {
			t.Errorf("deploy.Unsupported lists %s, which the templates no longer have: remove the entry", entry)
		}
	}

	cli("bootstrap", "--app", assembly, "aws://123456789012/"+emulator.Region)
	cli("deploy", "--app", assembly, "--require-approval", "never", "--progress", "events", "--all")

	awsCfg, err := em.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Every resource left in the templates exists; a type moto skipped silently
	// must be listed in Unsupported (with the reason), not ignored.
	var created []cftypes.StackResourceSummary
	missing := map[string][]string{}
	for name, template := range templates {
		got := stackResources(ctx, t, awsCfg, name)
		for id, r := range resourcesOf(template) {
			typ := r.(map[string]any)["Type"].(string)
			// (moto leaves some physical ids empty: Lambda permissions and layers.)
			if s, ok := got[id]; !ok || s.ResourceStatus != cftypes.ResourceStatusCreateComplete {
				missing[typ] = append(missing[typ], name+"/"+id)
			}
		}
		for _, s := range got {
			created = append(created, s)
		}
	}
	for typ, ids := range missing {
		slices.Sort(ids)
		t.Errorf("moto did not create %d %s: %s; if moto cannot create %s, list it in deploy.Unsupported with the reason", len(ids), typ, strings.Join(ids, ", "), typ)
	}
	physical := func(prefix, typ string) string {
		t.Helper()
		var found []string
		for _, s := range created {
			if strings.HasPrefix(aws.ToString(s.LogicalResourceId), prefix) && aws.ToString(s.ResourceType) == typ {
				found = append(found, aws.ToString(s.PhysicalResourceId))
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d %s resources with logical id %s*: %v", len(found), typ, prefix, found)
		}
		return found[0]
	}

	table := physical("Table", "AWS::DynamoDB::Table")
	checkTable(ctx, t, dynamodb.NewFromConfig(awsCfg), table)
	queueURLs := map[string]string{}
	for _, q := range resources.Queues {
		id := constructID(q.Name)
		queueURLs[q.Name] = physical(id+"Queue", "AWS::SQS::Queue")
		checkQueue(ctx, t, sqs.NewFromConfig(awsCfg), q, queueURLs[q.Name], physical(id+"DeadLetterQueue", "AWS::SQS::Queue"))
	}
	checkStateMachine(ctx, t, sfn.NewFromConfig(awsCfg), physical("LaunchWorkflow", "AWS::StepFunctions::StateMachine"),
		workflows.Config{Table: table, TaskQueueURL: queueURLs[resources.WorkflowQueue.Name]})
	bucket := physical("PackageBucket", "AWS::S3::Bucket")
	if _, err := s3.NewFromConfig(awsCfg).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); err != nil {
		t.Errorf("package bucket %s: %v", bucket, err)
	}
	checkKey(ctx, t, kms.NewFromConfig(awsCfg), physical("AppKeysKey", "AWS::KMS::Key"))
}

// deployStage is the stage the test deploys: every physical name carries it.
const deployStage = "test"

func setConfig(ctx context.Context, endpoint, config string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/moto-api/config", strings.NewReader(config))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("moto config %s: %s", config, res.Status)
	}
	return nil
}

// stubFunctions is a functions directory whose binaries are placeholders: moto
// stores a function's code but never runs it, so the deploy needs no cross-compile.
func stubFunctions(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, fn := range resources.Functions {
		if err := os.MkdirAll(filepath.Join(dir, fn.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fn.Name, "bootstrap"), []byte("#!/bin/sh\n# "+fn.Name+": a placeholder; moto never runs functions\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// stacksOf reads the stacks of the cloud assembly: each one's name (as the CDK
// app sets it) and template file.
func stacksOf(t *testing.T, assembly string) map[string]string {
	t.Helper()
	var manifest struct {
		Artifacts map[string]struct {
			Type       string
			Properties struct {
				TemplateFile string
				StackName    string
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(assembly, "manifest.json"))
	if err == nil {
		err = json.Unmarshal(b, &manifest)
	}
	if err != nil {
		t.Fatal(err)
	}
	stacks := map[string]string{}
	for id, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		name := a.Properties.StackName
		if name == "" {
			name = id
		}
		stacks[name] = filepath.Join(assembly, a.Properties.TemplateFile)
	}
	if len(stacks) == 0 {
		t.Fatal("the app synthesized no stack")
	}
	return stacks
}

func readJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func writeJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err == nil {
		err = os.WriteFile(name, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func resourcesOf(template map[string]any) map[string]any {
	return template["Resources"].(map[string]any)
}

// resourceTypes lists the template's resource types, sorted, once each.
func resourceTypes(template map[string]any) []string {
	var out []string
	for _, r := range resourcesOf(template) {
		if typ := r.(map[string]any)["Type"].(string); !slices.Contains(out, typ) {
			out = append(out, typ)
		}
	}
	slices.Sort(out)
	return out
}

func stackResources(ctx context.Context, t *testing.T, awsCfg aws.Config, stack string) map[string]cftypes.StackResourceSummary {
	t.Helper()
	out := map[string]cftypes.StackResourceSummary{}
	pages := cloudformation.NewListStackResourcesPaginator(cloudformation.NewFromConfig(awsCfg), &cloudformation.ListStackResourcesInput{StackName: &stack})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.StackResourceSummaries {
			out[aws.ToString(r.LogicalResourceId)] = r
		}
	}
	return out
}

// constructID is the CDK app's construct id for a resource name ("mpdp-mail" →
// "MpdpMail"), the start of the logical ids of that resource's queues.
func constructID(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func checkTable(ctx context.Context, t *testing.T, client *dynamodb.Client, name string) {
	t.Helper()
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	keys := func(ks any) string { b, _ := json.Marshal(ks); return string(b) }
	spec := resources.Table
	want := fmt.Sprintf(`[{"AttributeName":"%s","KeyType":"HASH"},{"AttributeName":"%s","KeyType":"RANGE"}]`, spec.PartitionKey, spec.SortKey)
	if got := keys(out.Table.KeySchema); got != want {
		t.Errorf("table keys %s, want %s", got, want)
	}
	indexes := map[string]string{}
	for _, gsi := range out.Table.GlobalSecondaryIndexes {
		indexes[aws.ToString(gsi.IndexName)] = keys(gsi.KeySchema) + " " + string(gsi.Projection.ProjectionType)
	}
	if len(indexes) != len(spec.Indexes) {
		t.Errorf("table has indexes %v, want %d", indexes, len(spec.Indexes))
	}
	for _, ix := range spec.Indexes {
		want := fmt.Sprintf(`[{"AttributeName":"%s","KeyType":"HASH"},{"AttributeName":"%s","KeyType":"RANGE"}] ALL`, ix.PartitionKey, ix.SortKey)
		if ix.SortKey == "" {
			want = fmt.Sprintf(`[{"AttributeName":"%s","KeyType":"HASH"}] ALL`, ix.PartitionKey)
		}
		if indexes[ix.Name] != want {
			t.Errorf("index %s: %q, want %q", ix.Name, indexes[ix.Name], want)
		}
	}
}

func checkQueue(ctx context.Context, t *testing.T, client *sqs.Client, spec resources.QueueSpec, url, dlqURL string) {
	t.Helper()
	attrs := func(u string) map[string]string {
		out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &u, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes
	}
	q, dlq := attrs(url), attrs(dlqURL)
	var redrive struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     any    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(q["RedrivePolicy"]), &redrive); err != nil {
		t.Fatalf("%s: redrive policy %q: %v", spec.Name, q["RedrivePolicy"], err)
	}
	if redrive.DeadLetterTargetArn != dlq["QueueArn"] || fmt.Sprint(redrive.MaxReceiveCount) != fmt.Sprint(spec.MaxReceiveCount) {
		t.Errorf("%s: redrive %+v, want %s after %d receives", spec.Name, redrive, dlq["QueueArn"], spec.MaxReceiveCount)
	}
	if q["VisibilityTimeout"] != fmt.Sprint(int(spec.VisibilityTimeout.Seconds())) {
		t.Errorf("%s: visibility timeout %s, want %v", spec.Name, q["VisibilityTimeout"], spec.VisibilityTimeout)
	}
	if dlq["MessageRetentionPeriod"] != fmt.Sprint(14*24*3600) {
		t.Errorf("%s: dead letters kept %ss, want 14 days", spec.Name, dlq["MessageRetentionPeriod"])
	}
}

func checkStateMachine(ctx context.Context, t *testing.T, client *sfn.Client, arn string, cfg workflows.Config) {
	t.Helper()
	out, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	want, err := workflows.Definition(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got, w any
	json.Unmarshal([]byte(aws.ToString(out.Definition)), &got)
	json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("state machine definition differs from workflows.Definition:\n got %s\nwant %s", gb, wb)
	}
}

// checkKey checks the app keys' key by its alias and rotation. (DescribeKey fails
// on moto 5.2.1 for keys its CloudFormation created: it stores the key policy
// as a dict and cannot decode it.)
func checkKey(ctx context.Context, t *testing.T, client *kms.Client, keyID string) {
	t.Helper()
	aliases, err := client.ListAliases(ctx, &kms.ListAliasesInput{KeyId: &keyID})
	if err != nil {
		t.Fatal(err)
	}
	alias := "alias/" + resources.StageName(deployStage, strings.TrimPrefix(resources.AppKeysKey.Alias, "alias/"))
	if !slices.ContainsFunc(aliases.Aliases, func(a kmstypes.AliasListEntry) bool { return aws.ToString(a.AliasName) == alias }) {
		t.Errorf("app keys key %s has no alias %s", keyID, alias)
	}
	rot, err := client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &keyID})
	if err != nil {
		t.Fatal(err)
	}
	if !rot.KeyRotationEnabled {
		t.Errorf("app keys key %s does not rotate", keyID)
	}
}
