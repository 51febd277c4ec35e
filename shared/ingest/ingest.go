// Package ingest carries accepted runtime analytics batches from the API to
// the analytics worker through SQS, and the worker that aggregates them:
// archive the raw items to S3, fold them (package analytics) and apply the
// deltas to DynamoDB exactly once per batch.
package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/shared/analytics"
	"github.com/mpdp/platform/shared/backoff"
	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/storage"
)

// Kinds of batch.
const (
	KindEvents  = "events"
	KindCrashes = "crashes"
)

// Message is one queued batch (or part of one: see Split).
type Message struct {
	Kind    string            `json:"kind"`
	App     string            `json:"app"`
	Events  []analytics.Event `json:"events,omitempty"`
	Crashes []analytics.Crash `json:"crashes,omitempty"`
}

// MaxMessageBytes keeps a message under SQS's 256 KiB.
const MaxMessageBytes = 200 << 10

// Split turns accepted items into messages under MaxMessageBytes. Items are
// sorted by id first, so a retried batch splits the same way and every part
// has the same BatchKey as before.
func Split(kind, app string, evs []analytics.Event, crs []analytics.Crash) ([][]byte, error) {
	evs = append([]analytics.Event(nil), evs...)
	crs = append([]analytics.Crash(nil), crs...)
	sort.Slice(evs, func(i, j int) bool { return evs[i].ID < evs[j].ID })
	sort.Slice(crs, func(i, j int) bool { return crs[i].ID < crs[j].ID })
	var out [][]byte
	cur := Message{Kind: kind, App: app}
	size := 0
	flush := func() error {
		if len(cur.Events)+len(cur.Crashes) == 0 {
			return nil
		}
		b, err := json.Marshal(cur)
		if err != nil {
			return err
		}
		out = append(out, b)
		cur, size = Message{Kind: kind, App: app}, 0
		return nil
	}
	add := func(item any, put func()) error {
		b, err := json.Marshal(item)
		if err != nil {
			return err
		}
		if size+len(b)+1 > MaxMessageBytes-1024 {
			if err := flush(); err != nil {
				return err
			}
		}
		put()
		size += len(b) + 1
		return nil
	}
	for _, e := range evs {
		if err := add(e, func() { cur.Events = append(cur.Events, e) }); err != nil {
			return nil, err
		}
	}
	for _, c := range crs {
		if err := add(c, func() { cur.Crashes = append(cur.Crashes, c) }); err != nil {
			return nil, err
		}
	}
	return out, flush()
}

// Queue sends messages to the analytics queue.
type Queue struct {
	Client *sqs.Client
	URL    string
}

// Send queues one message body.
func (q *Queue) Send(ctx context.Context, body []byte) error {
	if _, err := q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.URL, MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("%w: queueing analytics batch: %v", domain.ErrUnavailable, err)
	}
	return nil
}

// Worker aggregates queued batches.
type Worker struct {
	Store  *storage.Store
	Bucket *bucket.Bucket
	Log    *slog.Logger
	Now    func() time.Time
}

