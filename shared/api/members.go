package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/storage"
)

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	return authorizedList(s, w, r, ws, domain.ActRead, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.Member], error) {
		return s.Store.ListMembers(ctx, ws, limit, cursor)
	})
}

// memberChange loads the target member for an admin's change and applies it.
func (s *Server) memberChange(w http.ResponseWriter, r *http.Request, change func(a access, m domain.Member) (domain.MemberChange, error)) error {
	ws := r.PathValue("ws")
	a, m, missing, err := authorizeWith(s, r, ws, domain.ActManageMembers, storage.MemberRef(ws, r.PathValue("userId")))
	if err != nil {
		return err
	}
	if missing != nil {
		return missing
	}
	c, err := change(a, m)
	if err != nil {
		return err
	}
	if err := s.Store.ApplyMemberChange(r.Context(), c); err != nil {
		return err
	}
	if c.Remove {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	httpapi.Entity(w, http.StatusOK, c.After.Version, c.After)
	return nil
}

type roleInput struct {
	Role domain.Role `json:"role"`
}

func (s *Server) patchMember(w http.ResponseWriter, r *http.Request) error {
	return s.memberChange(w, r, func(_ access, m domain.Member) (domain.MemberChange, error) {
		expected, err := httpapi.IfMatch(r)
		if err != nil {
			return domain.MemberChange{}, err
		}
		var in roleInput
		if err := httpapi.Decode(r, &in); err != nil {
			return domain.MemberChange{}, err
		}
		expected = httpapi.ExpectedVersion(expected, m.Version)
		if m.Version != expected {
			return domain.MemberChange{}, domain.ErrStale
		}
		return domain.ChangeRole(m, in.Role, s.Now().UTC())
	})
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) error {
	return s.memberChange(w, r, func(_ access, m domain.Member) (domain.MemberChange, error) {
		return domain.RemoveMember(m), nil
	})
}

func (s *Server) setMemberStatus(status domain.MemberStatus) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.memberChange(w, r, func(a access, m domain.Member) (domain.MemberChange, error) {
			if m.UserID == a.caller.UserID {
				return domain.MemberChange{}, domain.Errorf(domain.ErrConflict, "you cannot block or unblock yourself")
			}
			return domain.SetStatus(m, status, s.Now().UTC())
		})
	}
}

func (s *Server) blockMember(w http.ResponseWriter, r *http.Request) error {
	return s.setMemberStatus(domain.MemberBlocked)(w, r)
}

func (s *Server) unblockMember(w http.ResponseWriter, r *http.Request) error {
	return s.setMemberStatus(domain.MemberActive)(w, r)
}

func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	return authorizedList(s, w, r, ws, domain.ActManageMembers, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.Invitation], error) {
		page, err := s.Store.ListInvitations(ctx, ws, limit, cursor)
		now := s.Now()
		for i := range page.Items {
			page.Items[i] = page.Items[i].View(now)
		}
		return page, err
	})
}

// invitationResponse shows an invitation with its token, which is returned only
// when the token is made (create and resend) and never stored in plain text.
type invitationResponse struct {
	domain.Invitation
	Token     string `json:"token"`
	AcceptURL string `json:"acceptUrl"`
}

// invite costs two DynamoDB calls: the caller's membership and the workspace
// (whose name the email shows) in one read, and the invitation with its
// invitee lock in one transaction.
func (s *Server) invite(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	a, workspace, missing, err := authorizeWith(s, r, ws, domain.ActManageMembers, storage.WorkspaceRef(ws))
	if err != nil {
		return err
	}
	var in domain.InvitationInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if missing != nil {
		return missing
	}
	now := s.Now().UTC()
	token, hash := domain.NewSecret()
	inv := domain.Invitation{ID: domain.NewID("inv"), WorkspaceID: ws, Email: domain.NormalizeEmail(in.Email), Role: in.Role,
		Status: domain.InvitationPending, TokenHash: hash, InvitedBy: a.caller.UserID, CreatedAt: now,
		ExpiresAt: now.Add(domain.InvitationTTL), SentCount: 1, Version: 1}
	if err := s.Store.CreateInvitation(r.Context(), inv); err != nil {
		return err
	}
	resp, err := s.sendInvitation(r, workspace, inv, token)
	if err != nil {
		// Nobody received the token: take the invitation back so that a retry
		// (with the same Idempotency-Key or not) can create it again.
		withdrawn := inv
		withdrawn.Status, withdrawn.Version = domain.InvitationWithdrawn, inv.Version+1
		if werr := s.Store.WithdrawInvitation(r.Context(), inv, withdrawn); werr != nil {
			httpapi.Logger(r.Context()).ErrorContext(r.Context(), "unsent invitation left pending", "invitation", inv.ID, "error", werr.Error())
		}
		return err
	}
	created(w, "workspaces", ws, "invitations", inv.ID)
	httpapi.Entity(w, http.StatusCreated, inv.Version, resp)
	return nil
}

