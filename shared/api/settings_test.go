package api_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"
)

type termsBody struct {
	Version     int
	URL         string
	PublishedAt time.Time
	PublishedBy string
}

type settingsBody struct {
	Branding     struct{ Logo, Favicon string }
	BrandingURLs map[string]string
	Email        struct {
		SenderAddress, SenderName string
		Notifications             map[string]bool
	}
	Domains      struct{ Console, API string }
	AboutUsURL   string
	Terms        *termsBody
	TermsHistory []termsBody
	Testers      *struct{ Items []struct{ UserID string } }
	Version      int
}

// pngImage encodes a w×h PNG.
func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadAsset reserves an asset of ws declared as contentType, PUTs data to its
// presigned URL and returns its reference.
func uploadAsset(t testing.TB, c client, ws, kind, contentType string, data []byte) string {
	t.Helper()
	var a struct {
		Asset  string
		Upload struct {
			URL, Method string
			Headers     map[string]string
		}
	}
	c.must(201, "POST", "/v1/workspaces/"+ws+"/settings/assets", map[string]any{"kind": kind, "contentType": contentType,
		"size": len(data), "sha256": sha(data)}).decode(t, &a)
	var u upload
	u.Upload.URL, u.Upload.Method, u.Upload.Headers = a.Upload.URL, a.Upload.Method, a.Upload.Headers
	put(t, u, data)
	return a.Asset
}

// settingsDoc is a valid PUT body.
func settingsDoc(logo, favicon string) map[string]any {
	return map[string]any{
		"branding": map[string]string{"logo": logo, "favicon": favicon},
		"email": map[string]any{"senderAddress": "News@Shop.example.com", "senderName": "Shop News",
			"notifications": map[string]bool{"applicationDecisions": true, "launchDecisions": false, "releases": true, "invitations": false}},
		"domains":    map[string]string{"console": "console.shop.example.com", "api": "api.shop.example.com"},
		"aboutUsUrl": "https://shop.example.com/about",
	}
}

func fieldErrors(t testing.TB, r response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range r.problem(t).Errors {
		out[e.Field] = e.Message
	}
	return out
}

func TestSettingsRoundTrip(t *testing.T) {
	ws, admin := developerWorkspace(t)
	developer := addMember(t, admin, ws, "developer")
	path := "/v1/workspaces/" + ws + "/settings"

	var s settingsBody
	r := developer.must(200, "GET", path, nil)
	r.decode(t, &s)
	if r.Header.Get("ETag") != `"v0"` || s.Version != 0 || s.Terms != nil || len(s.TermsHistory) != 0 || s.Testers == nil || !s.Email.Notifications["releases"] {
		t.Fatalf("defaults: %s", r.Body)
	}

	admin.must(428, "PUT", path, settingsDoc("", "")).problem(t)
	admin.must(412, "PUT", path, settingsDoc("", ""), "If-Match", `"v3"`).problem(t)
	developer.must(403, "PUT", path, settingsDoc("", ""), "If-Match", `"v0"`).problem(t)
	r = admin.must(200, "PUT", path, settingsDoc("", ""), "If-Match", `"v0"`)
	r.decode(t, &s)
	if r.Header.Get("ETag") != `"v1"` || s.Email.SenderAddress != "news@shop.example.com" || s.Domains.API != "api.shop.example.com" ||
		s.Email.Notifications["launchDecisions"] || !s.Email.Notifications["applicationDecisions"] || s.AboutUsURL != "https://shop.example.com/about" {
		t.Fatalf("after PUT: %s", r.Body)
	}
	var again settingsBody
	developer.must(200, "GET", path, nil).decode(t, &again)
	if again.Version != 1 || again.Domains.Console != "console.shop.example.com" {
		t.Errorf("GET after PUT: %+v", again)
	}
	// A stale write loses; read-only fields are not part of the document.
	admin.must(412, "PUT", path, settingsDoc("", ""), "If-Match", `"v0"`).problem(t)
	doc := settingsDoc("", "")
	doc["terms"] = map[string]any{"url": "https://x.example.com"}
	admin.must(400, "PUT", path, doc, "If-Match", `"v1"`).problem(t)

	// Testers show up, read-only, in the settings.
	admin.must(200, "PUT", "/v1/workspaces/"+ws+"/testers", map[string]any{"items": []map[string]string{{"userId": "tester-1"}}}, "If-Match", `"v0"`)
	developer.must(200, "GET", path, nil).decode(t, &again)
	if again.Testers == nil || len(again.Testers.Items) != 1 || again.Testers.Items[0].UserID != "tester-1" {
		t.Errorf("testers in settings: %+v", again.Testers)
	}
	// Other workspaces' settings stay invisible.
	_, outsider := developerWorkspace(t)
	outsider.must(404, "GET", path, nil).problem(t)
}