// Handle processes an SQS batch and reports the messages to retry; a message
// that keeps failing (e.g. one that is not a batch) goes to the dead-letter
// queue without holding up the others.
func (w *Worker) Handle(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, msg := range e.Records {
		if err := w.Message(ctx, []byte(msg.Body)); err != nil {
			w.Log.WarnContext(ctx, "analytics batch failed; will retry", slog.String("messageId", msg.MessageId), slog.String("error", err.Error()))
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

// Message processes one queued batch; processing it again changes nothing.
func (w *Worker) Message(ctx context.Context, body []byte) error {
	var m Message
	dec := json.NewDecoder(bytesReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("not an analytics batch: %w", err)
	}
	var ids []string
	switch m.Kind {
	case KindEvents:
		for _, e := range m.Events {
			ids = append(ids, e.ID)
		}
	case KindCrashes:
		for _, c := range m.Crashes {
			ids = append(ids, c.ID)
		}
	default:
		return fmt.Errorf("not an analytics batch: kind %q", m.Kind)
	}
	if len(ids) == 0 {
		return errors.New("not an analytics batch: no items")
	}
	key := analytics.BatchKey(ids)
	if err := w.archive(ctx, m, key); err != nil {
		return err
	}
	var writes []storage.AnalyticsWrite
	if m.Kind == KindEvents {
		writes = eventWrites(m.Events)
	} else {
		writes = crashWrites(m.Crashes)
	}
	for i, chunk := range Chunks(writes) {
		if err := w.apply(ctx, m.Kind, fmt.Sprintf("%s#%d", key, i), chunk); err != nil {
			return err
		}
	}
	w.Log.InfoContext(ctx, "analytics batch applied", slog.String("kind", m.Kind), slog.String("batch", key), slog.Int("items", len(ids)), slog.Int("writes", len(writes)))
	return nil
}

func (w *Worker) apply(ctx context.Context, kind, chunkKey string, chunk []storage.AnalyticsWrite) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		if attempt > 0 {
			if err := backoff.Sleep(ctx, time.Duration(attempt*attempt)*10*time.Millisecond); err != nil {
				return err
			}
		}
		err = w.Store.ApplyAnalytics(ctx, kind, chunkKey, chunk, w.Now())
		if errors.Is(err, storage.ErrBatchApplied) {
			return nil // a redelivery: this chunk is already counted
		}
		if !errors.Is(err, domain.ErrConflict) {
			return err
		}
	}
	return err
}

// archive writes the raw items, per mini program and UTC day, as JSON lines.
func (w *Worker) archive(ctx context.Context, m Message, key string) error {
	parts := map[[2]string][]byte{}
	line := func(day, mp string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		k := [2]string{day, mp}
		parts[k] = append(append(parts[k], b...), '\n')
		return nil
	}
	for _, e := range m.Events {
		if err := line(analytics.Day(e.Timestamp), e.MiniProgramID, e); err != nil {
			return err
		}
	}
	for _, c := range m.Crashes {
		if err := line(analytics.Day(c.Timestamp), c.MiniProgramID, c); err != nil {
			return err
		}
	}
	for k, b := range parts {
		if err := w.Bucket.Put(ctx, bucket.ArchiveKey(m.Kind, k[0], k[1], key), "application/x-ndjson", b); err != nil {
			return err
		}
	}
	return nil
}

// eventWrites folds events into stats deltas; their new visitors are
// counted when they are applied (storage.Store.ApplyAnalytics).
func eventWrites(evs []analytics.Event) []storage.AnalyticsWrite {
	agg := analytics.NewAggregator()
	agg.Add(evs...)
	var writes []storage.AnalyticsWrite
	for _, d := range agg.Deltas() {
		writes = append(writes, storage.AnalyticsWrite{Stats: &d})
	}
	return writes
}

// crashWrites are the per-day deltas, per fingerprint their merge into the
// group, per day their merge into the day's rank, and per (day, version)
// the crash counts of the day's stats (crash rates per version).
func crashWrites(crs []analytics.Crash) []storage.AnalyticsWrite {
	days := analytics.AggregateCrashes(crs)
	groups := map[string]*analytics.CrashDelta{}
	var order []string
	var writes []storage.AnalyticsWrite
	for i := range days {
		d := days[i]
		writes = append(writes, storage.AnalyticsWrite{Day: &d})
		k := d.MiniProgramID + "|" + d.Fingerprint
		if g := groups[k]; g != nil {
			g.Merge(d)
		} else {
			c := d
			c.Users = d.Users.Clone()
			c.Samples = append([]analytics.Crash(nil), d.Samples...)
			groups[k] = &c
			order = append(order, k)
		}
	}
	sort.Strings(order)
	for _, k := range order {
		writes = append(writes, storage.AnalyticsWrite{Group: groups[k]})
	}
	for _, r := range analytics.RankDeltas(days) {
		writes = append(writes, storage.AnalyticsWrite{Rank: &r})
	}
	for _, d := range analytics.CrashStatsDeltas(crs) {
		writes = append(writes, storage.AnalyticsWrite{Crashes: &d})
	}
	return writes
}

// Transaction limits: 100 items (one is the chunk's marker) and 4 MB.
const (
	maxChunkItems  = 99
	maxChunkWeight = 3 << 20
)

// Chunks splits writes into transactions; the split depends only on the
// batch, so a redelivery chunks the same way and finds each applied chunk's
// marker. A chunk's first Stats write of a mini program brings the all-time
// visitor sketch along, one more item.
func Chunks(writes []storage.AnalyticsWrite) [][]storage.AnalyticsWrite {
	var out [][]storage.AnalyticsWrite
	var cur []storage.AnalyticsWrite
	items, weight := 0, 0
	mps := map[string]bool{}
	for _, w := range writes {
		n, wt := 1, w.Weight()
		if w.Stats != nil && !mps[w.Stats.MiniProgramID] {
			n, wt = 2, wt+storage.AllTimeWeight
		}
		if len(cur) > 0 && (items+n > maxChunkItems || weight+wt > maxChunkWeight) {
			out, cur, items, weight = append(out, cur), nil, 0, 0
			clear(mps)
			if w.Stats != nil {
				n, wt = 2, w.Weight()+storage.AllTimeWeight
			}
		}
		if w.Stats != nil {
			mps[w.Stats.MiniProgramID] = true
		}
		cur = append(cur, w)
		items += n
		weight += wt
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
