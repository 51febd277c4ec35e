package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/resources"
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
	names, _, err := s.WorkspaceNamesAs(ctx, ids, "", "")
	return names, err
}

// WorkspaceNamesAs is WorkspaceNames that also reads user's membership of
// workspace ws (nil if none) in the same batch: a list checks its caller's
// access on it.
func (s *Store) WorkspaceNamesAs(ctx context.Context, ids []string, ws, user string) (map[string]string, *domain.Member, error) {
	seen := map[string]bool{}
	var ks [][2]string
	if user != "" {
		ks = append(ks, [2]string{wsKey(ws), memberSK(user)})
	}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			ks = append(ks, [2]string{wsKey(id), skMeta})
		}
	}
	raw, err := s.batchGet(ctx, ks)
	if err != nil {
		return nil, nil, err
	}
	var member *domain.Member
	names := map[string]string{}
	for _, it := range raw {
		if sk, _ := it[resources.Table.SortKey].(*types.AttributeValueMemberS); sk != nil && sk.Value == memberSK(user) {
			var m memberItem
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				return nil, nil, err
			}
			member = &m.Member
			continue
		}
		var w workspaceItem
		if err := attributevalue.UnmarshalMap(it, &w); err != nil {
			return nil, nil, err
		}
		names[w.ID] = w.Name
	}
	return names, member, nil
}
