package analytics

import (
	"math"
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
// same item), and counts their new visitors against the mini program's
// all-time visitor sketch (CountNewVisitors), one more write per batch.
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
	VisitDepthSum uint64 `json:"visitDepthSum"`
	NewVisitors   uint64 `json:"newVisitors"` // approximate, see CountNewVisitors
	// AllTimeVisitors is the mini program's all-time visitor count (its
	// sketch's estimate) after the last batch merged into this item; it sizes
	// the error of NewVisitors (NewVisitorsStdError).
	AllTimeVisitors uint64            `json:"allTimeVisitors"`
	Visitors        *HLL              `json:"visitors"` // distinct users, approximate
	Pages           map[string]uint64 `json:"pages"`    // page views per page (query string dropped)

	// Crashes and CrashUsers come from crash reports (CrashStatsDeltas):
	// reports and the distinct users who had one, approximate.
	Crashes    uint64 `json:"crashes"`
	CrashUsers *HLL   `json:"crashUsers" dynamodbav:"-"`
	// Sessions by the host app's OS and by the host app's version (the
	// TopBreakdownKept most frequent), from session_start events that say
	// them; "unknown" counts those that do not.
	SessionsByOS         map[string]uint64 `json:"sessionsByOS"`
	SessionsByAppVersion map[string]uint64 `json:"sessionsByAppVersion"`
}

// TopBreakdownKept is how many app versions a stored DailyStats keeps.
const TopBreakdownKept = 20

// Unknown is the breakdown key of sessions that do not say their OS or app version.
const Unknown = "unknown"

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
	s.AllTimeVisitors = max(s.AllTimeVisitors, d.AllTimeVisitors)
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
	s.Crashes += d.Crashes
	if d.CrashUsers != nil {
		if s.CrashUsers == nil {
			s.CrashUsers = NewHLL()
		}
		s.CrashUsers.Merge(d.CrashUsers)
	}
	s.SessionsByOS = addCounts(s.SessionsByOS, d.SessionsByOS, TopBreakdownKept)
	s.SessionsByAppVersion = addCounts(s.SessionsByAppVersion, d.SessionsByAppVersion, TopBreakdownKept)
}

func addCounts(dst, src map[string]uint64, keep int) map[string]uint64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = map[string]uint64{}
	}
	for k, n := range src {
		dst[k] += n
	}
	return topPages(dst, keep)
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
// the number of events. Event ids already folded are ignored. NewVisitors
// stays 0: the worker fills it in with CountNewVisitors when it applies the
// deltas.
type Aggregator struct {
	ids   map[string]struct{}
	stats map[statKey]*DailyStats
}

type statKey struct{ mp, day, version string }

// NewAggregator returns an empty aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{ids: map[string]struct{}{}, stats: map[statKey]*DailyStats{}}
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
		os, app := e.OS, e.AppVersion
		if os == "" {
			os = Unknown
		}
		if app == "" {
			app = Unknown
		}
		s.SessionsByOS = addCounts(s.SessionsByOS, map[string]uint64{os: 1}, len(s.SessionsByOS)+1)
		s.SessionsByAppVersion = addCounts(s.SessionsByAppVersion, map[string]uint64{app: 1}, len(s.SessionsByAppVersion)+1)
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
	out := make([]DailyStats, 0, len(a.stats))
	for _, s := range a.stats {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// CrashStatsDeltas are what crash reports add to the DailyStats of their
// (mini program, day, version) and (mini program, day, "all"): reports and
// crashed users, so crash rates sit beside the sessions they divide.
// Duplicate ids are ignored; the result is sorted by Key.
func CrashStatsDeltas(crashes []Crash) []DailyStats {
	seen := map[string]bool{}
	byKey := map[statKey]*DailyStats{}
	for _, c := range crashes {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		for _, v := range [2]string{c.Version, AllVersions} {
			k := statKey{c.MiniProgramID, Day(c.Timestamp), v}
			d := byKey[k]
			if d == nil {
				d = &DailyStats{MiniProgramID: k.mp, Day: k.day, Version: v, CrashUsers: NewHLL()}
				byKey[k] = d
			}
			d.Crashes++
			d.CrashUsers.Add(c.UserID)
		}
	}
	out := make([]DailyStats, 0, len(byKey))
	for _, d := range byKey {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// CountNewVisitors sets the NewVisitors of deltas (one mini program's, in Key
// order) from ever, the mini program's all-time visitor sketch, and merges
// them into it: a delta's new visitors are the growth of ever's estimate
// when the delta's visitors join it. Days are taken in order and a day's
// versions are counted before the day's "all" delta is merged, so a visitor
// is new on the first day they are seen, in every version they used that
// day, whatever their number; no item per visitor is read or written.
//
// The estimate telescopes: over any run of batches the new visitors add up
// to the growth of ever over them, so the error does not accumulate with
// the number of batches. Its standard error is NewVisitorsStdError.
func CountNewVisitors(ever *HLL, deltas []*DailyStats) {
	for _, d := range deltas {
		before := ever.Count()
		u := ever.Clone()
		u.Merge(d.Visitors)
		after := u.Count()
		d.NewVisitors = 0
		if after > before {
			d.NewVisitors = after - before
		}
		if d.Version == AllVersions {
			ever.Merge(d.Visitors)
		}
		d.AllTimeVisitors = ever.Count()
	}
}

// NewVisitorsStdError is the standard error (in visitors) of a new-visitor
// count n measured as the growth of an all-time sketch that holds about
// allTime visitors. Two terms: the sketch's relative error on n itself, and
// the graininess of the growth of a sketch with allTime/m visitors per
// register (each register that rises adds about allTime/m to the estimate),
// 1.5·sqrt(n·allTime/m + (allTime/m)²); the factor 1.5 covers what
// simulations of this HLL measure (TestNewVisitorsErrorBound).
func NewVisitorsStdError(n, allTime uint64) float64 {
	per := float64(allTime) / hllM
	return HLLStdError*float64(n) + 1.5*math.Sqrt(float64(n)*per+per*per)
}
