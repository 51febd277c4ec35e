package main

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func TestCheckStage(t *testing.T) {
	for stage, ok := range map[string]bool{
		"dev": true, "prod": true, "staging": true, "qa-2": true, "a": true, "abcdefghijkl": true,
		"": false, "Prod": false, "2dev": false, "dev-": false, "de--v": false, "dev_1": false, "dev.1": false,
		"abcdefghijklm": false, "prod eu": false,
	} {
		if err := CheckStage(stage); (err == nil) != ok {
			t.Errorf("CheckStage(%q) = %v, want ok %v", stage, err, ok)
		}
	}
}

func TestStageName(t *testing.T) {
	for base, want := range map[string]string{
		"mpdp-launch": "mpdp-prod-launch", "mpdp": "mpdp-prod", "console": "mpdp-prod-console", "mpdp-app-keys": "mpdp-prod-app-keys",
	} {
		if got := stageName("prod", base); got != want {
			t.Errorf("stageName(prod, %q) = %q, want %q", base, got, want)
		}
	}
	if StackName("prod") != "Mpdp-prod" {
		t.Errorf("StackName(prod) = %s", StackName("prod"))
	}
}

// physicalNameKeys are the properties that give a resource its physical name
// (at any depth of its properties: the CloudFront policies nest theirs).
var physicalNameKeys = regexp.MustCompile(`^(BucketName|StateMachineName|AliasName|AlarmName|Name|UserPoolName|ClientName|` +
	`DashboardName|QueueName|LogGroupName|TopicName|FunctionName|RoleName|TableName|ConfigurationSetName|EmailIdentity|` +
	`ApiName|StageName|AuthorizerName)$`)

// physicalNames lists "type logicalId path = value" for every physical name
// property of the template. Values that only refer to other resources (Ref,
// GetAtt) name nothing themselves and are left out.
func physicalNames(tpl map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if physicalNameKeys.MatchString(k) {
					js := asJSON(val)
					if _, isMap := val.(map[string]any); isMap && !strings.Contains(js, "Fn::Join") && !strings.Contains(js, "Fn::Sub") {
						continue // a bare Ref or GetAtt
					}
					// "Name" names a resource at the top of its properties or of a
					// *Config block (CloudFront policies); elsewhere it names
					// schema attributes, dimensions, filter rules.
					if k == "Name" && strings.Contains(prefix, ".") && !strings.HasSuffix(prefix, "Config") {
						continue
					}
					out[prefix+"."+k] = js
					continue
				}
				walk(prefix+"."+k, val)
			}
		case []any:
			for i, val := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), val)
			}
		}
	}
	for id, res := range tpl["Resources"].(map[string]any) {
		r := res.(map[string]any)
		walk(r["Type"].(string)+" "+id, r["Properties"])
	}
	return out
}

// notPhysical are name properties that are local to their parent resource
// (the same in every stage by design): an authorizer's name within its API,
// the HTTP API's $default stage, a dimension of an SES event destination.
// The SES identity is the domain of mailFrom: one per domain in an account
// and region, shared by nature (infra/README.md, Stages).
var notPhysical = regexp.MustCompile(`(AWS::ApiGatewayV2::Authorizer .*\.Name|AWS::ApiGatewayV2::Stage .*\.StageName|AWS::SES::EmailIdentity .*|` +
	`DimensionConfigurations.*|EventDestination\.Name|Custom::CDKBucketDeployment .*)$`)

// TestStagesHaveDisjointPhysicalNames: dev and prod synthesize with no physical
// name in common, so both deploy side by side in one account and region.
func TestStagesHaveDisjointPhysicalNames(t *testing.T) {
	dev := synth(t)
	prod := synthWith(t, map[string]any{"stage": "prod", "mailFrom": "no-reply@mail.example.org"})
	if got := *prod.stack.Stack.StackName(); got != "Mpdp-prod" {
		t.Errorf("prod stack %s", got)
	}
	devNames, prodNames := physicalNames(dev.json), physicalNames(prod.json)
	if len(devNames) < 8 {
		t.Fatalf("found only %d physical names in dev: %v", len(devNames), devNames)
	}
	values := map[string]string{}
	for where, v := range devNames {
		if notPhysical.MatchString(where) {
			continue
		}
		if !strings.Contains(v, "dev") && !strings.Contains(v, "AWS::StackName") {
			t.Errorf("dev %s = %s: the name does not carry the stage", where, v)
		}
		values[v] = where
	}
	for where, v := range prodNames {
		if notPhysical.MatchString(where) {
			continue
		}
		if other, ok := values[v]; ok && !strings.Contains(v, "AWS::StackName") {
			t.Errorf("prod %s and dev %s share the physical name %s", where, other, v)
		}
	}
	var kinds []string
	for where := range devNames {
		kinds = append(kinds, strings.SplitN(where, " ", 2)[0])
	}
	sort.Strings(kinds)
	for _, want := range []string{"AWS::S3::Bucket", "AWS::StepFunctions::StateMachine", "AWS::KMS::Alias", "AWS::CloudWatch::Alarm",
		"AWS::ApiGatewayV2::Api", "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient"} {
		if !hasString(kinds, want) {
			t.Errorf("no physical name of a %s checked (%v)", want, kinds)
		}
	}
}

