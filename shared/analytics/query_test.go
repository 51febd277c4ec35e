package analytics

import (
	"errors"
	"testing"
	"time"
)

func TestParseSeriesQuery(t *testing.T) {
	tests := []struct {
		name, from, to, metric, version string
		bad                             []string
	}{
		{"ok", "2025-03-01", "2025-03-10", "uniqueVisitors", "1.2.0", nil},
		{"defaults", "2025-03-10", "2025-03-10", "", "", nil},
		{"90 days", "2024-12-11", "2025-03-10", "sessions", "", nil},
		{"91 days", "2024-12-10", "2025-03-10", "sessions", "", []string{"to"}},
		{"reversed", "2025-03-10", "2025-03-01", "", "", []string{"to"}},
		{"future", "2025-03-10", "2025-03-20", "", "", []string{"to"}},
		{"missing", "", "", "", "", []string{"from", "to"}},
		{"bad dates", "03/01/2025", "2025-02-30", "", "", []string{"from", "to"}},
		{"bad metric and version", "2025-03-01", "2025-03-02", "clicks", "1.2", []string{"metric", "version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseSeriesQuery(tt.from, tt.to, tt.metric, tt.version, now)
			if tt.bad == nil {
				if err != nil {
					t.Fatal(err)
				}
				if q.Metric == "" || q.Version == "" {
					t.Fatalf("%+v", q)
				}
				return
			}
			var fe FieldErrors
			if !errors.As(err, &fe) || len(fe) != len(tt.bad) {
				t.Fatalf("err %v, want errors on %v", err, tt.bad)
			}
			for _, f := range tt.bad {
				if fe[f] == "" {
					t.Errorf("no error on %s: %v", f, fe)
				}
			}
		})
	}
}

func TestSeries(t *testing.T) {
	q, err := ParseSeriesQuery("2025-03-01", "2025-03-03", "avgSessionMs", "", now)
	if err != nil {
		t.Fatal(err)
	}
	stats := []DailyStats{
		{MiniProgramID: "mp", Day: "2025-03-03", Version: "all", SessionEnds: 4, TotalSessionMs: 10000},
		{MiniProgramID: "mp", Day: "2025-03-01", Version: "all", SessionEnds: 1, TotalSessionMs: 500},
		{MiniProgramID: "mp", Day: "2025-03-01", Version: "1.0.0", SessionEnds: 1, TotalSessionMs: 9},
	}
	got := q.Series(stats)
	want := []Point{{Day: "2025-03-01", Value: 500}, {Day: "2025-03-02"}, {Day: "2025-03-03", Value: 2500}}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("%v", got)
	}
	_ = time.Second
}
