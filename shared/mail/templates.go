package mail

import (
	"fmt"
	"strings"
)

// ApplicationReceived acknowledges an application for an account.
func ApplicationReceived(to, company, approvalID string) Message {
	return Message{To: to, Subject: "We received your application",
		Text: fmt.Sprintf("Thank you for applying for a developer account for %s.\n\nYour application %s is in review; we will email you the decision.\n", company, approvalID)}
}

// ApplicationApproved tells an applicant their workspace exists and how to sign in.
func ApplicationApproved(to, workspace, consoleURL, temporaryPassword string) Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Your application was approved: the workspace %q is ready and you are its admin.\n\n", workspace)
	writeSignIn(&b, to, consoleURL, temporaryPassword)
	return Message{To: to, Subject: "Your developer workspace is ready", Text: b.String()}
}

// ApplicationRejected tells an applicant why their application was declined.
func ApplicationRejected(to, company, reason string) Message {
	return Message{To: to, Subject: "Your application was not approved",
		Text: fmt.Sprintf("Your application for %s was not approved.\n\nReason: %s\n\nYou may apply again once this is addressed.\n", company, reason)}
}

// Invitation invites someone to a workspace.
func Invitation(to, workspace, role, acceptURL, token, temporaryPassword string, days int) Message {
	var b strings.Builder
	fmt.Fprintf(&b, "You are invited to join the workspace %q as %s.\n\n", workspace, role)
	fmt.Fprintf(&b, "Accept within %d days: %s\n(or send the token %s to the accept endpoint)\n\n", days, acceptURL, token)
	if temporaryPassword != "" {
		fmt.Fprintf(&b, "Sign in first with %s and this temporary password, which you will change at first sign-in:\n\n    %s\n", to, temporaryPassword)
	}
	return Message{To: to, Subject: "Invitation to " + workspace, Text: b.String()}
}

// Decision tells a requester how their request was decided.
func Decision(to, title, status, reason, comment string) Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Your request %q was %s.\n", title, status)
	if reason != "" {
		fmt.Fprintf(&b, "\nReason: %s\n", reason)
	}
	if comment != "" {
		fmt.Fprintf(&b, "\nComment: %s\n", comment)
	}
	return Message{To: to, Subject: "Your request was " + status, Text: b.String()}
}

// Released tells a launch's requester that their version is out.
func Released(to, miniProgram, version, strategy string, percentage int) Message {
	return Message{To: to, Subject: miniProgram + " " + version + " is released",
		Text: fmt.Sprintf("%s %s is released (%s, %d%% of users).\n", miniProgram, version, strategy, percentage)}
}

// TenantAdmin tells the platform's first admin that the tenant workspace is
// ready and how to sign in (bootstrapping after the first deploy).
func TenantAdmin(to, workspace, consoleURL, temporaryPassword string) Message {
	var b strings.Builder
	fmt.Fprintf(&b, "The platform is ready: the tenant workspace %q exists and you are its first admin.\n\n", workspace)
	writeSignIn(&b, to, consoleURL, temporaryPassword)
	b.WriteString("\nFrom there you invite the tenant's reviewers and admins, and approve merchants' applications.\n")
	return Message{To: to, Subject: "Your mini program platform is ready", Text: b.String()}
}

// writeSignIn says where and how to sign in: with a temporary password when
// the account is new, else with the one the user has.
func writeSignIn(b *strings.Builder, to, consoleURL, temporaryPassword string) {
	fmt.Fprintf(b, "Sign in at %s with %s", consoleURL, to)
	if temporaryPassword != "" {
		fmt.Fprintf(b, " and this temporary password, which you will change at first sign-in:\n\n    %s\n", temporaryPassword)
	} else {
		b.WriteString(" and your existing password.\n")
	}
}
