package domain

import (
	"hash/fnv"
	"time"
)

// MaxReleaseHistory is how many released versions a rollback can go back to.
const MaxReleaseHistory = 5

// Release is what a mini program serves now. The publish task, rollbacks and
// offline/online approvals change it; the runtime API reads it.
type Release struct {
	MiniProgramID   string   `json:"miniProgramId" dynamodbav:"miniProgramId"`
	WorkspaceID     string   `json:"workspaceId" dynamodbav:"workspaceId"`
	Version         string   `json:"version,omitempty" dynamodbav:"semver,omitempty"` // the released version
	PreviousVersion string   `json:"previousVersion,omitempty" dynamodbav:"previousVersion,omitempty"`
	Strategy        Strategy `json:"strategy,omitempty" dynamodbav:"strategy,omitempty"`
	Percentage      int      `json:"percentage" dynamodbav:"percentage"` // share of users on Version (phased)
	TestersVersion  string   `json:"testersVersion,omitempty" dynamodbav:"testersVersion,omitempty"`
	// LaunchID is the launch that released Version (full or phased); a rollback
	// clears it, since no launch released what is served then.
	LaunchID string `json:"launchId,omitempty" dynamodbav:"launchId,omitempty"`
	// TestersLaunchID is the launch that released TestersVersion.
	TestersLaunchID string `json:"testersLaunchId,omitempty" dynamodbav:"testersLaunchId,omitempty"`
	Offline         bool   `json:"offline" dynamodbav:"offline"`
	// History holds the last released versions, newest first, for rollback.
	History   []string  `json:"history" dynamodbav:"history"`
	UpdatedAt time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	Revision  int       `json:"revision" dynamodbav:"revision"`
	// SwitchedAt is when an approved offline or online request last changed Offline.
	SwitchedAt *time.Time `json:"-" dynamodbav:"switchedAt,omitempty"`
}

// Switch returns the release taken offline (or back online) by a request made
// at requestedAt; ErrConflict if the request is stale: the mini program is
// already so, or was switched since the request was made, so that a late
// decision never flips it back.
func (r Release) Switch(offline bool, requestedAt, now time.Time) (Release, error) {
	switch {
	case offline && (r.Offline || r.Version == ""):
		return r, Errorf(ErrConflict, "the mini program is no longer online; this request is stale: reject it")
	case !offline && !r.Offline:
		return r, Errorf(ErrConflict, "the mini program is already online; this request is stale: reject it")
	case r.SwitchedAt != nil && requestedAt.Before(*r.SwitchedAt):
		return r, Errorf(ErrConflict, "the mini program was taken online or offline after this request was made; it is stale: reject it")
	}
	next := r
	next.Offline, next.UpdatedAt, next.SwitchedAt, next.Revision = offline, now, &now, r.Revision+1
	return next, nil
}

// Publish returns the release after a launch of version with strategy, starting
// at percentage (phased) — the previous release is archived in the history.
func (r Release) Publish(launchID, version string, strategy Strategy, percentage int, now time.Time) Release {
	next := r
	next.UpdatedAt, next.Revision = now, r.Revision+1
	if strategy == StrategyTesters {
		next.TestersVersion, next.TestersLaunchID = version, launchID
		return next
	}
	next.LaunchID = launchID
	if r.Version != version {
		next.PreviousVersion = r.Version
	}
	next.Version, next.Strategy, next.Percentage = version, strategy, 100
	if strategy == StrategyPhased {
		next.Percentage = percentage
	}
	next.History = pushHistory(r.History, version)
	return next
}

// PublishedBy reports whether launch already released what this release
// serves, to everyone or to testers (a retried publish finds it so).
func (r Release) PublishedBy(launchID string) bool {
	return launchID != "" && (r.LaunchID == launchID || r.TestersLaunchID == launchID)
}

// Rollback returns the release serving version (one of the history) to everyone.
func (r Release) Rollback(version string, now time.Time) (Release, error) {
	found := false
	for _, v := range r.History {
		found = found || v == version
	}
	if !found {
		return r, Errorf(ErrConflict, "%s is not one of the last %d released versions %v", version, MaxReleaseHistory, r.History)
	}
	if version == r.Version && r.Percentage == 100 {
		return r, Errorf(ErrConflict, "%s is already released to everyone", version)
	}
	next := r
	next.PreviousVersion, next.Version, next.Strategy, next.Percentage = r.Version, version, StrategyFull, 100
	next.LaunchID, next.UpdatedAt, next.Revision = "", now, r.Revision+1
	return next, nil
}

func pushHistory(h []string, version string) []string {
	out := []string{version}
	for _, v := range h {
		if v != version && len(out) < MaxReleaseHistory {
			out = append(out, v)
		}
	}
	return out
}

// VersionFor decides which version a user of the super app gets: none while the
// mini program is offline; testers get the testers release when there is one;
// during a phased rollout a stable hash of user and mini program puts each user
// in or out of the new version's share, so a user does not flip between versions
// as the share grows.
func (r Release) VersionFor(userID string, tester bool) (string, bool) {
	if r.Offline {
		return "", false
	}
	if tester && r.TestersVersion != "" {
		return r.TestersVersion, true
	}
	if r.Version == "" {
		return "", false
	}
	if r.Percentage >= 100 || InRollout(r.MiniProgramID, userID, r.Percentage) {
		return r.Version, true
	}
	if r.PreviousVersion == "" {
		return "", false
	}
	return r.PreviousVersion, true
}

// InRollout reports whether user is in the first percent of mini program mp's users.
func InRollout(mp, user string, percent int) bool {
	h := fnv.New64a()
	h.Write([]byte(mp))
	h.Write([]byte{0})
	h.Write([]byte(user))
	return h.Sum64()%10000 < uint64(percent)*100
}
