// Package poller plays the part of Lambda's SQS event source mapping locally:
// it receives batches, invokes the worker, deletes what succeeded and leaves the
// reported failures to be redelivered (and, after maxReceiveCount, dead-lettered).
package poller

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mpdp/platform/shared/backoff"
)

// Worker handles a batch, as an SQS-triggered Lambda with ReportBatchItemFailures does.
type Worker func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// Poller feeds one queue to one worker.
type Poller struct {
	Client   *sqs.Client
	QueueURL string
	Worker   Worker
	Log      *slog.Logger
	Wait     time.Duration // long-poll wait: 0 means 1 s (so Ctrl-C is prompt), negative means none
	// RetryAfter, if set, makes failed messages visible again after this long
	// instead of the queue's visibility timeout, so local retries are quick.
	RetryAfter *time.Duration
}

// Run polls until ctx ends.
func (p *Poller) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := p.Once(ctx); err != nil && ctx.Err() == nil {
			p.Log.WarnContext(ctx, "poll failed", slog.String("queue", p.QueueURL), slog.String("error", err.Error()))
			backoff.Sleep(ctx, time.Second) // an ended ctx ends the loop
		}
	}
}

// Once receives and handles one batch; it returns how many messages it handled.
// Once started, a poll runs to its end even if ctx ends meanwhile, as Lambda
// finishes a batch: an abandoned long poll still takes the messages that arrive
// during it on the server, and they would stay hidden for the queue's whole
// visibility timeout with nobody handling them.
func (p *Poller) Once(ctx context.Context) (int, error) {
	wait := p.Wait
	switch {
	case wait == 0:
		wait = time.Second
	case wait < 0:
		wait = 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait+time.Minute)
	defer cancel()
	out, err := p.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &p.QueueURL, MaxNumberOfMessages: 10,
		WaitTimeSeconds: int32(wait.Seconds()), MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil || len(out.Messages) == 0 {
		return 0, err
	}
	e := events.SQSEvent{}
	for _, m := range out.Messages {
		e.Records = append(e.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs"})
	}
	resp, err := p.Worker(ctx, e)
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	if err != nil { // the whole batch failed: everything is redelivered
		return len(e.Records), err
	}
	var del []types.DeleteMessageBatchRequestEntry
	for i, m := range out.Messages {
		if !failed[aws.ToString(m.MessageId)] {
			del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		} else if p.RetryAfter != nil {
			p.Client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &p.QueueURL,
				ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: int32(p.RetryAfter.Seconds())})
		}
	}
	if len(del) > 0 {
		_, err = p.Client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &p.QueueURL, Entries: del})
	}
	return len(e.Records), err
}
