package analytics

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func mkEvent(i int, typ, version, user, session, page string, at time.Time, dur int64) Event {
	return Event{ID: fmt.Sprintf("evt-%08d", i), MiniProgramID: "mp_a", Version: version, UserID: user,
		SessionID: session, Type: typ, Page: page, Timestamp: at, DurationMs: dur}
}

func TestAggregateEqualsWhatWasSent(t *testing.T) {
	day1 := time.Date(2025, 3, 9, 10, 0, 0, 0, time.UTC)
	day2 := day1.Add(24 * time.Hour)
	var events []Event
	n := 0
	add := func(typ, v, user, sess, page string, at time.Time, dur int64) {
		n++
		events = append(events, mkEvent(n, typ, v, user, sess, page, at, dur))
	}
	// day 1, v1.0.0: u1 has a session with 3 page views lasting 60s; u2 one with 1 view, 30s
	add(TypeSessionStart, "1.0.0", "u1", "sess-u1-1", "", day1, 0)
	add(TypePageView, "1.0.0", "u1", "sess-u1-1", "pages/index/index", day1, 0)
	add(TypePageView, "1.0.0", "u1", "sess-u1-1", "/pages/item/item?id=1", day1, 0)
	add(TypePageView, "1.0.0", "u1", "sess-u1-1", "pages/item/item?id=2", day1, 0)
	add(TypeSessionEnd, "1.0.0", "u1", "sess-u1-1", "", day1, 60000)
	add(TypeSessionStart, "1.0.0", "u2", "sess-u2-1", "", day1, 0)
	add(TypePageView, "1.0.0", "u2", "sess-u2-1", "pages/index/index", day1, 0)
	add(TypeSessionEnd, "1.0.0", "u2", "sess-u2-1", "", day1, 30000)
	// day 1, v1.1.0: u3, 2 views
	add(TypeSessionStart, "1.1.0", "u3", "sess-u3-1", "", day1, 0)
	add(TypePageView, "1.1.0", "u3", "sess-u3-1", "pages/index/index", day1, 0)
	add(TypePageView, "1.1.0", "u3", "sess-u3-1", "pages/index/index", day1, 0)
	// day 2, v1.1.0: u1 comes back (not new)
	add(TypeSessionStart, "1.1.0", "u1", "sess-u1-2", "", day2, 0)
	add(TypePageView, "1.1.0", "u1", "sess-u1-2", "pages/index/index", day2, 0)

	a := NewAggregator()
	if got := a.Add(events...); got != len(events) {
		t.Fatalf("added %d", got)
	}
	// a retried batch and duplicates are ignored
	if got := a.Add(events...); got != 0 {
		t.Fatalf("retried batch added %d", got)
	}
	deltas := a.Deltas()
	// u2 visited before this batch
	ever := NewHLL()
	ever.Add("u2")
	ptrs := make([]*DailyStats, len(deltas))
	for i := range deltas {
		ptrs[i] = &deltas[i]
	}
	CountNewVisitors(ever, ptrs)
	if ever.Count() != 3 {
		t.Errorf("all-time visitors %d, want 3", ever.Count())
	}
	type want struct {
		pv, sess, ends, ms, depth, newV, uv uint64
		pages                               map[string]uint64
	}
	wants := map[string]want{
		"mp_a|2025-03-09|1.0.0": {4, 2, 2, 90000, 4, 1, 2, map[string]uint64{"pages/index/index": 2, "pages/item/item": 2}},
		"mp_a|2025-03-09|1.1.0": {2, 1, 0, 0, 2, 1, 1, map[string]uint64{"pages/index/index": 2}},
		"mp_a|2025-03-09|all":   {6, 3, 2, 90000, 6, 2, 3, map[string]uint64{"pages/index/index": 4, "pages/item/item": 2}},
		"mp_a|2025-03-10|1.1.0": {1, 1, 0, 0, 1, 0, 1, map[string]uint64{"pages/index/index": 1}},
		"mp_a|2025-03-10|all":   {1, 1, 0, 0, 1, 0, 1, map[string]uint64{"pages/index/index": 1}},
	}
	if len(deltas) != len(wants) {
		t.Fatalf("%d deltas, want %d", len(deltas), len(wants))
	}
	for _, d := range deltas {
		w, ok := wants[d.Key()]
		if !ok {
			t.Fatalf("unexpected key %s", d.Key())
		}
		got := want{d.PageViews, d.Sessions, d.SessionEnds, d.TotalSessionMs, d.VisitDepthSum, d.NewVisitors, d.Visitors.Count(), d.Pages}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: got %+v, want %+v", d.Key(), got, w)
		}
	}
	all := deltas[2]
	if all.Metric(MetricAvgSessionMs) != 45000 || all.Metric(MetricVisitDepth) != 2 || all.Metric(MetricUniqueVisitors) != 3 {
		t.Errorf("metrics %v %v %v", all.Metric(MetricAvgSessionMs), all.Metric(MetricVisitDepth), all.Metric(MetricUniqueVisitors))
	}
}

