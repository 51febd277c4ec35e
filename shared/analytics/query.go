package analytics

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

// Series metrics.
const (
	MetricPageViews      = "pageViews"
	MetricUniqueVisitors = "uniqueVisitors"
	MetricNewVisitors    = "newVisitors"
	MetricSessions       = "sessions"
	MetricAvgSessionMs   = "avgSessionMs"
	MetricVisitDepth     = "visitDepth"
)

// Metrics lists the series metrics.
var Metrics = []string{MetricPageViews, MetricUniqueVisitors, MetricNewVisitors, MetricSessions, MetricAvgSessionMs, MetricVisitDepth}

// MaxRangeDays caps a series query, both days included.
const MaxRangeDays = 90

// SeriesQuery is a validated GET .../{mp}/analytics query.
type SeriesQuery struct {
	From, To time.Time // UTC midnight, inclusive
	Metric   string
	Version  string // semver, or AllVersions when not given
}

// FieldErrors maps a query parameter to what is wrong with it; it is the
// per-field "errors" of a problem+json 400.
type FieldErrors map[string]string

func (e FieldErrors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e[k]
	}
	return "invalid query: " + strings.Join(parts, "; ")
}

// ParseSeriesQuery validates the from, to, metric and version parameters:
// from and to are YYYY-MM-DD (required), to ≥ from, at most MaxRangeDays
// days, to not after tomorrow (UTC, relative to now); metric is one of
// Metrics (default pageViews); version, if given, is semver. The error, if
// not nil, is a FieldErrors.
func ParseSeriesQuery(from, to, metric, version string, now time.Time) (SeriesQuery, error) {
	errs := FieldErrors{}
	q := SeriesQuery{Metric: metric, Version: version}
	var err error
	if from == "" {
		errs["from"] = "is required (YYYY-MM-DD)"
	} else if q.From, err = time.Parse(time.DateOnly, from); err != nil {
		errs["from"] = "must be a date like 2025-01-31"
	}
	if to == "" {
		errs["to"] = "is required (YYYY-MM-DD)"
	} else if q.To, err = time.Parse(time.DateOnly, to); err != nil {
		errs["to"] = "must be a date like 2025-01-31"
	}
	if errs["from"] == "" && errs["to"] == "" {
		switch {
		case q.To.Before(q.From):
			errs["to"] = "must not be before from"
		case q.To.Sub(q.From) >= MaxRangeDays*24*time.Hour:
			errs["to"] = fmt.Sprintf("range must be at most %d days", MaxRangeDays)
		case q.To.After(now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)):
			errs["to"] = "must not be in the future"
		}
	}
	if q.Metric == "" {
		q.Metric = MetricPageViews
	} else if !validMetric(q.Metric) {
		errs["metric"] = "must be one of " + strings.Join(Metrics, ", ")
	}
	if q.Version == "" {
		q.Version = AllVersions
	} else if _, err := domain.ParseSemver(q.Version); err != nil {
		errs["version"] = "must be a semantic version like 1.2.3"
	}
	if len(errs) > 0 {
		return SeriesQuery{}, errs
	}
	return q, nil
}

func validMetric(m string) bool {
	for _, x := range Metrics {
		if x == m {
			return true
		}
	}
	return false
}

// Days lists the days of the query, from..to, as YYYY-MM-DD.
func (q SeriesQuery) Days() []string {
	var out []string
	for d := q.From; !d.After(q.To); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// Point is one day of a series. StdError is the standard error of Value in
// the metric's unit, 0 (omitted) when Value is exact.
type Point struct {
	Day      string  `json:"day"`
	Value    float64 `json:"value"`
	StdError float64 `json:"stdError,omitempty"`
}

// Series builds the query's time series from stored stats (any order, any
// keys; those of other versions or days are ignored); days without stats
// are 0.
func (q SeriesQuery) Series(stats []DailyStats) []Point {
	byDay := map[string]*DailyStats{}
	for i := range stats {
		if stats[i].Version == q.Version {
			byDay[stats[i].Day] = &stats[i]
		}
	}
	days := q.Days()
	out := make([]Point, len(days))
	for i, d := range days {
		out[i].Day = d
		if s := byDay[d]; s != nil {
			out[i].Value, out[i].StdError = s.Metric(q.Metric), s.MetricStdError(q.Metric)
		}
	}
	return out
}

// Total is the metric over the whole of stats (the query's version only):
// the sum of the days for counts, the distinct visitors of the range for
// uniqueVisitors, the average over the range for averages, with its
// standard error (0 when exact), and the merged stats (for top pages).
func (q SeriesQuery) Total(stats []DailyStats) (value, stdError float64, merged DailyStats) {
	merged = DailyStats{MiniProgramID: "", Version: q.Version, Visitors: NewHLL()}
	for _, st := range stats {
		if st.Version == q.Version {
			merged.Merge(st)
		}
	}
	return merged.Metric(q.Metric), merged.MetricStdError(q.Metric), merged
}

// MetricStdError is the standard error of Metric(name), 0 when exact:
// uniqueVisitors is a HyperLogLog estimate (relative HLLStdError), and
// newVisitors the growth of the all-time sketch (NewVisitorsStdError; the
// merge of several days telescopes, so the same formula holds for a range).
func (s *DailyStats) MetricStdError(name string) float64 {
	switch name {
	case MetricUniqueVisitors:
		return HLLStdError * s.Metric(name)
	case MetricNewVisitors:
		return NewVisitorsStdError(s.NewVisitors, s.AllTimeVisitors)
	}
	return 0
}
