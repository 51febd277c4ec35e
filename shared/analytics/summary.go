package analytics

import (
	"sort"
	"time"
)

// KPI is one metric over a period beside the same metric over the period
// before it (of the same length). Change is (Value − Previous) / Previous,
// nil when Previous is 0. StdError and PreviousStdError are 0 when exact.
type KPI struct {
	Metric           string   `json:"metric"`
	Value            float64  `json:"value"`
	StdError         float64  `json:"stdError"`
	Previous         float64  `json:"previous"`
	PreviousStdError float64  `json:"previousStdError"`
	Change           *float64 `json:"change"`
}

// Breakdown is sessions per key (an OS or a host app version), most first.
type Breakdown struct {
	Key      string `json:"key"`
	Sessions uint64 `json:"sessions"`
}

// PreviousPeriod is the range of the same length just before q's.
func (q SeriesQuery) PreviousPeriod() SeriesQuery {
	n := int(q.To.Sub(q.From)/(24*time.Hour)) + 1
	p := q
	p.To = q.From.AddDate(0, 0, -1)
	p.From = q.From.AddDate(0, 0, -n)
	return p
}

// KPIs are every metric of Metrics over cur (q's range) against prev (the
// previous period's), both of q's version.
func (q SeriesQuery) KPIs(cur, prev []DailyStats) []KPI {
	out := make([]KPI, 0, len(Metrics))
	for _, m := range Metrics {
		c, p := q, q.PreviousPeriod()
		c.Metric, p.Metric = m, m
		k := KPI{Metric: m}
		k.Value, k.StdError = c.total(cur)
		k.Previous, k.PreviousStdError = p.total(prev)
		if k.Previous != 0 {
			ch := (k.Value - k.Previous) / k.Previous
			k.Change = &ch
		}
		out = append(out, k)
	}
	return out
}

// total is the metric over the range as the series reports it: counts sum
// the days, uniqueVisitors and averages are over the merged range.
func (q SeriesQuery) total(stats []DailyStats) (float64, float64) {
	v, e, _ := q.Total(stats)
	return v, e
}

// Breakdowns are the sessions of stats (q's version) by OS and by host app version.
func (q SeriesQuery) Breakdowns(stats []DailyStats) (byOS, byApp []Breakdown) {
	_, _, merged := q.Total(stats)
	return breakdown(merged.SessionsByOS), breakdown(merged.SessionsByAppVersion)
}

func breakdown(m map[string]uint64) []Breakdown {
	out := make([]Breakdown, 0, len(m))
	for k, n := range m {
		out = append(out, Breakdown{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Sessions != out[j].Sessions {
			return out[i].Sessions > out[j].Sessions
		}
		return out[i].Key < out[j].Key
	})
	return out
}
