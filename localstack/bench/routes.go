package main

// DynamoDB calls per request, for each route class of the goals.
//
// The scenario is what a merchant does, through the local gateway: apply, be
// approved by the tenant admin, then (as the new workspace's admin) create mini
// programs with an Idempotency-Key, rename them, start uploads, invite members,
// create launches, and have the tenant admin approve them. Each write is counted
// on -write-reps fresh entities; in between, what the next step needs (ETags,
// the uploaded package's processing, the review task token the launch workflow
// stores on the approval) is done with the counter reset, so it never counts.
// Then each read is counted over -read-reps requests after one warm-up.
// Nothing else runs while a request is counted (the queue pollers are run only
// between requests), so the counter holds exactly that request's calls.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/shared/backoff"
	"github.com/mpdp/platform/shared/packages"
)

// apiClient calls the platform through the local gateway, as a client would.
type apiClient struct {
	ctx  context.Context
	base string
	http *http.Client
}

// call sends a request (body nil or a value to encode; headers as name, value
// pairs), fails unless the status is want, decodes the answer into out if it is
// not nil, and returns the response headers. The body is always read whole, so
// keep-alive reuses the connection.
func (c *apiClient) call(method, path, token string, body any, want int, out any, headers ...string) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return nil, err
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req, want, out)
}

// do sends req, fails unless the status is want, and decodes the answer into
// out if it is not nil.
func (c *apiClient) do(req *http.Request, want int, out any) (http.Header, error) {
	method, path := req.Method, req.URL.Path
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return res.Header, nil
}

func (c *apiClient) get(path, token string) error {
	_, err := c.call(http.MethodGet, path, token, nil, http.StatusOK, nil)
	return err
}

// routeCalls is one route class and its AWS calls per request.
type routeCalls struct {
	kind  string // "read" or "write"
	goal  string // the goal's short name
	route string // method and path pattern
	reps  int
	calls map[string]float64 // per request, by "Service.Operation"
}

// dynamoDB is the DynamoDB calls per request (retries not counted twice).
func (r routeCalls) dynamoDB() float64 {
	var n float64
	for k, v := range r.calls {
		if strings.HasPrefix(k, "DynamoDB.") && !strings.HasSuffix(k, " (attempts)") {
			n += v
		}
	}
	return n
}

// scenario holds what the route measurements build on.
type scenario struct {
	ctx    context.Context
	s      *stack.Stack
	c      *counter
	api    *apiClient
	tenant string // the tenant admin's ID token
	dev    string // the developer workspace's admin's ID token
	ws     string
	mps    []string // mini program ids, one per write rep
	launch []struct{ id, approvalID string }
}

// count runs op with the counter reset and adds its calls to *into.
func (sc *scenario) count(into *routeCalls, op func() error) error {
	sc.c.reset()
	if err := op(); err != nil {
		return fmt.Errorf("%s: %w", into.route, err)
	}
	if into.calls == nil {
		into.calls = map[string]float64{}
	}
	for k, v := range sc.c.per(1) {
		into.calls[k] += v
	}
	into.reps++
	return nil
}

func (r *routeCalls) average() {
	for k := range r.calls {
		r.calls[k] /= float64(r.reps)
	}
}

func (sc *scenario) run(o options) ([]routeCalls, error) {
	if err := sc.developerWorkspace(); err != nil {
		return nil, err
	}
	writes, err := sc.writes(o.writeReps)
	if err != nil {
		return nil, err
	}
	reads, err := sc.reads(o.readReps)
	if err != nil {
		return nil, err
	}
	return append(reads, writes...), nil
}

// developerWorkspace applies for an account, has the tenant admin approve it,
// and signs the new workspace's admin in.
func (sc *scenario) developerWorkspace() error {
	email := fmt.Sprintf("bench-merchant-%d@example.test", time.Now().UnixNano())
	var app struct{ ID string }
	if _, err := sc.api.call("POST", "/v1/applications", "", map[string]string{"company": "Bench Merchant", "contactName": "Ann Lee",
		"email": email, "country": "SG", "reason": "Benchmarking the platform's routes."}, http.StatusCreated, &app); err != nil {
		return err
	}
	var approved struct{ Result map[string]string }
	if _, err := sc.api.call("POST", "/v1/approvals/"+app.ID+"/approve", sc.tenant, map[string]string{"comment": "bench"}, http.StatusOK, &approved); err != nil {
		return err
	}
	sc.ws = approved.Result["workspaceId"]
	const password = "Bench-Merchant-Passw0rd!"
	if _, err := sc.s.Directory.SetPassword(sc.ctx, email, password); err != nil {
		return err
	}
	var err error
	sc.dev, err = sc.s.SignIn(sc.ctx, email, password, "")
	return err
}

