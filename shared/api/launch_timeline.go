package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

// entryApproved is the reviewer's approval on a launch's timeline, before the
// workflow publishes (the workflow writes the launch statuses).
const entryApproved = "approved"

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
