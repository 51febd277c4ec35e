package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/mpdp/platform/localstack/gateway"
	"github.com/mpdp/platform/shared/api"
)

// limitedGateway serves the platform with small per-source limits; the
// X-Test-Source header plays API Gateway's sourceIp (RemoteAddr).
func limitedGateway(t *testing.T, limits api.Limits) string {
	t.Helper()
	deps := env.Server.Deps
	deps.Limits = limits
	h := gateway.New(api.New(deps), env.Verifier)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = net.JoinHostPort(r.Header.Get("X-Test-Source"), "443")
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// from sends a request to base as c from source ip; headers are name, value pairs.
func (c client) from(base, ip, method, path string, body any, headers ...string) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-Source", ip)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{Status: res.StatusCode, Header: res.Header, Body: b}
	checkContract(c.t, method, path, r)
	return r
}

// throttled checks a 429 problem with a Retry-After within the window.
func throttled(t *testing.T, r response, window time.Duration) {
	t.Helper()
	if r.Status != 429 {
		t.Fatalf("status %d, want 429: %s", r.Status, r.Body)
	}
	r.problem(t)
	after, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || after < 1 || time.Duration(after)*time.Second > window {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
}

func TestApplicationsAndResendsAreLimitedPerSource(t *testing.T) {
	window := time.Hour
	base := limitedGateway(t, api.Limits{Applications: api.Limit{Requests: 3, Window: window}, Resends: api.Limit{Requests: 2, Window: window}})
	// Addresses of this run only, so counters of earlier runs (same hour, same emulator) do not count.
	run := time.Now().UnixNano() & 0xffff
	ip := func(n int) string { return fmt.Sprintf("2001:db8:%x::%d", run, n) }
	a, b := ip(1), ip(2)
	anon := anonymous(t)

	repeated := uniqueEmail("limited")
	for i, email := range []string{repeated, repeated, uniqueEmail("limited")} { // a repeat counts too
		if r := anon.from(base, a, "POST", "/v1/applications", application(email)); r.Status != 201 {
			t.Fatalf("application %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	throttled(t, anon.from(base, a, "POST", "/v1/applications", application(uniqueEmail("limited"))), window)
	throttled(t, anon.from(base, a, "POST", "/v1/applications", application(repeated)), window)
	if r := anon.from(base, b, "POST", "/v1/applications", application(uniqueEmail("other"))); r.Status != 201 {
		t.Fatalf("another source: %d %s", r.Status, r.Body)
	}

	ws, admin := developerWorkspace(t)
	var inv struct{ ID string }
	admin.must(201, "POST", "/v1/workspaces/"+ws+"/invitations", map[string]string{"email": uniqueEmail("invitee"), "role": "developer"}).decode(t, &inv)
	resend := "/v1/workspaces/" + ws + "/invitations/" + inv.ID + "/resend"
	for i := range 2 {
		if r := admin.from(base, a, "POST", resend, nil); r.Status != 200 {
			t.Fatalf("resend %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	throttled(t, admin.from(base, a, "POST", resend, nil), window)
	if r := admin.from(base, b, "POST", resend, nil); r.Status != 200 {
		t.Fatalf("resend from another source: %d %s", r.Status, r.Body)
	}
}