// writes counts each write route class on reps fresh entities, in the order a
// merchant needs them: each class builds what the next one uses.
func (sc *scenario) writes(reps int) ([]routeCalls, error) {
	ws := "/v1/workspaces/" + sc.ws
	create := routeCalls{kind: "write", goal: "create-with-idempotency-key", route: "POST /v1/workspaces/{ws}/miniprograms (Idempotency-Key)"}
	patch := routeCalls{kind: "write", goal: "patch-miniprogram", route: "PATCH /v1/workspaces/{ws}/miniprograms/{mp}"}
	upload := routeCalls{kind: "write", goal: "upload", route: "POST /v1/workspaces/{ws}/miniprograms/{mp}/uploads"}
	invite := routeCalls{kind: "write", goal: "invite", route: "POST /v1/workspaces/{ws}/invitations"}
	launch := routeCalls{kind: "write", goal: "create-launch", route: "POST /v1/workspaces/{ws}/miniprograms/{mp}/launches"}
	approve := routeCalls{kind: "write", goal: "approve", route: "POST /v1/approvals/{id}/approve (a launch)"}
	pkg, err := smallPackage("1.0.0")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pkg)
	packages := sc.s.Pollers()[1]
	packages.Wait = -1
	tag := time.Now().UnixNano()

	for i := range reps {
		var mp struct{ ID string }
		if err := sc.count(&create, func() error {
			_, err := sc.api.call("POST", ws+"/miniprograms", sc.dev, map[string]string{"name": fmt.Sprintf("Bench Shop %d", i), "category": "shopping"},
				http.StatusCreated, &mp, "Idempotency-Key", fmt.Sprintf("bench-create-%d-%d", tag, i))
			return err
		}); err != nil {
			return nil, err
		}
		sc.mps = append(sc.mps, mp.ID)
		path := ws + "/miniprograms/" + mp.ID
		h, err := sc.api.call("GET", path, sc.dev, nil, http.StatusOK, nil)
		if err != nil {
			return nil, err
		}
		if err := sc.count(&patch, func() error {
			_, err := sc.api.call("PATCH", path, sc.dev, map[string]string{"name": fmt.Sprintf("Bench Store %d", i)}, http.StatusOK, nil, "If-Match", h.Get("ETag"))
			return err
		}); err != nil {
			return nil, err
		}
		var up struct {
			Upload struct {
				URL, Method string
				Headers     map[string]string
			}
		}
		if err := sc.count(&upload, func() error {
			_, err := sc.api.call("POST", path+"/uploads", sc.dev, map[string]any{"version": "1.0.0", "size": len(pkg), "sha256": hex.EncodeToString(sum[:])},
				http.StatusCreated, &up)
			return err
		}); err != nil {
			return nil, err
		}
		// The package goes to S3 and is processed, so that the version can be launched.
		if err := putPresigned(sc.ctx, up.Upload.URL, up.Upload.Method, up.Upload.Headers, pkg); err != nil {
			return nil, err
		}
		if err := drain(sc.ctx, packages.Once); err != nil {
			return nil, fmt.Errorf("process the upload: %w", err)
		}
		var v struct{ Status string }
		if _, err := sc.api.call("GET", path+"/versions/1.0.0", sc.dev, nil, http.StatusOK, &v); err != nil {
			return nil, err
		}
		if v.Status != "ready" {
			return nil, fmt.Errorf("the uploaded version is %s, not ready", v.Status)
		}
		if err := sc.count(&invite, func() error {
			_, err := sc.api.call("POST", ws+"/invitations", sc.dev, map[string]string{"email": fmt.Sprintf("bench-invitee-%d-%d@example.test", tag, i), "role": "developer"},
				http.StatusCreated, nil)
			return err
		}); err != nil {
			return nil, err
		}
		var l struct{ ID, ApprovalID string }
		if err := sc.count(&launch, func() error {
			_, err := sc.api.call("POST", path+"/launches", sc.dev, map[string]any{"version": "1.0.0", "strategy": "full"}, http.StatusCreated, &l)
			return err
		}); err != nil {
			return nil, err
		}
		sc.launch = append(sc.launch, struct{ id, approvalID string }{l.ID, l.ApprovalID})
	}

	// The launch workflow asks its worker to store the review task token on each
	// approval; the approval then signals the workflow, as in production.
	if err := sc.awaitReviewTokens(); err != nil {
		return nil, err
	}
	for _, l := range sc.launch {
		if err := sc.count(&approve, func() error {
			_, err := sc.api.call("POST", "/v1/approvals/"+l.approvalID+"/approve", sc.tenant, map[string]string{"comment": "bench"}, http.StatusOK, nil)
			return err
		}); err != nil {
			return nil, err
		}
	}
	out := []routeCalls{invite, patch, approve, upload, create, launch}
	for i := range out {
		out[i].average()
	}
	return out, nil
}