func TestSettingsValidation(t *testing.T) {
	ws, admin := developerWorkspace(t)
	path := "/v1/workspaces/" + ws + "/settings"
	bad := func(mutate func(map[string]any), want ...string) {
		t.Helper()
		doc := settingsDoc("", "")
		mutate(doc)
		got := fieldErrors(t, admin.must(400, "PUT", path, doc, "If-Match", `"v0"`))
		for _, f := range want {
			if _, ok := got[f]; !ok {
				t.Errorf("want an error on %s, got %v", f, got)
			}
		}
	}
	domains := func(console, api string) func(map[string]any) {
		return func(d map[string]any) { d["domains"] = map[string]string{"console": console, "api": api} }
	}
	bad(domains("https://console.example.com", "api.example.com"), "domains.console")
	bad(domains("console.example.com:8443", "api.example.com"), "domains.console")
	bad(domains("Console.Example.com", "api.example.com"), "domains.console")
	bad(domains("console.example.com", "api_x.example.com"), "domains.api")
	bad(domains("console.example.com", "console.example.com"), "domains.api")
	bad(domains("localhost", "10.0.0.1"), "domains.console", "domains.api")
	bad(func(d map[string]any) { d["aboutUsUrl"] = "http://shop.example.com/about" }, "aboutUsUrl")
	bad(func(d map[string]any) { d["aboutUsUrl"] = "/about" }, "aboutUsUrl")
	bad(func(d map[string]any) { d["aboutUsUrl"] = "https://shop.example.com/" + strings.Repeat("a", 2000) }, "aboutUsUrl")
	bad(func(d map[string]any) {
		d["email"] = map[string]any{"senderAddress": "not an email", "senderName": "x", "notifications": map[string]bool{}}
	}, "email.senderAddress")
	bad(func(d map[string]any) {
		d["branding"] = map[string]string{"logo": "assets/ws_other/logo.png", "favicon": "https://evil.example.com/x.ico"}
	}, "branding.logo", "branding.favicon")
	// Every problem at once.
	bad(func(d map[string]any) {
		domains("HTTP://x", "y")(d)
		d["aboutUsUrl"] = "ftp://x.example.com"
	}, "domains.console", "domains.api", "aboutUsUrl")
	// Nothing was saved.
	if got := etag(t, admin, path); got != `"v0"` {
		t.Errorf("ETag after failed PUTs %s", got)
	}
}

