package domain

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

func TestVersionForShareAndStability(t *testing.T) {
	r := Release{MiniProgramID: "mp_1", Version: "2.0.0", PreviousVersion: "1.0.0", Strategy: StrategyPhased}
	const users = 20000
	inBefore := map[string]bool{}
	for _, pct := range []int{1, 2, 5, 10, 20, 50, 100} {
		r.Percentage = pct
		n := 0
		for i := range users {
			u := fmt.Sprintf("user-%d", i)
			v, ok := r.VersionFor(u, false)
			if !ok {
				t.Fatalf("%s got nothing", u)
			}
			if v == "2.0.0" {
				n++
				inBefore[u] = true
			} else if inBefore[u] {
				t.Fatalf("%s left the rollout when it grew to %d%%", u, pct)
			}
		}
		share := 100 * float64(n) / users
		if math.Abs(share-float64(pct)) > 0.6+float64(pct)*0.05 {
			t.Errorf("at %d%% the new version reaches %.2f%% of users", pct, share)
		}
	}
	// Same answer every time, different mini programs spread differently.
	r.Percentage = 50
	a, _ := r.VersionFor("alice", false)
	for range 100 {
		if b, _ := r.VersionFor("alice", false); b != a {
			t.Fatal("unstable decision")
		}
	}
	same := 0
	for i := range 1000 {
		u := fmt.Sprintf("u%d", i)
		if InRollout("mp_1", u, 50) == InRollout("mp_2", u, 50) {
			same++
		}
	}
	if same > 600 || same < 400 {
		t.Errorf("rollouts of two mini programs pick the same users %d/1000 times", same)
	}
}

func TestVersionForCases(t *testing.T) {
	base := Release{MiniProgramID: "mp", Version: "2.0.0", PreviousVersion: "1.0.0", Percentage: 100, TestersVersion: "3.0.0-beta.1"}
	for _, tc := range []struct {
		name   string
		r      func(Release) Release
		tester bool
		want   string
	}{
		{"full", func(r Release) Release { return r }, false, "2.0.0"},
		{"tester gets the testers release", func(r Release) Release { return r }, true, "3.0.0-beta.1"},
		{"offline", func(r Release) Release { r.Offline = true; return r }, true, ""},
		{"never released", func(r Release) Release { return Release{MiniProgramID: "mp", TestersVersion: "0.1.0"} }, false, ""},
		{"phased at 0 of a first release", func(r Release) Release { r.PreviousVersion, r.Percentage = "", 0; return r }, false, ""},
		{"phased at 0", func(r Release) Release { r.Percentage = 0; return r }, false, "1.0.0"},
	} {
		got, ok := tc.r(base).VersionFor("someone", tc.tester)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %q %v, want %q", tc.name, got, ok, tc.want)
		}
	}
}

func TestPublishAndRollback(t *testing.T) {
	now := time.Unix(0, 0)
	var r Release
	for i := 1; i <= 7; i++ {
		r = r.Publish(fmt.Sprint("l", i), fmt.Sprintf("1.%d.0", i), StrategyFull, 0, now)
	}
	if r.Version != "1.7.0" || r.PreviousVersion != "1.6.0" || len(r.History) != MaxReleaseHistory || r.History[0] != "1.7.0" {
		t.Fatalf("after 7 releases %+v", r)
	}
	if _, err := r.Rollback("1.1.0", now); err == nil {
		t.Fatal("rolled back past the history")
	}
	back, err := r.Rollback("1.5.0", now)
	if err != nil || back.Version != "1.5.0" || back.PreviousVersion != "1.7.0" || back.Percentage != 100 {
		t.Fatalf("rollback %+v %v", back, err)
	}
	phased := r.Publish("l8", "2.0.0", StrategyPhased, 5, now)
	if phased.Percentage != 5 || phased.PreviousVersion != "1.7.0" {
		t.Fatalf("phased %+v", phased)
	}
	testers := r.Publish("l9", "3.0.0-rc.1", StrategyTesters, 0, now)
	if testers.Version != "1.7.0" || testers.TestersVersion != "3.0.0-rc.1" {
		t.Fatalf("testers %+v", testers)
	}
}

