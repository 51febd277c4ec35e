package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpdp/platform/shared/resources"
)

func TestMailFromFor(t *testing.T) {
	for _, tc := range []struct {
		stage, mailFrom, want string
		err                   bool
	}{
		{"dev", "", DefaultMailFrom, false},
		{"dev", "no-reply@mail.acme.test", "no-reply@mail.acme.test", false},
		{"prod", "no-reply@mail.acme.test", "no-reply@mail.acme.test", false},
		{"prod", "", "", true},
		{"staging", "", "", true},
	} {
		got, err := mailFromFor(tc.stage, tc.mailFrom)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("mailFromFor(%q, %q) = %q, %v", tc.stage, tc.mailFrom, got, err)
		}
	}
	for from, domain := range map[string]string{"no-reply@Mail.Acme.test": "mail.acme.test", "a@b": "", "Acme <a@acme.test>": "", "nobody": ""} {
		got, err := mailDomain(from)
		if got != domain || (err != nil) != (domain == "") {
			t.Errorf("mailDomain(%q) = %q, %v; want %q", from, got, err, domain)
		}
	}
}

func TestCheckIdentityArn(t *testing.T) {
	const from, domain = "no-reply@mail.acme.test", "mail.acme.test"
	for arn, ok := range map[string]bool{
		"arn:aws:ses:eu-west-1:111122223333:identity/mail.acme.test":          true,
		"arn:aws:ses:eu-west-1:111122223333:identity/no-reply@mail.acme.test": true,
		"arn:aws:ses:eu-west-1:111122223333:identity/other.test":              false,
		"arn:aws:ses:eu-west-1:111122223333:identity/acme.test":               false,
		"arn:aws:ses:eu-west-1:111122223333:configuration-set/x":              false,
		"arn:aws:sns:eu-west-1:111122223333:identity/mail.acme.test":          false,
		"mail.acme.test": false,
	} {
		if err := checkIdentityArn(arn, from, domain); (err == nil) != ok {
			t.Errorf("checkIdentityArn(%q) = %v, want ok %v", arn, err, ok)
		}
	}
}

// synthPanic synthesizes with extra context and returns what the synth panicked with.
func synthPanic(t *testing.T, extra map[string]any) (msg string) {
	t.Helper()
	ctx := *cdkJSONContext()
	for k, v := range extra {
		ctx[k] = v
	}
	defer func() { msg = fmt.Sprint(recover()) }()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	NewPlatformStack(app, "Mpdp-x", &PlatformStackProps{FunctionsDir: functionsDir, ConsoleDir: consoleDir})
	return ""
}

// TestDefaultMailFromWarns: the dev stage without mailFrom synthesizes, with a
// warning that says no email leaves; with mailFrom there is none.
func TestDefaultMailFromWarns(t *testing.T) {
	pattern := assertions.Match_StringLikeRegexp(jsii.String("no mailFrom.*"))
	if w := assertions.Annotations_FromStack(synth(t).stack.Stack).FindWarning(jsii.String("*"), pattern); w == nil || len(*w) != 1 {
		t.Errorf("dev without mailFrom: warnings %v", w)
	}
	s := synthWith(t, map[string]any{"mailFrom": "no-reply@mail.acme.test"})
	if w := assertions.Annotations_FromStack(s.stack.Stack).FindWarning(jsii.String("*"), pattern); w != nil && len(*w) != 0 {
		t.Errorf("with mailFrom: warnings %v", w)
	}
}

// TestMailFromRequiredOutsideDev: only the dev stage falls back to the
// placeholder sender; another stage without mailFrom, or with an existing
// identity of another domain, stops the synth with the reason.
func TestMailFromRequiredOutsideDev(t *testing.T) {
	if msg := synthPanic(t, map[string]any{"stage": "prod"}); !strings.Contains(msg, "-c mailFrom=") {
		t.Errorf("prod without mailFrom: %q", msg)
	}
	if msg := synthPanic(t, map[string]any{"stage": "prod", "mailFrom": "no-reply@mail.acme.test",
		"sesIdentityArn": "arn:aws:ses:eu-west-1:111122223333:identity/other.test"}); !strings.Contains(msg, "other.test") {
		t.Errorf("identity of another domain: %q", msg)
	}
}

