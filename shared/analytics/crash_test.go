package analytics

import (
	"fmt"
	"testing"
	"time"
)

func TestAggregateCrashes(t *testing.T) {
	at := time.Date(2025, 3, 9, 10, 0, 0, 0, time.UTC)
	stackV := func(line int, build string) string {
		return fmt.Sprintf("TypeError: x\n    at Page.onTap (https://h/%s/pages/cart/cart.js:%d:3)\n    at WAService.js:1:1", build, line)
	}
	mk := func(i int, version, user, stack string, dt time.Duration) Crash {
		return Crash{ID: fmt.Sprintf("crash-%04d", i), MiniProgramID: "mp_a", Version: version, UserID: user,
			Message: fmt.Sprintf("TypeError: x is %d", i), Stack: stack, OS: "ios", AppVersion: "8.0.1", Timestamp: at.Add(dt)}
	}
	crashes := []Crash{
		mk(1, "1.0.0", "u1", stackV(10, "a1b2c3d4e5"), 0),
		mk(2, "1.2.0", "u2", stackV(14, "f6e5d4c3b2"), time.Hour), // same bug, newer build
		mk(3, "1.10.0", "u2", stackV(15, "0011223344"), 2*time.Hour),
		mk(4, "1.0.0", "u3", stackV(10, "a1b2c3d4e5"), 3*time.Hour),
		mk(5, "1.0.0", "u3", "at Page.onShow (pages/cart/cart.js:1:1)", 0), // another bug
		mk(6, "1.0.0", "u1", stackV(10, "a1b2c3d4e5"), 25*time.Hour),       // next day
	}
	crashes = append(crashes, crashes[0]) // duplicate id
	deltas := AggregateCrashes(crashes)
	if len(deltas) != 3 {
		t.Fatalf("%d deltas: %+v", len(deltas), deltas)
	}
	var g *CrashDelta
	for i := range deltas {
		if deltas[i].Occurrences == 4 {
			g = &deltas[i]
		}
	}
	if g == nil {
		t.Fatalf("no group of 4: %+v", deltas)
	}
	if g.Users.Count() != 3 || fmt.Sprint(g.Versions) != "[1.0.0 1.2.0 1.10.0]" ||
		!g.FirstSeen.Equal(at) || !g.LastSeen.Equal(at.Add(3*time.Hour)) || g.Day != "2025-03-09" {
		t.Errorf("group %+v", g)
	}
	if len(g.Samples) != MaxSamples || g.Samples[0].ID != "crash-0004" || g.Samples[2].ID != "crash-0002" {
		t.Errorf("samples %v", g.Samples)
	}
	if g.Title != "TypeError: x is <n>" || g.Fingerprint != Fingerprint(stackV(99, "zz")) {
		t.Errorf("title %q fingerprint %s", g.Title, g.Fingerprint)
	}
	// the next day is the same fingerprint, another per-day item; merged into the group
	var total CrashDelta
	for _, d := range deltas {
		if d.Fingerprint == g.Fingerprint {
			total.Merge(d)
		}
	}
	if total.Occurrences != 5 || !total.LastSeen.Equal(at.Add(25*time.Hour)) || total.Samples[0].ID != "crash-0006" {
		t.Errorf("group total %+v", total)
	}
}

func TestRegression(t *testing.T) {
	tests := []struct {
		status, resolvedIn, crash string
		want                      bool
	}{
		{StatusResolved, "1.2.0", "1.3.0", true},
		{StatusResolved, "1.2.0", "1.10.0", true},
		{StatusResolved, "1.2.0", "1.2.0", false},
		{StatusResolved, "1.2.0", "1.1.9", false}, // old build still in the wild
		{StatusResolved, "1.2.0-beta.1", "1.2.0", true},
		{StatusResolved, "", "1.0.0", true},
		{StatusResolved, "1.2.0", "garbage", false},
		{StatusOpen, "1.2.0", "2.0.0", false},
		{StatusIgnored, "1.2.0", "2.0.0", false},
	}
	for _, tt := range tests {
		if got := Regression(tt.status, tt.resolvedIn, tt.crash); got != tt.want {
			t.Errorf("Regression(%q,%q,%q) = %v", tt.status, tt.resolvedIn, tt.crash, got)
		}
	}
	if v, ok := RegressionIn(StatusResolved, "1.2.0", []string{"1.1.0", "1.3.0", "1.2.5"}); !ok || v != "1.3.0" {
		t.Errorf("RegressionIn = %q %v", v, ok)
	}
	if !ValidStatus("open") || ValidStatus("closed") {
		t.Error("ValidStatus")
	}
}
