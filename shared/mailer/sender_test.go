package mailer

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mpdp/platform/shared/mail"
)

// The mailer sends through the configuration set it is given (in the cloud,
// MAIL_CONFIGURATION_SET: bounce and complaint events, suppression), and
// through none when it has none (locally).
func TestSenderConfigurationSet(t *testing.T) {
	m := mail.Message{To: "bob@example.test", Subject: "Hi", Text: "Hello"}
	for _, tc := range []struct{ set, want string }{{"", ""}, {"mpdp-prod-mail", "mpdp-prod-mail"}} {
		s := NewSender(nil, "no-reply@mail.example.test")
		s.ConfigurationSet = tc.set
		in := s.input(m)
		if got := aws.ToString(in.ConfigurationSetName); got != tc.want {
			t.Errorf("configuration set %q: request has %q", tc.set, got)
		}
		if aws.ToString(in.FromEmailAddress) != "no-reply@mail.example.test" || in.Destination.ToAddresses[0] != m.To {
			t.Errorf("from %q to %v", aws.ToString(in.FromEmailAddress), in.Destination.ToAddresses)
		}
	}
}
