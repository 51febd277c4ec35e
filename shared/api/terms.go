package api

import (
	"context"
	"net/http"
	"time"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
)

// The platform's terms of service are the tenant's published terms (POST
// /v1/workspaces/{tenant}/settings/terms). Applicants accept the current
// version with their application; signed-in users accept each newer version
// once (POST /v1/terms/accept), and GET /v1/me says when one is due.

// currentTerms is the platform's current terms, nil if none are published.
func (s *Server) currentTerms(ctx context.Context) (*domain.Terms, error) {
	st, err := s.Store.GetSettings(ctx, domain.TenantWorkspaceID)
	if err != nil {
		return nil, err
	}
	return st.Terms, nil
}

// getTerms is GET /v1/terms (public): the current terms, for the application form.
func (s *Server) getTerms(w http.ResponseWriter, r *http.Request) error {
	cur, err := s.currentTerms(r.Context())
	if err != nil {
		return err
	}
	out := map[string]any{}
	if cur != nil {
		out["terms"] = cur.Public()
	}
	httpapi.JSON(w, http.StatusOK, out)
	return nil
}

// termsStanding is what GET /v1/me says about the caller and the current terms.
type termsStanding struct {
	domain.PublicTerms
	// MustAccept is true until the caller accepted this version.
	MustAccept bool       `json:"mustAccept"`
	AcceptedAt *time.Time `json:"acceptedAt,omitempty"`
}

func (s *Server) termsStanding(ctx context.Context, user string) (*termsStanding, error) {
	cur, err := s.currentTerms(ctx)
	if err != nil || cur == nil {
		return nil, err
	}
	acc, ok, err := s.Store.TermsAccepted(ctx, user, cur.Version)
	if err != nil {
		return nil, err
	}
	st := &termsStanding{PublicTerms: cur.Public(), MustAccept: !ok}
	if ok {
		st.AcceptedAt = &acc.AcceptedAt
	}
	return st, nil
}

// acceptTerms is POST /v1/terms/accept: the caller accepts the current
// version. Accepting it again answers the first acceptance.
func (s *Server) acceptTerms(w http.ResponseWriter, r *http.Request) error {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return err
	}
	var in domain.TermsAcceptInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if in.Version < 1 {
		return &domain.ValidationError{Fields: []domain.FieldError{{Field: "version", Message: "is required: the version of the terms of service you accept"}}}
	}
	cur, err := s.currentTerms(r.Context())
	if err != nil {
		return err
	}
	switch {
	case cur == nil:
		return domain.Errorf(domain.ErrConflict, "no terms of service are published")
	case in.Version != cur.Version:
		return domain.Errorf(domain.ErrConflict, "version %d is not the current terms of service: read version %d (%s) and accept that",
			in.Version, cur.Version, cur.URL)
	}
	acc, err := s.Store.AcceptTerms(r.Context(), domain.TermsAcceptance{UserID: c.UserID, Version: cur.Version,
		AcceptedAt: s.Now().UTC(), Via: domain.TermsViaConsole})
	if err != nil {
		return err
	}
	httpapi.JSON(w, http.StatusOK, acc)
	return nil
}

// checkApplicantTerms refuses an application that does not accept the current terms.
func (s *Server) checkApplicantTerms(ctx context.Context, app domain.Application) error {
	cur, err := s.currentTerms(ctx)
	if err != nil {
		return err
	}
	var v domain.ValidationError
	domain.CheckTermsAccepted(&v, "termsVersion", app.TermsVersion, cur)
	return v.Err()
}

// applicantTerms is the acceptance an approved application records for its
// new admin, unless they already accepted that version (an existing user).
func (s *Server) applicantTerms(ctx context.Context, user string, app domain.Application, applied time.Time) ([]domain.TermsAcceptance, error) {
	if app.TermsVersion == 0 {
		return nil, nil
	}
	_, ok, err := s.Store.TermsAccepted(ctx, user, app.TermsVersion)
	if err != nil || ok {
		return nil, err
	}
	return []domain.TermsAcceptance{{UserID: user, Version: app.TermsVersion, AcceptedAt: applied, Via: domain.TermsViaApplication}}, nil
}
