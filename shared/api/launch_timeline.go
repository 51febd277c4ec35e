package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/storage"
)

// entryApproved is the reviewer's approval on a launch's timeline, before the
// workflow publishes (the workflow writes the launch statuses).
const entryApproved = "approved"

// decideLaunch records a decision on a launch approval in one write, with
// everything it depends on checked there instead of read first: the launch's
// review has not timed out, and for an approval, the requesting workspace is
// still authorized; an approval also puts its entry on the launch's timeline.
// (Rejections and withdrawals reach the timeline through the workflow, which
// ends the launch with the decider and reason.) A review that timed out is
// recorded as expired on the approval.
func (s *Server) decideLaunch(r *http.Request, before, after domain.Approval) error {
	var p launchPayload
	if err := json.Unmarshal(before.Payload, &p); err != nil || p.LaunchID == "" || p.MiniProgramID == "" {
		return fmt.Errorf("launch approval %s has no launch in its payload: %v", before.ID, err)
	}
	var entry *domain.TimelineEntry
	ws := ""
	if after.Status == domain.ApprovalApproved {
		at := s.Now().UTC()
		if after.DecidedAt != nil {
			at = after.DecidedAt.UTC()
		}
		entry = &domain.TimelineEntry{Status: entryApproved, At: at.Format(time.RFC3339Nano), By: after.DecidedBy, Note: after.Comment}
		ws = before.Requester.WorkspaceID
	}
	err := s.Store.DecideLaunch(r.Context(), before, after, p.MiniProgramID, p.LaunchID, entry, ws)
	if errors.Is(err, storage.ErrLaunchExpired) {
		if _, gerr := s.Store.GetLaunch(r.Context(), p.MiniProgramID, p.LaunchID); gerr != nil {
			return gerr // gone (404), or unreadable
		}
		expired, derr := domain.Decide(before, domain.Decision{To: domain.ApprovalExpired, Reason: "review timed out", At: s.Now().UTC()})
		if derr == nil {
			derr = s.Store.Decide(r.Context(), before, expired, "")
		}
		if derr != nil && !errors.Is(derr, domain.ErrConflict) {
			return derr
		}
	}
	return err
}
