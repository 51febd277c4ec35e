package analytics

import (
	"math"
	"time"
)

// Retention periods and how many later periods a cohort is followed for.
const (
	PeriodDay       = "day"
	PeriodWeek      = "week"
	RetentionDays   = 7 // a daily cohort: days 1..7 after
	RetentionWeeks  = 4 // a weekly cohort: weeks 1..4 after
	maxCohortsDaily = 31
)

// Cohort is the visitors active in one period (a UTC day, or a week from
// Monday) and how many of them were active again in each following period.
//
// Counts come from the daily visitor sketches: the cohort's size is its
// sketch's estimate and the retained users of period k are the intersection
// |A∩B| = |A| + |B| − |A∪B| (inclusion–exclusion over HyperLogLog
// estimates), so no item per user is read. Each estimate is within
// HLLStdError relative, so a retained count's standard error is about
// HLLStdError·sqrt(|A|² + |B|² + |A∪B|²), given as StdError; it is large for
// a small overlap of large periods. Retained is nil for periods that have
// not begun yet; the current period counts so far.
type Cohort struct {
	Start    string     `json:"start"` // YYYY-MM-DD, the cohort's first day
	Users    uint64     `json:"users"`
	Retained []*uint64  `json:"retained"` // periods 1..N after; nil when not yet known
	Rate     []*float64 `json:"rate"`     // Retained / Users
	StdError []float64  `json:"stdError"` // of Retained, in users
}

// RetentionQuery is a validated retention request.
type RetentionQuery struct {
	From, To time.Time // cohorts start in from..to (weeks: the Monday on or before)
	Period   string
}

// ParseRetentionQuery validates from, to (as ParseSeriesQuery, at most
// maxCohortsDaily days for daily cohorts) and period (day or week, default day).
func ParseRetentionQuery(from, to, period string, now time.Time) (RetentionQuery, error) {
	sq, err := ParseSeriesQuery(from, to, "", "", now)
	errs := FieldErrors{}
	if fe, ok := err.(FieldErrors); ok {
		errs = fe
	}
	if period == "" {
		period = PeriodDay
	}
	if period != PeriodDay && period != PeriodWeek {
		errs["period"] = "must be day or week"
	}
	if len(errs) == 0 && period == PeriodDay && sq.To.Sub(sq.From) >= maxCohortsDaily*24*time.Hour {
		errs["to"] = "daily cohorts span at most 31 days; use period=week for longer ranges"
	}
	if len(errs) > 0 {
		return RetentionQuery{}, errs
	}
	q := RetentionQuery{From: sq.From, To: sq.To, Period: period}
	if period == PeriodWeek {
		q.From = monday(q.From)
		q.To = monday(q.To)
	}
	return q, nil
}

func monday(t time.Time) time.Time {
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

func (q RetentionQuery) step() (days, periods int) {
	if q.Period == PeriodWeek {
		return 7, RetentionWeeks
	}
	return 1, RetentionDays
}

// Days lists every day whose visitors the cohorts need: the cohorts' periods
// and the periods after them, up to today (UTC, from now).
func (q RetentionQuery) Days(now time.Time) []string {
	step, n := q.step()
	end := q.To.AddDate(0, 0, step*(n+1)-1)
	today := now.UTC().Truncate(24 * time.Hour)
	if end.After(today) {
		end = today
	}
	var out []string
	for d := q.From; !d.After(end); d = d.AddDate(0, 0, 1) {
		out = append(out, Day(d))
	}
	return out
}

// Cohorts computes the cohorts from the "all" DailyStats of q.Days (others
// are ignored; missing days had no visitors). A period that ends after today
// has not begun yet.
func (q RetentionQuery) Cohorts(stats []DailyStats, now time.Time) []Cohort {
	byDay := map[string]*HLL{}
	for i := range stats {
		if stats[i].Version == AllVersions && stats[i].Visitors != nil {
			byDay[stats[i].Day] = stats[i].Visitors
		}
	}
	step, n := q.step()
	today := now.UTC().Truncate(24 * time.Hour)
	period := func(start time.Time) (*HLL, bool) {
		h := NewHLL()
		for i := 0; i < step; i++ {
			h.Merge(byDay[Day(start.AddDate(0, 0, i))])
		}
		return h, !start.After(today)
	}
	var out []Cohort
	for c := q.From; !c.After(q.To); c = c.AddDate(0, 0, step) {
		a, _ := period(c)
		co := Cohort{Start: Day(c), Users: a.Count(), Retained: make([]*uint64, n), Rate: make([]*float64, n), StdError: make([]float64, n)}
		for k := 1; k <= n; k++ {
			b, known := period(c.AddDate(0, 0, k*step))
			if !known {
				continue
			}
			u := a.Clone()
			u.Merge(b)
			na, nb, nu := float64(co.Users), float64(b.Count()), float64(u.Count())
			r := uint64(max(0, math.Round(na+nb-nu)))
			r = min(r, co.Users)
			co.Retained[k-1] = &r
			rate := 0.0
			if co.Users > 0 {
				rate = float64(r) / na
			}
			co.Rate[k-1] = &rate
			co.StdError[k-1] = HLLStdError * math.Sqrt(na*na+nb*nb+nu*nu)
		}
		out = append(out, co)
	}
	return out
}