// TestMailIdentityAndConfigurationSet: the stack verifies mailFrom's domain
// with Easy DKIM, sends every email through a configuration set that
// suppresses bounces and complaints and publishes their events, tells the
// functions its name, lets the mailer send as the identity through it, and
// outputs the three DKIM records.
func TestMailIdentityAndConfigurationSet(t *testing.T) {
	s := synthWith(t, map[string]any{"mailFrom": "no-reply@mail.acme.test"})
	ids := s.resources("AWS::SES::EmailIdentity")
	if len(ids) != 1 {
		t.Fatalf("%d email identities", len(ids))
	}
	for _, id := range ids {
		p := props(id)
		if p["EmailIdentity"] != "mail.acme.test" || asJSON(p["DkimSigningAttributes"]) != `{"NextSigningKeyLength":"RSA_2048_BIT"}` ||
			asJSON(p["DkimAttributes"]) != `{"SigningEnabled":true}` {
			t.Errorf("identity %s", asJSON(p))
		}
	}
	const setName = "mpdp-dev-mail"
	sets := s.resources("AWS::SES::ConfigurationSet")
	if len(sets) != 1 {
		t.Fatalf("%d configuration sets", len(sets))
	}
	for _, cs := range sets {
		p := props(cs)
		if p["Name"] != setName || asJSON(p["SuppressionOptions"]) != `{"SuppressedReasons":["BOUNCE","COMPLAINT"]}` ||
			asJSON(p["ReputationOptions"]) != `{"ReputationMetricsEnabled":true}` {
			t.Errorf("configuration set %s", asJSON(p))
		}
	}
	dests := s.resources("AWS::SES::ConfigurationSetEventDestination")
	if len(dests) != 1 {
		t.Fatalf("%d event destinations", len(dests))
	}
	for _, d := range dests {
		ed := props(d)["EventDestination"].(map[string]any)
		types := strs(ed["MatchingEventTypes"])
		if !hasString(types, "bounce") || !hasString(types, "complaint") || ed["Enabled"] != true || ed["CloudWatchDestination"] == nil {
			t.Errorf("event destination %s", asJSON(ed))
		}
	}
	for _, fn := range resources.Functions {
		vars := props(s.resources("AWS::Lambda::Function")[s.logicalID(s.stack.Functions[fn.Name])])["Environment"].(map[string]any)["Variables"].(map[string]any)
		if vars[resources.EnvMailConfigurationSet] != setName {
			t.Errorf("%s: %s = %v", fn.Name, resources.EnvMailConfigurationSet, vars[resources.EnvMailConfigurationSet])
		}
	}
	// The mailer may send as the domain, the address, through the configuration set.
	var sendOn []string
	for _, st := range s.roleStatements(t)[s.logicalID(s.stack.Roles["mailer"])] {
		if hasString(st.Actions, "ses:SendEmail") {
			sendOn = append(sendOn, st.Resources...)
		}
	}
	for _, want := range []string{":identity/mail.acme.test", ":identity/no-reply@mail.acme.test", ":configuration-set/" + setName} {
		if !strings.Contains(strings.Join(sendOn, " "), want+`"`) {
			t.Errorf("mailer may send on %v, not on %s", sendOn, want)
		}
	}
	outputs := s.json["Outputs"].(map[string]any)
	for i := 1; i <= 3; i++ {
		if _, ok := outputs[fmt.Sprintf("DkimRecord%d", i)]; !ok {
			t.Errorf("no output DkimRecord%d", i)
		}
	}
	// Before the domain is verified, Cognito keeps its own sender.
	for _, pool := range s.resources("AWS::Cognito::UserPool") {
		if ec := props(pool)["EmailConfiguration"]; ec != nil {
			t.Errorf("user pool email before mailVerified: %s", asJSON(ec))
		}
	}
}

// TestCognitoSendsThroughSES: once the identity is verified (mailVerified=true)
// or is an existing one (sesIdentityArn), Cognito sends its mails from
// mailFrom through it (DEVELOPER) and the configuration set.
func TestCognitoSendsThroughSES(t *testing.T) {
	for name, extra := range map[string]map[string]any{
		"verified": {"mailFrom": "no-reply@mail.acme.test", "mailVerified": "true"},
		"existing": {"mailFrom": "no-reply@mail.acme.test", "sesIdentityArn": "arn:aws:ses:eu-west-1:111122223333:identity/mail.acme.test"},
	} {
		t.Run(name, func(t *testing.T) {
			s := synthWith(t, extra)
			if n := len(s.resources("AWS::SES::EmailIdentity")); (name == "existing") != (n == 0) {
				t.Errorf("%d identities created", n)
			}
			for id, pool := range s.resources("AWS::Cognito::UserPool") {
				ec, _ := props(pool)["EmailConfiguration"].(map[string]any)
				if ec["EmailSendingAccount"] != "DEVELOPER" || ec["From"] != "no-reply@mail.acme.test" || ec["ConfigurationSet"] != "mpdp-dev-mail" ||
					!strings.Contains(asJSON(ec["SourceArn"]), "identity/mail.acme.test") {
					t.Errorf("pool %s email %s", id, asJSON(ec))
				}
			}
		})
	}
}

// TestUserPoolEmailNeedsVerification: a changed email address does not take
// effect before it is verified, and the console's client cannot write email at
// all (issue 12: testers are matched by sub, never by an unverified address).
func TestUserPoolEmailNeedsVerification(t *testing.T) {
	s := synth(t)
	for id, pool := range s.resources("AWS::Cognito::UserPool") {
		if got := asJSON(props(pool)["UserAttributeUpdateSettings"]); got != `{"AttributesRequireVerificationBeforeUpdate":["email"]}` {
			t.Errorf("pool %s: UserAttributeUpdateSettings %s", id, got)
		}
	}
	for id, c := range s.resources("AWS::Cognito::UserPoolClient") {
		if got := strs(props(c)["WriteAttributes"]); !reflect.DeepEqual(got, resources.UserPool.WritableAttributes) || hasString(got, "email") {
			t.Errorf("client %s may write %v", id, got)
		}
	}
}
