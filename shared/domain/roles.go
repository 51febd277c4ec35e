package domain

// Role is what a member may do in a workspace.
type Role string

const (
	RoleAdmin     Role = "admin"     // members, settings, keys
	RoleReviewer  Role = "reviewer"  // decides approvals (in the tenant workspace)
	RoleDeveloper Role = "developer" // mini programs, uploads, launches
)

// Roles lists the valid roles.
var Roles = []Role{RoleAdmin, RoleReviewer, RoleDeveloper}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, known := range Roles {
		if r == known {
			return true
		}
	}
	return false
}

// MemberStatus is active or blocked. Blocked members keep their row and lose all access.
type MemberStatus string

const (
	MemberActive  MemberStatus = "active"
	MemberBlocked MemberStatus = "blocked"
)

// Action is something a member may be allowed to do in a workspace.
type Action string

const (
	ActRead            Action = "read"             // see the workspace and its lists
	ActManageWorkspace Action = "workspace:manage" // edit general info and testers
	ActManageMembers   Action = "members:manage"   // invite, change roles, block, remove
	ActDecide          Action = "approvals:decide" // approve or reject (tenant only)
	ActManageTenant    Action = "tenant:manage"    // authorizations, catalog (tenant only)
	ActDevelop         Action = "develop"          // mini programs, uploads, launches
)

// permissions is the role × action matrix. Tenant-only actions are further
// restricted by Allows.
var permissions = map[Role]map[Action]bool{
	RoleAdmin: {ActRead: true, ActManageWorkspace: true, ActManageMembers: true,
		ActDecide: true, ActManageTenant: true, ActDevelop: true},
	RoleReviewer:  {ActRead: true, ActDecide: true},
	RoleDeveloper: {ActRead: true, ActDevelop: true},
}

// Allows reports whether member m of workspace ws may do a.
func Allows(ws WorkspaceKind, m Member, a Action) bool {
	if m.Status != MemberActive {
		return false
	}
	if (a == ActDecide || a == ActManageTenant) && ws != KindTenant {
		return false
	}
	return permissions[m.Role][a]
}
