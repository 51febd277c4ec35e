package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/identity"
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
	var got domain.Workspace
	if _, err := s.authorizeAnd(r, ws, domain.ActRead, func(ctx context.Context) (err error) {
		got, err = s.Store.GetWorkspace(ctx, ws)
		return err
	}); err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, got.Version, got)
	return nil
}

func (s *Server) patchWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	var p domain.WorkspacePatch
	return ifMatchUpdate[domain.Workspace]{ws: ws, act: domain.ActManageWorkspace, ref: storage.WorkspaceRef(ws),
		in: &p, validate: func() error { return p.Validate() },
		change: func(_ access, cur domain.Workspace) (domain.Workspace, error) {
			next := p.Apply(cur)
			next.UpdatedAt, next.Version = s.Now().UTC(), cur.Version+1
			return next, nil
		}}.answer(s, w, r)
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

// testersResult is the saved whitelist and the emails that matched no console user.
type testersResult struct {
	domain.Testers
	Unresolved []string `json:"unresolved"`
}

// putTesters replaces the whitelist. Testers are matched by subject, never by
// email (a user can change their email): an item sent by email is resolved
// here to the console user with that verified email, and stored with their
// sub; an email that matches nobody is left out and reported in unresolved.
// An item sent back exactly as listed keeps the subject it was resolved to.
func (s *Server) putTesters(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	var in testersInput
	unresolved := []string{}
	next, err := ifMatchUpdate[domain.Testers]{ws: ws, act: domain.ActManageWorkspace, ref: storage.TestersRef(ws),
		in: &in, validate: func() error { return domain.ValidateTesters(in.Items) },
		change: func(_ access, cur domain.Testers) (domain.Testers, error) {
			next := domain.Testers{Items: []domain.Tester{}, Version: cur.Version + 1}
			var dups domain.ValidationError
			seen := map[string]int{}
			for i, t := range in.Items {
				t.Email = domain.NormalizeEmail(t.Email)
				if t.Email != "" && !cur.Has(t) {
					u, err := s.Users.FindUser(r.Context(), t.Email)
					if errors.Is(err, identity.ErrNoUser) {
						unresolved = append(unresolved, t.Email)
						continue
					}
					if err != nil {
						return cur, err
					}
					t.UserID = u.ID
				}
				if j, dup := seen[t.UserID]; dup {
					dups.Add("items["+strconv.Itoa(i)+"]", "is the same user as items[%d]", j)
				}
				seen[t.UserID] = i
				next.Items = append(next.Items, t)
			}
			return next, dups.Err()
		}}.run(s, r)
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, next.Version, testersResult{Testers: next, Unresolved: unresolved})
	return nil
}