// sendInvitation makes sure the invitee can sign in and emails them the token
// to workspace ws.
func (s *Server) sendInvitation(r *http.Request, ws domain.Workspace, inv domain.Invitation, token string) (invitationResponse, error) {
	u, err := s.Users.EnsureUser(r.Context(), inv.Email)
	if err != nil {
		return invitationResponse{}, err
	}
	accept := strings.TrimRight(s.ConsoleURL, "/") + "/invitations/" + inv.ID + "?token=" + url.QueryEscape(token)
	days := int(domain.InvitationTTL.Hours() / 24)
	if err := s.Mail.Send(r.Context(), mail.Invitation(inv.Email, ws.Name, string(inv.Role), accept, token, u.TemporaryPassword, days)); err != nil {
		return invitationResponse{}, err
	}
	return invitationResponse{Invitation: inv, Token: token, AcceptURL: accept}, nil
}

// pendingInvitation loads an invitation of the workspace in the URL.
func (s *Server) pendingInvitation(r *http.Request) (domain.Invitation, error) {
	ws := r.PathValue("ws")
	if _, err := s.authorize(r, ws, domain.ActManageMembers); err != nil {
		return domain.Invitation{}, err
	}
	inv, err := s.Store.GetInvitation(r.Context(), r.PathValue("id"))
	if err != nil {
		return inv, err
	}
	if inv.WorkspaceID != ws {
		return inv, domain.ErrNotFound
	}
	if inv.Status != domain.InvitationPending {
		return inv, domain.Errorf(domain.ErrConflict, "the invitation was %s", inv.Status)
	}
	return inv, nil
}

func (s *Server) withdrawInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.pendingInvitation(r)
	if err != nil {
		return err
	}
	after := inv
	after.Status, after.Version = domain.InvitationWithdrawn, inv.Version+1
	if err := s.Store.WithdrawInvitation(r.Context(), inv, after); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resendInvitation sends a new token; each source may resend a bounded number
// of times an hour, since every resend is an email.
func (s *Server) resendInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.pendingInvitation(r)
	if err != nil {
		return err
	}
	if err := s.throttle(r, "invitation resends", s.Limits.Resends); err != nil {
		return err
	}
	now := s.Now().UTC()
	token, hash := domain.NewSecret()
	after := inv
	after.TokenHash, after.ExpiresAt, after.SentCount, after.Version = hash, now.Add(domain.InvitationTTL), inv.SentCount+1, inv.Version+1
	if err := s.Store.ResendInvitation(r.Context(), inv, after); err != nil {
		return err
	}
	ws, err := s.Store.GetWorkspace(r.Context(), inv.WorkspaceID)
	if err != nil {
		return err
	}
	resp, err := s.sendInvitation(r, ws, after, token)
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, after.Version, resp)
	return nil
}

func (s *Server) listAuthorizations(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant); err != nil {
		return err
	}
	return listed(w, r, s.Store.ListAuthorizations)
}

func (s *Server) revokeAuthorization(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant)
	if err != nil {
		return err
	}
	cur, err := s.Store.GetAuthorization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	after := cur
	if cur.Status != domain.AuthorizationRevoked { // DELETE is idempotent: a repeat only pauses what is still running
		now := s.Now().UTC()
		after.Status, after.RevokedBy, after.RevokedAt, after.Version = domain.AuthorizationRevoked, a.caller.UserID, &now, cur.Version+1
		if err := s.Store.RevokeAuthorization(r.Context(), cur, after); err != nil {
			return err
		}
	}
	// Revoked first, so that nothing can resume what is paused here.
	if err := s.pauseRollouts(r.Context(), cur.WorkspaceID, a.caller.UserID); err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, after.Version, after)
	return nil
}

// pauseRollouts pauses every running staged rollout of workspace ws: the
// launch workflow sees the pause at its next step, as when a developer pauses.
func (s *Server) pauseRollouts(ctx context.Context, ws, by string) error {
	cursor := ""
	for {
		page, err := s.Store.ListMiniPrograms(ctx, ws, false, 100, cursor)
		if err != nil {
			return err
		}
		for _, mp := range page.Items {
			if err := s.pauseRollout(ctx, mp.ID, by); err != nil {
				return err
			}
		}
		if cursor = page.Next; cursor == "" {
			return nil
		}
	}
}

// pauseRollout pauses the mini program's active launch if it is rolling out.
func (s *Server) pauseRollout(ctx context.Context, mp, by string) error {
	id, err := s.Store.ActiveLaunch(ctx, mp)
	if err != nil || id == "" {
		return err
	}
	l, err := s.Store.GetLaunch(ctx, mp, id)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && l.Status != domain.LaunchRollingOut) {
		return nil
	}
	if err != nil {
		return err
	}
	entry := domain.TimelineEntry{Status: string(domain.LaunchPaused), At: s.Now().UTC().Format(time.RFC3339Nano), By: by,
		Note: "the workspace's authorization was revoked"}
	err = s.Store.UpdateLaunch(ctx, l, []domain.LaunchStatus{domain.LaunchRollingOut}, domain.LaunchPaused, l.Percentage, entry)
	if errors.Is(err, domain.ErrConflict) { // it ended or paused meanwhile
		return nil
	}
	return err
}