func TestSettingsBranding(t *testing.T) {
	ws, admin := developerWorkspace(t)
	path := "/v1/workspaces/" + ws + "/settings"

	logoPNG, faviconPNG := pngImage(t, 200, 200), pngImage(t, 32, 32)
	logo := uploadAsset(t, admin, ws, "logo", "image/png", logoPNG)
	favicon := uploadAsset(t, admin, ws, "favicon", "image/png", faviconPNG)
	var s settingsBody
	admin.must(200, "GET", path, nil).decode(t, &s)
	if len(s.BrandingURLs) != 0 {
		t.Errorf("branding URLs before any image: %v", s.BrandingURLs)
	}
	admin.must(200, "PUT", path, settingsDoc(logo, favicon), "If-Match", `"v0"`).decode(t, &s)
	if s.Branding.Logo != logo || s.Branding.Favicon != favicon || s.Version != 1 {
		t.Fatalf("branding %+v", s)
	}
	// The branding images come with download URLs, so a console can show them.
	if !bytes.Equal(fetched(t, s.BrandingURLs["logo"]), logoPNG) || !bytes.Equal(fetched(t, s.BrandingURLs["favicon"]), faviconPNG) {
		t.Errorf("branding URLs %v do not serve the images", s.BrandingURLs)
	}

	refused := func(doc map[string]any, field, contains string) {
		t.Helper()
		got := fieldErrors(t, admin.must(400, "PUT", path, doc, "If-Match", `"v1"`))
		if !strings.Contains(got[field], contains) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", field, got[field], contains, got)
		}
	}
	text := uploadAsset(t, admin, ws, "logo", "image/png", []byte("just some text, renamed to .png\n"))
	if !strings.HasSuffix(text, ".png") {
		t.Fatalf("asset %s", text)
	}
	refused(settingsDoc(text, favicon), "branding.logo", "not a PNG")
	refused(settingsDoc(uploadAsset(t, admin, ws, "logo", "image/png", pngImage(t, 40, 40)), favicon), "branding.logo", "64 to 2048")
	refused(settingsDoc(uploadAsset(t, admin, ws, "logo", "image/png", pngImage(t, 3000, 64)), favicon), "branding.logo", "64 to 2048")
	refused(settingsDoc(uploadAsset(t, admin, ws, "logo", "image/png", pngImage(t, 200, 100)), favicon), "branding.logo", "square")
	refused(settingsDoc(logo, uploadAsset(t, admin, ws, "favicon", "image/png", pngImage(t, 32, 48))), "branding.favicon", "square")
	refused(settingsDoc(logo, uploadAsset(t, admin, ws, "favicon", "image/png", pngImage(t, 512, 512))), "branding.favicon", "16 to 256")
	script := `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><SCRIPT>alert(1)</SCRIPT></svg>`
	refused(settingsDoc(uploadAsset(t, admin, ws, "logo", "image/svg+xml", []byte(script)), favicon), "branding.logo", "script")
	for _, active := range []struct{ svg, says string }{
		{`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`, "event handler attribute onload"},
		{`<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text></a></svg>`, "script URL"},
		{`<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>`, "foreignObject"},
	} {
		refused(settingsDoc(uploadAsset(t, admin, ws, "logo", "image/svg+xml", []byte(active.svg)), favicon), "branding.logo", active.says)
	}
	refused(settingsDoc("assets/"+ws+"/never-uploaded.png", favicon), "branding.logo", "no file was uploaded")

	// A clean SVG logo passes (vector: no pixel bounds).
	svg := uploadAsset(t, admin, ws, "logo", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`))
	admin.must(200, "PUT", path, settingsDoc(svg, favicon), "If-Match", `"v1"`)
}

func TestTermsPublishing(t *testing.T) {
	ws, admin := developerWorkspace(t)
	developer := addMember(t, admin, ws, "developer")
	path := "/v1/workspaces/" + ws + "/settings"

	admin.must(400, "POST", path+"/terms", map[string]string{"url": "http://terms.example.com/v1"}).problem(t)
	admin.must(400, "POST", path+"/terms", map[string]string{}).problem(t)
	developer.must(403, "POST", path+"/terms", map[string]string{"url": "https://terms.example.com/v1"}).problem(t)

	before := time.Now().Add(-time.Minute)
	var s settingsBody
	r := admin.must(201, "POST", path+"/terms", map[string]string{"url": "https://terms.example.com/v1"})
	r.decode(t, &s)
	if s.Terms == nil || s.Terms.Version != 1 || s.Terms.PublishedBy != admin.userID || s.Terms.PublishedAt.Before(before) || len(s.TermsHistory) != 1 {
		t.Fatalf("first terms: %s", r.Body)
	}
	// Publishing bumps the settings' version: a PUT with the old ETag loses.
	admin.must(412, "PUT", path, settingsDoc("", ""), "If-Match", `"v0"`).problem(t)
	admin.must(200, "PUT", path, settingsDoc("", ""), "If-Match", r.Header.Get("ETag"))
	admin.must(201, "POST", path+"/terms", map[string]string{"url": "https://terms.example.com/v2"})
	admin.must(201, "POST", path+"/terms", map[string]string{"url": "https://terms.example.com/v3"}).decode(t, &s)
	if s.Terms.Version != 3 || s.Terms.URL != "https://terms.example.com/v3" || s.AboutUsURL != "https://shop.example.com/about" {
		t.Errorf("third terms: %+v", s)
	}
	developer.must(200, "GET", path, nil).decode(t, &s)
	var versions []int
	for _, h := range s.TermsHistory {
		versions = append(versions, h.Version)
	}
	if !slices.Equal(versions, []int{3, 2, 1}) || s.TermsHistory[2].URL != "https://terms.example.com/v1" {
		t.Errorf("history %v", s.TermsHistory)
	}
}

func TestTenantSettingsReadByEveryone(t *testing.T) {
	tenant := tenantAdmin(t)
	_, devAdmin := developerWorkspace(t)
	nobody := signIn(t, uniqueEmail("nobody"))
	path := "/v1/workspaces/ws_tenant/settings"
	tag := etag(t, tenant, path)
	var s settingsBody
	tenant.must(200, "PUT", path, settingsDoc("", ""), "If-Match", tag).decode(t, &s)
	for _, c := range []client{devAdmin, nobody} {
		var got settingsBody
		c.must(200, "GET", path, nil).decode(t, &got)
		if got.Version != s.Version || got.Domains.Console != "console.shop.example.com" || got.Testers != nil {
			t.Errorf("tenant settings as a non-member: %+v", got)
		}
	}
	devAdmin.must(404, "PUT", path, settingsDoc("", ""), "If-Match", `"v1"`).problem(t)
	nobody.must(404, "POST", path+"/terms", map[string]string{"url": "https://terms.example.com"}).problem(t)
	anonymous(t).must(401, "GET", path, nil)
}

type feedbackBody struct {
	ID, UserID, Category, Text, Screenshot, Status, Note, HandledBy string
	ScreenshotURL                                                   string
	Version                                                         int
}

func feedbackIDs(t testing.TB, c client, query string) []string {
	t.Helper()
	var page struct{ Items []feedbackBody }
	c.must(200, "GET", "/v1/feedback?limit=100&"+query, nil).decode(t, &page)
	var out []string
	for _, f := range page.Items {
		out = append(out, f.ID)
	}
	return out
}

func TestFeedback(t *testing.T) {
	tenant := tenantAdmin(t)
	reviewer := addMember(t, tenant, "ws_tenant", "reviewer")
	_, devAdmin := developerWorkspace(t)
	nobody := signIn(t, uniqueEmail("nobody"))

	// Validation.
	p := nobody.must(400, "POST", "/v1/feedback", map[string]any{"category": "rant", "text": " "}).problem(t)
	if !slices.Contains(p.fields(), "category") || !slices.Contains(p.fields(), "text") {
		t.Errorf("fields %v", p.fields())
	}
	nobody.must(400, "POST", "/v1/feedback", map[string]any{"category": "bug", "text": strings.Repeat("x", 5001)}).problem(t)
	nobody.must(400, "POST", "/v1/feedback/screenshots", map[string]any{"contentType": "image/gif", "size": 10, "sha256": sha([]byte("x"))}).problem(t)
	nobody.must(400, "POST", "/v1/feedback/screenshots", map[string]any{"contentType": "image/png", "size": 5<<20 + 1, "sha256": sha([]byte("x"))}).problem(t)

	// A screenshot goes through its presigned URL.
	shot := pngImage(t, 120, 80)
	var su struct {
		Screenshot string
		Upload     struct {
			URL, Method string
			Headers     map[string]string
		}
	}
	nobody.must(201, "POST", "/v1/feedback/screenshots", map[string]any{"contentType": "image/png", "size": len(shot), "sha256": sha(shot)}).decode(t, &su)
	if !strings.HasPrefix(su.Screenshot, "assets/feedback/"+nobody.userID+"/") {
		t.Fatalf("screenshot %s", su.Screenshot)
	}
	var u upload
	u.Upload.URL, u.Upload.Method, u.Upload.Headers = su.Upload.URL, su.Upload.Method, su.Upload.Headers
	put(t, u, shot)
	stored, err := env.Server.Packages.Read(context.Background(), su.Screenshot, 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, shot) {
		t.Errorf("stored screenshot differs")
	}
	// Someone else's screenshot cannot be attached.
	devAdmin.must(400, "POST", "/v1/feedback", map[string]any{"category": "bug", "text": "x", "screenshot": su.Screenshot}).problem(t)

	var bug, idea feedbackBody
	r := nobody.must(201, "POST", "/v1/feedback", map[string]any{"category": "bug", "text": "  The upload button hangs.  ", "screenshot": su.Screenshot})
	r.decode(t, &bug)
	if bug.Status != "open" || bug.Text != "The upload button hangs." || bug.UserID != nobody.userID || bug.Screenshot != su.Screenshot ||
		r.Header.Get("ETag") != `"v1"` || r.Header.Get("Location") != "/v1/feedback/"+bug.ID {
		t.Fatalf("feedback %s %v", r.Body, r.Header)
	}
	devAdmin.must(201, "POST", "/v1/feedback", map[string]any{"category": "suggestion", "text": "Dark mode, please."}).decode(t, &idea)

	// Only tenant admins list and handle.
	for _, c := range []client{nobody, devAdmin, reviewer} {
		c.must(403, "GET", "/v1/feedback", nil).problem(t)
		c.must(403, "PATCH", "/v1/feedback/"+bug.ID, map[string]any{"status": "handled"}, "If-Match", `"v1"`).problem(t)
	}
	var listed struct{ Items []feedbackBody }
	tenant.must(200, "GET", "/v1/feedback?limit=100", nil).decode(t, &listed)
	for _, f := range listed.Items {
		if f.ID == bug.ID && !bytes.Equal(fetched(t, f.ScreenshotURL), shot) {
			t.Errorf("the screenshot URL does not serve the screenshot")
		}
		if f.ID == idea.ID && f.ScreenshotURL != "" {
			t.Errorf("feedback without a screenshot has a screenshot URL")
		}
	}
	all := feedbackIDs(t, tenant, "")
	if i, j := slices.Index(all, idea.ID), slices.Index(all, bug.ID); i < 0 || j < 0 || i > j {
		t.Errorf("newest first: idea at %d, bug at %d", i, j)
	}
	tenant.must(400, "GET", "/v1/feedback?status=closed", nil).problem(t)

	tenant.must(428, "PATCH", "/v1/feedback/"+bug.ID, map[string]any{"status": "handled"}).problem(t)
	tenant.must(412, "PATCH", "/v1/feedback/"+bug.ID, map[string]any{"status": "handled"}, "If-Match", `"v7"`).problem(t)
	tenant.must(400, "PATCH", "/v1/feedback/"+bug.ID, map[string]any{"status": "closed"}, "If-Match", `"v1"`).problem(t)
	tenant.must(404, "PATCH", "/v1/feedback/fb_none", map[string]any{"status": "handled"}, "If-Match", `"v1"`).problem(t)
	var handled feedbackBody
	tenant.must(200, "PATCH", "/v1/feedback/"+bug.ID, map[string]any{"status": "handled", "note": "Fixed in 2.1"}, "If-Match", `"v1"`).decode(t, &handled)
	if handled.Status != "handled" || handled.Note != "Fixed in 2.1" || handled.HandledBy != tenant.userID || handled.Version != 2 {
		t.Errorf("handled %+v", handled)
	}
	if open, done := feedbackIDs(t, tenant, "status=open"), feedbackIDs(t, tenant, "status=handled"); slices.Contains(open, bug.ID) ||
		!slices.Contains(done, bug.ID) || !slices.Contains(open, idea.ID) || slices.Contains(done, idea.ID) {
		t.Errorf("open %v handled %v", open, done)
	}
	// Reopening clears who handled it.
	var reopened feedbackBody
	tenant.must(200, "PATCH", "/v1/feedback/"+bug.ID, map[string]any{"status": "open"}, "If-Match", `"v2"`).decode(t, &reopened)
	if reopened.Status != "open" || reopened.HandledBy != "" || reopened.Note != "Fixed in 2.1" {
		t.Errorf("reopened %+v", reopened)
	}
}
