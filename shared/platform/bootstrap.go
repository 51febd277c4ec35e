package platform

import (
	"context"
	"errors"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/identity"
	"github.com/mpdp/platform/shared/storage"
)

// Tenant describes the tenant workspace and its first admin.
type Tenant struct {
	Name          string
	AdminEmail    string
	AdminPassword string
}

// Bootstrap creates the tenant workspace with its first admin, once; running it
// again changes nothing but the admin's password.
func Bootstrap(ctx context.Context, store *storage.Store, dir *identity.Directory, t Tenant) (identity.User, error) {
	u, err := dir.SetPassword(ctx, t.AdminEmail, t.AdminPassword)
	if err != nil {
		return u, err
	}
	now := time.Now().UTC()
	ws := domain.Workspace{ID: domain.TenantWorkspaceID, Kind: domain.KindTenant, Name: t.Name,
		Contact: domain.Contact{Name: "Platform admin", Email: t.AdminEmail}, CreatedAt: now, UpdatedAt: now, Version: 1}
	admin := domain.Member{WorkspaceID: ws.ID, UserID: u.ID, Email: domain.NormalizeEmail(t.AdminEmail), Role: domain.RoleAdmin,
		Status: domain.MemberActive, JoinedAt: now, UpdatedAt: now, Version: 1}
	if err := store.CreateWorkspace(ctx, ws, admin); err != nil && !errors.Is(err, domain.ErrConflict) {
		return u, err
	}
	return u, nil
}
