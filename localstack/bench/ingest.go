package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/shared/appkeys"
)

// ingestResult is the analytics ingestion benchmark: events sent through the
// local gateway (signed, validated, queued) and aggregated by the worker.
type ingestResult struct {
	events  int
	batches int
	took    time.Duration
	calls   map[string]float64 // per 1,000 events
	items   float64            // DynamoDB items written per 1,000 events (transaction items counted one by one)
}

// ingestBench posts batches of 500 page views (50 users, 5 versions, one
// day) and drains the analytics queue.
func ingestBench(ctx context.Context, s *stack.Stack, gwURL, token string, c *counter, batches int) (ingestResult, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	call := func(method, url, auth string, body []byte, sign func(*http.Request) error, out any) error {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		if sign != nil {
			if err := sign(req); err != nil {
				return err
			}
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, b)
		}
		if out != nil {
			return json.Unmarshal(b, out)
		}
		return nil
	}
	var app struct{ ID string }
	if err := call("POST", gwURL+"/v1/apps", token, []byte(`{"name":"Bench App","platform":"ios","bundleId":"com.example.bench","description":"bench"}`), nil, &app); err != nil {
		return ingestResult{}, err
	}
	var key struct{ KeyID, Secret string }
	if err := call("POST", gwURL+"/v1/apps/"+app.ID+"/keys", token, nil, nil, &key); err != nil {
		return ingestResult{}, err
	}
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339Nano)
	bodies := make([][]byte, batches)
	for b := range batches {
		items := make([]map[string]any, 500)
		for i := range items {
			u := fmt.Sprintf("user-%03d", i%50)
			items[i] = map[string]any{"id": fmt.Sprintf("bench-%05d-%03d", b, i), "miniProgramId": "mp_bench", "version": fmt.Sprintf("1.0.%d", i%5),
				"userId": u, "sessionId": "session-" + u, "type": "page_view", "page": fmt.Sprintf("pages/p%d/index", i%20), "timestamp": at}
		}
		bodies[b], _ = json.Marshal(map[string]any{"items": items})
	}
	p := s.Pollers()[3]
	p.Wait = -1
	c.reset()
	start := time.Now()
	for _, body := range bodies {
		sign := func(r *http.Request) error {
			return appkeys.SignRequest(r, key.KeyID, key.Secret, body, time.Now(), appkeys.NewNonce())
		}
		if err := call("POST", gwURL+"/v1/runtime/events?app="+app.ID, "", body, sign, nil); err != nil {
			return ingestResult{}, err
		}
	}
	for {
		n, err := p.Once(ctx)
		if err != nil {
			return ingestResult{}, err
		}
		if n == 0 {
			break
		}
	}
	r := ingestResult{events: 500 * batches, batches: batches, took: time.Since(start)}
	per := float64(r.events) / 1000
	r.calls = map[string]float64{}
	for k, v := range c.per(1) {
		if strings.HasPrefix(k, "DynamoDB.") {
			r.calls[strings.TrimPrefix(k, "DynamoDB.")] = v / per
		}
	}
	r.items = float64(c.writtenItems()) / per
	return r, nil
}

func reportIngest(p func(string, ...any), r ingestResult) {
	p("Analytics ingestion (%d batches of 500 page views through the gateway, then the worker drains the queue)", r.batches)
	p("  %-44s %10.0f events/s  (%d events in %.2f s)", "ingested and aggregated", float64(r.events)/r.took.Seconds(), r.events, r.took.Seconds())
	p("  %-44s %10.1f items     (%s)", "DynamoDB writes per 1,000 events", r.items, strings.Join(callList(r.calls), ", "))
}

func callList(m map[string]float64) []string {
	var out []string
	for _, k := range sortedKeys(m) {
		out = append(out, fmt.Sprintf("%s %.1f", k, m[k]))
	}
	return out
}
