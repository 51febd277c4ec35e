package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"go/build"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/httpapi"
)

func TestHandlerCarriesRequestAndClaims(t *testing.T) {
	var got struct {
		method, path, query, body, header, host, remote string
		length                                          int64
		caller                                          auth.Caller
		callerErr                                       error
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.path, got.query, got.body, got.header = r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Get("If-Match")
		got.host, got.remote, got.length = r.Host, r.RemoteAddr, r.ContentLength
		got.caller, got.callerErr = auth.CallerFrom(r.Context())
		w.Header().Set("ETag", `"v2"`)
		w.WriteHeader(201)
		w.Write([]byte(`{"ok":true}`))
	})
	e := events.APIGatewayV2HTTPRequest{
		RawPath: "/v1/workspaces/ws_1", RawQueryString: "limit=2", Headers: map[string]string{"if-match": `"v1"`, "host": "api.example.com"},
		Body: base64.StdEncoding.EncodeToString([]byte(`{"name":"x"}`)), IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "PATCH", SourceIP: "203.0.113.9"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "u1", "email": "A@B.test"}}}},
	}
	res, err := Handler(h)(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if got.method != "PATCH" || got.path != "/v1/workspaces/ws_1" || got.query != "limit=2" || got.body != `{"name":"x"}` || got.header != `"v1"` ||
		got.host != "api.example.com" || got.remote != "203.0.113.9" || got.length != int64(len(`{"name":"x"}`)) {
		t.Fatalf("request %+v", got)
	}
	if got.callerErr != nil || got.caller.UserID != "u1" || got.caller.Email != "a@b.test" {
		t.Fatalf("caller %+v %v", got.caller, got.callerErr)
	}
	if res.StatusCode != 201 || res.Headers["Etag"] != `"v2"` || res.Body != `{"ok":true}` || res.IsBase64Encoded {
		t.Fatalf("response %+v", res)
	}

	// Without the authorizer (a public route) there is no caller.
	e.RequestContext.Authorizer = nil
	Handler(h)(context.Background(), e)
	if got.callerErr == nil {
		t.Fatal("public request has a caller")
	}
}

// An event that describes no valid request is a 400 that says what is wrong,
// never a Lambda error (API Gateway would answer a bare 500).
func TestHandlerAnswersBadEventsWithWhatIsWrong(t *testing.T) {
	ok := events.APIGatewayV2HTTPRequest{RawPath: "/v1/x", RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "gw-1=",
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}}
	for name, tc := range map[string]struct {
		edit   func(*events.APIGatewayV2HTTPRequest)
		detail string
	}{
		"bad base64":   {func(e *events.APIGatewayV2HTTPRequest) { e.Body, e.IsBase64Encoded = "not base64!", true }, "not valid base64"},
		"no method":    {func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "" }, "no HTTP method"},
		"bad method":   {func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "GE T" }, `method "GE T" is not valid`},
		"no path":      {func(e *events.APIGatewayV2HTTPRequest) { e.RawPath = "" }, "does not start with /"},
		"bad escape":   {func(e *events.APIGatewayV2HTTPRequest) { e.RawPath = "/v1/%zz" }, "not a valid URL"},
		"control char": {func(e *events.APIGatewayV2HTTPRequest) { e.RawQueryString = "a=\x7f" }, "not a valid URL"},
	} {
		t.Run(name, func(t *testing.T) {
			e := ok
			tc.edit(&e)
			called := false
			res, err := Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))(context.Background(), e)
			if err != nil {
				t.Fatalf("Lambda error %v", err)
			}
			var p httpapi.Problem
			if json.Unmarshal([]byte(res.Body), &p) != nil || res.StatusCode != 400 || res.Headers["Content-Type"] != "application/problem+json" {
				t.Fatalf("want a 400 problem, got %d %v %s", res.StatusCode, res.Headers, res.Body)
			}
			if !strings.Contains(p.Detail, tc.detail) || p.RequestID != "gw-1=" || res.Headers["X-Request-Id"] != "gw-1=" {
				t.Fatalf("detail %q (want %q), request id %q / %q", p.Detail, tc.detail, p.RequestID, res.Headers["X-Request-Id"])
			}
			if called {
				t.Fatal("the handler ran on a bad event")
			}
		})
	}
}

func TestHandlerCookiesBothWays(t *testing.T) {
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, c := range r.Cookies() {
			got = append(got, c.Name+"="+c.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2", HttpOnly: true})
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Vary", "Accept")
	})
	e := events.APIGatewayV2HTTPRequest{RawPath: "/", Cookies: []string{"session=s1", "theme=dark"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}}
	res, _ := Handler(h)(context.Background(), e)
	if !slices.Equal(got, []string{"session=s1", "theme=dark"}) {
		t.Fatalf("request cookies %v", got)
	}
	if !slices.Equal(res.Cookies, []string{"a=1", "b=2; HttpOnly"}) || res.Headers["Set-Cookie"] != "" {
		t.Fatalf("response cookies %v, headers %v", res.Cookies, res.Headers)
	}
	if res.Headers["Vary"] != "Origin,Accept" {
		t.Fatalf("multi-value header %q", res.Headers["Vary"])
	}
}

