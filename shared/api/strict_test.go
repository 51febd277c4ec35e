package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// goWords are encoding/json's words about Go that must never reach a client.
var goWords = []string{"Go struct", "Go value", "json:", "RawMessage", "[]json", "unmarshal"}

func hasGoWords(s string) string {
	for _, w := range goWords {
		if strings.Contains(s, w) {
			return w
		}
	}
	return ""
}

// TestRuntimeBatchRefusalsInUsersTerms: a signed batch with a malformed
// envelope, invalid UTF-8 or a repeated key is a 400 that says what is wrong
// in JSON's terms.
func TestRuntimeBatchRefusalsInUsersTerms(t *testing.T) {
	tenant := tenantAdmin(t)
	app := createApp(t, tenant, "Strict App")
	k := createKey(t, tenant, app.ID)
	for _, kind := range []string{"events", "crashes"} {
		for _, c := range []struct{ name, body, want string }{
			{"items a string", `{"items":"x"}`, `"items" must be an array of objects, not a string`},
			{"body an array", `[{"id":"x"}]`, `must be a JSON object like {"items":[...]}, not an array`},
			{"items twice", `{"items":[],"items":[{"id":"evt-00000001"}]}`, `the key "items" appears more than once`},
			{"a key twice in an item", `{"items":[{"id":"evt-00000001","id":"evt-00000002"}]}`, `items[0].id: the key "id"`},
			{"lone surrogate", `{"items":[{"id":"evt-0000000\udc00"}]}`, "lone UTF-16 surrogate"},
		} {
			t.Run(kind+"/"+c.name, func(t *testing.T) {
				res := runtimePost(t, "/v1/runtime/"+kind+"?app="+app.ID, k, json.RawMessage(c.body))
				p := res.problem(t)
				if res.Status != 400 || !strings.Contains(p.Detail, c.want) {
					t.Errorf("%d %s, want 400 with %q", res.Status, res.Body, c.want)
				}
				if w := hasGoWords(p.Detail); w != "" {
					t.Errorf("detail names Go: %q in %q", w, p.Detail)
				}
			})
		}
	}
}

// TestBodiesRefusedInUsersTerms: a console body with invalid UTF-8 or a
// repeated key is a 400 naming the problem, and nothing is created.
func TestBodiesRefusedInUsersTerms(t *testing.T) {
	ws, admin := developerWorkspace(t)
	target := "/v1/workspaces/" + ws + "/miniprograms"
	for _, c := range []struct{ name, body, field, want string }{
		{"invalid UTF-8", "{\"name\":\"Caf\xe9\",\"category\":\"shopping\"}", "", "not valid UTF-8"},
		{"duplicate key", `{"name":"A","name":"B","category":"shopping"}`, "name", "appears more than once"},
		{"wrong type", `{"name":["A"],"category":"shopping"}`, "name", "must be a string, not an array"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := admin.do("POST", target, c.body)
			p := res.problem(t)
			got := p.Detail
			if c.field != "" {
				if len(p.Errors) != 1 || p.Errors[0].Field != c.field {
					t.Fatalf("errors %+v, want field %s", p.Errors, c.field)
				}
				got = p.Errors[0].Message
			}
			if res.Status != 400 || !strings.Contains(got, c.want) {
				t.Errorf("%d %s, want 400 with %q", res.Status, res.Body, c.want)
			}
		})
	}
	var list struct{ Items []any }
	admin.must(200, "GET", target, nil).decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("a refused body created %d mini programs", len(list.Items))
	}
}

// TestIfMatchAny: `If-Match: *` updates whatever version is current
// (RFC 9110 §13.1.1); a named stale version is still a 412, and no If-Match a 428.
func TestIfMatchAny(t *testing.T) {
	ws, admin := developerWorkspace(t)
	mpPath := miniProgram(t, admin, ws, "Any Version Shop")
	admin.must(200, "PATCH", mpPath, map[string]string{"name": "Renamed once"}, "If-Match", `"v1"`)
	admin.must(412, "PATCH", mpPath, map[string]string{"name": "Stale"}, "If-Match", `"v1"`)
	admin.must(428, "PATCH", mpPath, map[string]string{"name": "Blind"})
	res := admin.must(200, "PATCH", mpPath, map[string]string{"name": "Renamed blindly"}, "If-Match", "*")
	var got struct{ Name string }
	res.decode(t, &got)
	if got.Name != "Renamed blindly" || res.Header.Get("ETag") != `"v3"` {
		t.Errorf("If-Match: * gave %s %s", res.Header.Get("ETag"), res.Body)
	}
	admin.must(200, "PUT", "/v1/workspaces/"+ws+"/testers", map[string]any{"items": []any{}}, "If-Match", "*")
}

// TestMalformedParametersSayWhatIsWrong: a query parameter that was sent but
// is malformed is a 400 that names it and says what it must be, never that it
// "is required", and never in Go's words.
func TestMalformedParametersSayWhatIsWrong(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, admin := developerWorkspace(t)
	mp := miniProgram(t, admin, ws, "Param Shop")
	for _, c := range []struct {
		who    client
		target string
		field  string
	}{
		{admin, "/v1/workspaces/" + ws + "/miniprograms?limit=abc", "limit"},
		{admin, "/v1/workspaces/" + ws + "/miniprograms?limit=0", "limit"},
		{admin, "/v1/workspaces/" + ws + "/miniprograms?cursor=not-a-cursor", "cursor"},
		{tenant, "/v1/approvals?status=maybe", "status"},
		{tenant, "/v1/approvals?type=everything", "type"},
		{admin, mp + "/launches?status=sideways", "status"},
		{admin, mp + "/analytics?from=yesterday", "from"},
		{admin, mp + "/analytics?from=2026-01-02&to=2026-01-01", "to"},
		{admin, mp + "/analytics?from=2026-01-01&to=2026-01-02&metric=vibes", "metric"},
		{admin, mp + "/crashes?from=2026-01-01&to=2026-01-02&status=sideways", "status"},
		{admin, mp + "/crashes?from=2026-01-01&to=someday", "to"},
	} {
		t.Run(c.target, func(t *testing.T) {
			res := c.who.do("GET", c.target, nil)
			if res.Status != 400 {
				t.Fatalf("%d %s, want 400", res.Status, res.Body)
			}
			p := res.problem(t)
			text, own := p.Detail, p.Detail
			named := false
			for _, e := range p.Errors {
				text += " " + e.Message
				if e.Field == c.field {
					named, own = true, e.Message
				}
			}
			if !named && !strings.Contains(p.Detail, c.field) {
				t.Errorf("the problem does not name %s: %s", c.field, res.Body)
			}
			if strings.Contains(own, "is required") {
				t.Errorf("says the sent %s is required: %s", c.field, res.Body)
			}
			if w := hasGoWords(text); w != "" {
				t.Errorf("names Go (%q): %s", w, res.Body)
			}
		})
	}
}
