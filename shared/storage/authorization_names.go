package storage

import (
	"context"

	"github.com/mpdp/platform/shared/domain"
)

// withCurrentNames sets each authorization's WorkspaceName to its workspace's
// name now. The name stored at grant time goes stale on a rename; reading it
// when the authorization is read stays right without rewriting every
// authorization of a workspace on each rename. A workspace that cannot be
// found keeps the stored name.
func (s *Store) withCurrentNames(ctx context.Context, auths []domain.Authorization) error {
	ids := make([]string, len(auths))
	for i, a := range auths {
		ids[i] = a.WorkspaceID
	}
	names, err := s.WorkspaceNames(ctx, ids)
	if err != nil {
		return err
	}
	for i, a := range auths {
		if n, ok := names[a.WorkspaceID]; ok && n != "" {
			auths[i].WorkspaceName = n
		}
	}
	return nil
}

// WorkspaceNames reads the current names of up to 100 workspaces (a page's
// worth, BatchGetItem's limit) in one batch read, by id; empty and repeated ids
// are skipped, and a workspace that cannot be found is absent.
func (s *Store) WorkspaceNames(ctx context.Context, ids []string) (map[string]string, error) {
	seen := map[string]bool{}
	var ks [][2]string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			ks = append(ks, [2]string{wsKey(id), skMeta})
		}
	}
	raw, err := s.batchGet(ctx, ks)
	if err != nil {
		return nil, err
	}
	wss, err := unmarshalAll[workspaceItem](raw)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(wss))
	for _, w := range wss {
		names[w.ID] = w.Name
	}
	return names, nil
}