// awaitReviewTokens runs the workflow worker until every launch's approval
// holds its review task token.
func (sc *scenario) awaitReviewTokens() error {
	p := sc.s.Pollers()[2]
	p.Wait = -1
	deadline := time.Now().Add(60 * time.Second)
	for _, l := range sc.launch {
		for {
			a, err := sc.s.Store.GetApproval(sc.ctx, l.approvalID)
			if err != nil {
				return err
			}
			if a.TaskToken != "" {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the launch workflow stored no review task token on approval %s within 60 s", l.approvalID)
			}
			if _, err := p.Once(sc.ctx); err != nil {
				return err
			}
			if err := backoff.Sleep(sc.ctx, 100*time.Millisecond); err != nil {
				return err
			}
		}
	}
	return nil
}

// reads counts each read route class over reps requests after one warm-up.
func (sc *scenario) reads(reps int) ([]routeCalls, error) {
	ws := "/v1/workspaces/" + sc.ws
	mp := ws + "/miniprograms/" + sc.mps[0]
	launch := mp + "/launches/" + sc.launch[0].id
	classes := []struct {
		goal, route, path, token string
	}{
		{"me", "GET /v1/me", "/v1/me", sc.dev},
		{"workspaces-list", "GET /v1/workspaces", "/v1/workspaces", sc.dev},
		{"workspace", "GET /v1/workspaces/{ws}", ws, sc.dev},
		{"members-list", "GET /v1/workspaces/{ws}/members", ws + "/members", sc.dev},
		{"invitations-list", "GET /v1/workspaces/{ws}/invitations", ws + "/invitations", sc.dev},
		{"miniprograms-list", "GET /v1/workspaces/{ws}/miniprograms", ws + "/miniprograms", sc.dev},
		{"miniprogram", "GET /v1/workspaces/{ws}/miniprograms/{mp}", mp, sc.dev},
		{"versions-list", "GET .../miniprograms/{mp}/versions", mp + "/versions", sc.dev},
		{"version", "GET .../miniprograms/{mp}/versions/{version}", mp + "/versions/1.0.0", sc.dev},
		{"launches-list", "GET .../miniprograms/{mp}/launches", mp + "/launches", sc.dev},
		{"launch-detail", "GET .../miniprograms/{mp}/launches/{launch}", launch, sc.dev},
		{"release", "GET .../miniprograms/{mp}/release", mp + "/release", sc.dev},
		{"approvals-list", "GET /v1/approvals", "/v1/approvals?status=approved", sc.tenant},
		{"approval", "GET /v1/approvals/{id}", "/v1/approvals/" + sc.launch[0].approvalID, sc.tenant},
	}
	var out []routeCalls
	for _, cl := range classes {
		rc := routeCalls{kind: "read", goal: cl.goal, route: cl.route}
		if err := sc.api.get(cl.path, cl.token); err != nil {
			return nil, err
		}
		for range reps {
			if err := sc.count(&rc, func() error { return sc.api.get(cl.path, cl.token) }); err != nil {
				return nil, err
			}
		}
		rc.average()
		out = append(out, rc)
	}
	return out, nil
}

// smallPackage is a valid package of one page.
func smallPackage(version string) ([]byte, error) {
	man, err := json.Marshal(packages.Manifest{Version: version, Pages: []string{"pages/index/index"}})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = packages.Build(&buf, map[string][]byte{packages.ManifestName: man, "pages/index/index.js": []byte("Page({})\n")})
	return buf.Bytes(), err
}

// putPresigned sends body to a presigned URL with the headers it binds, as a client would.
func putPresigned(ctx context.Context, url, method string, headers map[string]string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("PUT %s: %s %s", url, res.Status, b)
	}
	return nil
}

// drain runs a poller's Once until a round finds the queue empty.
func drain(ctx context.Context, once func(context.Context) (int, error)) error {
	for {
		n, err := once(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}
