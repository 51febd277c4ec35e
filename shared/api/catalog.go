package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/storage"
)

// The catalog (JSAPIs and features) belongs to the tenant: its admins
// (tenant:manage) change it, and everyone signed in reads it, members of any
// workspace or none, since developers choose the features to request from it.

// signedIn checks only that the caller has a valid token.
func signedIn(r *http.Request) (auth.Caller, error) { return auth.CallerFrom(r.Context()) }

func (s *Server) listJSAPIs(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	q := r.URL.Query()
	f := domain.JSAPIFilter{Status: domain.JSAPIStatus(q.Get("status")), OS: domain.Platform(q.Get("os")), Prefix: q.Get("q")}
	if err := f.Validate(); err != nil {
		return err
	}
	return listed(w, r, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.JSAPI], error) {
		return s.Store.ListJSAPIs(ctx, f, limit, cursor)
	})
}

func (s *Server) createJSAPI(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant)
	if err != nil {
		return err
	}
	var in domain.JSAPIInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(true); err != nil {
		return err
	}
	now := s.Now().UTC()
	j := in.Apply(domain.JSAPI{Status: domain.JSAPIActive, CreatedBy: a.caller.UserID, CreatedAt: now, UpdatedAt: now, Version: 1})
	res := respond(r, http.StatusCreated, j.Version, j, "jsapis", j.Name)
	if err := s.Store.CreateJSAPI(r.Context(), j); err != nil {
		return err
	}
	res.send(w)
	return nil
}

func (s *Server) getJSAPI(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	j, err := s.Store.GetJSAPI(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, j.Version, j)
	return nil
}

func (s *Server) patchJSAPI(w http.ResponseWriter, r *http.Request) error {
	var in domain.JSAPIInput
	return ifMatchUpdate[domain.JSAPI]{ws: domain.TenantWorkspaceID, act: domain.ActManageTenant, ref: storage.JSAPIRef(r.PathValue("name")),
		in: &in, validate: func() error { return in.Validate(false) },
		change: func(_ access, cur domain.JSAPI) (domain.JSAPI, error) {
			next := in.Apply(cur)
			next.UpdatedAt, next.Version = s.Now().UTC(), cur.Version+1
			return next, nil
		}}.answer(s, w, r)
}

// checkJSAPIsExist answers 400 naming the JSAPIs that are not in the catalog.
func (s *Server) checkJSAPIsExist(r *http.Request, names []string) error {
	missing, err := s.Store.MissingJSAPIs(r.Context(), names)
	if err != nil || len(missing) == 0 {
		return err
	}
	var v domain.ValidationError
	v.Add("jsapis", "not in the catalog: %s", strings.Join(missing, ", "))
	return v.Err()
}

func (s *Server) listFeatures(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	return listed(w, r, s.Store.ListFeatures)
}

func (s *Server) createFeature(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActManageTenant)
	if err != nil {
		return err
	}
	var in domain.FeatureInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(true); err != nil {
		return err
	}
	if err := s.checkJSAPIsExist(r, *in.JSAPIs); err != nil {
		return err
	}
	now := s.Now().UTC()
	f := in.Apply(domain.Feature{ID: domain.NewID("feat"), CreatedBy: a.caller.UserID, CreatedAt: now, UpdatedAt: now, Version: 1})
	e := s.historyEntry(a.caller, "created", domain.Feature{}, f)
	res := respond(r, http.StatusCreated, f.Version, f, "features", f.ID)
	if err := s.Store.CreateFeature(r.Context(), f, e); err != nil {
		return err
	}
	res.send(w)
	return nil
}

func (s *Server) historyEntry(c auth.Caller, action string, before, after domain.Feature) domain.FeatureHistoryEntry {
	return domain.FeatureHistoryEntry{ID: domain.NewID("hist"), FeatureID: after.ID, Action: action, By: c.UserID, ByEmail: c.Email,
		At: after.UpdatedAt, Changes: domain.FeatureChanges(before, after), Version: after.Version}
}

func (s *Server) getFeature(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	f, err := s.Store.GetFeature(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, f.Version, f)
	return nil
}

func (s *Server) patchFeature(w http.ResponseWriter, r *http.Request) error {
	var in domain.FeatureInput
	var by auth.Caller // the history entry's author, known once admitted
	history := func(before, after domain.Feature) domain.FeatureHistoryEntry {
		return s.historyEntry(by, "updated", before, after)
	}
	return ifMatchUpdate[domain.Feature]{ws: domain.TenantWorkspaceID, act: domain.ActManageTenant, ref: storage.FeatureRef(r.PathValue("id"), history),
		in: &in, validate: func() error { return in.Validate(false) },
		change: func(a access, cur domain.Feature) (domain.Feature, error) {
			if in.JSAPIs != nil {
				if err := s.checkJSAPIsExist(r, *in.JSAPIs); err != nil {
					return cur, err
				}
			}
			by = a.caller
			next := in.Apply(cur)
			next.UpdatedAt, next.Version = s.Now().UTC(), cur.Version+1
			return next, nil
		}}.answer(s, w, r)
}