func TestLaunchInput(t *testing.T) {
	now := time.Now()
	in := LaunchInput{Version: "1.0.0", Strategy: StrategyPhased}
	if err := in.Validate(now); err != nil || len(in.Steps) != 7 || in.IntervalSeconds != 86400 {
		t.Fatalf("defaults: %v %+v", err, in)
	}
	past := now.Add(-time.Hour)
	for name, bad := range map[string]LaunchInput{
		"strategy":        {Version: "1.0.0", Strategy: "yolo"},
		"steps down":      {Version: "1.0.0", Strategy: StrategyPhased, Steps: []int{10, 5, 100}},
		"steps not 100":   {Version: "1.0.0", Strategy: StrategyPhased, Steps: []int{10, 50}},
		"steps on full":   {Version: "1.0.0", Strategy: StrategyFull, Steps: []int{100}},
		"past release":    {Version: "1.0.0", Strategy: StrategyFull, ReleaseAt: &past},
		"bad version":     {Version: "v1", Strategy: StrategyFull},
		"interval (long)": {Version: "1.0.0", Strategy: StrategyPhased, IntervalSeconds: 31 * 86400},
	} {
		if err := bad.Validate(now); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if NextStep([]int{1, 5, 100}, 3) != 5 || NextStep([]int{1, 5, 100}, 100) != 100 {
		t.Error("NextStep")
	}
}

// TestReleaseLaunchIDs: launchId names the launch that released the live
// version and only that; a testers launch is named by testersLaunchId, and a
// rollback (no launch) clears launchId but not the testers'.
func TestReleaseLaunchIDs(t *testing.T) {
	now := time.Unix(0, 0)
	steps := []struct {
		name                string
		do                  func(Release) Release
		wantLive, wantTests string
	}{
		{"full launch", func(r Release) Release { return r.Publish("l1", "1.0.0", StrategyFull, 0, now) }, "l1", ""},
		{"second full launch", func(r Release) Release { return r.Publish("l2", "1.1.0", StrategyFull, 0, now) }, "l2", ""},
		{"testers launch", func(r Release) Release { return r.Publish("l3", "2.0.0-rc.1", StrategyTesters, 0, now) }, "l2", "l3"},
		{"rollback", func(r Release) Release {
			back, err := r.Rollback("1.0.0", now)
			if err != nil {
				t.Fatal(err)
			}
			return back
		}, "", "l3"},
		{"testers launch after the rollback", func(r Release) Release { return r.Publish("l4", "2.0.0-rc.2", StrategyTesters, 0, now) }, "", "l4"},
		{"phased launch", func(r Release) Release { return r.Publish("l5", "2.0.0", StrategyPhased, 10, now) }, "l5", "l4"},
	}
	var r Release
	for _, s := range steps {
		r = s.do(r)
		if r.LaunchID != s.wantLive || r.TestersLaunchID != s.wantTests {
			t.Fatalf("after %s: launchId %q testersLaunchId %q, want %q %q", s.name, r.LaunchID, r.TestersLaunchID, s.wantLive, s.wantTests)
		}
		for _, id := range []string{s.wantLive, s.wantTests} {
			if id != "" && !r.PublishedBy(id) {
				t.Errorf("after %s: PublishedBy(%s) is false", s.name, id)
			}
		}
		if r.PublishedBy("") || r.PublishedBy("other") {
			t.Errorf("after %s: PublishedBy of an unrelated launch", s.name)
		}
	}
}

func TestReleaseSwitchRefusesStaleRequests(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	switched := t0.Add(time.Hour)
	online := Release{Version: "1.0.0", Revision: 3}
	offline := Release{Version: "1.0.0", Offline: true, SwitchedAt: &switched, Revision: 4}
	for name, tc := range map[string]struct {
		rel         Release
		offline     bool
		requestedAt time.Time
		ok          bool
	}{
		"offline while online":                 {online, true, t0, true},
		"offline never released":               {Release{}, true, t0, false},
		"offline while offline":                {offline, true, t0.Add(2 * time.Hour), false},
		"online while offline":                 {offline, false, t0.Add(2 * time.Hour), true},
		"online while online":                  {online, false, t0, false},
		"online asked before the last switch":  {offline, false, t0, false},
		"offline asked before the last switch": {Release{Version: "1.0.0", SwitchedAt: &switched}, true, t0, false},
		"offline asked after the last switch":  {Release{Version: "1.0.0", SwitchedAt: &switched}, true, switched.Add(time.Second), true},
	} {
		t.Run(name, func(t *testing.T) {
			now := t0.Add(3 * time.Hour)
			next, err := tc.rel.Switch(tc.offline, tc.requestedAt, now)
			if ok := err == nil; ok != tc.ok {
				t.Fatalf("ok %v, want %v (%v)", ok, tc.ok, err)
			}
			if err != nil {
				if !errors.Is(err, ErrConflict) {
					t.Fatalf("error %v is not a conflict", err)
				}
				return
			}
			if next.Offline != tc.offline || next.SwitchedAt == nil || !next.SwitchedAt.Equal(now) || next.Revision != tc.rel.Revision+1 {
				t.Fatalf("switched to %+v", next)
			}
		})
	}
}
