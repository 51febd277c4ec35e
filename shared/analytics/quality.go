package analytics

import "math"

// Minimum samples below which crash figures are shown but not acted on: a
// rate from fewer sessions, or a crash-free share from fewer users, moves by
// whole percentage points with a single report.
const (
	MinSessionsForRate      = 100
	MinUsersForCrashFree    = 100
	CrashRatePerSessions    = 1000 // crash rate is crashes per this many sessions
	crashFreeRelativeStdErr = 1.4142135623730951
)

// CrashStats are one version's (or every version's) crash figures over a
// range of days, from the DailyStats of that version.
//
// CrashRate is crashes per 1,000 sessions (reports, not users: a user who
// crashes twice counts twice), exact counts; RateStdError is its Poisson
// standard error, 1000·sqrt(crashes)/sessions. CrashFreeUsers is the share
// of the range's visitors who had no crash, 1 − crashed/visitors, from two
// HyperLogLog estimates (each within HLLStdError relative), so its standard
// error is about sqrt(2)·HLLStdError·crashed/visitors. Sufficient is false
// while Sessions < MinSessionsForRate or Users < MinUsersForCrashFree: the
// figures are then reported but a caller must not act on them (a rollout
// guard neither halts nor passes on them).
type CrashStats struct {
	Version           string  `json:"version"`
	Sessions          uint64  `json:"sessions"`
	Crashes           uint64  `json:"crashes"`
	CrashRate         float64 `json:"crashRate"`
	RateStdError      float64 `json:"crashRateStdError"`
	Users             uint64  `json:"users"`
	CrashedUsers      uint64  `json:"crashedUsers"`
	CrashFreeUsers    float64 `json:"crashFreeUsers"`
	CrashFreeStdError float64 `json:"crashFreeUsersStdError"`
	Sufficient        bool    `json:"sufficient"`
	MinSessions       int     `json:"minSessions"`
	MinUsers          int     `json:"minUsers"`
}

// ComputeCrashStats folds the stats of one version (others are ignored)
// into its crash figures. With no sessions the rate is 0; with no visitors
// crash-free users is 1.
func ComputeCrashStats(version string, stats []DailyStats) CrashStats {
	users, crashed := NewHLL(), NewHLL()
	cs := CrashStats{Version: version, MinSessions: MinSessionsForRate, MinUsers: MinUsersForCrashFree, CrashFreeUsers: 1}
	for _, s := range stats {
		if s.Version != version {
			continue
		}
		cs.Sessions += s.Sessions
		cs.Crashes += s.Crashes
		users.Merge(s.Visitors)
		crashed.Merge(s.CrashUsers)
	}
	cs.Users, cs.CrashedUsers = users.Count(), crashed.Count()
	if cs.Sessions > 0 {
		cs.CrashRate = CrashRatePerSessions * float64(cs.Crashes) / float64(cs.Sessions)
		cs.RateStdError = CrashRatePerSessions * math.Sqrt(float64(cs.Crashes)) / float64(cs.Sessions)
	}
	if cs.Users > 0 {
		share := min(1, float64(cs.CrashedUsers)/float64(cs.Users))
		cs.CrashFreeUsers = 1 - share
		cs.CrashFreeStdError = crashFreeRelativeStdErr * HLLStdError * share
	}
	cs.Sufficient = cs.Sessions >= MinSessionsForRate && cs.Users >= MinUsersForCrashFree
	return cs
}
