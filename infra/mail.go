package main

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpdp/platform/shared/resources"
)

// Mail is how the platform's emails leave: an SES identity for the domain of
// MailFrom (Easy DKIM) or an existing one, and a configuration set that
// suppresses bounced and complaining addresses and publishes bounce and
// complaint events and reputation metrics to CloudWatch (the alarms in
// observability.go watch them).
type Mail struct {
	// MailIdentity is the domain identity the stack creates; nil when the
	// context value sesIdentityArn names an existing identity instead.
	MailIdentity awsses.EmailIdentity
	// MailIdentityArn is the identity mail is sent as (created or existing).
	MailIdentityArn string
	// MailDomain is MailFrom's domain.
	MailDomain string
	// ConfigurationSet is what every email is sent through (the mailer reads its
	// name from resources.EnvMailConfigurationSet).
	ConfigurationSet     awsses.ConfigurationSet
	ConfigurationSetName string
	// CognitoMail says whether Cognito sends its own emails (forgotten
	// passwords, verification codes) through the identity (DEVELOPER).
	CognitoMail bool
}

// mailDomain is the domain of a sender address, which must be a bare address.
func mailDomain(from string) (string, error) {
	a, err := mail.ParseAddress(from)
	if err != nil || a.Address != from || a.Name != "" {
		return "", fmt.Errorf("mailFrom %q: want a bare address such as no-reply@mail.your.domain", from)
	}
	at := strings.LastIndex(from, "@")
	domain := strings.ToLower(from[at+1:])
	if !strings.Contains(domain, ".") {
		return "", fmt.Errorf("mailFrom %q: the domain %q is not a public domain", from, domain)
	}
	return domain, nil
}

// mailFromFor is the sender of a stage: mailFrom, else, in the dev stage
// only, DefaultMailFrom (whose domain nobody can verify: dev then sends
// nothing until mailFrom is set); any other stage stops the synth.
func mailFromFor(stage, mailFrom string) (string, error) {
	if mailFrom != "" {
		return mailFrom, nil
	}
	if stage == DefaultStage {
		return DefaultMailFrom, nil
	}
	return "", fmt.Errorf("stage %s: set the sender with -c mailFrom=no-reply@mail.your.domain "+
		"(the stack creates an SES identity with DKIM for its domain; %s only serves the dev stage)", stage, DefaultMailFrom)
}

// checkIdentityArn checks that an existing SES identity's ARN is one MailFrom
// can be sent as: the domain identity of its domain, or the address itself.
func checkIdentityArn(arn, from, domain string) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ses" || !strings.HasPrefix(parts[5], "identity/") {
		return fmt.Errorf("sesIdentityArn %q: want arn:<partition>:ses:<region>:<account>:identity/<domain>", arn)
	}
	name := strings.ToLower(strings.TrimPrefix(parts[5], "identity/"))
	if name != domain && name != strings.ToLower(from) {
		return fmt.Errorf("sesIdentityArn %q is the identity %s, but mailFrom %s is in the domain %s", arn, name, from, domain)
	}
	return nil
}

// addMail creates the identity (or checks the existing one) and the
// configuration set. It comes before the user pool and the functions.
func (s *PlatformStack) addMail() {
	domain, err := mailDomain(s.MailFrom)
	if err != nil {
		panic(err.Error())
	}
	s.MailDomain = domain
	if s.MailFrom == DefaultMailFrom {
		// Not silently: cdk synth and deploy print this.
		awscdk.Annotations_Of(s.Stack).AddWarningV2(jsii.String("mpdp:mailFrom"), jsii.String(fmt.Sprintf(
			"no mailFrom: the %s stage sends as %s, a domain nobody can verify in SES, so no email leaves; "+
				"set -c mailFrom=no-reply@mail.your.domain", s.Stage, DefaultMailFrom)))
	}
	spec := resources.MailConfigurationSet
	s.ConfigurationSetName = stageName(s.Stage, spec.Name)
	s.ConfigurationSet = awsses.NewConfigurationSet(s.Stack, jsii.String("MailConfigurationSet"), &awsses.ConfigurationSetProps{
		ConfigurationSetName: jsii.String(s.ConfigurationSetName),
		// Reputation.BounceRate and Reputation.ComplaintRate per configuration set.
		ReputationMetrics: jsii.Bool(spec.ReputationMetrics),
		SendingEnabled:    jsii.Bool(true),
		// Never send again to an address that bounced or complained.
		SuppressionReasons: suppressionReasons(spec.SuppressedReasons),
	})
	s.ConfigurationSet.AddEventDestination(jsii.String("BouncesAndComplaints"), &awsses.ConfigurationSetEventDestinationOptions{
		Destination: awsses.EventDestination_CloudWatchDimensions(&[]*awsses.CloudWatchDimension{{
			Name:         jsii.String("ses:configuration-set"),
			Source:       awsses.CloudWatchDimensionSource_MESSAGE_TAG,
			DefaultValue: jsii.String(s.ConfigurationSetName),
		}}),
		Events: &[]awsses.EmailSendingEvent{
			awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT, awsses.EmailSendingEvent_REJECT,
			awsses.EmailSendingEvent_DELIVERY, awsses.EmailSendingEvent_SEND,
		},
	})

	if existing := contextString(s.Stack, "sesIdentityArn"); existing != "" {
		if err := checkIdentityArn(existing, s.MailFrom, domain); err != nil {
			panic(err.Error())
		}
		s.MailIdentityArn = existing
		s.CognitoMail = true // an existing identity is verified already
	} else {
		s.MailIdentity = awsses.NewEmailIdentity(s.Stack, jsii.String("MailIdentity"), &awsses.EmailIdentityProps{
			Identity:         awsses.Identity_Domain(jsii.String(domain)),
			ConfigurationSet: s.ConfigurationSet,
			DkimSigning:      jsii.Bool(true),
			DkimIdentity:     awsses.DkimIdentity_EasyDkim(awsses.EasyDkimSigningKeyLength_RSA_2048_BIT),
		})
		s.MailIdentityArn = *s.sesIdentityArn(domain)
		// Cognito refuses an identity that is not verified yet: it sends
		// through the identity once DNS has verified it (mailVerified=true).
		s.CognitoMail = contextValue(s.Stack, "mailVerified") == "true"
	}
}

