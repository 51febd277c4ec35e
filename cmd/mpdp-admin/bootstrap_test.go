package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/localstack/emulator"
	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/localstack/stack/stacktest"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/mail"
)

// TestBootstrapAfterDeploy runs the command line twice against a platform on its
// own moto server, provisioned as `make dev` does, with a CloudFormation stack
// holding a function whose environment is the platform's (as cdk deploy leaves
// it) next to one that is not (CDK's helpers): the first run creates the tenant
// workspace and its admin and mails the temporary password, the second creates
// and sends nothing and says so.
func TestBootstrapAfterDeploy(t *testing.T) {
	s := stacktest.Start(t, stack.Options{ConsoleURL: "https://console.example.com"}) // no tenant: that is the command's job
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Setenv("AWS_ENDPOINT_URL", s.Emulator.Endpoint())
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	deployFunctions(t, s, "MpdpPlatform-test")

	const email = "Ops@Example.com"
	bootstrap := func() string {
		var out, errs bytes.Buffer
		code := run(ctx, []string{"bootstrap", "--stack", "MpdpPlatform-test", "--email", email, "--region", emulator.Region, "--tenant-name", "Super App"}, &out, &errs)
		if code != 0 {
			t.Fatalf("exit %d: %s%s", code, out.String(), errs.String())
		}
		return out.String()
	}

	first := bootstrap()
	if !strings.Contains(first, `Created the tenant workspace "Super App"`) || !strings.Contains(first, "temporary password") {
		t.Fatalf("first run said:\n%s", first)
	}
	ws, err := s.Store.GetWorkspace(ctx, domain.TenantWorkspaceID)
	if err != nil || ws.Kind != domain.KindTenant || ws.Name != "Super App" {
		t.Fatalf("tenant workspace %+v, %v", ws, err)
	}
	// (Not EnsureUser: it would give the new user another temporary password.)
	u, err := cip.NewFromConfig(s.AWS).AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &s.Config.UserPoolID, Username: aws.String("ops@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	var sub string
	for _, a := range u.UserAttributes {
		if aws.ToString(a.Name) == "sub" {
			sub = aws.ToString(a.Value)
		}
	}
	m, err := s.Store.GetMember(ctx, domain.TenantWorkspaceID, sub)
	if err != nil || m.Role != domain.RoleAdmin || m.Status != domain.MemberActive || m.Email != "ops@example.com" {
		t.Fatalf("admin membership %+v, %v", m, err)
	}

	second := bootstrap()
	if !strings.Contains(second, "Nothing to do") || !strings.Contains(second, "no email was sent") {
		t.Fatalf("second run said:\n%s", second)
	}
	if again, _ := s.Store.GetWorkspace(ctx, domain.TenantWorkspaceID); !again.CreatedAt.Equal(ws.CreatedAt) || again.Version != ws.Version {
		t.Fatalf("the second run changed the workspace: %+v", again)
	}

	// Exactly one email, for the first run; its temporary password signs in
	// (Cognito asks for a new one) and the admin is the tenant's.
	msgs := queued(t, s)
	if len(msgs) != 1 || msgs[0].To != "ops@example.com" || !strings.Contains(msgs[0].Text, "https://console.example.com") {
		t.Fatalf("mail %+v", msgs)
	}
	pw := regexp.MustCompile(`(?m)^    (\S{16})$`).FindStringSubmatch(msgs[0].Text)
	if pw == nil {
		t.Fatalf("no temporary password in %q", msgs[0].Text)
	}
	if _, err := s.SignIn(ctx, "ops@example.com", pw[1], "N3w-Passw0rd!x"); err != nil {
		t.Fatal("the mailed temporary password does not sign in:", err)
	}
}

func TestBootstrapUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"bootstrap", "--email", "ops@example.com"}, 2, "--stack is required"},
		{[]string{"bootstrap", "--stack", "S"}, 2, "--email is required"},
		{[]string{"bootstrap", "--stack", "S", "--email", "not an address"}, 2, "must be an email address"},
		{[]string{"bootstrap", "--stack", "S", "--email", "a@b.test", "extra"}, 2, "unexpected arguments"},
		{[]string{"launch"}, 2, "Usage:"},
		{nil, 0, "Usage:"},
	} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errs); code != tc.code || !strings.Contains(errs.String(), tc.says) {
			t.Errorf("%q: exit %d, said %q; want %d and %q", tc.args, code, errs.String(), tc.code, tc.says)
		}
	}
}

// deployFunctions creates the CloudFormation stack name on the emulator with a
// function carrying the platform's environment and one without it.
func deployFunctions(t *testing.T, s *stack.Stack, name string) {
	t.Helper()
	vars := map[string]string{}
	for k, v := range s.Config.Env() {
		if v != "" {
			vars[k] = v
		}
	}
	fn := func(env map[string]string) map[string]any {
		p := map[string]any{"Runtime": "python3.12", "Handler": "index.handler", "Role": map[string]any{"Fn::GetAtt": []string{"Role", "Arn"}},
			"Code": map[string]any{"ZipFile": "def handler(event, context):\n    return None\n"}}
		if env != nil {
			p["Environment"] = map[string]any{"Variables": env}
		}
		return map[string]any{"Type": "AWS::Lambda::Function", "Properties": p}
	}
	template, _ := json.Marshal(map[string]any{"Resources": map[string]any{
		"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"AssumeRolePolicyDocument": map[string]any{
			"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"Service": "lambda.amazonaws.com"}}}}}},
		"CustomResourceHelper": fn(nil),
		"AccountsFunction":     fn(vars),
	}})
	cf := cloudformation.NewFromConfig(s.AWS)
	ctx := context.Background()
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(string(template)),
		Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam}}); err != nil {
		t.Fatal(err)
	}
	w := cloudformation.NewStackCreateCompleteWaiter(cf, func(o *cloudformation.StackCreateCompleteWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := w.Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)}, time.Minute); err != nil {
		t.Fatal(fmt.Errorf("stack %s: %w", name, err))
	}
}

// queued drains the mail queue (no mailer runs here) and returns its messages.
func queued(t *testing.T, s *stack.Stack) []mail.Message {
	t.Helper()
	client := sqs.NewFromConfig(s.AWS)
	var out []mail.Message
	for {
		res, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &s.Config.MailQueueURL, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			var msg mail.Message
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &msg); err != nil {
				t.Fatal(err)
			}
			out = append(out, msg)
			client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &s.Config.MailQueueURL, ReceiptHandle: m.ReceiptHandle})
		}
	}
}
