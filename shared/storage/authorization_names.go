package storage

import (
	"context"

	"github.com/mpdp/platform/shared/domain"
)

// withCurrentNames sets each authorization's WorkspaceName to its workspace's
// name now. The name stored at grant time goes stale on a rename; reading it
// when the authorization is read stays right without rewriting every
// authorization of a workspace on each rename. One batch read per page (pages
// hold at most 100 items, BatchGetItem's limit); a workspace that cannot be
// found keeps the stored name.
func (s *Store) withCurrentNames(ctx context.Context, auths []domain.Authorization) error {
	seen := map[string]bool{}
	var ks [][2]string
	for _, a := range auths {
		if a.WorkspaceID != "" && !seen[a.WorkspaceID] {
			seen[a.WorkspaceID] = true
			ks = append(ks, [2]string{wsKey(a.WorkspaceID), skMeta})
		}
	}
	raw, err := s.batchGet(ctx, ks)
	if err != nil {
		return err
	}
	wss, err := unmarshalAll[workspaceItem](raw)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(wss))
	for _, w := range wss {
		names[w.ID] = w.Name
	}
	for i, a := range auths {
		if n, ok := names[a.WorkspaceID]; ok && n != "" {
			auths[i].WorkspaceName = n
		}
	}
	return nil
}
