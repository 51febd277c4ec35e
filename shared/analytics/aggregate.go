package analytics

import (
	"sort"
	"strings"
	"time"
)

// AllVersions is the Version of the aggregate over every version.
const AllVersions = "all"

// TopPagesKept is how many pages a stored DailyStats keeps after Merge.
const TopPagesKept = 50

// DailyStats are the user-behaviour aggregates of one mini program, UTC day
// and version (or AllVersions). An Aggregator produces them as deltas; the
// worker merges each delta into the stored item of the same Key (one write
// per delta: counters, the visitor sketch and the page counts live in the
// same item).
type DailyStats struct {
	MiniProgramID string `json:"miniProgramId"`
	Day           string `json:"day"`     // YYYY-MM-DD, UTC
	Version       string `json:"version"` // semver or "all"

	PageViews      uint64 `json:"pageViews"`
	Sessions       uint64 `json:"sessions"`       // session_start events
	SessionEnds    uint64 `json:"sessionEnds"`    // session_end events (denominator of the average)
	TotalSessionMs uint64 `json:"totalSessionMs"` // sum of session_end durationMs
	// VisitDepthSum is the number of page views that belong to a session;
	// average visit depth (pages per session) is VisitDepthSum / Sessions.
	// Counting it per event keeps aggregation stateless across batches.
	VisitDepthSum uint64            `json:"visitDepthSum"`
	NewVisitors   uint64            `json:"newVisitors"`
	Visitors      *HLL              `json:"visitors"` // distinct users, approximate
	Pages         map[string]uint64 `json:"pages"`    // page views per page (query string dropped)
}

// Key identifies the stored aggregate: "<mp>|<day>|<version>".
func (s *DailyStats) Key() string { return s.MiniProgramID + "|" + s.Day + "|" + s.Version }

// Merge adds the delta d into s (same key expected) and keeps only the top
// TopPagesKept pages.
func (s *DailyStats) Merge(d DailyStats) {
	s.PageViews += d.PageViews
	s.Sessions += d.Sessions
	s.SessionEnds += d.SessionEnds
	s.TotalSessionMs += d.TotalSessionMs
	s.VisitDepthSum += d.VisitDepthSum
	s.NewVisitors += d.NewVisitors
	if s.Visitors == nil {
		s.Visitors = NewHLL()
	}
	s.Visitors.Merge(d.Visitors)
	if s.Pages == nil {
		s.Pages = map[string]uint64{}
	}
	for p, n := range d.Pages {
		s.Pages[p] += n
	}
	s.Pages = topPages(s.Pages, TopPagesKept)
}

// PageCount is a page and its views.
type PageCount struct {
	Page  string `json:"page"`
	Views uint64 `json:"views"`
}

