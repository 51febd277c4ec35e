package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/mpdp/platform/shared/appkeys"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/storage"
)

// Host apps and their keys belong to the tenant: its members read them, its
// admins (tenant:manage) change them; to anyone else they do not exist.

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActRead); err != nil {
		return err
	}
	return listed(w, r, s.Store.ListApps)
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant)
	if err != nil {
		return err
	}
	var in domain.AppInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(true); err != nil {
		return err
	}
	now := s.Now().UTC()
	app := in.Apply(domain.App{ID: domain.NewID("app"), Status: domain.AppActive, CreatedBy: a.caller.UserID,
		CreatedAt: now, UpdatedAt: now, Version: 1})
	res := respond(r, http.StatusCreated, app.Version, app, "apps", app.ID)
	if err := s.Store.CreateApp(r.Context(), app); err != nil {
		return err
	}
	res.send(w)
	return nil
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActRead); err != nil {
		return err
	}
	app, err := s.Store.GetApp(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, app.Version, app)
	return nil
}

func (s *Server) patchApp(w http.ResponseWriter, r *http.Request) error {
	var in domain.AppInput
	return ifMatchUpdate[domain.App]{ws: domain.TenantWorkspaceID, act: domain.ActManageTenant, ref: storage.AppRef(r.PathValue("app")),
		in: &in, validate: func() error { return in.Validate(false) },
		change: func(_ access, cur domain.App) (domain.App, error) {
			next := in.Apply(cur)
			next.UpdatedAt, next.Version = s.Now().UTC(), cur.Version+1
			return next, nil
		}}.answer(s, w, r)
}

func (s *Server) listAppKeys(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActRead); err != nil {
		return err
	}
	app := r.PathValue("app")
	if _, err := s.Store.GetApp(r.Context(), app); err != nil {
		return err
	}
	return listed(w, r, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.AppKey], error) {
		return s.Store.ListAppKeys(ctx, app, limit, cursor)
	})
}

// createdKey is the one response that shows a key's secret.
type createdKey struct {
	domain.AppKey
	Secret string `json:"secret"`
}

// createAppKey makes a key pair for an app. It takes no Idempotency-Key on
// purpose: a replayed response would show the secret a second time. A client
// whose request failed midway revokes the key it cannot use and asks again.
func (s *Server) createAppKey(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant)
	if err != nil {
		return err
	}
	app, err := s.Store.GetApp(r.Context(), r.PathValue("app"))
	if err != nil {
		return err
	}
	use, err := keyUse(r)
	if err != nil {
		return err
	}
	if app.ActiveKeys >= domain.MaxActiveKeys {
		return domain.Errorf(domain.ErrConflict, "the app already has %d active keys, the most it may have; revoke one first", domain.MaxActiveKeys)
	}
	k := domain.AppKey{KeyID: domain.NewID("key"), AppID: app.ID, Use: use, Status: domain.KeyActive, CreatedBy: a.caller.UserID, CreatedAt: s.Now().UTC()}
	secret := appkeys.NewSecret()
	if k.Ciphertext, err = s.Secrets.Encrypt(r.Context(), app.ID, k.KeyID, secret); err != nil {
		return err
	}
	if err := s.Store.CreateAppKey(r.Context(), k); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	created(w, "apps", app.ID, "keys", k.KeyID)
	httpapi.JSON(w, http.StatusCreated, createdKey{AppKey: k, Secret: secret})
	return nil
}

// keyUse reads the optional body {"use": "requests" | "assertions"} of a new
// key; no body is a requests key.
func keyUse(r *http.Request) (domain.KeyUse, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, httpapi.MaxBodyBytes+1))
	if err != nil {
		return "", httpapi.NewProblem(http.StatusBadRequest, "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.KeyUseRequests, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in struct {
		Use string `json:"use"`
	}
	if err := httpapi.Decode(r, &in); err != nil {
		return "", err
	}
	return domain.ParseKeyUse(in.Use)
}

// revokeAppKey revokes a key at once: the runtime reads the key's status on
// every request. Revoking a revoked key answers the key again (200).
func (s *Server) revokeAppKey(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant)
	if err != nil {
		return err
	}
	k, err := s.Store.GetAppKey(r.Context(), r.PathValue("keyId"))
	if err != nil {
		return err
	}
	if k.AppID != r.PathValue("app") {
		return domain.ErrNotFound
	}
	if k.Status == domain.KeyActive {
		err := s.Store.RevokeAppKey(r.Context(), k, a.caller.UserID, s.Now().UTC())
		if err != nil && !errors.Is(err, domain.ErrConflict) {
			return err
		}
		if k, err = s.Store.GetAppKey(r.Context(), k.KeyID); err != nil {
			return err
		}
	}
	httpapi.JSON(w, http.StatusOK, k)
	return nil
}
