package api

import (
	"encoding/json"
	"net/http"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
)

// requestRegrant is POST /v1/authorizations/{id}/regrant: a tenant admin asks
// for a revoked workspace authorization to be granted again. It takes effect
// only when another tenant reviewer or admin approves the request (nobody
// decides their own); a feature authorization is granted again by requesting
// the feature for the mini program instead.
func (s *Server) requestRegrant(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant)
	if err != nil {
		return err
	}
	var in domain.RegrantInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	cur, err := s.Store.GetAuthorization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	switch {
	case cur.Type == domain.AuthorizationFeature:
		return domain.Errorf(domain.ErrConflict, "a feature authorization is not granted again: the workspace requests the feature for its mini program again")
	case cur.Status != domain.AuthorizationRevoked:
		return domain.Errorf(domain.ErrConflict, "the authorization is %s: only a revoked one can be granted again", cur.Status)
	}
	p := domain.RegrantRequest{AuthorizationID: cur.ID, WorkspaceID: cur.WorkspaceID, WorkspaceName: cur.WorkspaceName, Reason: in.Reason}
	payload, err := json.Marshal(p)
	if err != nil {
		return err
	}
	ap := domain.Approval{
		ID:     domain.NewID("apv"),
		Type:   domain.ApprovalRegrant,
		Status: domain.ApprovalInReview,
		Title:  "Grant " + cur.WorkspaceName + "'s authorization again",
		// The requester acts for the tenant: their standing there is checked
		// when they read or withdraw the request.
		Requester: domain.Requester{UserID: a.caller.UserID, Email: a.caller.Email, WorkspaceID: domain.TenantWorkspaceID},
		Payload:   payload,
		CreatedAt: s.Now().UTC(),
		Version:   1,
	}
	if err := s.Store.RequestRegrant(r.Context(), ap, p); err != nil {
		return err
	}
	created(w, "approvals", ap.ID)
	httpapi.Entity(w, http.StatusCreated, ap.Version, ap)
	return nil
}

// approveRegrant carries out an approved regrant request: the authorization is
// active again (granted by the approver, now) and its workspace may upload and
// launch. Rollouts paused by the revocation stay paused until a developer
// resumes them.
func (s *Server) approveRegrant(r *http.Request, before, after domain.Approval) error {
	var p domain.RegrantRequest
	if err := json.Unmarshal(before.Payload, &p); err != nil {
		return err
	}
	cur, err := s.Store.GetAuthorization(r.Context(), p.AuthorizationID)
	if err != nil {
		return err
	}
	if cur.Status != domain.AuthorizationRevoked {
		return domain.Errorf(domain.ErrConflict, "the authorization is already %s", cur.Status)
	}
	return s.Store.ApproveRegrant(r.Context(), before, after, cur, cur.Regrant(after.DecidedBy, *after.DecidedAt))
}
