package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/storage"
)

// decisionLease bounds how long a crashed approver can hold up an approval.
const decisionLease = time.Minute

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActDecide); err != nil {
		return err
	}
	q := r.URL.Query()
	f := storage.ApprovalFilter{Type: domain.ApprovalType(q.Get("type")), Status: domain.ApprovalStatus(q.Get("status"))}
	var v domain.ValidationError
	if f.Type != "" && !slices.Contains(domain.ApprovalTypes, f.Type) {
		v.Add("type", "must be one of workspace.create, launch, offline, feature.activate")
	}
	if f.Status != "" && !slices.Contains(domain.ApprovalStatuses, f.Status) {
		v.Add("status", "must be one of in_review, approved, rejected, withdrawn, expired")
	}
	if err := v.Err(); err != nil {
		return err
	}
	limit, err := httpapi.Limit(r)
	if err != nil {
		return err
	}
	page, err := s.Store.ListApprovals(r.Context(), f, limit, q.Get("cursor"))
	if err != nil {
		return err
	}
	return list(w, page)
}

// visibleApproval loads an approval the caller may see: tenant reviewers and
// admins see every approval, a requester sees their own; to anyone else it does not exist.
func (s *Server) visibleApproval(r *http.Request) (domain.Approval, auth.Caller, error) {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return domain.Approval{}, c, err
	}
	a, err := s.Store.GetApproval(r.Context(), r.PathValue("id"))
	if err != nil {
		return a, c, err
	}
	if a.Requester.UserID != "" && a.Requester.UserID == c.UserID {
		return a, c, nil
	}
	// Outside the tenant this is a 404; a blocked or non-reviewing tenant member gets 403.
	_, err = s.authorize(r, domain.TenantWorkspaceID, domain.ActDecide)
	return a, c, err
}

func (s *Server) getApproval(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.visibleApproval(r)
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, a.Version, a)
	return nil
}

// decide approves, rejects or withdraws an approval.
func (s *Server) decide(to domain.ApprovalStatus) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		// Whoever sees the approval is its requester or a tenant decider, and
		// CheckDecider keeps requesters from deciding their own.
		a, c, err := s.visibleApproval(r)
		if err != nil {
			return err
		}
		var in domain.DecisionInput
		if err := httpapi.DecodeOptional(r, &in); err != nil {
			return err
		}
		if err := in.Validate(to); err != nil {
			return err
		}
		d := domain.Decision{To: to, By: c.UserID, ByEmail: c.Email, Comment: in.Comment, Reason: in.Reason, At: s.Now().UTC()}
		if err := domain.CheckDecider(a, d); err != nil {
			return err
		}
		after, err := domain.Decide(a, d)
		if err != nil {
			return err
		}
		if to == domain.ApprovalApproved && a.Type == domain.ApprovalWorkspaceCreate {
			after, err = s.approveWorkspace(r, a, after)
		} else {
			err = s.Store.Decide(r.Context(), a, after, "")
		}
		if err != nil {
			return err
		}
		if to == domain.ApprovalRejected && a.Type == domain.ApprovalWorkspaceCreate {
			var app domain.Application
			json.Unmarshal(a.Payload, &app)
			s.notify(r, mail.ApplicationRejected(a.Requester.Email, app.Company, after.Reason))
		}
		httpapi.Entity(w, http.StatusOK, after.Version, after)
		return nil
	}
}

// approveWorkspace carries out an approved application: the applicant's user,
// the developer workspace with them as first admin, and its authorization. The
// decision lease makes sure only one of several concurrent approvers does this.
func (s *Server) approveWorkspace(r *http.Request, before, after domain.Approval) (domain.Approval, error) {
	ctx := r.Context()
	holder := httpapi.RequestID(ctx) + "/" + after.DecidedBy
	if err := s.Store.LeaseDecision(ctx, before.ID, holder, s.Now().Add(decisionLease)); err != nil {
		return after, err
	}
	var app domain.Application
	if err := json.Unmarshal(before.Payload, &app); err != nil {
		return after, err
	}
	u, err := s.Users.EnsureUser(ctx, app.Email)
	if err != nil {
		return after, err
	}
	now := after.DecidedAt.UTC()
	ws := domain.Workspace{ID: domain.NewID("ws"), Kind: domain.KindDeveloper, Name: app.Company,
		Contact: domain.Contact{Name: app.ContactName, Email: app.Email}, Country: app.Country,
		Authorization: domain.AuthorizationActive, CreatedAt: now, UpdatedAt: now, Version: 1}
	admin := domain.Member{WorkspaceID: ws.ID, UserID: u.ID, Email: app.Email, Role: domain.RoleAdmin,
		Status: domain.MemberActive, JoinedAt: now, UpdatedAt: now, Version: 1}
	authz := domain.Authorization{ID: domain.NewID("authz"), Type: "workspace", WorkspaceID: ws.ID, WorkspaceName: ws.Name,
		Status: domain.AuthorizationActive, GrantedBy: after.DecidedBy, GrantedAt: now, Version: 1}
	after.Result = map[string]string{"workspaceId": ws.ID, "adminUserId": u.ID, "authorizationId": authz.ID}
	if err := s.Store.ApproveWorkspace(ctx, before, after, holder, ws, admin, authz); err != nil {
		return after, err
	}
	s.notify(r, mail.ApplicationApproved(app.Email, ws.Name, s.ConsoleURL, u.TemporaryPassword))
	return after, nil
}
