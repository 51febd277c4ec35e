package api

import (
	"net/http"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/storage"
)

type workspaceListItem struct {
	domain.Workspace
	Role         domain.Role         `json:"role"`
	MemberStatus domain.MemberStatus `json:"memberStatus"`
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return err
	}
	limit, err := httpapi.Limit(r)
	if err != nil {
		return err
	}
	page, wss, err := s.Store.MyWorkspaces(r.Context(), c.UserID, limit, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	byID := map[string]domain.Workspace{}
	for _, ws := range wss {
		byID[ws.ID] = ws
	}
	out := storage.Page[workspaceListItem]{Next: page.Next}
	for _, m := range page.Items {
		if ws, ok := byID[m.WorkspaceID]; ok {
			out.Items = append(out.Items, workspaceListItem{Workspace: ws, Role: m.Role, MemberStatus: m.Status})
		}
	}
	return list(w, out)
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	if _, err := s.authorize(r, ws, domain.ActRead); err != nil {
		return err
	}
	got, err := s.Store.GetWorkspace(r.Context(), ws)
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, got.Version, got)
	return nil
}

func (s *Server) patchWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	if _, err := s.authorize(r, ws, domain.ActManageWorkspace); err != nil {
		return err
	}
	expected, err := httpapi.IfMatch(r)
	if err != nil {
		return err
	}
	var p domain.WorkspacePatch
	if err := httpapi.Decode(r, &p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	cur, err := s.Store.GetWorkspace(r.Context(), ws)
	if err != nil {
		return err
	}
	expected = httpapi.ExpectedVersion(expected, cur.Version)
	if cur.Version != expected {
		return domain.ErrStale
	}
	next := p.Apply(cur)
	next.UpdatedAt, next.Version = s.Now().UTC(), cur.Version+1
	if err := s.Store.UpdateWorkspace(r.Context(), next, expected); err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, next.Version, next)
	return nil
}

func (s *Server) getTesters(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	if _, err := s.authorize(r, ws, domain.ActRead); err != nil {
		return err
	}
	t, err := s.Store.GetTesters(r.Context(), ws)
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, t.Version, t)
	return nil
}

type testersInput struct {
	Items []domain.Tester `json:"items"`
}

func (s *Server) putTesters(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	if _, err := s.authorize(r, ws, domain.ActManageWorkspace); err != nil {
		return err
	}
	expected, err := httpapi.IfMatch(r)
	if err != nil {
		return err
	}
	var in testersInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := domain.ValidateTesters(in.Items); err != nil {
		return err
	}
	if expected == httpapi.AnyVersion {
		cur, err := s.Store.GetTesters(r.Context(), ws)
		if err != nil {
			return err
		}
		expected = cur.Version
	}
	t := domain.Testers{Items: in.Items, Version: expected + 1}
	if err := s.Store.PutTesters(r.Context(), ws, t, expected); err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, t.Version, t)
	return nil
}