// TopPages lists the n most viewed pages, most viewed first (ties by name).
func (s *DailyStats) TopPages(n int) []PageCount {
	out := make([]PageCount, 0, len(s.Pages))
	for p, v := range s.Pages {
		out = append(out, PageCount{p, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Views != out[j].Views {
			return out[i].Views > out[j].Views
		}
		return out[i].Page < out[j].Page
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func topPages(m map[string]uint64, n int) map[string]uint64 {
	if len(m) <= n {
		return m
	}
	s := DailyStats{Pages: m}
	out := make(map[string]uint64, n)
	for _, pc := range s.TopPages(n) {
		out[pc.Page] = pc.Views
	}
	return out
}

// Metric is the value of a series metric (see Metrics) for this day.
func (s *DailyStats) Metric(name string) float64 {
	switch name {
	case MetricPageViews:
		return float64(s.PageViews)
	case MetricUniqueVisitors:
		if s.Visitors == nil {
			return 0
		}
		return float64(s.Visitors.Count())
	case MetricNewVisitors:
		return float64(s.NewVisitors)
	case MetricSessions:
		return float64(s.Sessions)
	case MetricAvgSessionMs:
		if s.SessionEnds == 0 {
			return 0
		}
		return float64(s.TotalSessionMs) / float64(s.SessionEnds)
	case MetricVisitDepth:
		if s.Sessions == 0 {
			return 0
		}
		return float64(s.VisitDepthSum) / float64(s.Sessions)
	}
	return 0
}

// Day is the UTC calendar day of t, YYYY-MM-DD.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// NormalizePage drops the query string and fragment of a page path and a
// leading slash, so "/pages/item/item?id=3" counts as "pages/item/item".
func NormalizePage(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return strings.TrimPrefix(p, "/")
}

// Aggregator folds events into DailyStats deltas, one per (mini program,
// UTC day, version) and one per (mini program, day, "all"); so the number of
// deltas, i.e. storage writes, depends on the distinct combinations, not on
// the number of events. Event ids already folded are ignored.
//
// New visitors: when Seen is set, Deltas calls it once per distinct
// (mini program, user) in the aggregator; Seen must report whether the user
// was already known for the mini program and remember them (a conditional
// put on a visitor item). A user not seen before counts as new on the day
// and version of their earliest event. When Seen is nil, NewVisitors stays 0
// and can be filled in by a separate step. Call Deltas once.
type Aggregator struct {
	Seen func(miniProgramID, userID string) bool

	ids   map[string]struct{}
	stats map[statKey]*DailyStats
	first map[[2]string]Event // (mp, user) → earliest event
}

type statKey struct{ mp, day, version string }

// NewAggregator returns an empty aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{
		ids:   map[string]struct{}{},
		stats: map[statKey]*DailyStats{},
		first: map[[2]string]Event{},
	}
}

// Add folds events (already validated, see ParseBatch) and returns how many
// were new; duplicates of ids already added are skipped.
func (a *Aggregator) Add(events ...Event) int {
	n := 0
	for _, e := range events {
		if _, dup := a.ids[e.ID]; dup {
			continue
		}
		a.ids[e.ID] = struct{}{}
		n++
		day := Day(e.Timestamp)
		for _, v := range [2]string{e.Version, AllVersions} {
			a.fold(a.get(e.MiniProgramID, day, v), e)
		}
		k := [2]string{e.MiniProgramID, e.UserID}
		if f, ok := a.first[k]; !ok || e.Timestamp.Before(f.Timestamp) {
			a.first[k] = e
		}
	}
	return n
}

func (a *Aggregator) get(mp, day, version string) *DailyStats {
	k := statKey{mp, day, version}
	s := a.stats[k]
	if s == nil {
		s = &DailyStats{MiniProgramID: mp, Day: day, Version: version, Visitors: NewHLL(), Pages: map[string]uint64{}}
		a.stats[k] = s
	}
	return s
}

func (a *Aggregator) fold(s *DailyStats, e Event) {
	s.Visitors.Add(e.UserID)
	switch e.Type {
	case TypePageView:
		s.PageViews++
		if e.SessionID != "" {
			s.VisitDepthSum++
		}
		s.Pages[NormalizePage(e.Page)]++
	case TypeSessionStart:
		s.Sessions++
	case TypeSessionEnd:
		s.SessionEnds++
		if e.DurationMs > 0 {
			s.TotalSessionMs += uint64(e.DurationMs)
		}
	}
}

// Deltas returns the aggregates, sorted by Key. Their Pages hold every page
// of the batch; DailyStats.Merge trims the stored item to the top pages.
func (a *Aggregator) Deltas() []DailyStats {
	if a.Seen != nil {
		keys := make([][2]string, 0, len(a.first))
		for k := range a.first {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return keys[i][0] < keys[j][0] || keys[i][0] == keys[j][0] && keys[i][1] < keys[j][1]
		})
		for _, k := range keys {
			if a.Seen(k[0], k[1]) {
				continue
			}
			e := a.first[k]
			day := Day(e.Timestamp)
			a.get(e.MiniProgramID, day, e.Version).NewVisitors++
			a.get(e.MiniProgramID, day, AllVersions).NewVisitors++
		}
	}
	out := make([]DailyStats, 0, len(a.stats))
	for _, s := range a.stats {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}
