package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

// Timeline entries the API writes; the workflow writes the launch statuses
// (in_review, scheduled, published, rolling_out, rejected, withdrawn, ...).
const (
	entrySubmitted = "submitted" // the developer's request, first on every timeline
	entryApproved  = "approved"  // the reviewer's approval, before the workflow publishes
)

// submittedEntry is the first entry of a new launch's timeline: who asked to
// release which version, and when.
func submittedEntry(l domain.Launch) domain.TimelineEntry {
	note := fmt.Sprintf("submitted %s (%s) for review", l.Version, l.Strategy)
	return domain.TimelineEntry{Status: entrySubmitted, At: l.CreatedAt.UTC().Format(time.RFC3339Nano), By: l.RequestedBy, Note: note}
}

// approveLaunch records a launch approval's decision with its timeline entry.
// (Rejections and withdrawals reach the timeline through the workflow, which
// ends the launch with the decider and reason.)
func (s *Server) approveLaunch(r *http.Request, before, after domain.Approval) error {
	var p launchPayload
	if err := json.Unmarshal(before.Payload, &p); err != nil || p.LaunchID == "" || p.MiniProgramID == "" {
		return fmt.Errorf("launch approval %s has no launch in its payload: %v", before.ID, err)
	}
	at := s.Now().UTC()
	if after.DecidedAt != nil {
		at = after.DecidedAt.UTC()
	}
	entry := domain.TimelineEntry{Status: entryApproved, At: at.Format(time.RFC3339Nano), By: after.DecidedBy, Note: after.Comment}
	return s.Store.DecideLaunch(r.Context(), before, after, p.MiniProgramID, p.LaunchID, entry)
}
