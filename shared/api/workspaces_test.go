package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestWorkspaceGeneralInfo(t *testing.T) {
	ws, admin := developerWorkspace(t)
	base := "/v1/workspaces/" + ws
	got := admin.must(200, "GET", base, nil)
	tag := got.Header.Get("ETag")
	if tag != `"v1"` {
		t.Fatalf("ETag %q", tag)
	}
	patch := map[string]any{"name": "Acme Mini Apps", "description": "Shopping", "logo": "assets/" + ws + "/logo.png",
		"contact": map[string]string{"name": "Bo", "email": "bo@acme.test", "phone": "+6591234567"}}
	admin.must(428, "PATCH", base, patch).problem(t)
	admin.must(412, "PATCH", base, patch, "If-Match", "garbage").problem(t)
	p := admin.must(400, "PATCH", base, map[string]any{"name": "x", "contact": map[string]string{"email": "no"}}, "If-Match", tag).problem(t)
	for _, f := range []string{"name", "contact.name", "contact.email"} {
		if !slices.Contains(p.fields(), f) {
			t.Errorf("fields %v lack %s", p.fields(), f)
		}
	}
	admin.must(400, "PATCH", base, map[string]any{}, "If-Match", tag).problem(t)
	var updated struct {
		Name    string
		Version int
		Contact struct{ Email string }
	}
	res := admin.must(200, "PATCH", base, patch, "If-Match", tag)
	res.decode(t, &updated)
	if updated.Name != "Acme Mini Apps" || updated.Version != 2 || res.Header.Get("ETag") != `"v2"` || updated.Contact.Email != "bo@acme.test" {
		t.Fatalf("updated %+v", updated)
	}
	admin.must(412, "PATCH", base, patch, "If-Match", tag).problem(t)

	var mine struct {
		Items []struct{ ID, Name, Role string }
	}
	admin.must(200, "GET", "/v1/workspaces", nil).decode(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Name != "Acme Mini Apps" || mine.Items[0].Role != "admin" {
		t.Fatalf("my workspaces %+v", mine.Items)
	}
}

func TestTesterWhitelist(t *testing.T) {
	ws, admin := developerWorkspace(t)
	path := "/v1/workspaces/" + ws + "/testers"
	res := admin.must(200, "GET", path, nil)
	if res.Header.Get("ETag") != `"v0"` || !strings.Contains(string(res.Body), `"items":[]`) {
		t.Fatalf("empty whitelist %s %v", res.Body, res.Header)
	}
	tooMany := make([]map[string]string, 101)
	for i := range tooMany {
		tooMany[i] = map[string]string{"userId": fmt.Sprintf("u%d", i)}
	}
	for name, body := range map[string]any{
		"101 entries": map[string]any{"items": tooMany},
		"duplicate":   map[string]any{"items": []map[string]string{{"userId": "a"}, {"userId": "a"}}},
		"bad id":      map[string]any{"items": []map[string]string{{"userId": "has space"}}},
		"email as id": map[string]any{"items": []map[string]string{{"userId": "bo@acme.test"}}},
		"bad email":   map[string]any{"items": []map[string]string{{"email": "not an email"}}},
		"empty item":  map[string]any{"items": []map[string]string{{"note": "who?"}}},
		"missing":     map[string]any{},
	} {
		t.Run(name, func(t *testing.T) { admin.must(400, "PUT", path, body, "If-Match", `"v0"`).problem(t) })
	}
	list := map[string]any{"items": []map[string]string{{"userId": "tester-1", "note": "QA"}, {"userId": "tester-2"}}}
	admin.must(200, "PUT", path, list, "If-Match", `"v0"`)
	admin.must(412, "PUT", path, list, "If-Match", `"v0"`).problem(t)
	var got struct {
		Items []struct{ UserID, Note string }
	}
	admin.must(200, "GET", path, nil).decode(t, &got)
	if len(got.Items) != 2 || got.Items[0].Note != "QA" {
		t.Fatalf("whitelist %+v", got.Items)
	}
	max := map[string]any{"items": tooMany[:100]}
	admin.must(200, "PUT", path, max, "If-Match", `"v1"`)
}

// Testers added by email are stored by subject (the Cognito sub the email
// resolves to), so a user who later takes a whitelisted address gets nothing.
func TestTestersAreMatchedBySubject(t *testing.T) {
	ctx := context.Background()
	ws, admin := developerWorkspace(t)
	mp := miniProgram(t, admin, ws, "Subject Shop")
	uploadAndProcess(t, admin, mp, "1.0.0", validPkg(t, "1.0.0"))
	outsider := signIn(t, uniqueEmail("outsider"))
	tester := signIn(t, uniqueEmail("tester"))
	path := "/v1/workspaces/" + ws + "/testers"

	unknown := uniqueEmail("nobody")
	var saved struct {
		Items      []struct{ UserID, Email, Note string }
		Unresolved []string
		Version    int
	}
	admin.must(200, "PUT", path, map[string]any{"items": []map[string]string{
		{"email": strings.ToUpper(tester.email), "note": "QA"}, {"email": unknown}, {"userId": "super-app-user-7"}}}, "If-Match", `"v0"`).decode(t, &saved)
	if len(saved.Items) != 2 || saved.Items[0].UserID != tester.userID || saved.Items[0].Email != tester.email || saved.Items[1].UserID != "super-app-user-7" ||
		!slices.Equal(saved.Unresolved, []string{unknown}) {
		t.Fatalf("saved %+v, want the tester by sub, the super app user, and %s unresolved", saved, unknown)
	}
	tester.must(200, "POST", mp+"/versions/1.0.0/trial", nil)

	// The tester moves to a new address; the outsider takes the old one (even
	// verified) and signs in with it.
	moved := uniqueEmail("moved")
	setEmail := func(from, to string) {
		t.Helper()
		if _, err := cip.NewFromConfig(env.AWS).AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &env.Config.UserPoolID,
			Username: aws.String(from), UserAttributes: []ciptypes.AttributeType{
				{Name: aws.String("email"), Value: aws.String(to)}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
			t.Fatal(err)
		}
	}
	setEmail(tester.email, moved)
	setEmail(outsider.email, tester.email)
	signedIn := func(email string) client {
		t.Helper()
		token, err := env.SignIn(ctx, email, password, "")
		if err != nil {
			t.Fatal(err)
		}
		return client{t: t, token: token}
	}
	impostor := signedIn(tester.email)
	var me struct{ UserID, Email string }
	impostor.must(200, "GET", "/v1/me", nil).decode(t, &me)
	if me.UserID != outsider.userID || me.Email != tester.email {
		t.Fatalf("the impostor's token says %+v; want the outsider's sub with the tester's email", me)
	}
	impostor.must(404, "POST", mp+"/versions/1.0.0/trial", nil).problem(t)
	signedIn(moved).must(200, "POST", mp+"/versions/1.0.0/trial", nil) // the tester, by subject

	// Sending the list back unchanged keeps the subject it was resolved to,
	// even though the address now finds the impostor.
	var again struct {
		Items []struct{ UserID, Email string }
	}
	admin.must(200, "PUT", path, map[string]any{"items": saved.Items}, "If-Match", `"v1"`).decode(t, &again)
	if len(again.Items) != 2 || again.Items[0].UserID != tester.userID {
		t.Fatalf("after a round trip %+v", again.Items)
	}
}

func TestAuthorizationRevocation(t *testing.T) {
	ws, _ := developerWorkspace(t)
	admin := tenantAdmin(t)
	var list struct {
		Items []struct{ ID, WorkspaceID, Status string }
	}
	admin.must(200, "GET", "/v1/authorizations?limit=100", nil).decode(t, &list)
	id := ""
	for _, a := range list.Items {
		if a.WorkspaceID == ws {
			id = a.ID
		}
	}
	if id == "" {
		t.Fatal("no authorization for the new workspace")
	}
	var revoked struct{ Status, RevokedBy string }
	admin.must(200, "DELETE", "/v1/authorizations/"+id, nil).decode(t, &revoked)
	if revoked.Status != "revoked" || revoked.RevokedBy != admin.userID {
		t.Fatalf("revoked %+v", revoked)
	}
	admin.must(200, "DELETE", "/v1/authorizations/"+id, nil) // idempotent
	admin.must(404, "DELETE", "/v1/authorizations/authz_unknown", nil).problem(t)
	w, err := env.Store.GetWorkspace(t.Context(), ws)
	if err != nil || w.Authorization != "revoked" {
		t.Fatalf("workspace authorization %q, %v", w.Authorization, err)
	}
}

func TestListsPage(t *testing.T) {
	ws, admin := developerWorkspace(t)
	for range 4 {
		addMember(t, admin, ws, "developer")
	}
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		var page struct {
			Items      []struct{ UserID string }
			NextCursor string
		}
		admin.must(200, "GET", "/v1/workspaces/"+ws+"/members?limit=2&cursor="+cursor, nil).decode(t, &page)
		pages++
		for _, m := range page.Items {
			if seen[m.UserID] {
				t.Fatalf("member %s on two pages", m.UserID)
			}
			seen[m.UserID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 5 || pages < 3 {
		t.Fatalf("%d members over %d pages", len(seen), pages)
	}
	// A cursor from another list is refused, not passed to DynamoDB.
	var other struct{ NextCursor string }
	admin.must(200, "GET", "/v1/workspaces/"+ws+"/members?limit=1", nil).decode(t, &other)
	ws2, admin2 := developerWorkspace(t)
	admin2.must(400, "GET", "/v1/workspaces/"+ws2+"/members?cursor="+other.NextCursor, nil).problem(t)
}
