package api_test

import (
	"fmt"
	"sync"
	"testing"
)

// TestIfMatchUpdates holds every update of one versioned entity to the same
// rules (ifMatchUpdate): two sent at once with the same If-Match, exactly one
// wins and the other gets 412; the winner's ETag is the next version; a stale
// If-Match is 412 and a missing one 428; and a caller who may not see the
// entity gets 404 (403 for feedback) before any of that is looked at.
func TestIfMatchUpdates(t *testing.T) {
	tenant := tenantAdmin(t)
	ws, admin := developerWorkspace(t)
	_, outsider := developerWorkspace(t)
	wsPath := "/v1/workspaces/" + ws

	type route struct {
		name    string
		who     client
		method  string
		path    string
		body    func(i int) any // a valid body; i tells the two racers apart
		refused int             // what outsider gets
		etag    string          // the current ETag, where the entity has no GET
	}
	app := createApp(t, tenant, "Race App")
	j := createJSAPI(t, tenant, "race", "ios")
	f := createFeature(t, tenant, fmt.Sprintf("Race Feature %d", seq.Add(1)), j.Name)
	var fb struct{ ID string }
	created := admin.must(201, "POST", "/v1/feedback", map[string]any{"category": "bug", "text": "Races."})
	created.decode(t, &fb)
	mp := miniProgram(t, admin, ws, "Race Shop")
	routes := []route{
		{"app", tenant, "PATCH", "/v1/apps/" + app.ID, func(i int) any { return map[string]any{"name": fmt.Sprintf("Race App %d", i)} }, 404, ""},
		{"jsapi", tenant, "PATCH", "/v1/jsapis/" + j.Name, func(i int) any { return map[string]any{"description": fmt.Sprintf("Racer %d", i)} }, 404, ""},
		{"feature", tenant, "PATCH", "/v1/features/" + f.ID, func(i int) any { return map[string]any{"description": fmt.Sprintf("Racer %d", i)} }, 404, ""},
		{"feedback", tenant, "PATCH", "/v1/feedback/" + fb.ID, func(i int) any { return map[string]any{"note": fmt.Sprintf("Racer %d", i)} }, 403, created.Header.Get("ETag")},
		{"mini program", admin, "PATCH", mp, func(i int) any { return map[string]any{"name": fmt.Sprintf("Race Shop %d", i)} }, 404, ""},
		{"settings", admin, "PUT", wsPath + "/settings", func(i int) any { return settingsDoc("", "") }, 404, ""},
		{"workspace", admin, "PATCH", wsPath, func(i int) any { return map[string]any{"description": fmt.Sprintf("Racer %d", i)} }, 404, ""},
		{"testers", admin, "PUT", wsPath + "/testers", func(i int) any { return map[string]any{"items": []any{}} }, 404, ""},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			outsider.must(rt.refused, rt.method, rt.path, rt.body(0)).problem(t) // refused before the missing If-Match
			current := func() string {
				if rt.etag != "" { // only the winner's answer tells
					return rt.etag
				}
				return rt.who.must(200, "GET", rt.path, nil).Header.Get("ETag")
			}
			tag := current()
			var wg sync.WaitGroup
			got := make([]response, 2)
			for i := range got {
				wg.Go(func() { got[i] = rt.who.do(rt.method, rt.path, rt.body(i+1), "If-Match", tag) })
			}
			wg.Wait()
			won := -1
			for i, res := range got {
				switch res.Status {
				case 200:
					if won >= 0 {
						t.Fatalf("both updates with If-Match %s won: %s / %s", tag, got[0].Body, got[1].Body)
					}
					won = i
				case 412:
				default:
					t.Fatalf("racer %d: %d %s, want 200 or 412", i, res.Status, res.Body)
				}
			}
			if won < 0 {
				t.Fatalf("neither update with If-Match %s won: %s / %s", tag, got[0].Body, got[1].Body)
			}
			next := got[won].Header.Get("ETag")
			if rt.etag != "" {
				rt.etag = next
			}
			if now := current(); next == tag || now != next {
				t.Errorf("ETag %s before, %s from the winner, %s after", tag, next, now)
			}
			rt.who.must(412, rt.method, rt.path, rt.body(3), "If-Match", tag).problem(t)
			rt.who.must(428, rt.method, rt.path, rt.body(3)).problem(t)
			rt.who.must(200, rt.method, rt.path, rt.body(4), "If-Match", next)
		})
	}
}
