package poller_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/localstack/emulator"
	"github.com/mpdp/platform/localstack/poller"
)

// TestStopDuringALongPollLosesNothing: a message that arrives while a poll is
// waiting is handled even if the poller was told to stop meanwhile. Abandoning
// the poll would leave the emulator holding the message out of sight for the
// queue's whole visibility timeout, with nobody to handle it.
func TestStopDuringALongPollLosesNothing(t *testing.T) {
	em, err := emulator.Start(t.Context(), emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Stop() })
	cfg, err := em.AWSConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	client := sqs.NewFromConfig(cfg)
	q, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("stop-test"),
		Attributes: map[string]string{"VisibilityTimeout": "300"}})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var handled []string
	p := &poller.Poller{Client: client, QueueURL: aws.ToString(q.QueueUrl), Wait: 3 * time.Second,
		Worker: func(_ context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range e.Records {
				handled = append(handled, r.Body)
			}
			return events.SQSEventResponse{}, nil
		}}
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan int)
	go func() {
		n, err := p.Once(ctx)
		if err != nil {
			t.Errorf("Once: %v", err)
		}
		done <- n
	}()
	time.Sleep(500 * time.Millisecond) // the poll is waiting on the emulator
	stop()
	if _, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("late")}); err != nil {
		t.Fatal(err)
	}
	if n := <-done; n != 1 {
		t.Fatalf("the stopped poll handled %d messages, want the one that arrived during it", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != 1 || handled[0] != "late" {
		t.Fatalf("handled %v", handled)
	}
}
