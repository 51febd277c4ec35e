package analytics

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func visitors(prefix string, n int) *HLL {
	h := NewHLL()
	for i := range n {
		h.Add(fmt.Sprintf("%s%d", prefix, i))
	}
	return h
}

func TestComputeCrashStats(t *testing.T) {
	tests := []struct {
		name              string
		sessions, crashes uint64
		users, crashed    int
		rate, crashFree   float64
		sufficient        bool
	}{
		{"no data", 0, 0, 0, 0, 0, 1, false},
		{"few sessions", 50, 5, 200, 5, 100, 0.975, false},
		{"few users", 500, 5, 50, 5, 10, 0.9, false},
		{"enough", 2000, 10, 400, 8, 5, 0.98, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			days := []DailyStats{
				{Version: "1.0.0", Sessions: tt.sessions / 2, Crashes: tt.crashes, Visitors: visitors("u", tt.users), CrashUsers: visitors("u", tt.crashed)},
				{Version: "1.0.0", Sessions: tt.sessions - tt.sessions/2, Visitors: visitors("u", tt.users/2)},
				{Version: "1.1.0", Sessions: 1e6, Crashes: 1e6, Visitors: visitors("x", 10)}, // another version: ignored
			}
			cs := ComputeCrashStats("1.0.0", days)
			if cs.Sessions != tt.sessions || cs.Crashes != tt.crashes || cs.CrashRate != tt.rate ||
				math.Abs(cs.CrashFreeUsers-tt.crashFree) > 3*HLLStdError*(1-tt.crashFree)+1e-9 || cs.Sufficient != tt.sufficient {
				t.Errorf("%+v", cs)
			}
			if tt.crashes > 0 && tt.sessions > 0 && cs.RateStdError != CrashRatePerSessions*math.Sqrt(float64(tt.crashes))/float64(tt.sessions) {
				t.Errorf("rate error %v", cs.RateStdError)
			}
		})
	}
}

func TestCrashStatsDeltas(t *testing.T) {
	at := time.Date(2025, 3, 9, 10, 0, 0, 0, time.UTC)
	crs := []Crash{
		{ID: "c1", MiniProgramID: "mp", Version: "1.0.0", UserID: "u1", Timestamp: at},
		{ID: "c2", MiniProgramID: "mp", Version: "1.0.0", UserID: "u1", Timestamp: at},
		{ID: "c2", MiniProgramID: "mp", Version: "1.0.0", UserID: "u1", Timestamp: at}, // duplicate id
		{ID: "c3", MiniProgramID: "mp", Version: "1.1.0", UserID: "u2", Timestamp: at.Add(24 * time.Hour)},
	}
	got := map[string][2]uint64{}
	for _, d := range CrashStatsDeltas(crs) {
		got[d.Key()] = [2]uint64{d.Crashes, d.CrashUsers.Count()}
	}
	want := map[string][2]uint64{"mp|2025-03-09|1.0.0": {2, 1}, "mp|2025-03-09|all": {2, 1}, "mp|2025-03-10|1.1.0": {1, 1}, "mp|2025-03-10|all": {1, 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%v", got)
	}
}

func TestKPIsAgainstThePreviousPeriod(t *testing.T) {
	q, err := ParseSeriesQuery("2025-03-08", "2025-03-09", "", "", now)
	if err != nil {
		t.Fatal(err)
	}
	p := q.PreviousPeriod()
	if Day(p.From) != "2025-03-06" || Day(p.To) != "2025-03-07" {
		t.Fatalf("previous %s..%s", Day(p.From), Day(p.To))
	}
	cur := []DailyStats{{Version: "all", Day: "2025-03-08", Sessions: 30, PageViews: 10}}
	prev := []DailyStats{{Version: "all", Day: "2025-03-06", Sessions: 20}}
	for _, k := range q.KPIs(cur, prev) {
		switch k.Metric {
		case MetricSessions:
			if k.Value != 30 || k.Previous != 20 || k.Change == nil || *k.Change != 0.5 {
				t.Errorf("%+v", k)
			}
		case MetricPageViews:
			if k.Value != 10 || k.Change != nil {
				t.Errorf("no previous views must have no change: %+v", k)
			}
		}
	}
}

func TestCohorts(t *testing.T) {
	q, err := ParseRetentionQuery("2025-03-01", "2025-03-02", "", now)
	if err != nil {
		t.Fatal(err)
	}
	day := func(d string, users ...string) DailyStats {
		h := NewHLL()
		for _, u := range users {
			h.Add(u)
		}
		return DailyStats{Day: d, Version: AllVersions, Visitors: h}
	}
	stats := []DailyStats{day("2025-03-01", "a", "b", "c", "d"), day("2025-03-02", "a", "b", "e"), day("2025-03-04", "a"),
		{Day: "2025-03-02", Version: "1.0.0", Visitors: visitors("z", 50)}} // a version's item: ignored
	at := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	if days := q.Days(at); len(days) != 4 || days[3] != "2025-03-04" {
		t.Errorf("days %v", days)
	}
	cs := q.Cohorts(stats, at)
	val := func(p *uint64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	var got []string
	for _, c := range cs {
		s := fmt.Sprint(c.Users, ":")
		for _, r := range c.Retained {
			s += val(r) + " "
		}
		got = append(got, s)
	}
	want := []string{"4:2 0 1 - - - - ", "3:0 1 - - - - - "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cohorts %q, want %q", got, want)
	}
	for _, bad := range [][3]string{{"2025-01-01", "2025-03-01", "day"}, {"2025-03-01", "2025-03-02", "month"}} {
		if _, err := ParseRetentionQuery(bad[0], bad[1], bad[2], now); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	w, err := ParseRetentionQuery("2025-03-05", "2025-03-05", "week", now) // a Wednesday
	if err != nil || Day(w.From) != "2025-03-03" {
		t.Errorf("week starts %s %v", Day(w.From), err)
	}
}

func TestEventHostFields(t *testing.T) {
	base := `{"id":"evt-00000001","miniProgramId":"mp_a","version":"1.0.0","userId":"user-1","sessionId":"session-1","type":"session_start","timestamp":"2025-03-10T11:00:00Z"`
	tests := []struct {
		extra, field string
	}{
		{``, ""},
		{`,"os":"ios","appVersion":"8.1.0"`, ""},
		{`,"os":"windows"`, "os"},
		{`,"appVersion":"8 1"`, "appVersion"},
	}
	for _, tt := range tests {
		evs, rej, err := ParseBatch([]byte(`{"items":[`+base+tt.extra+`}]}`), DefaultMaxItems, DefaultMaxBytes, now)
		if err != nil {
			t.Fatal(err)
		}
		if tt.field == "" && len(evs) != 1 || tt.field != "" && (len(rej) != 1 || rej[0].Field != tt.field) {
			t.Errorf("%s: accepted %v, rejected %+v", tt.extra, evs, rej)
		}
	}
}