func TestHandlerBodies(t *testing.T) {
	binary := []byte{0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, 0x00}
	for name, tc := range map[string]struct {
		write      func(http.ResponseWriter)
		status     int
		body       []byte
		base64     bool
		contentTyp string
	}{
		"json": {func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"a":"é"}`))
		}, 200, []byte(`{"a":"é"}`), false, "application/json"},
		"binary":       {func(w http.ResponseWriter) { w.Write(binary) }, 200, binary, true, "application/zip"},
		"sniffed text": {func(w http.ResponseWriter) { w.WriteHeader(202); w.Write([]byte("hello")) }, 202, []byte("hello"), false, "text/plain; charset=utf-8"},
		"no body":      {func(w http.ResponseWriter) { w.WriteHeader(204) }, 204, nil, false, ""},
		"nothing":      {func(w http.ResponseWriter) {}, 200, nil, false, ""},
		"first status": {func(w http.ResponseWriter) { w.WriteHeader(409); w.WriteHeader(200) }, 409, nil, false, ""},
		"split writes": {func(w http.ResponseWriter) { w.Write(binary[:3]); w.Write(binary[3:]) }, 200, binary, true, "application/octet-stream"},
	} {
		t.Run(name, func(t *testing.T) {
			res, _ := Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { tc.write(w) }))(context.Background(),
				events.APIGatewayV2HTTPRequest{RawPath: "/", RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}})
			body := []byte(res.Body)
			if res.IsBase64Encoded {
				body, _ = base64.StdEncoding.DecodeString(res.Body)
			}
			if res.StatusCode != tc.status || !bytes.Equal(body, tc.body) || res.IsBase64Encoded != tc.base64 || res.Headers["Content-Type"] != tc.contentTyp {
				t.Fatalf("got %d %q base64=%v type %q", res.StatusCode, body, res.IsBase64Encoded, res.Headers["Content-Type"])
			}
		})
	}
	// A binary request body arrives as bytes.
	var got []byte
	Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got, _ = io.ReadAll(r.Body) }))(context.Background(),
		events.APIGatewayV2HTTPRequest{RawPath: "/", Body: base64.StdEncoding.EncodeToString(binary), IsBase64Encoded: true,
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "PUT"}}})
	if !bytes.Equal(got, binary) {
		t.Fatalf("binary request body %x", got)
	}
}

// API Gateway's request id is the request's id; a client's X-Request-Id cannot
// replace it, and is logged beside it.
func TestHandlerRequestIDIsAPIGateways(t *testing.T) {
	var logs bytes.Buffer
	var seen string
	h := httpapi.WithRequest(slog.New(slog.NewJSONHandler(&logs, nil)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = httpapi.RequestID(r.Context())
		httpapi.WriteError(w, r, httpapi.NewProblem(404, "gone"))
	}))
	e := events.APIGatewayV2HTTPRequest{RawPath: "/", Headers: map[string]string{"x-request-id": "client-chosen"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "JNZsBiXJoAMEVAA=", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}}
	res, _ := Handler(h)(context.Background(), e)
	var p httpapi.Problem
	json.Unmarshal([]byte(res.Body), &p)
	if seen != "JNZsBiXJoAMEVAA=" || res.Headers["X-Request-Id"] != "JNZsBiXJoAMEVAA=" || p.RequestID != "JNZsBiXJoAMEVAA=" {
		t.Fatalf("request id %q, header %q, problem %q", seen, res.Headers["X-Request-Id"], p.RequestID)
	}
	var line struct{ RequestID, ClientRequestID string }
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line.RequestID != "JNZsBiXJoAMEVAA=" || line.ClientRequestID != "client-chosen" {
		t.Fatalf("log %s", logs.Bytes())
	}

	// Without an id from API Gateway (a direct invoke), the client's safe id is used.
	e.RequestContext.RequestID = ""
	Handler(h)(context.Background(), e)
	if seen != "client-chosen" {
		t.Fatalf("request id %q", seen)
	}
}

// Production code collects responses with its own writer, not the test recorder.
func TestNoTestRecorderInProduction(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(pkg.Imports, "net/http/httptest") {
		t.Fatal("lambdahttp imports net/http/httptest outside its tests")
	}
}

func FuzzHandler(f *testing.F) {
	f.Add("GET", "/v1/x", "a=1", "e30=", true)
	f.Add("POST", "/v1/%zz", "", "{}", false)
	f.Fuzz(func(t *testing.T, method, path, query, body string, b64 bool) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
		res, err := Handler(h)(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: path, RawQueryString: query, Body: body, IsBase64Encoded: b64,
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method}}})
		if err != nil || res.StatusCode >= 500 {
			t.Fatalf("%d %v", res.StatusCode, err)
		}
	})
}
