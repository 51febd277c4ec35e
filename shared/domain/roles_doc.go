package domain

import (
	"fmt"
	"strings"
)

// Actions lists every action, in the order the permission table shows them.
var Actions = []Action{ActRead, ActDevelop, ActManageWorkspace, ActManageMembers, ActDecide, ActManageTenant}

// actionDocs says what each action lets a member do, in the API's terms.
var actionDocs = map[Action]string{
	ActRead: "see the workspace, its members, invitations, mini programs, versions, launches, releases, " +
		"analytics and crash reports; in the tenant workspace also the host apps",
	ActDevelop: "create and edit mini programs, upload packages, open trial versions, launch, pause, resume " +
		"and withdraw launches, roll back, request offline/online, request features, triage crash reports, upload images",
	ActManageWorkspace: "edit the workspace's general information, settings and terms, testers, upload images, " +
		"and raise a staged rollout's percentage by hand",
	ActManageMembers: "invite members, resend and withdraw invitations, change roles, block, unblock and remove members",
	ActDecide:        "list, read and decide (approve, reject) approvals; nobody decides their own request",
	ActManageTenant: "manage host apps and their keys, the catalog (JSAPIs, features), feedback and developer " +
		"workspaces' authorizations",
}

// PermissionsMarkdown is the role × action table, for each workspace kind, as
// Allows decides it for an active member: the API description embeds it, and a
// test regenerates it, so the documentation cannot drift from the code. A
// blocked member is refused everything, so it has no column.
func PermissionsMarkdown() string {
	kinds := []WorkspaceKind{KindTenant, KindDeveloper}
	var b strings.Builder
	b.WriteString("| action | what it allows |")
	for _, k := range kinds {
		for _, r := range Roles {
			fmt.Fprintf(&b, " %s %s |", k, r)
		}
	}
	b.WriteString("\n|---|---|")
	for range kinds {
		for range Roles {
			b.WriteString(":-:|")
		}
	}
	b.WriteString("\n")
	for _, a := range Actions {
		fmt.Fprintf(&b, "| `%s` | %s |", a, actionDocs[a])
		for _, k := range kinds {
			for _, r := range Roles {
				cell := "no"
				if Allows(k, Member{Role: r, Status: MemberActive}, a) {
					cell = "yes"
				}
				fmt.Fprintf(&b, " %s |", cell)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
