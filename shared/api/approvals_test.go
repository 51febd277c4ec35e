package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// A requester reads and withdraws their approvals only while an active member
// of the workspace they asked for: once removed or blocked, 403.
func TestFormerRequesterLosesTheirApprovals(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, devAdmin := developerWorkspace(t)
	mp := miniProgram(t, devAdmin, ws, "Requester Shop")
	f := createFeature(t, tenant, "Requested feature", createJSAPI(t, tenant, "req", "ios").Name)
	for _, tc := range []struct {
		name  string
		leave func(c client)
	}{
		{"removed", func(c client) { devAdmin.must(204, "DELETE", "/v1/workspaces/"+ws+"/members/"+c.userID, nil) }},
		{"blocked", func(c client) { devAdmin.must(200, "POST", "/v1/workspaces/"+ws+"/members/"+c.userID+"/block", nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			devAdmin.t = t
			dev := addMember(t, devAdmin, ws, "developer")
			var ap struct{ ID string }
			dev.must(201, "POST", mp+"/features", map[string]any{"featureId": f.ID}).decode(t, &ap)
			dev.must(200, "GET", "/v1/approvals/"+ap.ID, nil)
			tc.leave(dev)
			dev.must(403, "GET", "/v1/approvals/"+ap.ID, nil).problem(t)
			dev.must(403, "POST", "/v1/approvals/"+ap.ID+"/withdraw", nil).problem(t)
			var still struct{ Status string }
			tenant.must(200, "GET", "/v1/approvals/"+ap.ID, nil).decode(t, &still)
			if still.Status != "in_review" {
				t.Fatalf("the approval is %s", still.Status)
			}
			// Free the feature's lock for the next case.
			tenant.must(200, "POST", "/v1/approvals/"+ap.ID+"/reject", map[string]string{"reason": "gone"})
		})
	}
}

// accessToken signs a user in and returns their access token, which carries
// the subject but no email.
func accessToken(t *testing.T, c client) client {
	t.Helper()
	out, err := cip.NewFromConfig(env.AWS).InitiateAuth(context.Background(), &cip.InitiateAuthInput{ClientId: &env.Config.ClientID,
		AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": c.email, "PASSWORD": password}})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("sign in %s: %v", c.email, err)
	}
	c.token = aws.ToString(out.AuthenticationResult.AccessToken)
	return c
}

// Nobody approves their own application, whichever token they hold: the
// applicant (signed out when applying) is the user who holds the application's
// email, compared by subject.
func TestNobodyApprovesTheirOwnApplication(t *testing.T) {
	tenant := tenantAdmin(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	var created struct{ ID string }
	anonymous(t).must(201, "POST", "/v1/applications", application(reviewer.email)).decode(t, &created)
	byAccess := accessToken(t, reviewer)
	var me struct{ UserID, Email string }
	byAccess.must(200, "GET", "/v1/me", nil).decode(t, &me)
	if me.UserID != reviewer.userID || me.Email != "" {
		t.Fatalf("access token caller %+v", me)
	}
	for name, c := range map[string]client{"access token": byAccess, "ID token": reviewer} {
		t.Run(name, func(t *testing.T) {
			c.t = t
			p := c.must(403, "POST", "/v1/approvals/"+created.ID+"/approve", nil).problem(t)
			if !strings.Contains(p.Detail, "own") {
				t.Fatalf("problem %+v", p)
			}
		})
	}
	var approved struct {
		Status    string
		Requester struct{ UserID, Email string }
		DecidedBy string
	}
	tenant.must(200, "POST", "/v1/approvals/"+created.ID+"/approve", nil).decode(t, &approved)
	if approved.Status != "approved" || approved.Requester.UserID != reviewer.userID || approved.DecidedBy != tenant.userID {
		t.Fatalf("approved %+v", approved)
	}
}
