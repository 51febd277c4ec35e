package analytics

import (
	"sort"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

// Crash group statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
	StatusIgnored  = "ignored"
)

// ValidStatus reports whether s is a status a PATCH may set.
func ValidStatus(s string) bool {
	return s == StatusOpen || s == StatusResolved || s == StatusIgnored
}

// MaxSamples is how many latest crash reports a group keeps.
const MaxSamples = 3

// CrashDelta is what a batch of crashes adds to one crash group on one UTC
// day: one storage write per (mini program, fingerprint, day), however many
// reports it folds. The per-day items give counts per day; the group item
// is updated by merging each delta too (Merge ignores Day).
type CrashDelta struct {
	MiniProgramID string    `json:"miniProgramId"`
	Fingerprint   string    `json:"fingerprint"`
	Day           string    `json:"day"`
	Title         string    `json:"title"` // normalised message of the first report
	Occurrences   uint64    `json:"occurrences"`
	Users         *HLL      `json:"users"`    // affected users, approximate
	Versions      []string  `json:"versions"` // sorted by semver precedence
	FirstSeen     time.Time `json:"firstSeen"`
	LastSeen      time.Time `json:"lastSeen"`
	Samples       []Crash   `json:"samples"` // latest first, at most MaxSamples
}

// Key identifies the per-day item: "<mp>|<fingerprint>|<day>".
func (d *CrashDelta) Key() string { return d.MiniProgramID + "|" + d.Fingerprint + "|" + d.Day }

// AggregateCrashes groups crashes (already validated, see ParseCrashBatch)
// by mini program, CrashFingerprint and day; duplicate ids are ignored. The
// result is sorted by Key.
func AggregateCrashes(crashes []Crash) []CrashDelta {
	seen := map[string]bool{}
	groups := map[string]*CrashDelta{}
	for _, c := range crashes {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		d := CrashDelta{
			MiniProgramID: c.MiniProgramID,
			Fingerprint:   CrashFingerprint(c),
			Day:           Day(c.Timestamp),
			Title:         NormalizeMessage(c.Message),
			Occurrences:   1,
			Users:         NewHLL(),
			Versions:      []string{c.Version},
			FirstSeen:     c.Timestamp,
			LastSeen:      c.Timestamp,
			Samples:       []Crash{c},
		}
		d.Users.Add(c.UserID)
		if g := groups[d.Key()]; g != nil {
			g.Merge(d)
		} else {
			groups[d.Key()] = &d
		}
	}
	out := make([]CrashDelta, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// Merge folds o into d: counts add up, users and versions are unions, the
// seen range widens, and the latest MaxSamples samples are kept.
func (d *CrashDelta) Merge(o CrashDelta) {
	d.Occurrences += o.Occurrences
	if d.Users == nil {
		d.Users = NewHLL()
	}
	d.Users.Merge(o.Users)
	d.Versions = unionVersions(d.Versions, o.Versions)
	if d.FirstSeen.IsZero() || !o.FirstSeen.IsZero() && o.FirstSeen.Before(d.FirstSeen) {
		d.FirstSeen = o.FirstSeen
		if o.Title != "" {
			d.Title = o.Title
		}
	}
	if o.LastSeen.After(d.LastSeen) {
		d.LastSeen = o.LastSeen
	}
	if d.Title == "" {
		d.Title = o.Title
	}
	samples := append(append([]Crash(nil), d.Samples...), o.Samples...)
	sort.SliceStable(samples, func(i, j int) bool { return samples[i].Timestamp.After(samples[j].Timestamp) })
	var kept []Crash
	ids := map[string]bool{}
	for _, s := range samples {
		if len(kept) == MaxSamples {
			break
		}
		if !ids[s.ID] {
			ids[s.ID] = true
			kept = append(kept, s)
		}
	}
	d.Samples = kept
}

func unionVersions(a, b []string) []string {
	set := map[string]bool{}
	var out []string
	for _, v := range append(append([]string(nil), a...), b...) {
		if !set[v] {
			set[v] = true
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return compareVersions(out[i], out[j]) < 0 })
	return out
}

// compareVersions orders by semver precedence; unparsable versions sort first, by text.
func compareVersions(a, b string) int {
	va, ea := domain.ParseSemver(a)
	vb, eb := domain.ParseSemver(b)
	switch {
	case ea == nil && eb == nil:
		return va.Compare(vb)
	case ea != nil && eb != nil:
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	case ea != nil:
		return -1
	}
	return 1
}

// Regression reports whether a crash in crashVersion reopens a group as a
// regression: the group is resolved and the crash comes from a version newer
// than resolvedInVersion (by semver precedence). A resolved group with no
// (or an unparsable) resolvedInVersion regresses on any valid version. Open
// and ignored groups never regress; an unparsable crashVersion never does.
func Regression(groupStatus, resolvedInVersion, crashVersion string) bool {
	if groupStatus != StatusResolved {
		return false
	}
	cv, err := domain.ParseSemver(crashVersion)
	if err != nil {
		return false
	}
	rv, err := domain.ParseSemver(resolvedInVersion)
	if err != nil {
		return true
	}
	return cv.Compare(rv) > 0
}

// RegressionIn is Regression over the versions of a delta: it reports the
// newest version that reopens the group, if any.
func RegressionIn(groupStatus, resolvedInVersion string, versions []string) (string, bool) {
	found := ""
	for _, v := range versions {
		if Regression(groupStatus, resolvedInVersion, v) && (found == "" || compareVersions(v, found) > 0) {
			found = v
		}
	}
	return found, found != ""
}
