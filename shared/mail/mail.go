// Package mail sends the platform's emails: handlers put messages on the mail
// queue, and the mailer worker (package mailer) delivers them through SES, so a
// slow or failing mail service never fails an API request and failed sends are
// retried. SES stays out of this package, so the API functions do not link it.
package mail

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/shared/domain"
)

// Message is one plain-text email.
type Message struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Outbox queues messages for the mailer.
type Outbox struct {
	client   *sqs.Client
	queueURL string
}

// NewOutbox returns an outbox on the mail queue.
func NewOutbox(client *sqs.Client, queueURL string) *Outbox {
	return &Outbox{client: client, queueURL: queueURL}
}

// Send queues m.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := o.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &o.queueURL, MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("%w: queueing email: %v", domain.ErrUnavailable, err)
	}
	return nil
}
