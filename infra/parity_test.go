package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/provision"
	"github.com/mpdp/platform/shared/resources"
)

// TestQueuesMatchLocalProvisioning: each queue and its dead-letter queue have
// the same visibility timeout, retention and redrive (maxReceiveCount) in the
// template as in the local provisioning's requests (provision.QueueAttributes).
func TestQueuesMatchLocalProvisioning(t *testing.T) {
	s := synth(t)
	queues := s.resources("AWS::SQS::Queue")
	num := func(v any) string {
		switch x := v.(type) {
		case float64:
			return strconv.Itoa(int(x))
		case string:
			return x
		}
		return fmt.Sprint(v)
	}
	for _, q := range resources.Queues {
		mainQ := props(queues[s.logicalID(s.stack.Queues[q.Name])])
		dlq := props(queues[s.logicalID(s.stack.DeadLetters[q.Name])])
		local := provision.QueueAttributes(q, "arn:dlq")
		if got, want := num(mainQ["VisibilityTimeout"]), local["VisibilityTimeout"]; got != want {
			t.Errorf("%s: VisibilityTimeout template %s, local %s", q.Name, got, want)
		}
		if got, want := num(mainQ["MessageRetentionPeriod"]), local["MessageRetentionPeriod"]; got != want {
			t.Errorf("%s: MessageRetentionPeriod template %s, local %s", q.Name, got, want)
		}
		var redrive map[string]any
		if err := json.Unmarshal([]byte(local["RedrivePolicy"]), &redrive); err != nil {
			t.Fatal(err)
		}
		rp := mainQ["RedrivePolicy"].(map[string]any)
		if got, want := num(rp["maxReceiveCount"]), num(redrive["maxReceiveCount"]); got != want {
			t.Errorf("%s: maxReceiveCount template %s, local %s", q.Name, got, want)
		}
		if got, want := asJSON(rp["deadLetterTargetArn"]), asJSON(map[string]any{"Fn::GetAtt": getAtt(s.logicalID(s.stack.DeadLetters[q.Name]), "Arn")}); got != want {
			t.Errorf("%s: dead-letter target %s, want its own dead-letter queue", q.Name, got)
		}
		if got, want := num(dlq["MessageRetentionPeriod"]), provision.DeadLetterAttributes(q)["MessageRetentionPeriod"]; got != want {
			t.Errorf("%s: dead-letter MessageRetentionPeriod template %s, local %s", q.Name, got, want)
		}
	}
}

