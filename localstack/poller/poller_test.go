package poller_test

import (
	"context"
	"net/http"
	"net/http/httptrace"
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
	polling := &receiveSent{sent: make(chan struct{})}
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: polling} })
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
	select { // the poll is waiting on the emulator
	case <-polling.sent:
	case <-time.After(time.Minute):
		t.Fatal("the poller sent no ReceiveMessage within a minute")
	}
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

// receiveSent closes sent once a ReceiveMessage request has been written to
// the emulator: from then on the long poll is under way on the server.
type receiveSent struct {
	sent chan struct{}
	once sync.Once
}

func (rt *receiveSent) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("X-Amz-Target") == "AmazonSQS.ReceiveMessage" {
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { rt.once.Do(func() { close(rt.sent) }) },
		}))
	}
	return http.DefaultTransport.RoundTrip(req)
}
