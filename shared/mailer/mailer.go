// Package mailer is the mail queue's worker: it delivers the messages package
// mail queued, through SES.
package mailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/mpdp/platform/shared/mail"
)

// Sender delivers messages through SES.
type Sender struct {
	client *sesv2.Client
	from   string
	// ConfigurationSet, if set, is the SES configuration set every email goes
	// through (bounce and complaint events, suppression list); in the cloud it
	// is resources.EnvMailConfigurationSet.
	ConfigurationSet string
}

// NewSender returns a sender that sends from the given (SES-verified) address.
func NewSender(client *sesv2.Client, from string) *Sender { return &Sender{client: client, from: from} }

// Deliver sends m now.
func (s *Sender) Deliver(ctx context.Context, m mail.Message) error {
	_, err := s.client.SendEmail(ctx, s.input(m))
	return err
}

// input is the SendEmail request for m.
func (s *Sender) input(m mail.Message) *sesv2.SendEmailInput {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: &s.from,
		Destination:      &sestypes.Destination{ToAddresses: []string{m.To}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: &m.Subject, Charset: aws.String("UTF-8")},
			Body:    &sestypes.Body{Text: &sestypes.Content{Data: &m.Text, Charset: aws.String("UTF-8")}},
		}},
	}
	if s.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.ConfigurationSet)
	}
	return in
}

// errPoison marks a message that can never be sent; it is dropped, not retried.
var errPoison = errors.New("undeliverable message")

// Worker is the mailer: the SQS-triggered Lambda that delivers queued messages.
type Worker struct {
	Sender *Sender
	Log    *slog.Logger
}

// Handle delivers a batch and reports the messages to retry.
func (w *Worker) Handle(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range e.Records {
		err := w.deliver(ctx, rec.Body)
		switch {
		case errors.Is(err, errPoison):
			w.Log.ErrorContext(ctx, "dropping undeliverable email", slog.String("messageId", rec.MessageId), slog.String("error", err.Error()))
		case err != nil:
			w.Log.WarnContext(ctx, "email send failed; will retry", slog.String("messageId", rec.MessageId), slog.String("error", err.Error()))
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		default:
			// Never log the body: it may hold a temporary password or an invitation token.
			w.Log.InfoContext(ctx, "email sent", slog.String("messageId", rec.MessageId))
		}
	}
	return resp, nil
}

func (w *Worker) deliver(ctx context.Context, body string) error {
	var m mail.Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return fmt.Errorf("%w: %v", errPoison, err)
	}
	if _, err := netmail.ParseAddress(m.To); err != nil || m.Subject == "" {
		return fmt.Errorf("%w: bad recipient or subject", errPoison)
	}
	return w.Sender.Deliver(ctx, m)
}