// TestUserPoolMatchesLocalProvisioning: the user pool and the console's client
// have the same sign-in, MFA, verification, recovery and password settings, and
// the same auth flows, token validity, user-existence errors and writable
// attributes, in the template as in provision.CreateUserPoolInput and
// provision.CreateUserPoolClientInput.
func TestUserPoolMatchesLocalProvisioning(t *testing.T) {
	s := synth(t)
	spec := resources.UserPool
	var pool, client map[string]any
	for _, p := range s.resources("AWS::Cognito::UserPool") {
		pool = props(p)
	}
	for _, c := range s.resources("AWS::Cognito::UserPoolClient") {
		client = props(c)
	}
	in := provision.CreateUserPoolInput(spec)
	for name, c := range map[string][2]any{
		"UsernameConfiguration.CaseSensitive": {pool["UsernameConfiguration"].(map[string]any)["CaseSensitive"], *in.UsernameConfiguration.CaseSensitive},
		"MfaConfiguration":                    {pool["MfaConfiguration"], string(in.MfaConfiguration)},
		"AttributesRequireVerificationBeforeUpdate": {asJSON(pool["UserAttributeUpdateSettings"].(map[string]any)["AttributesRequireVerificationBeforeUpdate"]),
			asJSON(in.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate)},
		"UsernameAttributes":     {asJSON(pool["UsernameAttributes"]), asJSON(in.UsernameAttributes)},
		"AutoVerifiedAttributes": {asJSON(pool["AutoVerifiedAttributes"]), asJSON(in.AutoVerifiedAttributes)},
		"AllowAdminCreateUserOnly": {pool["AdminCreateUserConfig"].(map[string]any)["AllowAdminCreateUserOnly"],
			in.AdminCreateUserConfig.AllowAdminCreateUserOnly},
		"RecoveryMechanisms": {asJSON(pool["AccountRecoverySetting"].(map[string]any)["RecoveryMechanisms"]),
			asJSON([]any{map[string]any{"Name": string(in.AccountRecoverySetting.RecoveryMechanisms[0].Name), "Priority": 1}})},
		"PasswordPolicy.MinimumLength": {pool["Policies"].(map[string]any)["PasswordPolicy"].(map[string]any)["MinimumLength"],
			float64(*in.Policies.PasswordPolicy.MinimumLength)},
		"PasswordPolicy.TemporaryPasswordValidityDays": {pool["Policies"].(map[string]any)["PasswordPolicy"].(map[string]any)["TemporaryPasswordValidityDays"],
			float64(in.Policies.PasswordPolicy.TemporaryPasswordValidityDays)},
	} {
		if !reflect.DeepEqual(c[0], c[1]) {
			t.Errorf("user pool %s: template %v, local %v", name, c[0], c[1])
		}
	}

	cin := provision.CreateUserPoolClientInput(spec, "pool")
	flows := func(v []string) []string { v = append([]string(nil), v...); sort.Strings(v); return v }
	var localFlows []string
	for _, f := range cin.ExplicitAuthFlows {
		localFlows = append(localFlows, string(f))
	}
	units := client["TokenValidityUnits"].(map[string]any)
	for name, c := range map[string][2]any{
		"ExplicitAuthFlows":          {strings.Join(flows(strs(client["ExplicitAuthFlows"])), ","), strings.Join(flows(localFlows), ",")},
		"PreventUserExistenceErrors": {client["PreventUserExistenceErrors"], string(cin.PreventUserExistenceErrors)},
		"EnableTokenRevocation":      {client["EnableTokenRevocation"], *cin.EnableTokenRevocation},
		"WriteAttributes":            {asJSON(client["WriteAttributes"]), asJSON(cin.WriteAttributes)},
		"AccessTokenValidity":        {fmt.Sprint(client["AccessTokenValidity"], units["AccessToken"]), fmt.Sprint(float64(*cin.AccessTokenValidity), cin.TokenValidityUnits.AccessToken)},
		"IdTokenValidity":            {fmt.Sprint(client["IdTokenValidity"], units["IdToken"]), fmt.Sprint(float64(*cin.IdTokenValidity), cin.TokenValidityUnits.IdToken)},
		"RefreshTokenValidity":       {fmt.Sprint(client["RefreshTokenValidity"], units["RefreshToken"]), fmt.Sprint(float64(cin.RefreshTokenValidity), cin.TokenValidityUnits.RefreshToken)},
	} {
		if !reflect.DeepEqual(c[0], c[1]) {
			t.Errorf("client %s: template %v, local %v", name, c[0], c[1])
		}
	}
}

// TestMailMatchesLocalProvisioning: the configuration set suppresses the same
// reasons and keeps the same reputation metrics in the template as locally
// (provision.CreateConfigurationSetInput), under the same name plus the stage;
// and both sides can send as mailFrom (cloud: its domain's identity; locally:
// the address's).
func TestMailMatchesLocalProvisioning(t *testing.T) {
	s := synth(t)
	in := provision.CreateConfigurationSetInput(resources.MailConfigurationSet)
	var reasons []string
	for _, r := range in.SuppressionOptions.SuppressedReasons {
		reasons = append(reasons, string(r))
	}
	for _, cs := range s.resources("AWS::SES::ConfigurationSet") {
		p := props(cs)
		if got, want := p["Name"], stageName(DefaultStage, *in.ConfigurationSetName); got != want {
			t.Errorf("configuration set name: template %v, local %s staged %s", got, *in.ConfigurationSetName, want)
		}
		if got := strs(p["SuppressionOptions"].(map[string]any)["SuppressedReasons"]); !reflect.DeepEqual(got, reasons) {
			t.Errorf("suppressed reasons: template %v, local %v", got, reasons)
		}
		if got := p["ReputationOptions"].(map[string]any)["ReputationMetricsEnabled"]; got != in.ReputationOptions.ReputationMetricsEnabled {
			t.Errorf("reputation metrics: template %v, local %v", got, in.ReputationOptions.ReputationMetricsEnabled)
		}
	}
	domain, err := mailDomain(s.stack.MailFrom)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range s.resources("AWS::SES::EmailIdentity") {
		if got := props(id)["EmailIdentity"]; got != domain {
			t.Errorf("identity %v, want mailFrom's domain %s", got, domain)
		}
	}
}