// TestStageTagsAndProtection: every stack carries the stage and service tags
// (on the stack and its resources); only prod, or protect=true, has termination protection.
func TestStageTagsAndProtection(t *testing.T) {
	dev := synth(t)
	if p := dev.stack.Stack.TerminationProtection(); p != nil && *p {
		t.Error("dev has termination protection")
	}
	prod := synthWith(t, map[string]any{"stage": "prod", "mailFrom": "no-reply@mail.example.org"})
	if p := prod.stack.Stack.TerminationProtection(); p == nil || !*p {
		t.Error("prod has no termination protection")
	}
	protected := synthWith(t, map[string]any{"stage": "staging", "protect": "true", "mailFrom": "no-reply@mail.example.org"})
	if p := protected.stack.Stack.TerminationProtection(); p == nil || !*p {
		t.Error("protect=true gives no termination protection")
	}
	for _, s := range []*synthesized{dev, prod} {
		stage := s.stack.Stage
		tags := *s.stack.Stack.Tags().TagValues()
		if tags["stage"] == nil || *tags["stage"] != stage || tags["service"] == nil || *tags["service"] != Service {
			t.Errorf("%s: stack tags %v", stage, asJSON(tags))
		}
		tableTags := props(s.resources("AWS::DynamoDB::Table")[s.logicalID(s.stack.Table)])["Tags"]
		want := []any{map[string]any{"Key": "service", "Value": Service}, map[string]any{"Key": "stage", "Value": stage}}
		if !reflect.DeepEqual(tableTags, want) {
			t.Errorf("%s: table tags %v, want %v", stage, asJSON(tableTags), asJSON(want))
		}
	}
}

// TestStatefulResourcesRetainExceptOnCreate: the table, the buckets, the user
// pool and the KMS keys are kept on replacement and stack deletion, but
// deleted if their own creation fails (DeletionPolicy RetainExceptOnCreate).
func TestStatefulResourcesRetainExceptOnCreate(t *testing.T) {
	s := synth(t)
	for _, typ := range []string{"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Cognito::UserPool", "AWS::KMS::Key"} {
		for id, res := range s.resources(typ) {
			if res["DeletionPolicy"] != "RetainExceptOnCreate" || res["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("%s %s: DeletionPolicy %v, UpdateReplacePolicy %v; want RetainExceptOnCreate, Retain",
					typ, id, res["DeletionPolicy"], res["UpdateReplacePolicy"])
			}
		}
	}
}

// TestStatefulLogicalIDsAreStable pins the logical ids of the stateful
// resources: a change would make CloudFormation create a new table, bucket,
// user pool or key and drop the old one from the stack (deleting its data, or
// orphaning it under the retain policy). Rename constructs only with a migration plan.
func TestStatefulLogicalIDsAreStable(t *testing.T) {
	s := synth(t)
	got := map[string][]string{}
	for _, typ := range []string{"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Cognito::UserPool", "AWS::KMS::Key"} {
		for id := range s.resources(typ) {
			got[typ] = append(got[typ], id)
		}
		sort.Strings(got[typ])
	}
	want := map[string][]string{
		"AWS::DynamoDB::Table":   {"TableCD117FA1"},
		"AWS::Cognito::UserPool": {"UserPool6BA7E5F2"},
		"AWS::S3::Bucket":        {"AccessLogBucketDA470295", "ConsoleBucketA1BD9FF9", "ConsoleCdnLogBucket9009111B", "PackageBucket422357AC"},
		"AWS::KMS::Key":          {"AlarmTopicKey57B0D3A7", "AppKeysKeyCD8A0D08"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logical ids of stateful resources changed:\n got  %v\n want %v", got, want)
	}
}
