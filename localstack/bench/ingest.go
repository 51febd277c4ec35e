package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/shared/appkeys"
)

// ingestRun is one analytics ingestion: events page views of one mini
// program-day from users distinct users, sent through the local gateway
// (signed, validated, queued) and aggregated by the worker.
type ingestRun struct {
	users, events, batches, accepted int
	took                             time.Duration
	calls                            map[string]float64 // DynamoDB calls per event, by operation
	items                            float64            // DynamoDB items written per event (transaction and batch items counted one by one)
}

// ingestBatch is the largest batch the runtime route takes.
const ingestBatch = 500

// ingestBench makes a host app and its key, then one run per distinct-user
// count, each on its own mini program (so no run finds the visitors of
// another), and counts every DynamoDB call the route and the worker make.
func ingestBench(ctx context.Context, s *stack.Stack, api *apiClient, tenant string, c *counter, events int, users []int) ([]ingestRun, error) {
	var app struct{ ID string }
	if _, err := api.call("POST", "/v1/apps", tenant, map[string]string{"name": "Bench App", "platform": "ios", "bundleId": "com.example.bench", "description": "bench"},
		http.StatusCreated, &app); err != nil {
		return nil, err
	}
	var key struct{ KeyID, Secret string }
	if _, err := api.call("POST", "/v1/apps/"+app.ID+"/keys", tenant, nil, http.StatusCreated, &key); err != nil {
		return nil, err
	}
	worker := s.Pollers()[3]
	worker.Wait = -1
	if err := drain(ctx, worker.Once); err != nil {
		return nil, err
	}
	var out []ingestRun
	for _, u := range users {
		bodies, err := ingestBodies(fmt.Sprintf("mp_bench%d", u), events, u)
		if err != nil {
			return nil, err
		}
		r := ingestRun{users: u, events: events, batches: len(bodies)}
		c.reset()
		start := time.Now()
		for _, body := range bodies {
			req, err := http.NewRequestWithContext(ctx, "POST", api.base+"/v1/runtime/events?app="+app.ID, bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			if err := appkeys.SignRequest(req, key.KeyID, key.Secret, body, time.Now(), appkeys.NewNonce()); err != nil {
				return nil, err
			}
			var res struct {
				Accepted int
				Rejected []json.RawMessage
			}
			if _, err := api.do(req, http.StatusAccepted, &res); err != nil {
				return nil, err
			}
			if len(res.Rejected) > 0 {
				return nil, fmt.Errorf("the runtime route rejected %d events: %s", len(res.Rejected), res.Rejected[0])
			}
			r.accepted += res.Accepted
		}
		if err := drain(ctx, worker.Once); err != nil {
			return nil, err
		}
		r.took = time.Since(start)
		if r.accepted != events {
			return nil, fmt.Errorf("the runtime route accepted %d of %d events", r.accepted, events)
		}
		r.calls = map[string]float64{}
		for k, v := range c.per(events) {
			if op, ok := strings.CutPrefix(k, "DynamoDB."); ok {
				r.calls[op] = v
			}
		}
		r.items = float64(c.writtenItems()) / float64(events)
		out = append(out, r)
	}
	return out, nil
}

// ingestBodies are the request bodies for events page views of mp, spread over
// users distinct users and 20 pages, all at one minute ago (one day).
func ingestBodies(mp string, events, users int) ([][]byte, error) {
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339Nano)
	var bodies [][]byte
	for first := 0; first < events; first += ingestBatch {
		items := make([]map[string]any, 0, ingestBatch)
		for i := first; i < min(events, first+ingestBatch); i++ {
			u := fmt.Sprintf("user-%05d", i%users)
			items = append(items, map[string]any{"id": fmt.Sprintf("%s-%06d", mp, i), "miniProgramId": mp, "version": "1.0.0",
				"userId": u, "sessionId": "session-" + u, "type": "page_view", "page": fmt.Sprintf("pages/p%d/index", i%20), "timestamp": at})
		}
		b, err := json.Marshal(map[string]any{"items": items})
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, b)
	}
	return bodies, nil
}
