package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/localstack/stack/stacktest"
	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/platform"
)

// The integration tests run the whole platform on their own moto server,
// through the local gateway, as a client would.
var (
	env *stack.Stack
	gw  *httptest.Server
)

const (
	tenantAdminEmail = "root@tenant.test"
	password         = "Str0ng-Passw0rd!"
)

// MPDP_TEST_LOG=<file> keeps the functions' logs, to see why a test failed.
func TestMain(m *testing.M) {
	opts := stack.Options{
		Tenant:     platform.Tenant{Name: "Tenant", AdminEmail: tenantAdminEmail, AdminPassword: password},
		ConsoleURL: "https://console.test",
	}
	stacktest.Run(m, opts, func(s *stack.Stack) int {
		// Every test applies for accounts from 127.0.0.1: lift the per-source
		// limits here (throttle_test.go runs its own server with small ones).
		lots := api.Limit{Requests: 1 << 30, Window: time.Hour}
		s.Server.Limits = api.Limits{Applications: lots, Resends: lots}
		env, gw = s, httptest.NewServer(s.Gateway)
		defer gw.Close()
		return m.Run()
	})
}

// client calls the API as one user (or anonymously with no token).
type client struct {
	t      testing.TB
	token  string
	userID string
	email  string
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem returns the response's problem body, failing unless it is one.
func (r response) problem(t testing.TB) problemBody {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("want a problem+json body, got %q: %s", ct, r.Body)
	}
	var p problemBody
	r.decode(t, &p)
	if p.Status != r.Status || p.Title == "" || p.Type == "" {
		t.Fatalf("malformed problem %s", r.Body)
	}
	return p
}

type problemBody struct {
	Type, Title, Detail string
	Status              int
	Errors              []struct{ Field, Message string }
}

func (p problemBody) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// do sends a request. body may be nil, a string (sent as is) or a value to encode.
// headers are name, value pairs.
func (c client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, gw.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
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

// must sends a request and fails the test unless the status is want.
func (c client) must(want int, method, path string, body any, headers ...string) response {
	c.t.Helper()
	r := c.do(method, path, body, headers...)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

var seq atomic.Int64

// uniqueEmail returns a fresh address for a test user.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s%d.%d@example.test", prefix, time.Now().UnixNano()%1e6, seq.Add(1))
}

// signIn creates (or resets) a user with a known password and signs them in.
func signIn(t testing.TB, email string) client {
	t.Helper()
	ctx := context.Background()
	u, err := env.Directory.SetPassword(ctx, email, password)
	if err != nil {
		t.Fatal(err)
	}
	token, err := env.SignIn(ctx, email, password, "")
	if err != nil {
		t.Fatal(err)
	}
	return client{t: t, token: token, userID: u.ID, email: email}
}

func anonymous(t testing.TB) client { return client{t: t} }

func tenantAdmin(t testing.TB) client { return signIn(t, tenantAdminEmail) }

// application returns a valid application body for email, accepting the
// platform's current terms of service if any are published.
func application(email string) map[string]any {
	body := map[string]any{"company": "Acme " + email, "contactName": "Ann Lee", "email": email, "country": "SG",
		"reason": "We build shopping mini programs for our stores."}
	if v := currentTermsVersion(); v > 0 {
		body["termsVersion"] = v
	}
	return body
}

// currentTermsVersion is the version of the platform's terms (GET /v1/terms), 0 if none.
func currentTermsVersion() int {
	res, err := http.Get(gw.URL + "/v1/terms")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var out struct{ Terms *struct{ Version int } }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		panic(fmt.Sprintf("GET /v1/terms: %d %v", res.StatusCode, err))
	}
	if out.Terms == nil {
		return 0
	}
	return out.Terms.Version
}

// developerWorkspace applies for an account, has the tenant admin approve it, and
// signs the new workspace's admin in.
func developerWorkspace(t testing.TB) (ws string, admin client) {
	t.Helper()
	email := uniqueEmail("merchant")
	var created struct{ ID string }
	anonymous(t).must(201, "POST", "/v1/applications", application(email)).decode(t, &created)
	var approved struct{ Result map[string]string }
	tenantAdmin(t).must(200, "POST", "/v1/approvals/"+created.ID+"/approve", map[string]string{"comment": "welcome"}).decode(t, &approved)
	return approved.Result["workspaceId"], signIn(t, email)
}

// addMember invites email to ws with role and accepts as that user.
func addMember(t testing.TB, admin client, ws, role string) client {
	t.Helper()
	email := uniqueEmail(role)
	var inv struct{ ID, Token string }
	admin.must(201, "POST", "/v1/workspaces/"+ws+"/invitations", map[string]string{"email": email, "role": role}).decode(t, &inv)
	u := signIn(t, email)
	u.must(200, "POST", "/v1/invitations/"+inv.ID+"/accept", map[string]string{"token": inv.Token})
	return u
}

// etag reads the ETag of a resource.
func etag(t testing.TB, c client, path string) string {
	t.Helper()
	return c.must(200, "GET", path, nil).Header.Get("ETag")
}

// mailTo drains the mail queue (no poller runs in these tests) and returns the
// messages sent to email.
func mailTo(t testing.TB, email string) []mail.Message {
	t.Helper()
	ctx := context.Background()
	client := sqs.NewFromConfig(env.AWS)
	var out []mail.Message
	for range 20 {
		res, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &env.Config.MailQueueURL, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			break
		}
		for _, m := range res.Messages {
			var msg mail.Message
			json.Unmarshal([]byte(aws.ToString(m.Body)), &msg)
			if msg.To == email {
				out = append(out, msg)
			}
			client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &env.Config.MailQueueURL, ReceiptHandle: m.ReceiptHandle})
		}
	}
	return out
}

// checkContract is replaced by the OpenAPI check in contract_test.go.
var checkContract = func(t testing.TB, method, path string, r response) {}

// fetched downloads a presigned URL.
func fetched(t testing.TB, url string) []byte {
	t.Helper()
	if url == "" {
		t.Fatal("no URL to download")
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
	}
	return body
}
