package api_test

import (
	"strings"
	"testing"
	"time"
)

type termsStandingBody struct {
	Version     int
	URL         string
	MustAccept  bool
	AcceptedAt  *time.Time
	PublishedAt time.Time
}

type meWithTerms struct {
	UserID string
	Terms  *termsStandingBody
}

func publishPlatformTerms(t *testing.T, tenant client, url string) int {
	t.Helper()
	var s struct{ Terms struct{ Version int } }
	tenant.must(201, "POST", "/v1/workspaces/ws_tenant/settings/terms", map[string]string{"url": url}).decode(t, &s)
	return s.Terms.Version
}

// Applicants accept the platform's current terms with their application, and
// that acceptance is recorded for the account it creates; every user accepts
// each newer version once, and GET /v1/me says when one is due.
func TestTermsOfServiceAcceptance(t *testing.T) {
	tenant := tenantAdmin(t)
	_, member := developerWorkspace(t)
	anon := anonymous(t)

	before := currentTermsVersion()
	if before == 0 {
		// Nothing to accept: an application that names a version is refused, and /v1/me says nothing.
		body := application(uniqueEmail("noterms"))
		body["termsVersion"] = 1
		if f := fieldErrors(t, anon.must(400, "POST", "/v1/applications", body)); !strings.Contains(f["termsVersion"], "no terms") {
			t.Errorf("termsVersion without terms: %v", f)
		}
		var me meWithTerms
		member.must(200, "GET", "/v1/me", nil).decode(t, &me)
		if me.Terms != nil {
			t.Errorf("terms in /v1/me before any are published: %+v", me.Terms)
		}
		member.must(409, "POST", "/v1/terms/accept", map[string]int{"version": 1}).problem(t)
	}

	v := publishPlatformTerms(t, tenant, "https://tenant.example.com/terms/a")
	if v != before+1 {
		t.Fatalf("published version %d after %d", v, before)
	}
	var pub struct {
		Terms *struct {
			Version int
			URL     string
		}
	}
	anon.must(200, "GET", "/v1/terms", nil).decode(t, &pub)
	if pub.Terms == nil || pub.Terms.Version != v || pub.Terms.URL != "https://tenant.example.com/terms/a" {
		t.Fatalf("GET /v1/terms: %+v", pub.Terms)
	}

	// Applications: refused without the current version, with a sentence on the field.
	for _, tc := range []struct {
		name     string
		version  any
		contains string
	}{
		{"left out", nil, "read the terms of service"},
		{"another version", v + 7, "changed to version"},
		{"a future version", v + 1, "changed to version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := application(uniqueEmail("terms"))
			delete(body, "termsVersion")
			if tc.version != nil {
				body["termsVersion"] = tc.version
			}
			f := fieldErrors(t, anon.must(400, "POST", "/v1/applications", body))
			if !strings.Contains(f["termsVersion"], tc.contains) || !strings.Contains(f["termsVersion"], "https://tenant.example.com/terms/a") {
				t.Errorf("termsVersion error %q, want it to contain %q and the URL", f["termsVersion"], tc.contains)
			}
		})
	}

	// A member who has not accepted this version must; a stale or missing version is refused.
	var me meWithTerms
	member.must(200, "GET", "/v1/me", nil).decode(t, &me)
	if me.Terms == nil || !me.Terms.MustAccept || me.Terms.Version != v || me.Terms.AcceptedAt != nil {
		t.Fatalf("before accepting: %+v", me.Terms)
	}
	member.must(400, "POST", "/v1/terms/accept", map[string]any{}).problem(t)
	if p := member.must(409, "POST", "/v1/terms/accept", map[string]int{"version": v + 1}).problem(t); !strings.Contains(p.Detail, "read version") {
		t.Errorf("stale accept: %+v", p)
	}
	anon.must(401, "POST", "/v1/terms/accept", map[string]int{"version": v}).problem(t)
	var acc, again struct {
		UserID     string
		Version    int
		AcceptedAt time.Time
		Via        string
	}
	member.must(200, "POST", "/v1/terms/accept", map[string]int{"version": v}).decode(t, &acc)
	if acc.UserID != member.userID || acc.Version != v || acc.Via != "console" {
		t.Fatalf("acceptance %+v", acc)
	}
	member.must(200, "POST", "/v1/terms/accept", map[string]int{"version": v}).decode(t, &again)
	if !again.AcceptedAt.Equal(acc.AcceptedAt) {
		t.Errorf("accepting again recorded a new acceptance: %v then %v", acc.AcceptedAt, again.AcceptedAt)
	}
	member.must(200, "GET", "/v1/me", nil).decode(t, &me)
	if me.Terms == nil || me.Terms.MustAccept || me.Terms.AcceptedAt == nil || !me.Terms.AcceptedAt.Equal(acc.AcceptedAt) {
		t.Fatalf("after accepting: %+v", me.Terms)
	}

	// An applicant who accepted is not asked again once their account exists.
	email := uniqueEmail("accepted")
	var created struct{ ID string }
	anon.must(201, "POST", "/v1/applications", application(email)).decode(t, &created)
	tenant.must(200, "POST", "/v1/approvals/"+created.ID+"/approve", nil)
	applicant := signIn(t, email)
	var fresh meWithTerms
	applicant.must(200, "GET", "/v1/me", nil).decode(t, &fresh)
	if fresh.Terms == nil || fresh.Terms.MustAccept || fresh.Terms.AcceptedAt == nil {
		t.Fatalf("the applicant's acceptance was not recorded: %+v", fresh.Terms)
	}

	// A newer version is due for everyone, until each accepts it.
	v2 := publishPlatformTerms(t, tenant, "https://tenant.example.com/terms/b")
	for _, c := range []client{member, applicant} {
		c.must(200, "GET", "/v1/me", nil).decode(t, &me)
		if me.Terms == nil || !me.Terms.MustAccept || me.Terms.Version != v2 || me.Terms.URL != "https://tenant.example.com/terms/b" {
			t.Errorf("after a new version %s: %+v", c.email, me.Terms)
		}
	}
	member.must(409, "POST", "/v1/terms/accept", map[string]int{"version": v}).problem(t)
	member.must(200, "POST", "/v1/terms/accept", map[string]int{"version": v2})
	member.must(200, "GET", "/v1/me", nil).decode(t, &me)
	if me.Terms.MustAccept {
		t.Errorf("still due after accepting v%d: %+v", v2, me.Terms)
	}
}