func (s *Server) listFeatureHistory(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.Store.GetFeature(r.Context(), id); err != nil {
		return err
	}
	staff, err := s.tenantMember(r)
	if err != nil {
		return err
	}
	return listed(w, r, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.FeatureHistoryEntry], error) {
		page, err := s.Store.ListFeatureHistory(ctx, id, limit, cursor)
		if !staff {
			// Who on the tenant's staff made a change is theirs to know.
			for i := range page.Items {
				page.Items[i].By, page.Items[i].ByEmail = "", ""
			}
		}
		return page, err
	})
}

// tenantMember reports whether the caller is an active member of the tenant workspace.
func (s *Server) tenantMember(r *http.Request) (bool, error) {
	_, err := s.authorize(r, domain.TenantWorkspaceID, domain.ActRead)
	if errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrForbidden) {
		return false, nil
	}
	return err == nil, err
}

// listFeatureGrants lists a mini program's feature grants (workspace members).
func (s *Server) listFeatureGrants(w http.ResponseWriter, r *http.Request) error {
	mp, err := s.miniProgramIn(r, domain.ActRead)
	if err != nil {
		return err
	}
	return listed(w, r, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.FeatureGrant], error) {
		return s.Store.ListFeatureGrants(ctx, mp.ID, limit, cursor)
	})
}

// requestFeature asks the tenant to grant a feature to a mini program
// (developers and admins of its workspace): a feature.activate approval.
func (s *Server) requestFeature(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	a, err := s.authorize(r, ws, domain.ActDevelop)
	if err != nil {
		return err
	}
	var in domain.FeatureActivationInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	mp, err := s.Store.GetMiniProgram(r.Context(), ws, r.PathValue("mp"))
	if err != nil {
		return err
	}
	f, err := s.Store.GetFeature(r.Context(), in.FeatureID)
	if errors.Is(err, domain.ErrNotFound) {
		var v domain.ValidationError
		v.Add("featureId", "is not a feature of the catalog")
		return v.Err()
	}
	if err != nil {
		return err
	}
	p := domain.FeatureRequest{FeatureID: f.ID, FeatureName: f.Name, MiniProgramID: mp.ID, MiniProgramName: mp.Name,
		Reason: strings.TrimSpace(in.Reason)}
	payload, _ := json.Marshal(p)
	ap := domain.Approval{ID: domain.NewID("apv"), Type: domain.ApprovalFeature, Status: domain.ApprovalInReview,
		Title: "Activate " + f.Name + " for " + mp.Name, Payload: payload, CreatedAt: s.Now().UTC(), Version: 1,
		Requester: domain.Requester{UserID: a.caller.UserID, Email: a.caller.Email, WorkspaceID: ws}}
	if err := s.Store.RequestFeature(r.Context(), ap, p); err != nil {
		return err
	}
	created(w, "approvals", ap.ID)
	httpapi.JSON(w, http.StatusCreated, ap)
	return nil
}

// grantFeature carries out an approved feature.activate request: the mini
// program's grant and its authorization, with the decision, atomically.
func (s *Server) grantFeature(r *http.Request, before, after domain.Approval) (domain.Approval, error) {
	var p domain.FeatureRequest
	if err := json.Unmarshal(before.Payload, &p); err != nil {
		return after, err
	}
	wsName := ""
	if ws, err := s.Store.GetWorkspace(r.Context(), before.Requester.WorkspaceID); err == nil {
		wsName = ws.Name
	} else if !errors.Is(err, domain.ErrNotFound) {
		return after, err
	}
	now := after.DecidedAt.UTC()
	authz := domain.Authorization{ID: domain.NewID("authz"), Type: domain.AuthorizationFeature, WorkspaceID: before.Requester.WorkspaceID,
		WorkspaceName: wsName, FeatureID: p.FeatureID, FeatureName: p.FeatureName, MiniProgramID: p.MiniProgramID,
		Status: domain.AuthorizationActive, GrantedBy: after.DecidedBy, GrantedAt: now, Version: 1}
	g := domain.FeatureGrant{MiniProgramID: p.MiniProgramID, WorkspaceID: before.Requester.WorkspaceID, FeatureID: p.FeatureID,
		FeatureName: p.FeatureName, Status: domain.GrantActive, ApprovalID: before.ID, AuthorizationID: authz.ID,
		GrantedBy: after.DecidedBy, GrantedAt: now}
	after.Result = map[string]string{"authorizationId": authz.ID, "featureId": p.FeatureID, "miniProgramId": p.MiniProgramID}
	return after, s.Store.ApproveFeature(r.Context(), before, after, g, authz)
}
