package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/storage"
)

// apply creates a workspace.create approval for a merchant's application. An
// email that already has an application in review gets the same answer as a
// new one (with an id that leads nowhere) and no second email, so the route
// tells nobody whether an address applied. Each source may apply a few times
// an hour: every application sends mail.
func (s *Server) apply(w http.ResponseWriter, r *http.Request) error {
	var app domain.Application
	if err := httpapi.Decode(r, &app); err != nil {
		return err
	}
	if err := app.Validate(); err != nil {
		return err
	}
	if err := s.checkApplicantTerms(r.Context(), app); err != nil {
		return err
	}
	if err := s.throttle(r, "applications", s.Limits.Applications); err != nil {
		return err
	}
	payload, err := json.Marshal(app)
	if err != nil {
		return err
	}
	a := domain.Approval{
		ID:        domain.NewID("apv"),
		Type:      domain.ApprovalWorkspaceCreate,
		Status:    domain.ApprovalInReview,
		Title:     "Developer account for " + strings.TrimSpace(app.Company),
		Requester: domain.Requester{Email: app.Email},
		Payload:   payload,
		CreatedAt: s.Now().UTC(),
		Version:   1,
	}
	view := map[string]any{"id": a.ID, "status": a.Status, "type": a.Type, "createdAt": a.CreatedAt}
	res := respond(r, http.StatusCreated, a.Version, view, "approvals", a.ID)
	err = s.Store.CreateApplication(r.Context(), a)
	switch {
	case errors.Is(err, storage.ErrKeyUsed):
		return err // answered by the request that used the key
	case errors.Is(err, domain.ErrConflict):
		a.ID = domain.NewID("apv") // the open application stays as it was
	case err != nil:
		return err
	default:
		s.notify(r, mail.ApplicationReceived(app.Email, app.Company, a.ID))
		res.send(w)
		return nil
	}
	created(w, "approvals", a.ID)
	httpapi.Entity(w, http.StatusCreated, a.Version, map[string]any{"id": a.ID, "status": a.Status, "type": a.Type, "createdAt": a.CreatedAt})
	return nil
}

// notify queues an email whose loss must not fail the request: the decision is
// already stored, and the failure is logged for operators.
func (s *Server) notify(r *http.Request, m mail.Message) {
	if err := s.Mail.Send(r.Context(), m); err != nil {
		httpapi.Logger(r.Context()).ErrorContext(r.Context(), "email not queued", "subject", m.Subject, "error", err.Error())
	}
}

type membership struct {
	Workspace workspaceSummary    `json:"workspace"`
	Role      domain.Role         `json:"role"`
	Status    domain.MemberStatus `json:"status"`
}

type workspaceSummary struct {
	ID   string               `json:"id"`
	Name string               `json:"name"`
	Kind domain.WorkspaceKind `json:"kind"`
}

// memberships pairs memberships with their workspaces.
func memberships(members []domain.Member, wss []domain.Workspace) []membership {
	byID := map[string]domain.Workspace{}
	for _, ws := range wss {
		byID[ws.ID] = ws
	}
	out := make([]membership, 0, len(members))
	for _, m := range members {
		ws, ok := byID[m.WorkspaceID]
		if !ok {
			continue
		}
		out = append(out, membership{Workspace: workspaceSummary{ID: ws.ID, Name: ws.Name, Kind: ws.Kind}, Role: m.Role, Status: m.Status})
	}
	return out
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return err
	}
	page, wss, err := s.Store.MyWorkspaces(r.Context(), c.UserID, 100, "")
	if err != nil {
		return err
	}
	out := map[string]any{"userId": c.UserID, "email": c.Email, "memberships": memberships(page.Items, wss)}
	terms, err := s.termsStanding(r.Context(), c.UserID)
	if err != nil {
		return err
	}
	if terms != nil {
		out["terms"] = terms
	}
	httpapi.JSON(w, http.StatusOK, out)
	return nil
}

type acceptInput struct {
	Token string `json:"token"`
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return err
	}
	var in acceptInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Token) == "" {
		return &domain.ValidationError{Fields: []domain.FieldError{{Field: "token", Message: "is required: it is in the invitation email"}}}
	}
	inv, err := s.Store.GetInvitation(r.Context(), r.PathValue("invitationId"))
	if err != nil {
		return err
	}
	if !domain.SecretMatches(in.Token, inv.TokenHash) {
		// Same answer as an unknown id: a wrong token learns nothing.
		return domain.ErrNotFound
	}
	if c.Email == "" {
		return domain.Errorf(domain.ErrUnauthorized, "sign in with your ID token: it carries the email the invitation was sent to")
	}
	if c.Email != domain.NormalizeEmail(inv.Email) {
		return domain.Errorf(domain.ErrForbidden, "this invitation was sent to another email address")
	}
	now := s.Now().UTC()
	switch inv.View(now).Status {
	case domain.InvitationExpired:
		return domain.Errorf(domain.ErrConflict, "the invitation expired; ask an admin of the workspace to resend it")
	case domain.InvitationAccepted, domain.InvitationWithdrawn:
		return domain.Errorf(domain.ErrConflict, "the invitation was %s", inv.Status)
	}
	after := inv
	after.Status, after.AcceptedBy, after.Version = domain.InvitationAccepted, c.UserID, inv.Version+1
	m := domain.Member{WorkspaceID: inv.WorkspaceID, UserID: c.UserID, Email: c.Email, Role: inv.Role,
		Status: domain.MemberActive, JoinedAt: now, UpdatedAt: now, Version: 1}
	if err := s.Store.AcceptInvitation(r.Context(), inv, after, m); err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, m.Version, m)
	return nil
}
