package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/analytics"
	"github.com/mpdp/platform/shared/storage"
)

func TestSplitIsOrderIndependentAndUnderTheSQSLimit(t *testing.T) {
	var evs []analytics.Event
	for i := range 500 {
		evs = append(evs, analytics.Event{ID: fmt.Sprintf("event-%04d", i), MiniProgramID: "mp_x", Version: "1.0.0", UserID: "u",
			Type: analytics.TypePageView, Page: strings.Repeat("p", 500), Timestamp: time.Unix(0, 0).UTC()})
	}
	a, err := Split(KindEvents, "app_x", evs, nil)
	if err != nil {
		t.Fatal(err)
	}
	rev := make([]analytics.Event, len(evs))
	for i, e := range evs {
		rev[len(evs)-1-i] = e
	}
	b, _ := Split(KindEvents, "app_x", rev, nil)
	if len(a) < 2 || len(a) != len(b) {
		t.Fatalf("%d and %d messages", len(a), len(b))
	}
	total := 0
	for i := range a {
		if string(a[i]) != string(b[i]) {
			t.Errorf("message %d differs with the items reordered", i)
		}
		if len(a[i]) > MaxMessageBytes {
			t.Errorf("message %d is %d bytes", i, len(a[i]))
		}
		var m Message
		if err := json.Unmarshal(a[i], &m); err != nil || m.Kind != KindEvents || m.App != "app_x" {
			t.Fatalf("message %d: %v", i, err)
		}
		total += len(m.Events)
	}
	if total != 500 {
		t.Errorf("%d events in the messages", total)
	}
}

func TestChunksRespectTransactionLimits(t *testing.T) {
	var writes []storage.AnalyticsWrite
	for i := range 150 {
		writes = append(writes, storage.AnalyticsWrite{Stats: &analytics.DailyStats{MiniProgramID: fmt.Sprintf("mp%d", i%100)}})
	}
	for range 40 {
		writes = append(writes, storage.AnalyticsWrite{Group: &analytics.CrashDelta{}})
	}
	chunks := Chunks(writes)
	n := 0
	for _, c := range chunks {
		w, items := 0, len(c)
		mps := map[string]bool{}
		for _, x := range c {
			w += x.Weight()
			if x.Stats != nil && !mps[x.Stats.MiniProgramID] {
				mps[x.Stats.MiniProgramID] = true
				items++
				w += storage.AllTimeWeight
			}
		}
		if items > maxChunkItems || w > maxChunkWeight {
			t.Errorf("chunk of %d writes, weight %d", len(c), w)
		}
		n += len(c)
	}
	if n != len(writes) {
		t.Errorf("%d writes chunked, want %d", n, len(writes))
	}
}
