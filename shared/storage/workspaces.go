package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/mpdp/platform/shared/domain"
)

type workspaceItem struct {
	keys
	domain.Workspace
}

type memberItem struct {
	keys
	domain.Member
}

func workspaceRecord(ws domain.Workspace) workspaceItem {
	return workspaceItem{keys: keys{PK: wsKey(ws.ID), SK: skMeta}, Workspace: ws}
}

func (it memberItem) member() domain.Member { return it.Member }

func memberRecord(m domain.Member) memberItem {
	return memberItem{keys: keys{PK: wsKey(m.WorkspaceID), SK: memberSK(m.UserID),
		GSI1PK: userKey(m.UserID), GSI1SK: wsKey(m.WorkspaceID)}, Member: m}
}

// GetWorkspace reads a workspace.
func (s *Store) GetWorkspace(ctx context.Context, id string) (domain.Workspace, error) {
	return Get(ctx, s, WorkspaceRef(id))
}

// WorkspaceRef is a workspace. An update writes its general info only: the
// admin count and the authorization change by their own conditional writes
// and must not be overwritten.
func WorkspaceRef(id string) Ref[domain.Workspace] {
	return ref(wsKey(id), skMeta, func(it workspaceItem) domain.Workspace { return it.Workspace }, func(ws domain.Workspace) int { return ws.Version },
		func(s *Store, before, after domain.Workspace) ([]cond, error) {
			contact, err := attributevalue.Marshal(after.Contact)
			if err != nil {
				return nil, err
			}
			c, names, values := versionIs(before.Version)
			names["#name"] = "name"
			values[":name"], values[":description"], values[":logo"] = str(after.Name), str(after.Description), str(after.Logo)
			values[":contact"], values[":updatedAt"], values[":version"] = contact, str(timeValue(after.UpdatedAt)), num(after.Version)
			return []cond{s.update(wsKey(id), skMeta,
				"SET #name = :name, description = :description, logo = :logo, contact = :contact, updatedAt = :updatedAt, #version = :version",
				c, names, values, domain.ErrStale)}, nil
		})
}

// CreateWorkspace stores a new workspace with its first admin. It fails with
// ErrConflict if the workspace exists.
func (s *Store) CreateWorkspace(ctx context.Context, ws domain.Workspace, admin domain.Member) error {
	writes, err := s.createWorkspaceWrites(ws, admin)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", writes...)
}

func (s *Store) createWorkspaceWrites(ws domain.Workspace, admin domain.Member) ([]cond, error) {
	ws.ActiveAdmins = 1
	w, err := s.put(workspaceRecord(ws), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "workspace %s already exists", ws.ID))
	if err != nil {
		return nil, err
	}
	m, err := s.put(memberRecord(admin), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "member already exists"))
	if err != nil {
		return nil, err
	}
	return []cond{w, m}, nil
}

// MyWorkspaces lists the workspaces the user is a member of, with the membership.
func (s *Store) MyWorkspaces(ctx context.Context, userID string, limit int, cursor string) (Page[domain.Member], []domain.Workspace, error) {
	page, err := queryPage(ctx, s, query{index: "gsi1", pk: userKey(userID), limit: limit, cursor: cursor}, memberItem.member)
	if err != nil {
		return page, nil, err
	}
	ks := make([][2]string, len(page.Items))
	for i, m := range page.Items {
		ks[i] = [2]string{wsKey(m.WorkspaceID), skMeta}
	}
	raw, err := s.batchGet(ctx, ks)
	if err != nil {
		return page, nil, err
	}
	wss, err := unmarshalAll[workspaceItem](raw)
	if err != nil {
		return page, nil, err
	}
	out := make([]domain.Workspace, len(wss))
	for i, w := range wss {
		out[i] = w.Workspace
	}
	return page, out, nil
}

type testersItem struct {
	keys
	domain.Testers
}

// GetTesters reads a workspace's tester whitelist; a workspace that never set one has an empty list at version 0.
func (s *Store) GetTesters(ctx context.Context, ws string) (domain.Testers, error) {
	return Get(ctx, s, TestersRef(ws))
}

// TestersRef is a workspace's tester whitelist (empty at version 0 until
// set); an update replaces it whole.
func TestersRef(ws string) Ref[domain.Testers] {
	r := ref(wsKey(ws), skTesters, func(it testersItem) domain.Testers {
		if it.Items == nil {
			it.Items = []domain.Tester{}
		}
		return it.Testers
	}, func(t domain.Testers) int { return t.Version }, func(s *Store, before, after domain.Testers) ([]cond, error) {
		return s.putIfVersion(testersItem{keys: keys{PK: wsKey(ws), SK: skTesters}, Testers: after}, before.Version)
	})
	r.absent = func() domain.Testers { return domain.Testers{Items: []domain.Tester{}} }
	return r
}
