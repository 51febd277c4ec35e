package api

import (
	"errors"
	"net/http"

	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/storage"
)

// Feedback: anyone signed in sends it (with an optional screenshot they
// uploaded); only tenant admins (tenant:manage) list and handle it. Everyone
// else gets 403 on those routes, members of the tenant or not: the route is
// not a workspace's, so there is nothing to hide.

func (s *Server) feedbackAdmin(r *http.Request) (access, error) {
	a, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant)
	return a, feedbackRefused(err)
}

// feedbackRefused tells a non-member of the tenant why: feedback is no other
// workspace's resource to hide.
func feedbackRefused(err error) error {
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Errorf(domain.ErrForbidden, "only the tenant's admins see and handle feedback")
	}
	return err
}

func (s *Server) createFeedback(w http.ResponseWriter, r *http.Request) error {
	c, err := signedIn(r)
	if err != nil {
		return err
	}
	var in domain.FeedbackInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(c.UserID); err != nil {
		return err
	}
	now := s.Now().UTC()
	f := domain.Feedback{ID: domain.NewID("fb"), UserID: c.UserID, Email: c.Email, Category: in.Category, Text: in.Text,
		Screenshot: in.Screenshot, Status: domain.FeedbackOpen, CreatedAt: now, UpdatedAt: now, Version: 1}
	res := respond(r, http.StatusCreated, f.Version, f, "feedback", f.ID)
	if err := s.Store.CreateFeedback(r.Context(), f); err != nil {
		return err
	}
	res.send(w)
	return nil
}

func (s *Server) createScreenshot(w http.ResponseWriter, r *http.Request) error {
	c, err := signedIn(r)
	if err != nil {
		return err
	}
	var in domain.ScreenshotInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	ext, err := in.Validate()
	if err != nil {
		return err
	}
	key := bucket.ScreenshotKey(c.UserID, domain.NewID("shot"), ext)
	up, err := s.Packages.PresignPut(r.Context(), key, in.ContentType, in.Size, in.SHA256, domain.UploadTTL)
	if err != nil {
		return err
	}
	httpapi.JSON(w, http.StatusCreated, map[string]any{"screenshot": key, "upload": up})
	return nil
}

func (s *Server) listFeedback(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.feedbackAdmin(r); err != nil {
		return err
	}
	status := domain.FeedbackStatus(r.URL.Query().Get("status"))
	if status != "" && status != domain.FeedbackOpen && status != domain.FeedbackHandled {
		return &domain.ValidationError{Fields: []domain.FieldError{{Field: "status", Message: "must be open or handled"}}}
	}
	limit, err := httpapi.Limit(r)
	if err != nil {
		return err
	}
	page, err := s.Store.ListFeedback(r.Context(), status, limit, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	views := storage.Page[feedbackView]{Items: make([]feedbackView, len(page.Items)), Next: page.Next}
	for i, f := range page.Items {
		views.Items[i].Feedback = f
		if f.Screenshot != "" {
			if views.Items[i].ScreenshotURL, err = s.assetURL(r, f.Screenshot); err != nil {
				return err
			}
		}
	}
	return list(w, views)
}

// feedbackView is feedback with a short-lived download URL of its screenshot.
type feedbackView struct {
	domain.Feedback
	ScreenshotURL string `json:"screenshotUrl,omitempty"`
}

func (s *Server) patchFeedback(w http.ResponseWriter, r *http.Request) error {
	var p domain.FeedbackPatch
	return ifMatchUpdate[domain.Feedback]{ws: domain.TenantWorkspaceID, act: domain.ActManageTenant, ref: storage.FeedbackRef(r.PathValue("id")),
		refused: feedbackRefused,
		in:      &p, validate: func() error { return p.Validate() },
		change: func(a access, cur domain.Feedback) (domain.Feedback, error) {
			return p.Apply(cur, a.caller.UserID, s.Now().UTC()), nil
		}}.answer(s, w, r)
}
