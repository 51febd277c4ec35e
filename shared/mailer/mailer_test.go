package mailer_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mpdp/platform/localstack/poller"
	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/localstack/stack/stacktest"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/mailer"
)

// The mailer against the emulator: queued messages reach SES, undeliverable
// ones are dropped, and a failed send stays on the queue for a retry.
func TestMailerDeliversThroughSES(t *testing.T) {
	ctx := context.Background()
	s := stacktest.Start(t, stack.Options{MailFrom: "no-reply@mpdp.test"})
	q := sqs.NewFromConfig(s.AWS)
	outbox := mail.NewOutbox(q, s.Config.MailQueueURL)
	sent := func() float64 {
		out, err := ses.NewFromConfig(s.AWS).GetSendQuota(ctx, &ses.GetSendQuotaInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.SentLast24Hours
	}
	before := sent()

	if err := outbox.Send(ctx, mail.Invitation("bob@example.test", "Acme", "developer", "https://c/x", "tok", "Temp-1234!abcd", 3)); err != nil {
		t.Fatal(err)
	}
	q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &s.Config.MailQueueURL, MessageBody: aws.String(`not json`)})
	p := s.Pollers()[0]
	p.Wait = time.Second
	handled := 0
	for range 5 {
		n, err := p.Once(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if handled += n; handled >= 2 {
			break
		}
	}
	if handled != 2 {
		t.Fatalf("handled %d messages, want 2", handled)
	}
	if got := sent() - before; got != 1 {
		t.Fatalf("SES sent %v emails, want 1", got)
	}
	if n := visible(t, q, s.Config.MailQueueURL); n != "0" {
		t.Fatalf("%s messages left on the queue; delivered and poison ones should be deleted", n)
	}

	// An unverified sender fails the send: the message stays for a retry.
	failing := &mailer.Worker{Sender: mailer.NewSender(sesv2.NewFromConfig(s.AWS), "nobody@unverified.test"), Log: s.Server.Log}
	outbox.Send(ctx, mail.ApplicationRejected("ann@example.test", "Acme", "reason"))
	retry := &poller.Poller{Client: q, QueueURL: s.Config.MailQueueURL, Worker: failing.Handle, Log: s.Server.Log, Wait: time.Second}
	if n, err := retry.Once(ctx); n != 1 || err != nil {
		t.Fatalf("Once = %d, %v", n, err)
	}
	if n := inFlight(t, q, s.Config.MailQueueURL); n != "1" {
		t.Fatalf("%s messages in flight after a failed send, want 1 (kept for retry)", n)
	}
}

func visible(t *testing.T, q *sqs.Client, url string) string {
	return attr(t, q, url, "ApproximateNumberOfMessages")
}

func inFlight(t *testing.T, q *sqs.Client, url string) string {
	return attr(t, q, url, "ApproximateNumberOfMessagesNotVisible")
}

func attr(t *testing.T, q *sqs.Client, url, name string) string {
	t.Helper()
	out, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeName(name)}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes[name]
}