// suppressionReasons is CDK's spelling of the reasons SES suppresses an address for.
func suppressionReasons(reasons []string) awsses.SuppressionReasons {
	switch strings.Join(reasons, ",") {
	case "BOUNCE,COMPLAINT":
		return awsses.SuppressionReasons_BOUNCES_AND_COMPLAINTS
	case "BOUNCE":
		return awsses.SuppressionReasons_BOUNCES_ONLY
	case "COMPLAINT":
		return awsses.SuppressionReasons_COMPLAINTS_ONLY
	}
	panic(fmt.Sprintf("suppression reasons %v: want BOUNCE, COMPLAINT or both", reasons))
}

// sesIdentityArn is the ARN of the SES identity name in this account and region.
func (s *PlatformStack) sesIdentityArn(name string) *string {
	return s.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ses"),
		Resource:     jsii.String("identity"),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}

// configurationSetArn is the ARN of the mail configuration set: SES checks
// ses:SendEmail on it as well as on the identity.
func (s *PlatformStack) configurationSetArn() *string {
	return s.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ses"),
		Resource:     jsii.String("configuration-set"),
		ResourceName: jsii.String(s.ConfigurationSetName),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}

// cognitoEmail sends Cognito's emails from MailFrom through the identity and
// the configuration set (DEVELOPER: SES's quota, not Cognito's 50 a day), once
// the identity is verified; before, Cognito's default sender.
func (s *PlatformStack) cognitoEmail(pool awscognito.UserPool) {
	if !s.CognitoMail {
		return
	}
	cfn := pool.Node().DefaultChild().(awscognito.CfnUserPool)
	cfn.SetEmailConfiguration(&awscognito.CfnUserPool_EmailConfigurationProperty{
		EmailSendingAccount: jsii.String("DEVELOPER"),
		From:                jsii.String(s.MailFrom),
		SourceArn:           jsii.String(s.MailIdentityArn),
		ConfigurationSet:    jsii.String(s.ConfigurationSetName),
	})
	if s.MailIdentity != nil {
		pool.Node().AddDependency(s.MailIdentity)
	}
	pool.Node().AddDependency(s.ConfigurationSet)
}

// mailOutputs are the DNS records that verify the identity (DKIM), for the runbook.
func (s *PlatformStack) mailOutputs() {
	awscdk.NewCfnOutput(s.Stack, jsii.String("MailIdentityArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("SES identity the platform sends as"),
		Value:       jsii.String(s.MailIdentityArn),
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String("MailConfigurationSetName"), &awscdk.CfnOutputProps{
		Description: jsii.String("SES configuration set of every email (bounces, complaints, reputation)"),
		Value:       jsii.String(s.ConfigurationSetName),
	})
	if s.MailIdentity == nil {
		return
	}
	for i, r := range *s.MailIdentity.DkimRecords() {
		awscdk.NewCfnOutput(s.Stack, jsii.String(fmt.Sprintf("DkimRecord%d", i+1)), &awscdk.CfnOutputProps{
			Description: jsii.String(fmt.Sprintf("DNS record %d of 3 that verifies %s (Easy DKIM): CNAME <name> <value>", i+1, s.MailDomain)),
			Value:       awscdk.Fn_Join(jsii.String(" "), &[]*string{r.Name, jsii.String("CNAME"), r.Value}),
		})
	}
}