func TestAggregateWritesScaleWithAggregates(t *testing.T) {
	at := time.Date(2025, 3, 9, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name           string
		versions, days int
		wantDeltas     int
	}{
		{"one mp/day/version", 1, 1, 2},
		{"three versions", 3, 1, 4},
		{"three versions two days", 3, 2, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []int{10, 1000, 10000} {
				a := NewAggregator()
				for i := 0; i < n; i++ {
					v := fmt.Sprintf("1.%d.0", i%tt.versions)
					day := at.Add(time.Duration(i%tt.days) * 24 * time.Hour)
					a.Add(mkEvent(i, TypePageView, v, fmt.Sprintf("u%d", i%777), "sess-00001", fmt.Sprintf("pages/p%d", i%20), day, 0))
				}
				if got := len(a.Deltas()); got != tt.wantDeltas {
					t.Fatalf("%d events: %d deltas, want %d", n, got, tt.wantDeltas)
				}
			}
		})
	}
}

func TestDailyStatsMergeKeepsTopPages(t *testing.T) {
	var stored DailyStats
	for round := 0; round < 3; round++ {
		d := DailyStats{PageViews: 100, Sessions: 10, Visitors: NewHLL(), Pages: map[string]uint64{}}
		for p := 0; p < 80; p++ {
			d.Pages[fmt.Sprintf("pages/p%02d", p)] = uint64(p + 1)
		}
		for u := 0; u < 100; u++ {
			d.Visitors.Add(fmt.Sprintf("r%d-u%d", round%2, u)) // rounds 0 and 2 overlap
		}
		stored.Merge(d)
	}
	if stored.PageViews != 300 || stored.Sessions != 30 || len(stored.Pages) != TopPagesKept {
		t.Fatalf("%+v", stored)
	}
	top := stored.TopPages(3)
	if top[0] != (PageCount{"pages/p79", 240}) || top[2].Page != "pages/p77" {
		t.Errorf("top %v", top)
	}
	if uv := stored.Metric(MetricUniqueVisitors); math.Abs(uv-200) > 200*3*HLLStdError {
		t.Errorf("unique visitors %v, want ≈200", uv)
	}
}

func BenchmarkAggregate1000(b *testing.B) {
	at := time.Date(2025, 3, 9, 10, 0, 0, 0, time.UTC)
	events := make([]Event, 1000)
	types := []string{TypeSessionStart, TypePageView, TypePageView, TypePageView, TypeSessionEnd}
	for i := range events {
		events[i] = mkEvent(i, types[i%len(types)], fmt.Sprintf("1.%d.0", i%2), fmt.Sprintf("u%d", i%300),
			fmt.Sprintf("sess-%05d", i/5), fmt.Sprintf("pages/p%d", i%30), at, 1000)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var writes int
	for i := 0; i < b.N; i++ {
		a := NewAggregator()
		a.Add(events...)
		writes = len(a.Deltas())
	}
	b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(writes), "writes/1000events")
}

func TestCountNewVisitors(t *testing.T) {
	sketch := func(users ...string) *HLL {
		h := NewHLL()
		for _, u := range users {
			h.Add(u)
		}
		return h
	}
	d := func(day, version string, users ...string) *DailyStats {
		return &DailyStats{MiniProgramID: "mp", Day: day, Version: version, Visitors: sketch(users...)}
	}
	tests := []struct {
		name   string
		before []string
		deltas []*DailyStats
		want   []uint64
	}{
		{"all new", nil, []*DailyStats{d("2025-03-09", "1.0.0", "a", "b"), d("2025-03-09", "all", "a", "b")}, []uint64{2, 2}},
		{"known visitors are not new", []string{"a"}, []*DailyStats{d("2025-03-09", "1.0.0", "a", "b"), d("2025-03-09", "all", "a", "b")}, []uint64{1, 1}},
		{"new in every version of their first day", nil,
			[]*DailyStats{d("2025-03-09", "1.0.0", "a"), d("2025-03-09", "1.1.0", "a", "b"), d("2025-03-09", "all", "a", "b")}, []uint64{1, 2, 2}},
		{"new on the first day only", nil,
			[]*DailyStats{d("2025-03-09", "1.0.0", "a"), d("2025-03-09", "all", "a"), d("2025-03-10", "1.0.0", "a", "c"), d("2025-03-10", "all", "a", "c")},
			[]uint64{1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ever := sketch(tt.before...)
			CountNewVisitors(ever, tt.deltas)
			for i, dl := range tt.deltas {
				if dl.NewVisitors != tt.want[i] {
					t.Errorf("%s: %d new, want %d", dl.Key(), dl.NewVisitors, tt.want[i])
				}
			}
		})
	}
}

// TestNewVisitorsErrorBound checks the stated standard error against
// simulation: k new visitors joining a sketch of n, over several trials, stay
// within two stated standard errors at least 90% of the time.
func TestNewVisitorsErrorBound(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	for _, tt := range []struct{ n, k int }{{0, 1000}, {1000, 10}, {10000, 100}, {100000, 10}, {100000, 1000}} {
		const trials = 20
		within := 0
		for tr := range trials {
			ever := NewHLL()
			for i := range tt.n {
				ever.Add(fmt.Sprintf("t%d-old%d", tr, i))
			}
			day := NewHLL()
			for i := range tt.k {
				day.Add(fmt.Sprintf("t%d-new%d", tr, i))
			}
			dl := &DailyStats{Version: AllVersions, Visitors: day}
			CountNewVisitors(ever, []*DailyStats{dl})
			if math.Abs(float64(dl.NewVisitors)-float64(tt.k)) <= 2*NewVisitorsStdError(dl.NewVisitors, dl.AllTimeVisitors) {
				within++
			}
		}
		if within < trials*9/10 {
			t.Errorf("n=%d k=%d: %d of %d trials within two standard errors", tt.n, tt.k, within, trials)
		}
	}
}
